"""The eras of the headline weekly shares (`results/tables/eras.csv`) and their distance to the paper's periods.

Each headline series is segmented alone (`fit = single`), and the headline
series of each dimension together (`fit = joint`: one set of boundaries for
the group composition). A series shorter than two minimum eras cannot hold a
boundary and is left out; `hubshare.inference.era_table.skipped_reason` says so for the manuscript.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import polars as pl

from hubshare.contracts.result_tables import Eras
from hubshare.inference.era_table import ERA_COLUMNS, skipped_reason
from hubshare.inference.eras import find_share_eras
from hubshare.inference.stats_report import TESTED_VIEWS, independent_weeks, series_counts
from hubshare.jobs.atomic import write_csv
from hubshare.periods import consecutive_periods

log = logging.getLogger(__name__)


def period_boundaries(periods: dict[str, tuple[dt.date, dt.date]]) -> list[dt.date]:
    """Where one calendar period gives way to the next: the start of every period but the first."""
    return [start for start, _ in list(consecutive_periods(periods).values())[1:]]


def era_table(
    weekly: pl.DataFrame,
    series: list[dict],
    periods: dict[str, tuple[dt.date, dt.date]],
    settings: dict,
    measure: str = "alltime_diff",
) -> pl.DataFrame:
    """One row per era of every headline series (alone and jointly per dimension) in every tested view.

    `settings`: `model`, `min_segment_weeks`, `max_eras`, `noise_floor`,
    `max_persistence` (see `hubshare.inference.eras`). Only non-overlapping download
    intervals are read (`hubshare.inference.stats_report.independent_weeks`); the
    shares are the groups' counts out of all downloads, on the empirical logit.
    """
    min_length = settings["min_segment_weeks"]
    weeks = independent_weeks(weekly.get_column("week"), measure)
    if skipped_reason(pl.DataFrame({"week": weeks}), min_length):
        return Eras.validate(pl.DataFrame(schema=ERA_COLUMNS))
    options = {
        "model": settings["model"],
        "min_length": min_length,
        "max_eras": settings["max_eras"],
        "noise_floor": settings["noise_floor"],
        "max_persistence": settings["max_persistence"],
    }
    boundaries = period_boundaries(periods)
    rows = []
    for view in TESTED_VIEWS:
        counts = {}
        for item in series:
            found = series_counts(weekly, weeks, view, item["dimension"], item["group"])
            counts[(item["dimension"], item["group"])] = (found["downloads"].to_numpy(), found["total"].to_numpy())
        for (dimension, group), (k, total) in counts.items():
            fit = find_share_eras(k, total, **options)
            rows += _era_rows(view, dimension, [group], "single", (k / total)[None, :], fit, weeks, boundaries)
        for dimension in dict.fromkeys(d for d, _ in counts):
            members = [g for d, g in counts if d == dimension]
            if len(members) < 2:
                continue
            k = np.vstack([counts[(dimension, g)][0] for g in members])
            total = np.vstack([counts[(dimension, g)][1] for g in members])
            fit = find_share_eras(k, total, **options)
            rows += _era_rows(view, dimension, members, "joint", k / total, fit, weeks, boundaries)
    return Eras.validate(pl.DataFrame(rows, schema=ERA_COLUMNS))


def _era_rows(
    view, dimension, groups, fit_name, values, fit, weeks: pl.Series, boundaries: list[dt.date]
) -> list[dict]:
    edges = [0, *fit.boundaries, len(weeks)]
    rows = []
    for member, group in enumerate(groups):
        for era, (first, stop) in enumerate(zip(edges[:-1], edges[1:], strict=True), start=1):
            start = weeks[first]
            nearest, distance, low, high = None, None, None, None
            if era > 1:
                low, high = (weeks[i] for i in fit.intervals[era - 2])
            if era > 1 and boundaries:
                nearest = min(boundaries, key=lambda b: (abs((start - b).days), b))
                distance = (start - nearest).days / 7
            rows.append(
                {
                    "view": view,
                    "dimension": dimension,
                    "group": group,
                    "fit": fit_name,
                    "era": era,
                    "start": start,
                    "end": weeks[stop - 1],
                    "weeks": stop - first,
                    "mean_share": float(values[member, first:stop].mean()),
                    "fitted_start_share": float(fit.fitted[member, first]),
                    "fitted_end_share": float(fit.fitted[member, stop - 1]),
                    "start_low": low,
                    "start_high": high,
                    "nearest_period_boundary": nearest,
                    "distance_weeks": distance,
                }
            )
    return rows


def eras_file(
    weekly: str | Path,
    series: list[dict],
    periods: dict[str, tuple[dt.date, dt.date]],
    settings: dict,
    measure: str,
    output: str | Path,
) -> tuple[pl.DataFrame, str | None]:
    """File-to-file form: the weekly shares -> `eras.csv`; returns the table and why it has no eras (None if it may)."""
    shares = pl.read_parquet(weekly)
    table = era_table(shares, series, periods, settings, measure)
    write_csv(table, output)
    reason = skipped_reason(shares, settings["min_segment_weeks"])
    if reason:
        log.info("no eras: %s", reason)
    else:
        log.info("%d era rows", table.height)
    return table, reason
