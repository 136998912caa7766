"""Headline shares under each attribution alternative.

Alternatives: as uploaded; derived with merges split equally; derived
following the first parent only; and as uploaded with intermediaries taken
out of their groups into a group of their own (the uploader view otherwise
folds them into whatever group their namespace belongs to, mostly
unaffiliated users).
"""

from __future__ import annotations

import polars as pl

from hubshare.shares import DIMENSIONS, period_shares

INTERMEDIARY_GROUP = "intermediary"
ALTERNATIVES = {
    "uploader": "As uploaded",
    "derived": "Derived, merges split",
    "derived_first_parent": "Derived, first parent",
    "uploader_intermediaries_apart": "As uploaded, intermediaries apart",
}


def with_intermediaries_apart(namespaces: pl.DataFrame, intermediaries: list[str]) -> pl.DataFrame:
    """Uploader-view namespace sums (`WeekNamespaces`) with flagged namespaces in their own country group and developer type."""
    flagged = pl.col("namespace").is_in(intermediaries)
    return namespaces.select(
        pl.lit("uploader_intermediaries_apart").alias("view"),
        "week",
        pl.when(flagged).then(pl.lit(INTERMEDIARY_GROUP)).otherwise(pl.col("country_group")).alias("country_group"),
        pl.when(flagged).then(pl.lit(INTERMEDIARY_GROUP)).otherwise(pl.col("developer_type")).alias("developer_type"),
        "downloads",
    )


def sensitivity_table(groups: pl.DataFrame, namespaces: pl.DataFrame, intermediaries: list[str],
                      periods: dict) -> pl.DataFrame:
    """Period shares (view renamed `alternative`) for every alternative in `ALTERNATIVES`.

    `groups`: weekly sums by group for every view (`WeekGroups`); `namespaces`:
    the uploader view's weekly sums by namespace (`WeekNamespaces`).
    """
    columns = ["view", "week", *DIMENSIONS, "downloads"]
    combined = pl.concat([groups.select(columns), with_intermediaries_apart(namespaces, intermediaries).select(columns)])
    return period_shares(combined, periods).rename({"view": "alternative"})
