"""Reporting periods from the configuration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

# Columns of the results tables that hold period names.
PERIOD_NAME_COLUMNS = ("period", "first_period", "second_period", "last_period")


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


def read_results_csv(path: str | Path) -> pl.DataFrame:
    """A results table, with its period names kept as text (a period named 2025 is not the number 2025)."""
    return pl.read_csv(path, schema_overrides=dict.fromkeys(PERIOD_NAME_COLUMNS, pl.String))
