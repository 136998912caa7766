"""One row per model: its metadata, properties and family as of a period's end.

A model's properties in a period are those its snapshots in that period
declare: the last snapshot of the period in which it appears, so a model
deleted during the period keeps the properties it had, and a later week never
changes a closed period's table. A model's family is read from that
snapshot's id (see `hubshare.attribution.families`).

The last row of a model still listed at the period's last snapshot is in that
snapshot; the last row of any other model of the period is in the snapshot
just before one that lacks it, a departure dated inside the period. Each
week's departures (`departed_models`) are kept, so the table is built from one
snapshot and the period's departures instead of from every model-week: memory
holds one row per model, and a new week adds one departure job.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.properties import model_properties
from hubshare.attribution.families import family_of
from hubshare.contracts.base import empty_frame
from hubshare.contracts.panel_tables import PeriodModels
from hubshare.contracts.raw_tables import DepartedModels, NormalizedSnapshot

METADATA_COLUMNS = [
    "model_key",
    "model_id",
    "namespace",
    "pipeline_tag",
    "library_name",
    "tags",
    "base_relation",
    "params_total",
    "snapshot_date",
]


def departed_models(previous: pl.LazyFrame, current_keys: pl.Series) -> pl.DataFrame:
    """The rows of the previous snapshot whose model the current snapshot lacks (the `DepartedModels` table).

    The keys are compared first and only the departed rows are then read: about
    one model in a thousand leaves in a week, so a scan of the previous snapshot
    decodes its other columns for those rows alone.
    """
    departed_keys = (
        previous.select("model_key")
        .join(current_keys.to_frame("model_key").lazy(), on="model_key", how="anti")
        .collect()
    )
    return DepartedModels.validate(
        previous.filter(pl.col("model_key").is_in(departed_keys["model_key"].implode())).collect()
    )


def latest_models(newest_snapshot: str | Path | None, departure_paths: Sequence[str | Path]) -> pl.DataFrame:
    """The latest observation of every model: its row in the newest snapshot, else its latest departure.

    With no snapshot (a period without data) the table is empty.
    """
    if newest_snapshot is None:
        return empty_frame(NormalizedSnapshot, METADATA_COLUMNS)
    newest = pl.read_parquet(str(newest_snapshot), columns=METADATA_COLUMNS)
    if not departure_paths:
        return newest.sort("model_key")
    departed = (
        pl.scan_parquet([str(p) for p in departure_paths])
        .select(METADATA_COLUMNS)
        .join(newest.lazy().select("model_key"), on="model_key", how="anti")
        # A model that left, came back and left again departed more than once: its last row is the latest.
        .sort("snapshot_date")
        .group_by("model_key")
        .last()
        .collect()
    )
    return pl.concat([newest, departed.select(METADATA_COLUMNS)]).sort("model_key")


def model_table(
    newest_snapshot: str | Path | None, departure_paths: Sequence[str | Path], families: pl.DataFrame
) -> pl.DataFrame:
    models = latest_models(newest_snapshot, departure_paths)
    return PeriodModels.validate(
        models.select("model_key", "model_id", "namespace", pl.col("snapshot_date").alias("last_seen"))
        .join(model_properties(models), on="model_key", how="left")
        .with_columns(family_of(models["model_id"], families).alias("family"))
    )
