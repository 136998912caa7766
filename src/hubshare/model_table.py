"""One row per model: its latest metadata, properties and family.

Properties come from the last snapshot in which a model appears, so deleted
models keep the properties they had. A model's family is read from that
snapshot's id (see `hubshare.families`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.families import family_of
from hubshare.properties import model_properties

METADATA_COLUMNS = ["model_key", "model_id", "namespace", "pipeline_tag", "library_name", "tags",
                    "base_relation", "params_total", "snapshot_date"]


def latest_models(snapshot_paths: Sequence[str | Path]) -> pl.DataFrame:
    """The latest observation of every model across normalized snapshots."""
    return (
        pl.scan_parquet([str(p) for p in snapshot_paths])
        .select(METADATA_COLUMNS)
        .sort("snapshot_date")
        .group_by("model_key")
        .last()
        .sort("model_key")
        .collect()
    )


def model_table(snapshot_paths: Sequence[str | Path], families: pl.DataFrame) -> pl.DataFrame:
    models = latest_models(snapshot_paths)
    return (
        models.select("model_key", "model_id", "namespace", pl.col("snapshot_date").alias("last_seen"))
        .join(model_properties(models), on="model_key", how="left")
        .with_columns(family_of(models["model_id"], families).alias("family"))
    )
