"""Planted versus recovered shares on demo data.

`planted` is the share the snapshots hold (noise included), so `error_pp`
checks the pipeline's counting and should be zero up to rounding; `expected`
is the noise-free story, and `noise_pp` (planted minus expected) is how far
the simulator's noise moved the share: the size of what the statistics must
see through. `rolling30_bias_pp` (uploader view only) is the share the
`rolling30` estimator reads from the same snapshots' 30-day counts minus the
planted one: that estimator's bias where the true downloads are known.
"""

from __future__ import annotations

import polars as pl

PLANTED_VIEWS = ("uploader", "derived")


def _period_rows(block: dict, column: str) -> pl.DataFrame:
    schema = {"view": pl.String, "dimension": pl.String, "group": pl.String, "period": pl.String, column: pl.Float64}
    return pl.DataFrame(
        [
            {"view": view, "dimension": dimension, "group": group, "period": period, column: float(share)}
            for view, dimensions in block.items()
            if view in PLANTED_VIEWS
            for dimension, groups in dimensions.items()
            for group, periods in groups.items()
            for period, share in periods.items()
        ],
        schema=schema,
    )


def counting_first_snapshot(truth: dict) -> dict:
    """truth.json with the first snapshot's 30-day counts (`planted.first_snapshot_30d`) counted in the planted
    shares of every period whose dates hold that snapshot, as a panel that books a first snapshot of 30-day
    counts whole does (each share recomputed from the period's total and the counts added to it)."""
    first = truth["planted"]["first_snapshot_30d"]
    day = first["date"]
    holding = [name for name, (start, end) in truth["periods"].items() if start <= day <= end]
    planted = {**truth["planted"]}
    totals = planted["totals"]
    for view in PLANTED_VIEWS:
        planted[view] = {
            dimension: {
                group: {
                    period: (share * totals[period] + first[view][dimension].get(group, 0.0))
                    / (totals[period] + first["total"])
                    if period in holding
                    else share
                    for period, share in periods.items()
                }
                for group, periods in groups.items()
            }
            for dimension, groups in truth["planted"][view].items()
        }
    planted["totals"] = {
        period: total + (first["total"] if period in holding else 0) for period, total in totals.items()
    }
    return {**truth, "planted": planted}


def recovery_table(truth: dict, recovered: pl.DataFrame) -> pl.DataFrame:
    """Join truth.json's planted and expected period shares with the recovered ones; differences in percentage points."""
    keys = ["view", "dimension", "group", "period"]
    planted = (
        _period_rows(truth["planted"], "planted")
        .join(_period_rows(truth["expected"], "expected"), on=keys, how="full", coalesce=True)
        .join(_period_rows({"uploader": truth["rolling30"]}, "rolling30"), on=keys, how="left")
    )
    found = recovered.filter(pl.col("view").is_in(PLANTED_VIEWS)).select(
        "view", "dimension", "group", "period", pl.col("share").alias("recovered")
    )
    return (
        planted.join(found, on=["view", "dimension", "group", "period"], how="full", coalesce=True)
        .with_columns(pl.col("planted", "expected", "recovered").fill_null(0.0))
        .with_columns(
            ((pl.col("recovered") - pl.col("planted")) * 100).alias("error_pp"),
            ((pl.col("planted") - pl.col("expected")) * 100).alias("noise_pp"),
            ((pl.col("rolling30") - pl.col("planted")) * 100).alias("rolling30_bias_pp"),
        )
        .sort("view", "dimension", "group", "period")
    )
