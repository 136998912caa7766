"""Download shares by group: weekly, over trailing 52-week windows, and by period.

A share is a group's downloads divided by all downloads of the same view and
week (or window, or period). Weeks are the snapshot dates that close each
interval; a trailing window ending at week t holds the weeks in the 364 days
up to and including t (52 weekly intervals) and is reported only once the
data cover a whole window.

The functions read `view`, `week`, the dimension columns and `downloads`, so
they take attributed rows or, as the workflow passes them, each week's sums
by group (`hubshare.attribution.aggregates`): sums of sums give the same shares.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import polars as pl

from hubshare.contracts.result_tables import GroupShares

DIMENSIONS = ["country_group", "developer_type"]
TRAILING_DAYS = 364  # 52 weeks


def ordered_sum(column: str | pl.Expr = "downloads") -> pl.Expr:
    """A column's sum taken in sorted order: the same bits whatever order threads hand the rows over in
    (a float sum depends on its order, and polars' grouping does not fix one).

    A running sum, because polars drops a sort in front of `sum()` (mathematically it changes nothing) and
    then sums in arrival order; an empty group sums to 0.
    """
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.sort().cum_sum().last().fill_null(0.0)


def _long_by_dimension(attributed: pl.DataFrame, dimensions: list[str]) -> pl.DataFrame:
    return pl.concat(
        [
            attributed.group_by("view", "week", dimension)
            .agg(ordered_sum())
            .select("view", pl.lit(dimension).alias("dimension"), pl.col(dimension).alias("group"), "week", "downloads")
            for dimension in dimensions
        ]
    )


def _complete_grid(downloads: pl.DataFrame, weeks: list[dt.date]) -> pl.DataFrame:
    """Every (view, dimension, group) over every week, zero where absent, so windows stay aligned."""
    keys = downloads.select("view", "dimension", "group").unique()
    grid = keys.join(pl.DataFrame({"week": weeks}, schema={"week": pl.Date}), how="cross")
    return grid.join(downloads, on=["view", "dimension", "group", "week"], how="left").with_columns(
        pl.col("downloads").fill_null(0.0)
    )


def _with_share(downloads: pl.DataFrame, over: list[str]) -> pl.DataFrame:
    total = ordered_sum().over(over)
    return downloads.with_columns(pl.when(total > 0).then(pl.col("downloads") / total).otherwise(0.0).alias("share"))


def weekly_shares(attributed: pl.DataFrame, dimensions: list[str] = DIMENSIONS) -> pl.DataFrame:
    weeks = sorted(attributed.get_column("week").unique().to_list())
    grid = _complete_grid(_long_by_dimension(attributed, dimensions), weeks)
    shares = _with_share(grid, ["view", "dimension", "week"]).sort("view", "dimension", "group", "week")
    return GroupShares.validate(shares)


def trailing_shares(
    attributed: pl.DataFrame, window_days: int = TRAILING_DAYS, dimensions: list[str] = DIMENSIONS
) -> pl.DataFrame:
    weeks = sorted(attributed.get_column("week").unique().to_list())
    if len(weeks) < 2:
        # One interval (a single snapshot's 30-day counts) is no series: no window is complete.
        return GroupShares.validate(weekly_shares(attributed, dimensions).clear())
    cadence = min(b - a for a, b in pairwise(weeks))
    first_full = weeks[0] + dt.timedelta(days=window_days) - cadence
    grid = _complete_grid(_long_by_dimension(attributed, dimensions), weeks).sort("view", "dimension", "group", "week")
    rolled = grid.with_columns(
        pl.col("downloads").rolling_sum_by("week", window_size=f"{window_days}d").over("view", "dimension", "group")
    ).filter(pl.col("week") >= first_full)
    shares = _with_share(rolled, ["view", "dimension", "week"]).sort("view", "dimension", "group", "week")
    return GroupShares.validate(shares)


def period_shares(
    attributed: pl.DataFrame, periods: dict[str, tuple[dt.date, dt.date]], dimensions: list[str] = DIMENSIONS
) -> pl.DataFrame:
    """Shares per named period (inclusive date bounds on the week)."""
    long = _long_by_dimension(attributed, dimensions)
    keys = long.select("view", "dimension", "group").unique()
    frames = []
    for name, (start, end) in periods.items():
        in_period = long.filter(pl.col("week").is_between(start, end, closed="both"))
        summed = in_period.group_by("view", "dimension", "group").agg(ordered_sum())
        # Every group appears in every period (0 where absent), so the paper's keys always resolve.
        frames.append(
            keys.join(summed, on=["view", "dimension", "group"], how="left").with_columns(
                pl.col("downloads").fill_null(0.0), pl.lit(name).alias("period")
            )
        )
    table = pl.concat(frames, how="vertical_relaxed")
    period_total = ordered_sum().over("view", "dimension", "period")
    # A period without any download has no shares (null), rather than shares of 0.
    return (
        _with_share(table, ["view", "dimension", "period"])
        .with_columns(pl.when(period_total > 0).then(pl.col("share")).alias("share"))
        .select("view", "dimension", "group", "period", "downloads", "share")
        .sort("view", "dimension", "period", "group")
    )


WHOLE_STUDY = "whole_study"


def period_totals(panel: pl.DataFrame, periods: dict[str, tuple[dt.date, dt.date]]) -> pl.DataFrame:
    """`period, downloads, models` (models with at least one download), plus the whole study, from panel rows
    (`week`, `model_number`, `downloads`)."""
    bounds = {**periods, WHOLE_STUDY: (panel["week"].min(), panel["week"].max())}
    rows = []
    for name, (start, end) in bounds.items():
        in_period = panel.filter(pl.col("week").is_between(start, end, closed="both"))
        rows.append(
            {
                "period": name,
                "downloads": float(in_period["downloads"].sum()),
                "models": in_period["model_number"].n_unique(),
            }
        )
    return pl.DataFrame(rows, schema={"period": pl.String, "downloads": pl.Float64, "models": pl.Int64})
