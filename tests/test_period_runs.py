"""Panel rows summed over runs of weeks that lie in the same periods, for whole-history period statistics."""

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.attribution.family_shares import family_shares
from hubshare.periods import panel_summed_by_period_runs, period_runs, period_slug

WEEKS = [dt.date(2024, 12, 18) + dt.timedelta(weeks=i) for i in range(6)]  # 2024-12-18 .. 2025-01-22
PERIODS = {
    "2024": (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    "2025": (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    "window": (dt.date(2024, 12, 25), dt.date(2025, 1, 8)),
}


def test_runs_break_where_period_membership_changes():
    runs = dict(period_runs(WEEKS, PERIODS).iter_rows())
    # 12-18 {2024}; 12-25 {2024, window}; 01-01, 01-08 {2025, window}; 01-15, 01-22 {2025}
    assert [runs[w] for w in WEEKS] == [WEEKS[0], WEEKS[1], WEEKS[2], WEEKS[2], WEEKS[4], WEEKS[4]]


def test_weeks_outside_every_period_form_their_own_runs():
    runs = period_runs([dt.date(2030, 1, 2), dt.date(2030, 1, 9)], PERIODS)
    assert runs["run_start"].to_list() == [dt.date(2030, 1, 2)] * 2


def write_panel(folder, rows):
    paths = []
    for week in sorted({r[0] for r in rows}):
        path = folder / f"{week}.parquet"
        pl.DataFrame(
            [{"week": w, "model_key": k, "downloads": d} for w, k, d in rows if w == week],
            schema={"week": pl.Date, "model_key": pl.String, "downloads": pl.Int64},
        ).write_parquet(path)
        paths.append(path)
    return paths


def test_sums_by_hand(tmp_path):
    paths = write_panel(tmp_path, [(WEEKS[2], "m", 3), (WEEKS[3], "m", 4), (WEEKS[3], "n", 1), (WEEKS[4], "m", 5)])
    got = panel_summed_by_period_runs(paths, PERIODS).rows()
    assert got == [(WEEKS[2], "m", 7), (WEEKS[2], "n", 1), (WEEKS[4], "m", 5)]
    # One period (a period job's case): its weeks are one run, dated by its first week.
    alone = panel_summed_by_period_runs(paths, {"2025": PERIODS["2025"]})
    assert alone.rows() == [(WEEKS[2], "m", 12), (WEEKS[2], "n", 1)]
    assert alone.schema == pl.Schema({"week": pl.Date, "model_key": pl.String, "downloads": pl.Int64})


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from("abcd"), st.integers(1, 1000)),
        min_size=1,
        max_size=30,
        unique_by=lambda r: (r[0], r[1]),
    )
)
def test_period_statistics_are_unchanged(tmp_path_factory, cells):
    rows = [(WEEKS[w], key, downloads) for w, key, downloads in cells]
    paths = write_panel(tmp_path_factory.mktemp("panel"), rows)
    panel = pl.read_parquet(paths)
    models = pl.DataFrame({"model_key": list("abcd"), "family": ["F", "F", "G", None]})
    assert family_shares(panel_summed_by_period_runs(paths, PERIODS), models, PERIODS).equals(
        family_shares(panel, models, PERIODS)
    )


def test_period_folders_are_readable_and_distinct():
    assert [period_slug(n) for n in ("2024", "last_year", "<=2022", "a/b", "..", "~3C", "50%")] == [
        "2024",
        "last_year",
        "~3C~3D2022",
        "a~2Fb",
        "~2E~2E",
        "~7E3C",
        "50~25",
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), st.text(min_size=1))
def test_different_period_names_never_share_a_folder(one, other):
    assert (period_slug(one) == period_slug(other)) == (one == other)
    assert "/" not in period_slug(one) and "%" not in period_slug(one) and period_slug(one) not in (".", "..")
