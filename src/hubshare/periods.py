"""Reporting periods from the configuration."""

from __future__ import annotations

import datetime as dt


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
