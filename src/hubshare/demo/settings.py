"""The `demo:` block of the workflow configuration, checked against `workflow/schemas/demo.schema.yaml`.

The schema holds every key's description, type, range and default; this
module adds the rules between keys that a schema does not state. Pure Python
(no numpy, no polars) so that the workflow can read the calendar at DAG-build
time without importing the simulator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from hubshare.contracts.json_schemas import DEMO_SCHEMA, problems, read_schema, with_defaults

# Kinds of logit-scale noise on the segments' shares (`hubshare.inference.noise` draws them).
NOISE_KINDS = tuple(read_schema(DEMO_SCHEMA)["properties"]["share_noise"]["enum"])


class DemoSettingsError(ValueError):
    """A demo setting that is unknown, of the wrong type or out of range."""


def checked_settings(settings: Mapping[str, object] | None) -> dict[str, object]:
    """The given settings over the schema's defaults, each key checked against the schema.

    Dates are ISO strings, whole numbers ints and real numbers floats (a
    `relation_mix` in key order), whatever the YAML gave. Raises
    DemoSettingsError listing every broken key, what was found and what is allowed.
    """
    given = {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in (settings or {}).items()}
    broken = [f"demo settings: key '{key}': {message}" for _, key, message in problems(given, DEMO_SCHEMA)]
    if broken:
        raise DemoSettingsError("\n".join(broken))
    filled = with_defaults(given, DEMO_SCHEMA)
    properties = read_schema(DEMO_SCHEMA)["properties"]
    resolved = {key: _typed(filled[key], properties[key]) for key in properties}
    resolved["relation_mix"] = {key: float(share) for key, share in sorted(resolved["relation_mix"].items())}
    return resolved


def resolve_settings(settings: Mapping[str, object] | None) -> dict[str, object]:
    """`checked_settings`, and the rules between keys; raises DemoSettingsError naming the keys."""
    resolved = checked_settings(settings)
    start, end = (dt.date.fromisoformat(resolved[key]) for key in ("start", "end"))
    if (end - start).days < resolved["cadence_days"]:
        raise DemoSettingsError("demo settings: 'start' to 'end' must span at least two snapshots")
    if resolved["pre_window_models"] > resolved["models_total"]:
        raise DemoSettingsError("demo settings: 'pre_window_models' cannot exceed 'models_total'")
    if sum(resolved["relation_mix"].values()) <= 0:
        raise DemoSettingsError("demo settings: 'relation_mix' shares must not all be zero")
    return resolved


def _typed(value: object, schema: dict) -> object:
    return {"integer": int, "number": float}.get(schema.get("type"), lambda v: v)(value)
