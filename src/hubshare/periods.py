"""Reporting periods from the configuration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import polars as pl

# Columns of the results tables that hold period names.
PERIOD_NAME_COLUMNS = ("period", "first_period", "second_period", "last_period")

# The period whose shares the paper's abstract, headline sentences and single-period tables report.
HEADLINE_PERIOD = "last_year"


def parse_periods(entries: list[dict]) -> dict[str, tuple[dt.date, dt.date]]:
    """`[{name, start, end}]` -> {name: (start, end)}, checking order and unique names."""
    periods: dict[str, tuple[dt.date, dt.date]] = {}
    for entry in entries:
        name = str(entry["name"])
        start, end = dt.date.fromisoformat(str(entry["start"])), dt.date.fromisoformat(str(entry["end"]))
        if end < start:
            raise ValueError(f"config periods: '{name}' ends ({end}) before it starts ({start})")
        if name in periods:
            raise ValueError(f"config periods: the name '{name}' is used twice")
        periods[name] = (start, end)
    return periods


def period_slug(name: str) -> str:
    """A period's name as a folder name, distinct for distinct names and readable: percent-encoded, dots and
    tildes too (never `.` or `..`), then `~` written for `%` (`<=2022` -> `~3C~3D2022`).

    No `%`: a cluster job's log path holds its wildcards, and SLURM reads `%` there as a pattern; a job whose
    log path it cannot open fails before it starts.
    """
    return quote(str(name), safe="").replace("~", "%7E").replace(".", "%2E").replace("%", "~")


def periods_from_data(entries: list[dict], dates: Sequence[str]) -> list[dict]:
    """Periods with every `last_days: N` entry fixed to the last N days of the data (ending at the last snapshot).

    Entries with `start` and `end` are kept as written, so that a user's own
    window always wins over the one derived from the data.
    """
    last = max(dt.date.fromisoformat(str(date)) for date in dates)
    resolved = []
    for entry in entries:
        if "last_days" in entry:
            start = last - dt.timedelta(days=int(entry["last_days"]) - 1)
            resolved.append({"name": entry["name"], "start": start.isoformat(), "end": last.isoformat()})
        else:
            resolved.append(dict(entry))
    return resolved


def consecutive_periods(periods: dict[str, tuple[dt.date, dt.date]]) -> dict[str, tuple[dt.date, dt.date]]:
    """The periods that follow one another without overlap, in configuration order.

    A period that starts before the previous kept one ends (such as a
    trailing `last_year` window laid over the calendar years) is left out.
    """
    kept: dict[str, tuple[dt.date, dt.date]] = {}
    for name, (start, end) in periods.items():
        if not kept or start > max(e for _, e in kept.values()):
            kept[name] = (start, end)
    return kept


def period_runs(weeks: Sequence[dt.date], periods: dict[str, tuple[dt.date, dt.date]]) -> pl.DataFrame:
    """`week, run_start`: each week and the first week of its run, the consecutive weeks that lie in the same periods."""
    ordered = sorted(set(weeks))
    starts: list[dt.date] = []
    previous = None
    for week in ordered:
        membership = tuple(start <= week <= end for start, end in periods.values())
        if membership != previous:
            run_start, previous = week, membership
        starts.append(run_start)
    return pl.DataFrame({"week": ordered, "run_start": starts}, schema={"week": pl.Date, "run_start": pl.Date})


def read_results_csv(path: str | Path) -> pl.DataFrame:
    """A results table, with its period names kept as text (a period named 2025 is not the number 2025)."""
    return pl.read_csv(path, schema_overrides=dict.fromkeys(PERIOD_NAME_COLUMNS, pl.String))
