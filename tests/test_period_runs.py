"""Runs of weeks that lie in the same periods, and the periods' folder names."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.periods import period_runs, period_slug

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
