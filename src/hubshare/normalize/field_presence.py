"""Which columns of the raw contract a normalized snapshot carries, counted once when it is normalized.

The capability record (`hubshare.analysis.capabilities`) sums these counts
over every snapshot of a build. Counting them in the normalize job, which
holds the snapshot anyway (0.03 s at 2.7 million rows), keeps the record from
reading every snapshot again whenever a week is added (a minute at 2 million
models x 60 weeks). Only the last snapshot's namespaces are reported, so they
are counted there, by the record's job (0.25 s a snapshot).
"""

from __future__ import annotations

import polars as pl

# The columns of the raw contract, each with how its presence is read from a normalized snapshot.
FIELD_PRESENCE: dict[str, pl.Expr] = {
    # `model_key` is the stable object id where the snapshot has one, the model id otherwise.
    "_id": pl.col("model_key") != pl.col("model_id"),
    "id": pl.col("model_id").is_not_null(),
    # The namespace: `author`, or the id's prefix where `author` is absent.
    "author": pl.col("namespace").is_not_null(),
    "createdAt": pl.col("created_at").is_not_null(),
    "downloads": pl.col("downloads_30d").is_not_null(),
    "downloadsAllTime": pl.col("downloads_all_time").is_not_null(),
    "likes": pl.col("likes").is_not_null(),
    "pipeline_tag": pl.col("pipeline_tag").is_not_null(),
    "library_name": pl.col("library_name").is_not_null(),
    "tags": pl.col("tags").list.len().fill_null(0) > 0,
    # A declared base model: the rows that take part in lineage.
    "baseModels": pl.col("base_parents").list.len().fill_null(0) > 0,
    "safetensors": pl.col("params_total").is_not_null(),
}


def field_counts(snapshot: pl.DataFrame) -> dict[str, int]:
    """Rows of one normalized snapshot, and how many carry each contract column."""
    counts = snapshot.select(
        pl.len().alias("rows"), *(expr.sum().alias(name) for name, expr in FIELD_PRESENCE.items())
    ).row(0, named=True)
    return {name: int(value or 0) for name, value in counts.items()}


def namespace_count(snapshot: pl.DataFrame) -> int:
    """Distinct namespaces of one normalized snapshot."""
    return int(snapshot.get_column("namespace").drop_nulls().n_unique())
