"""Which download measure the panel uses, and the matching panel builder and ledger check.

`alltime_diff` (the increase of `downloadsAllTime`) is exact wherever the
snapshots carry the cumulative count; `rolling30` (`hubshare.rolling`) is the
stated estimator for sources that carry only the rolling 30-day count.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.panel import PanelError, alltime_panel, check_conservation, read_observations
from hubshare.rolling import check_rolling30_conservation, rolling30_panel

MEASURES = ("alltime_diff", "rolling30")


def choose_measure(observations: pl.DataFrame, requested: str) -> str:
    """`auto` picks `alltime_diff` when any snapshot carries cumulative counts, else `rolling30`."""
    if requested in MEASURES:
        return requested
    if requested != "auto":
        raise PanelError(f"panel: unknown download measure '{requested}' (use auto, {', '.join(MEASURES)})")
    has_cumulative = observations.get_column("downloads_all_time").null_count() < observations.height
    return "alltime_diff" if has_cumulative else "rolling30"


def build_download_panel(snapshot_paths: Sequence[str | Path], requested: str = "auto") -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """(panel, ledger, measure used) from normalized snapshots."""
    observations = read_observations(snapshot_paths)
    measure = choose_measure(observations, requested)
    build = alltime_panel if measure == "alltime_diff" else rolling30_panel
    panel, ledger = build(observations)
    return panel, ledger, measure


def check_ledger(ledger: pl.DataFrame, panel_total: int, measure: str) -> None:
    """The conservation identity of the measure used."""
    check = check_conservation if measure == "alltime_diff" else check_rolling30_conservation
    check(ledger, panel_total)
