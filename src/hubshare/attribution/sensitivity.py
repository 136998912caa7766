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

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.block_sums import scan_blocks
from hubshare.analysis.exact_sums import from_fixed_point, to_fixed_point
from hubshare.analysis.shares import DIMENSIONS, period_shares
from hubshare.contracts.curated_csv import read_curated_csv
from hubshare.jobs.atomic import write_csv
from hubshare.panel.counter_falls import FALLS_AS_REVISIONS, rows_with_falls

log = logging.getLogger(__name__)

INTERMEDIARY_GROUP = "intermediary"
# What an alternative's sums are kept by.
GROUP_KEYS = ["week", *DIMENSIONS]
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
    # Each alternative moves a few namespaces' rows to other groups, or takes downloads out of a few: its sums are
    # the uploader view's namespace rows summed once (millions at Hub scale) with those rows' changes added. In
    # fixed point the changes add exactly, so these are the sums of the changed rows themselves, to the last bit.
    base = (
        namespaces.with_columns(to_fixed_point("downloads"))
        .group_by(GROUP_KEYS)
        .agg(pl.col("downloads").sum(), pl.len().cast(pl.Int64).alias("rows"))
    )
    flagged = namespaces.filter(pl.col("namespace").is_in(intermediaries))
    changes = {"uploader_intermediaries_apart": _moved(flagged, pl.lit(INTERMEDIARY_GROUP), pl.lit(INTERMEDIARY_GROUP))}
    if after_falls is not None:
        falls = rows_with_falls(namespaces, after_falls)
        changes[FALLS_AS_REVISIONS] = falls.select(
            *GROUP_KEYS,
            to_fixed_point(-pl.col("after_fall")).alias("downloads"),
            pl.lit(0, dtype=pl.Int64).alias("rows"),
        )
    if contested is not None:
        changes |= _contested_changes(namespaces, contested)
    summed = [_changed_sums(base, view, change).select(columns) for view, change in changes.items()]
    combined = pl.concat([groups.select(columns), *summed])
    return period_shares(combined, periods).rename({"view": "alternative"})


def _moved(rows: pl.DataFrame, country_group: pl.Expr, developer_type: pl.Expr) -> pl.DataFrame:
    """The changes that move namespace `rows` out of their groups into the given ones (`week`, the groups,
    fixed-point `downloads` and `rows`, each signed)."""
    return pl.concat(
        [
            rows.select(*GROUP_KEYS, to_fixed_point(-pl.col("downloads")), pl.lit(-1).alias("rows")),
            rows.select(
                "week",
                country_group.alias("country_group"),
                developer_type.alias("developer_type"),
                to_fixed_point("downloads"),
                pl.lit(1).alias("rows"),
            ),
        ]
    ).with_columns(pl.col("rows").cast(pl.Int64))


def _contested_changes(namespaces: pl.DataFrame, contested: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each contested judgement taken the other way, as changes (namespaces match ignoring case)."""
    keys = contested.get_column("namespace").str.to_lowercase().unique().to_list()
    candidates = namespaces.filter(pl.col("namespace").str.to_lowercase().is_in(keys)).with_columns(
        pl.col("namespace").str.to_lowercase().alias("namespace_key")
    )
    changes = {}
    for alternative in contested_alternatives(contested):
        judgement = contested.filter(pl.col("alternative") == alternative).select(
            pl.col("namespace").str.to_lowercase().alias("namespace_key"),
            pl.col("country_group").alias("new_country_group"),
            pl.col("developer_type").alias("new_developer_type"),
        )
        rows = candidates.join(judgement, on="namespace_key")
        changes[alternative] = _moved(
            rows,
            pl.coalesce("new_country_group", "country_group"),
            pl.coalesce("new_developer_type", "developer_type"),
        )
    return changes


def _changed_sums(base: pl.DataFrame, view: str, changes: pl.DataFrame) -> pl.DataFrame:
    """One alternative's sums by week and group: `base` with `changes` added; a group left without rows is gone,
    as it would be from the changed rows."""
    return (
        pl.concat([base, changes.select(base.columns)])
        .group_by(GROUP_KEYS)
        .agg(pl.col("downloads").sum(), pl.col("rows").sum())
        .filter(pl.col("rows") > 0)
        .select(pl.lit(view).alias("view"), *GROUP_KEYS, from_fixed_point("downloads"))
    )


def sensitivity_file(
    inputs: Mapping[str, str | Path | Sequence[str | Path]], settings: Mapping, output: str | Path
) -> pl.DataFrame:
    """File-to-file form: the weeks' sums by group, the calendar blocks' sums by namespace and their counter
    falls, the intermediaries and the contested attributions -> the sensitivity table.

    `inputs`: `groups` (a file per week), `namespaces` and `falls` (a `NamespaceBlock` and a `FallsBlock` file
    per calendar block), `intermediaries` and `contested`; `settings`: `blocks`, the blocks' first days (in the
    order of their files), and `periods`, parsed.

    The alternatives built from the namespace sums move or take out whole downloads of the uploader view, so
    their sums by period are the same from a block's sums as from its weeks' (a block lies wholly inside or
    outside every period); a fall is matched to its namespace's row of the block.
    """
    # Typed as written: a table without namespaces has a header alone, which would read as text.
    classified = pl.read_csv(
        inputs["intermediaries"], schema_overrides={"namespace": pl.String, "is_intermediary": pl.Boolean}
    )
    flagged = classified.filter(pl.col("is_intermediary"))["namespace"]
    namespaces, falls = (
        scan_blocks(dict(zip(settings["blocks"], inputs[table], strict=True))) for table in ("namespaces", "falls")
    )
    table = sensitivity_table(
        pl.read_parquet([str(path) for path in inputs["groups"]]),
        namespaces.with_columns(from_fixed_point("downloads")).collect(),
        flagged.to_list(),
        settings["periods"],
        read_curated_csv(inputs["contested"], CONTESTED_COLUMNS, ValueError),
        falls.collect(),
    )
    write_csv(table, output)
    log.info("%d sensitivity rows", table.height)
    return table
