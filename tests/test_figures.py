"""Figures: a fixed colour for every vocabulary id, reproducible files, and
figures that build from small tables and say when they show demo data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import polars as pl
import pytest
import yaml
from matplotlib.text import Text

from hubshare.figures.plots import OTHER_LABEL, concentration_figure, group_share_figure
from hubshare.figures.style import (
    COUNTRY_GROUP_COLOURS,
    DEMO_WATERMARK,
    DEVELOPER_TYPE_COLOURS,
    VIEW_LINES,
    save_figure,
    use_style,
)

REPO = Path(__file__).resolve().parents[1]
VOCABULARIES = yaml.safe_load((REPO / "data/raw/attribution/vocabularies.yaml").read_text(encoding="utf-8"))
WEEKS = [dt.date(2022, 1, 3) + dt.timedelta(weeks=i) for i in range(120)]
LABELS = {entry["id"]: entry["label"] for entry in VOCABULARIES["country_groups"]}


@pytest.fixture(autouse=True)
def repo_style():
    with matplotlib.rc_context():
        use_style(REPO / "workflow/matplotlibrc")
        yield


def trailing_shares(peaks: dict[str, float]) -> pl.DataFrame:
    """Country-group shares for two views over 120 weeks; `peaks` sets each group's relative weight."""
    trend = np.linspace(0.0, 1.0, len(WEEKS))
    rows = []
    for view, tilt in (("uploader", 0.5), ("derived", 1.0)):
        weights = np.array([weight * (1 + tilt * trend * (-1) ** i) for i, weight in enumerate(peaks.values())])
        for group, shares in zip(peaks, weights / weights.sum(axis=0), strict=True):
            rows += [
                (view, "country_group", group, week, float(share) * 1e6, float(share))
                for week, share in zip(WEEKS, shares, strict=True)
            ]
    return pl.DataFrame(rows, schema=["view", "dimension", "group", "week", "downloads", "share"], orient="row")


FIVE_GROUPS = {"united_states": 0.5, "china": 0.2, "france": 0.05, "unaffiliated_user": 0.2, "unknown": 0.05}


def weekly_concentration() -> pl.DataFrame:
    trend = np.linspace(0.0, 1.0, len(WEEKS))
    return pl.concat(
        pl.DataFrame(
            {
                "view": view,
                "week": WEEKS,
                "organizations": np.arange(len(WEEKS)) + 100,
                "hhi": 0.10 - 0.03 * trend + offset,
                "gini": 0.95 + 0.02 * trend,
                "top1": 0.2 + offset,
                "top5": 0.5 + offset,
                "top10": 0.8 - 0.1 * trend + offset,
            }
        )
        for view, offset in (("uploader", 0.0), ("derived", 0.02))
    )


def texts(figure) -> list[str]:
    return [artist.get_text() for artist in figure.findobj(Text)]


@pytest.mark.parametrize(
    ("colours", "vocabulary"),
    [(COUNTRY_GROUP_COLOURS, "country_groups"), (DEVELOPER_TYPE_COLOURS, "developer_types")],
)
def test_colours_follow_the_vocabulary_one_distinct_colour_each(colours, vocabulary):
    assert list(colours) == [entry["id"] for entry in VOCABULARIES[vocabulary]]  # same ids, vocabulary order
    assert all(mcolors.is_color_like(colour) for colour in colours.values())
    assert len({colour.lower() for colour in colours.values()}) == len(colours)


def test_shared_groups_keep_one_colour_and_unknown_is_grey():
    for group in ("unaffiliated_user", "unknown"):
        assert COUNTRY_GROUP_COLOURS[group] == DEVELOPER_TYPE_COLOURS[group]
    red, green, blue = mcolors.to_rgb(COUNTRY_GROUP_COLOURS["unknown"])
    assert red == green == blue


def test_save_figure_writes_identical_bytes_twice(tmp_path):
    paths = []
    for run in ("first", "second"):
        figure = group_share_figure(trailing_shares(FIVE_GROUPS), "country_group", LABELS, demo=True)
        pdf, png = tmp_path / run / "shares.pdf", tmp_path / run / "shares.png"
        save_figure(figure, pdf, png)
        paths.append((pdf, png))
    (first_pdf, first_png), (second_pdf, second_png) = paths
    assert first_pdf.read_bytes() == second_pdf.read_bytes()
    assert first_png.read_bytes() == second_png.read_bytes()
    assert first_pdf.read_bytes().startswith(b"%PDF") and b"CreationDate" not in first_pdf.read_bytes()
    # No temporary files left behind.
    assert sorted(path.name for path in (tmp_path / "first").iterdir()) == ["shares.pdf", "shares.png"]


def test_group_share_figure_draws_one_stack_per_view():
    figure = group_share_figure(trailing_shares(FIVE_GROUPS), "country_group", LABELS)
    panels = figure.get_axes()
    assert len(panels) == 2
    assert all(len(ax.collections) == len(FIVE_GROUPS) for ax in panels)
    (legend,) = figure.legends
    in_vocabulary_order = [LABELS[group] for group in COUNTRY_GROUP_COLOURS if group in FIVE_GROUPS]
    assert [text.get_text() for text in legend.get_texts()] == in_vocabulary_order


def test_minor_groups_merge_into_other_only_when_several():
    two_minor = group_share_figure(
        trailing_shares(FIVE_GROUPS | {"japan": 0.001, "india": 0.001}), "country_group", LABELS
    )
    one_minor = group_share_figure(trailing_shares(FIVE_GROUPS | {"japan": 0.001}), "country_group", LABELS)
    two_minor_legend = [text.get_text() for text in two_minor.legends[0].get_texts()]
    assert two_minor_legend[-1] == OTHER_LABEL and "Japan" not in two_minor_legend
    assert "Japan" in [text.get_text() for text in one_minor.legends[0].get_texts()]
    assert OTHER_LABEL not in texts(one_minor)


def test_concentration_figure_draws_weekly_and_smoothed_lines_per_view():
    figure = concentration_figure(weekly_concentration())
    panels = figure.get_axes()
    assert len(panels) == 3
    assert all(len(ax.get_lines()) == 4 for ax in panels)  # weekly and smoothed, two views
    # The weekly lines first, then the smoothed ones, each in the order of the views; each view keeps its style.
    lines = panels[2].get_lines()
    assert [line.get_linestyle() for line in lines] == ["-", "-", "-", "--"]
    assert [line.get_color() for line in lines] == [VIEW_LINES[view]["color"] for view in ("uploader", "derived")] * 2
    weekly, smoothed = lines[0].get_ydata(), lines[2].get_ydata()
    # A centred mean leaves a straight line unchanged away from its ends.
    np.testing.assert_allclose(smoothed[6:-6], weekly[6:-6])


@pytest.mark.parametrize("demo", [True, False])
def test_demo_marker_appears_only_on_demo_figures(demo):
    figures = [
        group_share_figure(trailing_shares(FIVE_GROUPS), "country_group", LABELS, demo=demo),
        concentration_figure(weekly_concentration(), demo=demo),
    ]
    for figure in figures:
        assert (DEMO_WATERMARK in texts(figure)) is demo


def test_empty_inputs_raise_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        group_share_figure(trailing_shares(FIVE_GROUPS).clear(), "country_group", LABELS)
    with pytest.raises(ValueError, match="empty"):
        concentration_figure(weekly_concentration().clear())
    with pytest.raises(ValueError, match="no rows for this dimension"):
        group_share_figure(trailing_shares(FIVE_GROUPS), "developer_type", LABELS)


def test_groups_outside_the_vocabulary_are_refused():
    with pytest.raises(ValueError, match="no fixed colour"):
        group_share_figure(trailing_shares(FIVE_GROUPS | {"atlantis": 0.1}), "country_group", LABELS)


def test_property_figure_draws_every_series_and_refuses_an_empty_table():
    from hubshare.figures.properties import SHARE_SERIES, SIZE_SERIES, property_figure

    periods = ["<=2022", "2023"]
    rows = [
        {
            "statistic": s,
            "period": p,
            "estimate": 0.1 if s.startswith("share") else 2e9,
            "ci_low": 0.05 if s.startswith("share") else 1e9,
            "ci_high": 0.2 if s.startswith("share") else 3e9,
        }
        for s in [*SHARE_SERIES, *SIZE_SERIES]
        for p in periods
    ]
    figure = property_figure(pl.DataFrame(rows), periods, demo=True)
    shares_axis, size_axis = figure.axes[:2]
    assert len(shares_axis.containers) == len(SHARE_SERIES)
    assert len(size_axis.containers) == len(SIZE_SERIES)
    with pytest.raises(ValueError, match="property figure"):
        property_figure(pl.DataFrame(rows).clear(), periods)


def test_property_figure_without_sizes_says_so():
    from hubshare.figures.properties import SHARE_SERIES, property_figure

    rows = [
        {"statistic": s, "period": "last_year", "estimate": 0.1, "ci_low": 0.05, "ci_high": 0.2} for s in SHARE_SERIES
    ]
    rows += [{"statistic": "mean_params", "period": "last_year", "estimate": None, "ci_low": None, "ci_high": None}]
    figure = property_figure(pl.DataFrame(rows), ["last_year"])
    assert any("No parameter counts" in text.get_text() for text in figure.axes[1].texts)


def test_era_figure_draws_fits_and_boundaries_and_says_when_there_are_none():
    import datetime as dt

    from hubshare.figures.eras import era_figure
    from hubshare.inference.era_report import era_table
    from hubshare.periods import parse_periods

    start = dt.date(2022, 4, 6)
    rows = []
    for view in ("uploader", "derived"):
        for k in range(80):
            week = start + dt.timedelta(days=7 * k)
            china = (0.10 if week < dt.date(2023, 1, 1) else 0.20) + 0.001 * (k % 3)
            rows += [
                (view, "country_group", "china", week, china * 1e6, china),
                (view, "country_group", "united_states", week, (1 - china) * 1e6, 1 - china),
            ]
    weekly = pl.DataFrame(rows, schema=["view", "dimension", "group", "week", "downloads", "share"], orient="row")
    series = [{"dimension": "country_group", "group": g} for g in ("china", "united_states")]
    periods = parse_periods(
        [
            {"name": "2022", "start": "2022-01-01", "end": "2022-12-31"},
            {"name": "2023", "start": "2023-01-01", "end": "2023-12-31"},
        ]
    )
    settings = {"model": "trend", "min_segment_weeks": 13, "max_eras": 6, "noise_floor": 0.002, "max_persistence": 0.9}
    eras = era_table(weekly, series, periods, settings)
    labels = {"china": "China", "united_states": "United States"}
    figure = era_figure(weekly, eras, series, labels, periods)
    ax = figure.axes[0]
    # two weekly lines, two fitted eras each, one boundary line
    assert len(ax.lines) == 2 + 2 * 2 + 1
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["China", "United States", "Era boundary"]
    empty = era_figure(weekly, eras.head(0), series, labels, periods, note="No eras: too few weeks")
    assert any(t.get_text() == "No eras: too few weeks" for t in empty.axes[0].texts)
    assert [t.get_text() for t in empty.legends[0].get_texts()] == ["China", "United States"]
