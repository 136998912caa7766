"""Headline shares under each attribution alternative.

Alternatives: as uploaded; derived with merges split equally; derived
following the first parent only; as uploaded with intermediaries taken
out of their groups into a group of their own (the uploader view otherwise
folds them into whatever group their namespace belongs to, mostly
unaffiliated users); as uploaded with every download counted after a fall
of a cumulative counter booked as 0 (a revision, not a restart: see
`hubshare.panel.counter_falls`); and as uploaded under each contested judgement of the
registry (`contested.csv`: a project credited to its maintainer rather than
its creator, subsidiaries to the other of parent and own country,
international collaborations to their coordinator), one alternative per
judgement so that the headline under each can be read on its own.
"""

from __future__ import annotations

import polars as pl

from hubshare.analysis.shares import DIMENSIONS, ordered_sum, period_shares
from hubshare.panel.counter_falls import FALLS_AS_REVISIONS, falls_as_revisions

INTERMEDIARY_GROUP = "intermediary"
ALTERNATIVES = {
    "uploader": "As uploaded",
    "derived": "Derived, merges split",
    "derived_first_parent": "Derived, first parent",
    "uploader_intermediaries_apart": "As uploaded, intermediaries apart",
    FALLS_AS_REVISIONS: "As uploaded, counter falls as revisions",
}


CONTESTED_COLUMNS = ["alternative", "label", "namespace", "country_group", "developer_type", "source_url", "note"]


def contested_alternatives(contested: pl.DataFrame) -> dict[str, str]:
    """Alternative id -> label, in the order of the contested table."""
    return dict(contested.select("alternative", "label").unique(maintain_order=True).iter_rows())


def with_contested(namespaces: pl.DataFrame, contested: pl.DataFrame, alternative: str) -> pl.DataFrame:
    """Uploader-view namespace sums with one contested judgement taken the other way (namespaces match ignoring case)."""
    changes = contested.filter(pl.col("alternative") == alternative).select(
        pl.col("namespace").str.to_lowercase().alias("namespace_key"),
        pl.col("country_group").alias("new_country_group"),
        pl.col("developer_type").alias("new_developer_type"),
    )
    return (
        namespaces.with_columns(pl.col("namespace").str.to_lowercase().alias("namespace_key"))
        .join(changes, on="namespace_key", how="left")
        .select(
            pl.lit(alternative).alias("view"),
            "week",
            pl.coalesce("new_country_group", "country_group").alias("country_group"),
            pl.coalesce("new_developer_type", "developer_type").alias("developer_type"),
            "downloads",
        )
    )


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


def sensitivity_table(
    groups: pl.DataFrame,
    namespaces: pl.DataFrame,
    intermediaries: list[str],
    periods: dict,
    contested: pl.DataFrame | None = None,
    after_falls: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Period shares (view renamed `alternative`) for every alternative in `ALTERNATIVES` and in `contested`.

    `groups`: weekly sums by group for every view (`WeekGroups`); `namespaces`:
    the uploader view's weekly sums by namespace (`WeekNamespaces`);
    `after_falls`: the downloads counted after counter falls per week and
    namespace (`hubshare.panel.counter_falls.counted_after_falls`).
    """
    columns = ["view", "week", *DIMENSIONS, "downloads"]
    alternatives = [with_intermediaries_apart(namespaces, intermediaries)]
    if after_falls is not None:
        alternatives.append(falls_as_revisions(namespaces, after_falls))
    if contested is not None:
        alternatives += [with_contested(namespaces, contested, name) for name in contested_alternatives(contested)]
    # The alternatives regroup the uploader view's namespace rows (millions at Hub scale): summed to their groups
    # first, the period shares order thousands of sums instead of those rows. The uploader view credits each model
    # whole, so its sums are whole downloads, exact in any grouping: the shares are the same to the last bit.
    summed = [frame.group_by("view", "week", *DIMENSIONS).agg(ordered_sum()).select(columns) for frame in alternatives]
    combined = pl.concat([groups.select(columns), *summed])
    return period_shares(combined, periods).rename({"view": "alternative"})
