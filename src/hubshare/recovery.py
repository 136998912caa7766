"""Planted versus recovered shares on demo data."""

from __future__ import annotations

import polars as pl

PLANTED_VIEWS = ("uploader", "derived")


def recovery_table(truth: dict, recovered: pl.DataFrame) -> pl.DataFrame:
    """Join truth.json's planted period shares with the recovered ones; error in percentage points."""
    planted_rows = [
        {"view": view, "dimension": dimension, "group": group, "period": period, "planted": float(share)}
        for view, dimensions in truth["planted"].items()
        if view in PLANTED_VIEWS
        for dimension, groups in dimensions.items()
        for group, periods in groups.items()
        for period, share in periods.items()
    ]
    planted = pl.DataFrame(planted_rows)
    found = recovered.filter(pl.col("view").is_in(PLANTED_VIEWS)).select(
        "view", "dimension", "group", "period", pl.col("share").alias("recovered")
    )
    return (
        planted.join(found, on=["view", "dimension", "group", "period"], how="full", coalesce=True)
        .with_columns(pl.col("planted").fill_null(0.0), pl.col("recovered").fill_null(0.0))
        .with_columns(((pl.col("recovered") - pl.col("planted")) * 100).alias("error_pp"))
        .sort("view", "dimension", "group", "period")
    )
