"""Which download measure the panel uses.

`alltime_diff` (the increase of `downloadsAllTime`) is exact wherever the
snapshots carry the cumulative count; `rolling30` (`hubshare.panel.thirty_day`) is
the stated estimator for sources that carry only the rolling 30-day count.
Every week runs the same job whatever the measure; the choice is made from the
configuration before any data is read: it tells the panel whether to read
cumulative counts, and the statistics which download intervals are independent.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from hubshare.panel.model_weeks import PanelError
from hubshare.sources.verified_parquet import UNREADABLE, open_parquet

MEASURES = ("alltime_diff", "rolling30")
# Dumps of the Hub's models API list only the 30-day count; the Hub's own
# snapshots (and the demo that imitates them) carry the cumulative count.
ROLLING30_SOURCES = ("api-json", "csv")


def measure_for(source: str, requested: str, columns: Collection[str] | None = None) -> str:
    """`auto` picks `rolling30` for sources that carry only 30-day counts (or, given the `columns` of a
    snapshot, for snapshots without `downloadsAllTime`), else `alltime_diff`."""
    if requested in MEASURES:
        return requested
    if requested != "auto":
        raise PanelError(f"panel: unknown download measure '{requested}' (use auto, {', '.join(MEASURES)})")
    if source in ROLLING30_SOURCES or (columns is not None and "downloadsAllTime" not in columns):
        return "rolling30"
    return "alltime_diff"


def snapshot_columns(path: str | Path) -> list[str]:
    """The columns of a raw snapshot, from its footer alone; `ValueError` naming the file if it has none."""
    try:
        with open_parquet(path) as parquet:
            return list(parquet.schema_arrow.names)
    except UNREADABLE as error:
        raise ValueError(f"{path}: not a readable parquet file ({error})") from None
