"""Sensitivity of the shares to how a fall of a cumulative counter is read.

The panel reads a fall of `downloadsAllTime` as a restart of the counter:
the week's downloads are the new value (`event = counter_reset`). A fall can
also be a revision (the Hub recounting, or removing bot traffic), in which
case the week holds no downloads of that model (a count of 0).

Two outputs. `counter_fall_sensitivity` gives, per period, the downloads the
restart reading counts in such weeks, their share of the period's downloads
f, and the largest change the revision reading could make to any group's
share of the period: removing a part r of the total D moves a share D_g / D
to (D_g - r_g) / (D - r), at most f / (1 - f) away. `falls_as_revisions`
does the revision reading itself: the uploader view's weekly sums by
namespace with every download counted after a fall taken out, from which
`hubshare.attribution.sensitivity` recomputes the period shares.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.jobs.atomic import write_csv

log = logging.getLogger(__name__)

SCHEMA = {
    "period": pl.String,
    "downloads": pl.Int64,
    "counted_after_fall": pl.Int64,
    "share_after_fall": pl.Float64,
    "max_share_shift_pp": pl.Float64,
}


FALLS_AS_REVISIONS = "uploader_falls_as_revisions"


def counted_after_falls(
    panel: Sequence[str | Path] | pl.LazyFrame, keys: Sequence[str] = ("week", "namespace")
) -> pl.DataFrame:
    """The downloads the panel (files, or rows) counted after counter falls (restart reading), by `keys`
    (week and namespace; a calendar block's sums take namespace alone), sorted."""
    rows = panel if isinstance(panel, pl.LazyFrame) else pl.scan_parquet([str(p) for p in panel])
    falls = rows.filter(pl.col("event") == "counter_reset").group_by(*keys)
    summed = falls.agg(pl.col("downloads").sum().alias("after_fall")).sort(*keys, nulls_last=True)
    return summed.collect(engine="streaming")


def rows_with_falls(namespaces: pl.DataFrame, after_falls: pl.DataFrame) -> pl.DataFrame:
    """Each week and namespace with downloads counted after counter falls: its row of `namespaces`
    (`WeekNamespaces`) with `after_fall`.

    A namespace's week (or calendar block) must be one row of `namespaces` (one group each), so what a
    fall counted is taken from exactly that row; a fall with no such row, with more than one, or with more
    than the row holds is an error: the panel and the sums would disagree."""
    keys = ["week", "namespace"]
    matched = after_falls.join(namespaces, on=keys, how="left", nulls_equal=True)
    if matched.select(keys).is_duplicated().any():
        raise ValueError(
            "counter falls as revisions: a namespace has more than one row in a week (or calendar block) of the sums"
        )
    if matched.get_column("downloads").is_null().any() or (matched["after_fall"] > matched["downloads"]).any():
        raise ValueError("counter falls as revisions: downloads counted after falls are missing from the weekly sums")
    return matched


def falls_as_revisions(namespaces: pl.DataFrame, after_falls: pl.DataFrame) -> pl.DataFrame:
    """The uploader view's weekly sums by namespace (`WeekNamespaces`) with every download counted after a
    counter fall booked as 0 instead (view `FALLS_AS_REVISIONS`); see `rows_with_falls`."""
    keys = ["week", "namespace"]
    falls = rows_with_falls(namespaces, after_falls).select(*keys, "after_fall")
    joined = namespaces.join(falls, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return joined.select(
        pl.lit(FALLS_AS_REVISIONS).alias("view"),
        "week",
        "country_group",
        "developer_type",
        (pl.col("downloads") - pl.col("after_fall").fill_null(0)).alias("downloads"),
    )


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


def counter_fall_sensitivity_file(
    panel_paths: Sequence[str | Path], periods: dict[str, tuple[dt.date, dt.date]], output: str | Path
) -> pl.DataFrame:
    """File-to-file form of `counter_fall_sensitivity`: the panel's weeks -> `counter_fall_sensitivity.csv`."""
    table = counter_fall_sensitivity(panel_paths, periods)
    write_csv(table, output)
    log.info("largest bound on a share's shift: %s pp", table["max_share_shift_pp"].max())
    return table
