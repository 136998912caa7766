"""Results -> the manuscript's variables (`_variables.yml`): the tree every build writes.

Every number in the paper's text comes from the manuscript's modules: the
manuscript refers to them as `{{< var dotted.key >}}` and includes the tables
they generate, so no number is typed by hand. Each section of the paper has
its module (`data_section`, `shares_section`, `attribution_section`,
`trends_section`, `eras_section`, `validation_section`) with its variables,
sentences and tables; `formatting` writes the numbers and `tables` the
markdown tables. This module assembles the variables every build has.
"""

from __future__ import annotations

import polars as pl

from hubshare.manuscript.attribution_section import coverage_variables
from hubshare.manuscript.data_section import ledger_variables
from hubshare.manuscript.shares_section import concentration_variables, share_variables
from hubshare.manuscript.trends_section import trend_variables
from hubshare.manuscript.validation_section import planted_variables, recovery_variables

DEMO_NOTICE = (
    "Built from synthetic demo data: every number, table and figure in this build comes from the "
    "seeded simulator, not from the Hugging Face Hub, and validates the method against planted values."
)


def assemble_variables(
    *,
    source: str,
    snapshots: int,
    stats: dict,
    period_shares: pl.DataFrame,
    concentration: pl.DataFrame,
    ledger: pl.DataFrame,
    coverage: pl.DataFrame,
    quality: dict,
    truth: dict | None,
    recovery: pl.DataFrame | None,
    vocabulary: dict,
) -> dict:
    """The nested mapping written to `_variables.yml`."""
    weeks = concentration["week"]
    variables = {
        "data": {
            "source": source,
            "is_demo": source == "demo",
            "notice": DEMO_NOTICE if source == "demo" else f"Built from the `{source}` source.",
            "snapshots": f"{snapshots:,}",
            "first_week": str(weeks.min()),
            "last_week": str(weeks.max()),
            "weeks": f"{weeks.n_unique():,}",
            "models_last_snapshot": f"{quality['snapshots']['rows_out_last']:,}",
            "rows_repaired": f"{quality['repairs_total']:,}",
        },
        "vocabulary": vocabulary,
        "ledger": ledger_variables(ledger),
        "share": share_variables(period_shares),
        "trend": trend_variables(stats),
        "concentration": concentration_variables(concentration),
        "coverage": coverage_variables(coverage),
        "stats": {
            "alpha": f"{stats['alpha']:g}",
            "tests": f"{len(stats['tests'])}",
            "min_intervals": f"{stats['min_intervals']}",
            "confidence": f"{stats['confidence'] * 100:.0f}%",
        },
    }
    if truth is not None and recovery is not None:
        variables["planted"] = planted_variables(truth)
        variables["recovery"] = recovery_variables(recovery)
        variables["demo"] = {
            "seed": str(truth["settings"]["seed"]),
            "effect_size": f"{truth['settings']['effect_size']:g}",
        }
    return variables
