"""Sensitivity of the period totals to how a fall of a cumulative counter is read.

The panel reads a fall of `downloadsAllTime` as a restart of the counter:
the week's downloads are the new value (`event = counter_reset`). A fall can
also be a revision (the Hub recounting, or removing bot traffic), in which
case the week holds no downloads of that model. This table gives, per
period, the downloads the restart reading counts in such weeks, their share
of the period's downloads f, and the largest change the revision reading can
make to any group's share of the period: removing a part r of the total D
moves a share D_g / D to (D_g - r_g) / (D - r), at most f / (1 - f) away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

SCHEMA = {
    "period": pl.String,
    "downloads": pl.Int64,
    "counted_after_fall": pl.Int64,
    "share_after_fall": pl.Float64,
    "max_share_shift_pp": pl.Float64,
}


def counter_fall_sensitivity(
    panel_paths: Sequence[str | Path], periods: dict[str, tuple[dt.date, dt.date]]
) -> pl.DataFrame:
    """One row per period: downloads, those counted after a counter fall, their share, the bound on any share's shift."""
    weekly = (
        pl.scan_parquet([str(p) for p in panel_paths])
        .group_by("week")
        .agg(
            pl.col("downloads").sum().alias("downloads"),
            pl.col("downloads").filter(pl.col("event") == "counter_reset").sum().alias("counted_after_fall"),
        )
        .collect()
    )
    rows = []
    for name, (start, end) in periods.items():
        inside = weekly.filter(pl.col("week").is_between(start, end, closed="both"))
        total, fallen = int(inside["downloads"].sum() or 0), int(inside["counted_after_fall"].sum() or 0)
        share = fallen / total if total else 0.0
        rows.append(
            {
                "period": name,
                "downloads": total,
                "counted_after_fall": fallen,
                "share_after_fall": share,
                "max_share_shift_pp": 100 * share / (1 - share) if share < 1 else None,
            }
        )
    return pl.DataFrame(rows, schema=SCHEMA)
