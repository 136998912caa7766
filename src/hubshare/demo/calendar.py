"""Snapshot dates and reporting periods of the demo.

Cheap on purpose: the workflow calls `snapshot_dates` when it builds the DAG.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from hubshare.demo.settings import checked_settings

# Reporting periods of the paper, closed intervals of the snapshot date that
# ends each weekly interval. `None` stands for the first countable interval
# (the one ending at the second snapshot) and for the last snapshot.
PERIOD_BOUNDS: dict[str, tuple[str | None, str | None]] = {
    "<=2022": (None, "2022-12-31"),
    "2023": ("2023-01-01", "2023-12-31"),
    "2024": ("2024-01-01", "2024-12-31"),
    "2025": ("2025-01-01", None),
    "last_year": ("2024-09-01", None),
}


def snapshot_dates(settings: Mapping[str, object] | None) -> list[dt.date]:
    """Every date from `start` to `end` (inclusive) stepping `cadence_days`."""
    settings = checked_settings(settings)
    start, end = (dt.date.fromisoformat(settings[key]) for key in ("start", "end"))
    step = dt.timedelta(days=settings["cadence_days"])
    dates, day = [], start
    while day <= end:
        dates.append(day)
        day += step
    return dates


def periods(dates: list[dt.date]) -> dict[str, tuple[dt.date, dt.date]]:
    """Period name -> (first, last) closing snapshot date, inclusive.

    The interval ending at the first snapshot is in no period: its downloads
    cannot be told apart from the downloads before the window.
    """
    first, last = dates[1], dates[-1]
    return {
        name: (first if lo is None else dt.date.fromisoformat(lo), last if hi is None else dt.date.fromisoformat(hi))
        for name, (lo, hi) in PERIOD_BOUNDS.items()
    }


def period_intervals(dates: list[dt.date]) -> dict[str, list[int]]:
    """Period name -> indices k (k >= 1) of the intervals closed by snapshot k inside the period."""
    return {
        name: [k for k in range(1, len(dates)) if lo <= dates[k] <= hi] for name, (lo, hi) in periods(dates).items()
    }
