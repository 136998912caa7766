"""The paper's figures, built from the metrics tables.

Each function takes a polars table as the metrics stage writes it and returns
a matplotlib Figure in the current style (see `style.use_style`); saving is
the caller's job (`style.save_figure`). Titles stay short: the captions in
the manuscript carry the explanation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import polars as pl
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hubshare.figures.style import (
    COUNTRY_GROUP_COLOURS,
    DEVELOPER_TYPE_COLOURS,
    OTHER_STYLE,
    VIEW_LINES,
    mark_demo,
)

VIEW_TITLES = {
    "uploader": "As uploaded",
    "derived": "Traced to root model",
    "derived_first_parent": "Traced via first parent",
}
DIMENSION_COLOURS = {"country_group": COUNTRY_GROUP_COLOURS, "developer_type": DEVELOPER_TYPE_COLOURS}

SHARE_COLUMNS = ["view", "dimension", "group", "week", "share"]
CONCENTRATION_COLUMNS = ["view", "week", "hhi", "gini", "top10"]

# A group under this share in every week of every plotted view is at most a
# hairline in a stacked area; several of them are merged into "Other".
MINOR_SHARE = 0.005
OTHER = "other"
OTHER_LABEL = "Other (each < 0.5%)"

SMOOTHING_WEEKS = 13
MAX_LEGEND_COLUMNS = 5

# (column, panel title, y-axis label, factor from the table's 0-1 scale)
CONCENTRATION_PANELS = [
    ("hhi", "HHI", "Index (0–1)", 1.0),
    ("gini", "Gini coefficient", "Coefficient (0–1)", 1.0),
    ("top10", "Top-10 share", "Share of downloads (%)", 100.0),
]


def _checked(table: pl.DataFrame, columns: list[str], what: str) -> None:
    if table.is_empty():
        raise ValueError(f"{what}: the input table is empty, there is nothing to plot")
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"{what}: the input table lacks column(s) {missing}")


def _checked_views(table: pl.DataFrame, views: Sequence[str], what: str) -> None:
    unknown = [view for view in views if view not in VIEW_TITLES]
    if unknown:
        raise ValueError(f"{what}: unknown view(s) {unknown}; expected some of {list(VIEW_TITLES)}")
    absent = [view for view in views if view not in set(table.get_column("view"))]
    if absent:
        raise ValueError(f"{what}: no rows for view(s) {absent}")


def _checked_unique(table: pl.DataFrame, keys: list[str], what: str) -> None:
    if table.select(keys).is_duplicated().any():
        raise ValueError(f"{what}: more than one row per {tuple(keys)}")


def is_series(frame: pl.DataFrame) -> bool:
    """Whether a table with a `week` column holds a series over time (two weeks or more) to draw."""
    return frame.get_column("week").n_unique() >= 2


def note_figure(text: str, demo: bool = False) -> Figure:
    """A figure that says, in its middle, why there is nothing to draw (the paper leaves it out)."""
    fig = Figure(figsize=(7.0, 2.0))
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize="medium", color="#555555")
    if demo:
        mark_demo(fig)
    return fig


def _checked_weeks(weeks: np.ndarray, what: str) -> None:
    if len(weeks) < 2:
        raise ValueError(f"{what}: a time series needs at least two weeks, got {len(weeks)}")


def _format_years(ax: Axes, weeks: np.ndarray) -> None:
    """Year ticks, thinned so that at most about eight labels fit the panel width."""
    span_years = (weeks.max() - weeks.min()).astype("timedelta64[D]").astype(int) / 365.25
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, math.ceil(span_years / 8))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(weeks.min(), weeks.max())


def _legend_columns(entries: int) -> int:
    """Fewest rows for at most MAX_LEGEND_COLUMNS columns, then as few columns as fill those rows."""
    rows = math.ceil(entries / MAX_LEGEND_COLUMNS)
    return math.ceil(entries / rows)


def _plotted_groups(
    shares: pl.DataFrame, colours: dict[str, str], labels: dict[str, str]
) -> tuple[list[str], list[str]]:
    """Groups drawn on their own and groups merged into "Other", both in vocabulary order.

    Groups with no downloads in any plotted week are left out altogether: they
    have no area to show. Merging happens only when at least two groups are
    minor, since one band renamed "Other" is no easier to read.
    """
    present = set(shares.get_column("group"))
    unknown = sorted(present - set(colours))
    if unknown:
        raise ValueError(f"group shares: group(s) {unknown} have no fixed colour; expected ids from {list(colours)}")
    unlabelled = sorted(present - set(labels))
    if unlabelled:
        raise ValueError(f"group shares: group(s) {unlabelled} have no label")
    peaks = dict(shares.group_by("group").agg(pl.col("share").max()).iter_rows())
    shown = [group for group in colours if peaks.get(group, 0.0) > 0.0]
    minor = [group for group in shown if peaks[group] < MINOR_SHARE]
    if len(minor) < 2:
        return shown, []
    return [group for group in shown if group not in minor], minor


def _share_layers(view_shares: pl.DataFrame, weeks: np.ndarray, bands: list[str], merged: list[str]) -> np.ndarray:
    """One row of percentages per band (and a last row for "Other" when groups are merged), one column per week."""
    band = pl.when(pl.col("group").is_in(merged)).then(pl.lit(OTHER)).otherwise(pl.col("group"))
    wide = (
        view_shares.with_columns(band.alias("group"))
        .group_by("week", "group")
        .agg(pl.col("share").sum())
        .pivot(on="group", index="week", values="share")
    )
    by_week = pl.DataFrame({"week": weeks}).join(wide, on="week", how="left")
    names = bands + ([OTHER] if merged else [])
    layers = [
        by_week.get_column(name).fill_null(0.0).to_numpy() if name in by_week.columns else np.zeros(len(weeks))
        for name in names
    ]
    return np.vstack(layers) * 100.0


def group_share_figure(
    trailing: pl.DataFrame,
    dimension: str,
    labels: dict[str, str],
    views: Sequence[str] = ("uploader", "derived"),
    demo: bool = False,
) -> Figure:
    """Stacked areas of trailing-52-week download shares by group, one panel per view.

    `trailing` has columns view, dimension, group, week and share (0-1); only
    rows of `dimension` ("country_group" or "developer_type") are used.
    `labels` maps group ids to the words shown in the legend.
    """
    what = f"group shares ({dimension})"
    _checked(trailing, SHARE_COLUMNS, what)
    if dimension not in DIMENSION_COLOURS:
        raise ValueError(f"{what}: unknown dimension; expected one of {list(DIMENSION_COLOURS)}")
    shares = trailing.filter(pl.col("dimension") == dimension, pl.col("view").is_in(list(views)))
    if shares.is_empty():
        raise ValueError(f"{what}: no rows for this dimension in views {list(views)}")
    _checked_views(shares, views, what)
    _checked_unique(shares, ["view", "group", "week"], what)

    colours = DIMENSION_COLOURS[dimension]
    bands, merged = _plotted_groups(shares, colours, labels)
    weeks = np.sort(shares.get_column("week").unique().to_numpy())
    _checked_weeks(weeks, what)

    fig = Figure(figsize=(7.0, 3.5))
    axes = fig.subplots(1, len(views), sharex=True, sharey=True, squeeze=False)[0]
    for ax, view in zip(axes, views, strict=True):
        layers = _share_layers(shares.filter(pl.col("view") == view), weeks, bands, merged)
        fills = [colours[group] for group in bands] + ([OTHER_STYLE["facecolor"]] if merged else [])
        areas = ax.stackplot(weeks, layers, colors=fills, edgecolor="white", linewidth=0.3)
        if merged:
            areas[-1].set(**OTHER_STYLE)
        ax.set_title(VIEW_TITLES[view])
        ax.set_ylim(0, 100)
        ax.grid(axis="x", visible=False)  # the band edges already guide the eye along time
        _format_years(ax, weeks)
    axes[0].set_ylabel("Share of downloads (%)")

    handles = [Patch(facecolor=colours[group], edgecolor="none", label=labels[group]) for group in bands]
    if merged:
        handles.append(Patch(**OTHER_STYLE, label=OTHER_LABEL))
    fig.legend(handles=handles, loc="outside lower center", ncols=_legend_columns(len(handles)))
    if demo:
        mark_demo(fig)
    return fig


def _smoothed(concentration: pl.DataFrame) -> pl.DataFrame:
    """Add a centred rolling mean of every metric per view, over SMOOTHING_WEEKS rows (one row a week).

    Near the ends the window is cut short; at least half a window is required.
    """
    return concentration.sort("view", "week").with_columns(
        pl.col(column)
        .rolling_mean(SMOOTHING_WEEKS, center=True, min_samples=SMOOTHING_WEEKS // 2 + 1)
        .over("view")
        .alias(f"{column}_smoothed")
        for column, *_ in CONCENTRATION_PANELS
    )


def concentration_figure(
    concentration: pl.DataFrame, views: Sequence[str] = ("uploader", "derived"), demo: bool = False
) -> Figure:
    """HHI, Gini and top-10 share over time: a 13-week centred mean per view over faint weekly values.

    `concentration` has one row per view and week with columns view, week,
    hhi, gini and top10 (all on the 0-1 scale). seaborn draws each panel's
    lines from the long table, one per view, coloured and dashed by view.
    """
    # Only this figure draws with seaborn, whose import (pandas, scipy) costs about 1.5 s: not paid by the others.
    import seaborn as sns

    what = "concentration"
    _checked(concentration, CONCENTRATION_COLUMNS, what)
    _checked_views(concentration, views, what)
    _checked_unique(concentration, ["view", "week"], what)
    smoothed = _smoothed(concentration.filter(pl.col("view").is_in(list(views))))
    weeks = smoothed.get_column("week").unique().to_numpy()
    _checked_weeks(weeks, what)

    palette = {view: VIEW_LINES[view]["color"] for view in views}
    # The views' line styles as seaborn's dash patterns, matplotlib's own, so that a dashed line looks the same.
    patterns = {"-": "", "--": tuple(rcParams["lines.dashed_pattern"]), ":": tuple(rcParams["lines.dotted_pattern"])}
    dashes = {view: patterns[VIEW_LINES[view]["linestyle"]] for view in views}
    fig = Figure(figsize=(7.0, 2.6))
    axes = fig.subplots(1, len(CONCENTRATION_PANELS), sharex=True)
    for ax, (column, title, y_label, factor) in zip(axes, CONCENTRATION_PANELS, strict=True):
        panel = smoothed.select(
            "week",
            pl.col("view").cast(pl.Enum(list(views))),
            (pl.col(column) * factor).alias("weekly"),
            (pl.col(f"{column}_smoothed") * factor).alias("smoothed"),
        ).to_pandas()
        lines = {"x": "week", "hue": "view", "palette": palette, "estimator": None, "legend": False, "ax": ax}
        # Weekly values as faint solid context: dashes would break up on weekly noise.
        sns.lineplot(data=panel, y="weekly", linewidth=0.5, alpha=0.3, **lines)
        sns.lineplot(data=panel, y="smoothed", style="view", dashes=dashes, **lines)
        ax.set_title(title)
        ax.set_xlabel("")
        ax.set_ylabel(y_label)
        _format_years(ax, weeks)
    handles = [Line2D([], [], **VIEW_LINES[view], label=VIEW_TITLES[view]) for view in views]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(views))
    if demo:
        mark_demo(fig)
    return fig
