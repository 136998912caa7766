"""Share changes of a list split into stayers, entrants and leavers: hand-computed frames and properties."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.analysis.composition import (
    COMPOSITION_COLUMNS,
    Window,
    comparison_windows,
    composition_table,
    credited_in_windows,
    decompose_share_change,
    rows_in_window,
)
from hubshare.analysis.composition_text import (
    composition_lacks,
    composition_markdown,
    composition_shown,
    composition_variables,
    window_phrase,
)
from hubshare.contracts.result_tables import Composition
from hubshare.manuscript.conditions import apply_conditions
from hubshare.manuscript.markdown import split_front_matter
from hubshare.periods import parse_periods

PARTS = ("stayers_pp", "entrants_pp", "leavers_pp")


def number(model: str) -> int:
    """The model number of `m<number>`."""
    return int(model.removeprefix("m"))


def credited(rows: list[tuple]) -> pl.DataFrame:
    """(model, group, window, downloads) in one view and dimension."""
    return pl.DataFrame(
        [("uploader", "country_group", group, number(model), window, float(d)) for model, group, window, d in rows],
        schema={
            "view": pl.String,
            "dimension": pl.String,
            "group": pl.String,
            "model_number": pl.UInt32,
            "window": pl.String,
            "downloads": pl.Float64,
        },
        orient="row",
    )


def by_group(table: pl.DataFrame) -> dict[str, dict]:
    return {row["group"]: row for row in table.iter_rows(named=True)}


def test_hand_computed_stayers_entrants_and_leavers():
    # First window: m1 (A) 60, m2 (B) 20, m3 (A, leaves) 20. Last: m1 30, m2 50, m4 (B, enters) 20.
    table = decompose_share_change(
        credited(
            [
                ("m1", "A", "first", 60),
                ("m1", "A", "last", 30),
                ("m2", "B", "first", 20),
                ("m2", "B", "last", 50),
                ("m3", "A", "first", 20),
                ("m4", "B", "last", 20),
            ]
        )
    )
    a, b = by_group(table)["A"], by_group(table)["B"]
    # A: 80% -> 30%. Among stayers 60/80 -> 30/80 (-37.5); the entrant (no A) against stayers' 37.5%:
    # 0.2 * (0 - 0.375) = -7.5; the leaver (all A) against stayers' 75%: 0.2 * (0.75 - 1) = -5.
    assert a["share_first"] == pytest.approx(0.8) and a["share_last"] == pytest.approx(0.3)
    assert a["change_pp"] == pytest.approx(-50.0)
    assert (a["stayers_pp"], a["entrants_pp"], a["leavers_pp"]) == pytest.approx((-37.5, -7.5, -5.0))
    assert (a["stayers_share_first"], a["stayers_share_last"]) == pytest.approx((0.75, 0.375))
    assert (b["stayers_pp"], b["entrants_pp"], b["leavers_pp"]) == pytest.approx((37.5, 7.5, 5.0))
    assert (a["stayers"], a["entrants"], a["leavers"]) == (2, 1, 1)
    assert (a["stayer_downloads_first"], a["stayer_downloads_last"]) == (80.0, 80.0)
    assert (a["entrant_downloads"], a["leaver_downloads"]) == (20.0, 20.0)


def test_without_stayers_the_change_is_all_entry_and_exit():
    table = by_group(decompose_share_change(credited([("m1", "A", "first", 10), ("m2", "B", "last", 30)])))
    assert (table["A"]["stayers_pp"], table["A"]["entrants_pp"], table["A"]["leavers_pp"]) == (0.0, 0.0, -100.0)
    assert (table["B"]["stayers_pp"], table["B"]["entrants_pp"], table["B"]["leavers_pp"]) == (0.0, 100.0, 0.0)
    assert table["A"]["stayers"] == 0


def test_a_stayer_whose_credit_moves_moves_the_stayers_part():
    # One model, credited half to A and half to B in the first window (a split merge), all to B in the last.
    table = by_group(
        decompose_share_change(credited([("m1", "A", "first", 5), ("m1", "B", "first", 5), ("m1", "B", "last", 8)]))
    )
    assert table["A"]["change_pp"] == pytest.approx(-50.0) and table["A"]["stayers_pp"] == pytest.approx(-50.0)
    assert table["A"]["entrants_pp"] == 0.0 and table["A"]["leavers_pp"] == 0.0


def test_a_model_without_downloads_in_a_window_is_not_in_it():
    table = by_group(
        decompose_share_change(
            credited(
                [("m1", "A", "first", 10), ("m1", "A", "last", 10), ("m2", "B", "first", 0), ("m2", "B", "last", 10)]
            )
        )
    )
    assert (table["B"]["stayers"], table["B"]["entrants"], table["B"]["leavers"]) == (1, 1, 0)
    assert table["B"]["entrants_pp"] == pytest.approx(50.0) and table["B"]["stayers_pp"] == 0.0


def test_rounding_keeps_the_parts_within_their_bounds():
    # Found by the property below: the entrants' part came out 1 ulp past 100 points before the clip.
    rows = [("m0", "A", "first", 0.0), ("m0", "B", "first", 0.0), ("m0", "A", "last", 0.0), ("m0", "B", "last", 0.0)]
    rows += [("m0", "A", "first", 1.0), ("m1", "A", "last", 91.0)]
    table = decompose_share_change(credited(rows))
    assert table.filter(pl.col("group") == "A")["entrants_pp"].item() == 100.0


def test_a_window_without_downloads_is_refused():
    with pytest.raises(ValueError, match="a window holds no downloads in view 'uploader'"):
        decompose_share_change(credited([("m1", "A", "first", 10)]))


@st.composite
def lists(draw):
    """Models in one of three groups (or split between two), each with downloads in the first and last window."""
    size = draw(st.integers(1, 12))
    counts = st.one_of(st.just(0), st.integers(1, 10**9))
    rows = []
    for model in range(size):
        groups = draw(st.lists(st.sampled_from("ABC"), min_size=1, max_size=2, unique=True))
        for window in ("first", "last"):
            downloads = draw(counts)
            rows += [(f"m{model}", group, window, downloads / len(groups)) for group in groups]
    for window in ("first", "last"):  # each window holds some downloads
        rows.append(
            (f"m{draw(st.integers(0, size))}", draw(st.sampled_from("ABC")), window, draw(st.integers(1, 10**6)))
        )
    return credited(rows)


@settings(max_examples=200, deadline=None)
@given(lists())
def test_the_parts_add_up_to_the_change(frame):
    table = decompose_share_change(frame)
    for row in table.iter_rows(named=True):
        assert sum(row[part] for part in PARTS) == pytest.approx(row["change_pp"], abs=1e-9)
    # Shares add to one in each window, and so do the stayers' shares where there are stayers: every part then
    # sums to zero over the groups (without stayers their share is taken as 0, and only the change does).
    assert table["change_pp"].sum() == pytest.approx(0.0, abs=1e-9)
    if table["stayers"][0]:
        for column in PARTS:
            assert table[column].sum() == pytest.approx(0.0, abs=1e-9)
    Composition.validate(
        table.with_columns(
            pl.lit("period").alias("window_kind"), pl.lit("a").alias("first_period"), pl.lit("b").alias("last_period")
        ).select(list(COMPOSITION_COLUMNS))
    )


@settings(max_examples=100, deadline=None)
@given(lists())
def test_a_list_without_entry_or_exit_changes_only_among_stayers(frame):
    # Every model given downloads in both windows: no entrant, no leaver.
    models = frame.group_by("model_number").agg(pl.col("window").filter(pl.col("downloads") > 0).n_unique() == 2)
    stayers = models.filter(pl.col("window"))["model_number"]
    kept = frame.filter(pl.col("model_number").is_in(stayers.to_list()))
    if kept.filter(pl.col("downloads") > 0).height == 0:
        return
    table = decompose_share_change(kept)
    assert (table["entrants"] == 0).all() and (table["leavers"] == 0).all()
    assert (table["stayers_pp"] - table["change_pp"]).abs().max() < 1e-9


D = dt.date


def test_windows_are_the_first_and_last_consecutive_periods_with_downloads():
    periods = parse_periods(
        [
            {"name": "<=2022", "start": "2000-01-01", "end": "2022-12-31"},
            {"name": "2023", "start": "2023-01-01", "end": "2023-12-31"},
            {"name": "2024", "start": "2024-01-01", "end": "2024-12-31"},
            {"name": "last_year", "start": "2023-09-01", "end": "2024-08-31"},
        ]
    )
    weeks = [D(2023, 3, 1), D(2023, 9, 1), D(2024, 5, 1)]  # nothing in <=2022
    first, last = comparison_windows(weeks, periods, "alltime_diff")
    assert first == Window("2023", "period", D(2023, 1, 1), D(2023, 12, 31))
    assert last == Window("2024", "period", D(2024, 1, 1), D(2024, 12, 31))


def test_without_two_periods_the_first_and_last_independent_intervals():
    # The kb-labb windows: the whole series and its last year overlap, so one consecutive period.
    periods = parse_periods(
        [
            {"name": "whole_series", "start": "2000-01-01", "end": "2100-12-31"},
            {"name": "last_year", "start": "2025-06-01", "end": "2026-05-31"},
        ]
    )
    monthly = [D(2022, 2, 18), D(2022, 3, 18), D(2022, 4, 19), D(2022, 5, 10)]
    first, last = comparison_windows(monthly, periods, "rolling30")
    # 30-day counts overlap unless 30 days apart: the chain kept back from the last snapshot starts on 2022-03-18.
    assert (first.name, first.kind, last.name) == ("2022-03-18", "interval", "2022-05-10")
    first, last = comparison_windows(monthly, periods, "alltime_diff")
    assert (first.start, last.end) == (D(2022, 2, 18), D(2022, 5, 10))
    assert comparison_windows([D(2022, 2, 18), D(2022, 3, 1)], periods, "rolling30") is None
    assert comparison_windows([D(2022, 2, 18)], periods, "alltime_diff") is None


def attributed(rows: list[tuple]) -> pl.LazyFrame:
    """(week, view, model, country group, developer type, downloads)."""
    return pl.DataFrame(
        [(week, view, number(model), *rest) for week, view, model, *rest in rows],
        schema={
            "week": pl.Date,
            "view": pl.String,
            "model_number": pl.UInt32,
            "country_group": pl.String,
            "developer_type": pl.String,
            "downloads": pl.Float64,
        },
        orient="row",
    ).lazy()


ROWS = [
    (D(2023, 3, 1), "uploader", "m1", "china", "industry", 10.0),
    (D(2023, 4, 1), "uploader", "m1", "china", "industry", 5.0),
    (D(2023, 4, 1), "uploader", "m2", "united_states", "academia", 5.0),
    (D(2023, 7, 1), "uploader", "m3", "united_states", "industry", 99.0),  # between the windows: not read
    (D(2024, 5, 1), "uploader", "m1", "china", "industry", 20.0),
    (D(2024, 5, 1), "uploader", "m4", "united_states", "industry", 20.0),
]
WINDOWS = (Window("a", "period", D(2023, 1, 1), D(2023, 6, 30)), Window("b", "period", D(2024, 1, 1), D(2024, 12, 31)))


def test_credited_rows_are_summed_per_model_group_and_window():
    rows = credited_in_windows(*(rows_in_window(attributed(ROWS), w) for w in WINDOWS))
    rows = rows.sort("dimension", "model_number", "window")
    china = rows.filter((pl.col("dimension") == "country_group") & (pl.col("model_number") == 1))
    assert china.select("window", "downloads").rows() == [("first", 15.0), ("last", 20.0)]
    assert 3 not in rows["model_number"].to_list()
    assert set(rows["dimension"]) == {"country_group", "developer_type"}


def test_the_table_between_two_periods_and_none_with_one_interval():
    periods = {"a": (D(2023, 1, 1), D(2023, 6, 30)), "b": (D(2024, 1, 1), D(2024, 12, 31))}
    table = composition_table(attributed(ROWS), periods, "alltime_diff")
    china = table.filter(pl.col("group") == "china").row(0, named=True)
    # China: 15/20 -> 20/40; stayer m1 carries all of China: among stayers 15/15 -> 20/20.
    assert (china["first_period"], china["last_period"], china["window_kind"]) == ("a", "b", "period")
    assert china["change_pp"] == pytest.approx(-25.0)
    assert (china["stayers_pp"], china["entrants_pp"], china["leavers_pp"]) == pytest.approx((0.0, -50.0, 25.0))
    assert set(table["dimension"]) == {"country_group", "developer_type"}
    single = composition_table(attributed(ROWS[:1]), periods, "alltime_diff")
    assert single.height == 0 and single.columns == list(COMPOSITION_COLUMNS)


LIST = {"frame": {"kind": "list"}, "intervals": {"non_overlapping": 1}, "namespaces": 500}
WHOLE_HUB = {"frame": {"kind": "whole_hub"}, "intervals": {"non_overlapping": 40}, "namespaces": 500}
TWO_PERIODS = {"a": (D(2023, 1, 1), D(2023, 6, 30)), "b": (D(2024, 1, 1), D(2024, 12, 31))}


def test_the_paper_shows_the_split_for_a_list_with_two_windows_only():
    table = composition_table(attributed(ROWS), TWO_PERIODS, "alltime_diff")
    empty = table.clear()
    assert composition_shown(LIST, table) and not composition_shown(WHOLE_HUB, table)
    assert not composition_shown(LIST, empty)
    assert composition_lacks(LIST, table) == "" and composition_lacks(WHOLE_HUB, empty) == ""
    assert "with 1 non-overlapping download interval, fewer than the two" in composition_lacks(LIST, empty)
    # A frame the source does not declare may be a list: it is treated as one.
    assert composition_lacks({**LIST, "frame": {"kind": "undeclared"}}, empty) != ""
    # A list of a few accounts holds each group share whole: nothing to split, and nothing to say here (the
    # ecosystem sentence says what such an input lacks).
    few_accounts = {**LIST, "namespaces": 2}
    assert not composition_shown(few_accounts, table) and composition_lacks(few_accounts, empty) == ""


def test_the_variables_count_entry_and_exit_in_the_uploader_view():
    table = composition_table(attributed(ROWS), TWO_PERIODS, "alltime_diff")
    variables = composition_variables(table, "alltime_diff")
    assert variables == {
        "first": "the period a",
        "last": "the period b",
        "entry_exit": "1 model entered the list and 1 model left it",
        "stayers": "1 model",
        "stayers_first": "75.0%",
        "stayers_last": "50.0%",
    }
    assert set(composition_variables(table.clear(), "alltime_diff").values()) == {""}
    assert window_phrase("interval", "2022-05-10", "rolling30") == "the 30 days to 2022-05-10"
    assert window_phrase("period", "<=2022", "alltime_diff") == "the period \u22642022"
    assert window_phrase("period", "last_year", "alltime_diff") == "the period last year"
    assert window_phrase("interval", "2022-05-10", "alltime_diff") == "the download interval closing on 2022-05-10"


def test_the_table_lists_each_headline_group_once():
    table = composition_table(attributed(ROWS), TWO_PERIODS, "alltime_diff")
    headline = [
        {"dimension": "country_group", "group": "china"},
        {"dimension": "country_group", "group": "unaffiliated_user"},
        {"dimension": "developer_type", "group": "unaffiliated_user"},
    ]
    lines = composition_markdown(table, headline, {"china": "China"}).splitlines()
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["China", "unaffiliated_user"]
    china = [cell.strip() for cell in lines[2].split("|")[2:-1]]
    assert china == ["75.0%", "50.0%", "\u221225.0", "+0.0", "\u221250.0", "+25.0"]
    # A group without downloads in either window: every number 0, no signed zero.
    assert [cell.strip() for cell in lines[3].split("|")[2:-1]] == ["0.0%", "0.0%", "+0.0", "+0.0", "+0.0", "+0.0"]
    assert composition_markdown(table.clear(), headline, {}) == ""


@pytest.mark.parametrize("shown", [True, False])
def test_the_manuscript_keeps_the_section_with_its_flag_and_the_sentence_without(shown):
    _, body, _ = split_front_matter((REPO / "paper" / "index.qmd").read_text(encoding="utf-8"))
    kept = apply_conditions(body, {"show": {"composition": shown}})
    labels = set(re.findall(r"\{#((?:sec|tbl)-composition)\}", kept))
    assert labels == ({"sec-composition", "tbl-composition"} if shown else set())
    assert ("composition.entry_exit" in kept) is shown
    assert "scope.lacks.composition" in kept  # empty unless the list has too few windows


def test_credited_downloads_are_the_same_bits_whatever_the_row_order():
    """Float sums depend on their order, and a streaming scan hands rows over in whatever order its threads
    finish: the sums must not depend on it."""
    rng = np.random.default_rng(7)
    size = 200_000
    weeks = [dt.date(2024, 1, 3) + dt.timedelta(weeks=k) for k in range(8)]
    attributed = pl.DataFrame(
        {
            "view": "uploader",
            "week": rng.choice(np.array(weeks, dtype="datetime64[D]"), size),
            "country_group": rng.choice(["A", "B", "C"], size),
            "developer_type": rng.choice(["industry", "academia"], size),
            "model_number": rng.integers(0, 20, size).astype(np.uint32),
            "downloads": rng.random(size) * 1e6 / 3,
        }
    ).with_columns(pl.col("week").cast(pl.Date))
    windows = (
        Window("first", "period", weeks[0], weeks[3]),
        Window("last", "period", weeks[4], weeks[7]),
    )

    def credited(frame: pl.DataFrame) -> pl.DataFrame:
        # A model has a row per pair of groups it is credited to: the rows compared as a set.
        return credited_in_windows(*(rows_in_window(frame.lazy(), w) for w in windows)).sort(pl.all())

    assert credited(attributed).equals(credited(attributed[rng.permutation(size)]))
