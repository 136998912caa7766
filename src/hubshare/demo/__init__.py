"""The `demo` data source: a seeded simulator of the Hugging Face Hub.

`snapshot_dates(settings)` is cheap (the workflow calls it to build the DAG);
`simulate_demo(settings, registry, legacy_ids, out_dir)` writes weekly
snapshots in the raw contract, their origin metadata and `truth.json`. The
simulator is imported only when `simulate_demo` is first used.
"""

from __future__ import annotations

from hubshare.demo.calendar import snapshot_dates

__all__ = ["simulate_demo", "snapshot_dates"]


def __getattr__(name: str):
    if name == "simulate_demo":
        from hubshare.demo.simulate import simulate_demo

        return simulate_demo
    raise AttributeError(f"module 'hubshare.demo' has no attribute {name!r}")
