"""The eras figure: headline weekly shares, the eras found jointly per dimension, and the paper's periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import polars as pl
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hubshare.figures.plots import DIMENSION_COLOURS, VIEW_TITLES, _format_years
from hubshare.figures.style import mark_demo

VIEWS = ("uploader", "derived")
DIMENSION_TITLES = {"country_group": "country group", "developer_type": "developer type"}
PERIOD_SHADE = "#F2F2F2"
BOUNDARY_COLOUR = "#555555"


def _fitted_path(era: dict) -> tuple[list[dt.date], np.ndarray]:
    """The era's fitted line, linear in the logit of the share over its equally spaced weeks."""
    along = np.linspace(0.0, 1.0, era["weeks"]) if era["weeks"] > 1 else np.zeros(1)
    span = (era["end"] - era["start"]).days
    weeks = [era["start"] + dt.timedelta(days=round(a * span)) for a in along]
    ends = np.clip([era["fitted_start_share"], era["fitted_end_share"]], 1e-9, 1 - 1e-9)
    logits = np.log(ends / (1 - ends))
    path = logits[0] + along * (logits[1] - logits[0])
    return weeks, 100.0 / (1.0 + np.exp(-path))


def _format_dates(ax, weeks: np.ndarray) -> None:
    """Years on a long axis; days and months when the data span less than a year."""
    if len(weeks) < 2:
        return
    if (weeks.max() - weeks.min()).astype("timedelta64[D]").astype(int) >= 365:
        _format_years(ax, weeks)
        return
    span = int((weeks.max() - weeks.min()).astype("timedelta64[D]").astype(int))
    # Whole days on a short axis: hour ticks would suggest a resolution the data do not have.
    locator = mdates.DayLocator(interval=max(1, span // 4)) if span <= 31 else mdates.AutoDateLocator(maxticks=4)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlim(weeks.min(), weeks.max())


def _shade_periods(ax, periods: dict[str, tuple[dt.date, dt.date]], first: dt.date, last: dt.date) -> None:
    for index, (name, (start, end)) in enumerate(periods.items()):
        low, high = max(start, first), min(end, last)
        if low > high:
            continue
        if index % 2 == 0:
            ax.axvspan(low, high, color=PERIOD_SHADE, zorder=0, linewidth=0)
        middle = low + (high - low) / 2
        ax.text(
            middle,
            1.0,
            name,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize="x-small",
            color="#666666",
        )


def era_figure(
    weekly: pl.DataFrame,
    eras: pl.DataFrame,
    series: list[dict],
    labels: dict[str, str],
    periods: dict[str, tuple[dt.date, dt.date]],
    *,
    demo: bool = False,
    note: str | None = None,
    views: Sequence[str] = VIEWS,
) -> Figure:
    """One row per dimension of the headline series, one column per view (of `views`).

    Thin lines: weekly shares; thick lines: each series' fitted eras from the
    joint segmentation of its dimension (the single fit when there is no joint
    one); dashed verticals: era boundaries; grey bands: the paper's periods.
    `note` is written on every panel (e.g. why there are no eras).
    """
    dimensions = list(dict.fromkeys(item["dimension"] for item in series))
    if weekly.is_empty():
        raise ValueError("era figure: the weekly share table is empty")
    weeks = np.sort(weekly.get_column("week").unique().to_numpy())
    first, last = weekly["week"].min(), weekly["week"].max()
    figure = Figure(figsize=(7.0, 2.4 * len(dimensions) + 0.9))
    axes = figure.subplots(len(dimensions), len(views), sharex=True, squeeze=False)
    handles: dict[str, Line2D] = {}
    any_boundary = False
    for row, dimension in enumerate(dimensions):
        colours = DIMENSION_COLOURS[dimension]
        groups = [item["group"] for item in series if item["dimension"] == dimension]
        for column, view in enumerate(views):
            ax = axes[row, column]
            _shade_periods(ax, periods, first, last)
            in_view = eras.filter((pl.col("view") == view) & (pl.col("dimension") == dimension))
            fit = "joint" if (in_view["fit"] == "joint").any() else "single"
            shown = in_view.filter(pl.col("fit") == fit)
            for group in groups:
                rows = weekly.filter(
                    (pl.col("view") == view) & (pl.col("dimension") == dimension) & (pl.col("group") == group)
                ).sort("week")
                colour = colours.get(group, "#444444")
                # Faint under fitted eras; without eras the weekly line is all there is to see.
                faint = not shown.is_empty()
                ax.plot(
                    rows["week"].to_numpy(),
                    rows["share"].to_numpy() * 100.0,
                    color=colour,
                    linewidth=0.7 if faint else 1.3,
                    alpha=0.45 if faint else 1.0,
                )
                for era in shown.filter(pl.col("group") == group).iter_rows(named=True):
                    era_weeks, path = _fitted_path(era)
                    ax.plot(era_weeks, path, color=colour, linewidth=2.0, solid_capstyle="butt")
                handles.setdefault(group, Line2D([], [], color=colour, linewidth=2.0, label=labels.get(group, group)))
            starts = sorted(set(shown.filter(pl.col("era") > 1)["start"].to_list()))
            any_boundary = any_boundary or bool(starts)
            for start in starts:
                ax.axvline(start, color=BOUNDARY_COLOUR, linestyle="--", linewidth=0.8, zorder=1)
            ax.set_title(f"{VIEW_TITLES[view]}: {DIMENSION_TITLES.get(dimension, dimension)}", pad=12)
            ax.set_ylim(bottom=0)
            ax.grid(axis="x", visible=False)
            if note:
                ax.text(
                    0.5,
                    0.5,
                    note,
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="#555555",
                    wrap=True,
                )
            _format_dates(ax, weeks)
        axes[row, 0].set_ylabel("Share of downloads (%)")
    legend = list(handles.values()) + (
        [Line2D([], [], color=BOUNDARY_COLOUR, linestyle="--", linewidth=0.8, label="Era boundary")]
        if any_boundary
        else []
    )
    figure.legend(handles=legend, loc="outside lower center", ncols=min(len(legend), 5))
    if demo:
        mark_demo(figure)
    return figure
