"""Headline shares under each attribution alternative.

Alternatives: as uploaded; derived with merges split equally; derived
following the first parent only; and as uploaded with intermediaries taken
out of their groups into a group of their own (the uploader view otherwise
folds them into whatever group their namespace belongs to, mostly
unaffiliated users).
"""

from __future__ import annotations

import polars as pl

from hubshare.shares import period_shares

INTERMEDIARY_GROUP = "intermediary"
ALTERNATIVES = {
    "uploader": "As uploaded",
    "derived": "Derived, merges split",
    "derived_first_parent": "Derived, first parent",
    "uploader_intermediaries_apart": "As uploaded, intermediaries apart",
}


def with_intermediaries_apart(attributed: pl.DataFrame, intermediaries: list[str]) -> pl.DataFrame:
    """Uploader rows with flagged namespaces moved to their own country group and developer type."""
    flagged = pl.col("attributed_namespace").is_in(intermediaries)
    return attributed.filter(pl.col("view") == "uploader").with_columns(
        pl.lit("uploader_intermediaries_apart").alias("view"),
        pl.when(flagged).then(pl.lit(INTERMEDIARY_GROUP)).otherwise(pl.col("country_group")).alias("country_group"),
        pl.when(flagged).then(pl.lit(INTERMEDIARY_GROUP)).otherwise(pl.col("developer_type")).alias("developer_type"),
    )


def sensitivity_table(attributed: pl.DataFrame, intermediaries: list[str], periods: dict) -> pl.DataFrame:
    """Period shares (view renamed `alternative`) for every alternative in `ALTERNATIVES`."""
    combined = pl.concat([attributed, with_intermediaries_apart(attributed, intermediaries)], how="vertical_relaxed")
    return period_shares(combined, periods).rename({"view": "alternative"})
