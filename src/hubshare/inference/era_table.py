"""The eras table (`results/tables/eras.csv`) as written and read, and when a series is too short to hold eras.

Apart from the era search (`hubshare.inference.era_report`), whose imports (scipy, through the trend tests) the
eras figure, which only reads the table, does not need: about 0.8 s of its imports.
"""

from __future__ import annotations

import polars as pl

from hubshare.contracts.result_tables import Eras

ERA_COLUMNS = {
    "view": pl.String,
    "dimension": pl.String,
    "group": pl.String,
    "fit": pl.String,
    "era": pl.Int64,
    "start": pl.Date,
    "end": pl.Date,
    "weeks": pl.Int64,
    "mean_share": pl.Float64,
    "fitted_start_share": pl.Float64,
    "fitted_end_share": pl.Float64,
    "start_low": pl.Date,
    "start_high": pl.Date,
    "nearest_period_boundary": pl.Date,
    "distance_weeks": pl.Float64,
}


def read_eras(path) -> pl.DataFrame:
    """`eras.csv` with its declared types, also when it holds no eras (a header only)."""
    return Eras.validate(pl.read_csv(path, schema=ERA_COLUMNS))


def skipped_reason(weekly: pl.DataFrame, min_length: int) -> str | None:
    """Why no eras can be found in `weekly`, or None when they can."""
    weeks = weekly.get_column("week").n_unique()
    if weeks < 2 * min_length:
        return f"{weeks} snapshots, where a boundary needs at least {2 * min_length}, {min_length} on each side"
    return None
