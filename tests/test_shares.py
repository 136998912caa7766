"""Group shares: weekly, trailing 52-week windows (weekly and 28-day cadence), and inclusive periods."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.analysis.shares import TRAILING_DAYS, ordered_sum, period_shares, trailing_shares, weekly_shares
from hubshare.attribution.aggregates import GROUP_COLUMNS

START = dt.date(2021, 1, 6)


def attributed(rows: list[tuple]) -> pl.DataFrame:
    """(view, week, country_group, developer_type, downloads) -> the columns the share functions read."""
    return pl.DataFrame(
        rows,
        schema={
            "view": pl.String,
            "week": pl.Date,
            "country_group": pl.String,
            "developer_type": pl.String,
            "downloads": pl.Float64,
        },
        orient="row",
    )


def cells(shares: pl.DataFrame, view: str, dimension: str, column: str = "share") -> dict[tuple, float]:
    """{(group, week or period): value} for one view and dimension."""
    rows = shares.filter((pl.col("view") == view) & (pl.col("dimension") == dimension))
    second = "period" if "period" in rows.columns else "week"
    return {(r["group"], r[second]): r[column] for r in rows.iter_rows(named=True)}


def weeks_from(start: dt.date, count: int, cadence_days: int = 7) -> list[dt.date]:
    return [start + dt.timedelta(days=cadence_days * k) for k in range(count)]


W1, W2 = weeks_from(START, 2)


def test_weekly_shares_by_hand():
    table = attributed(
        [
            ("uploader", W1, "china", "industry", 10.0),
            ("uploader", W1, "china", "academia", 20.0),
            ("uploader", W1, "united_states", "industry", 70.0),
            ("uploader", W2, "united_states", "industry", 25.0),
            ("uploader", W2, "unaffiliated_user", "unaffiliated_user", 75.0),
            ("derived", W1, "united_states", "industry", 100.0),
            ("derived", W2, "china", "industry", 40.0),
            ("derived", W2, "united_states", "industry", 60.0),
        ]
    )
    shares = weekly_shares(table)
    assert cells(shares, "uploader", "country_group") == pytest.approx(
        {
            # week 1: china 10 + 20 = 30 of 100, united_states 70 of 100
            ("china", W1): 0.3,
            ("united_states", W1): 0.7,
            ("unaffiliated_user", W1): 0.0,
            # week 2: 25 and 75 of 100; china absent -> 0
            ("china", W2): 0.0,
            ("united_states", W2): 0.25,
            ("unaffiliated_user", W2): 0.75,
        }
    )
    assert cells(shares, "uploader", "developer_type") == pytest.approx(
        {
            # week 1: industry 10 + 70 = 80, academia 20
            ("industry", W1): 0.8,
            ("academia", W1): 0.2,
            ("unaffiliated_user", W1): 0.0,
            ("industry", W2): 0.25,
            ("academia", W2): 0.0,
            ("unaffiliated_user", W2): 0.75,
        }
    )
    # the derived view has its own denominator and its own groups (no unaffiliated_user row)
    assert cells(shares, "derived", "country_group") == pytest.approx(
        {
            ("china", W1): 0.0,
            ("united_states", W1): 1.0,
            ("china", W2): 0.4,
            ("united_states", W2): 0.6,
        }
    )
    assert cells(shares, "uploader", "country_group", "downloads")[("china", W2)] == 0.0


def test_weekly_shares_with_an_extra_dimension():
    table = attributed([("uploader", W1, "china", "industry", 3.0), ("uploader", W1, "china", "industry", 1.0)])
    table = table.with_columns(pl.Series("organization", ["Alibaba", "Baidu"]))
    shares = weekly_shares(table, dimensions=["organization"])
    # 3 of 4 and 1 of 4
    assert cells(shares, "uploader", "organization") == pytest.approx({("Alibaba", W1): 0.75, ("Baidu", W1): 0.25})
    assert set(shares["dimension"]) == {"organization"}


random_tables = st.lists(
    st.tuples(
        st.sampled_from(["uploader", "derived"]),
        st.sampled_from(weeks_from(START, 5)),
        st.sampled_from(["china", "united_states", "europe", "unknown"]),
        st.sampled_from(["industry", "academia", "unaffiliated_user"]),
        st.floats(min_value=0.001, max_value=1e9, allow_nan=False),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(random_tables)
def test_weekly_shares_sum_to_one_on_a_complete_grid(rows):
    table = attributed(rows)
    shares = weekly_shares(table)
    weeks = table["week"].n_unique()
    present = set(table.select("view", "week").unique().iter_rows())
    sums = shares.group_by("view", "dimension", "week").agg(pl.col("share").sum())
    for entry in sums.iter_rows(named=True):
        groups = shares.filter((pl.col("view") == entry["view"]) & (pl.col("dimension") == entry["dimension"]))
        # 1 where the view has downloads that week; 0 in a week the view lacks (never so in real data)
        assert entry["share"] == pytest.approx(1.0 if (entry["view"], entry["week"]) in present else 0.0)
        # every group of the view and dimension has a row in every week
        assert groups.height == groups["group"].n_unique() * weeks
    # downloads are conserved per view and dimension
    for view in table["view"].unique():
        total = table.filter(pl.col("view") == view)["downloads"].sum()
        for dimension in ("country_group", "developer_type"):
            kept = shares.filter((pl.col("view") == view) & (pl.col("dimension") == dimension))["downloads"].sum()
            assert kept == pytest.approx(total)


def two_groups(weeks: list[dt.date]) -> pl.DataFrame:
    """Group a: 1 download per interval; group b: k downloads in interval k (0, 1, 2, ...)."""
    rows = []
    for k, week in enumerate(weeks):
        rows.append(("uploader", week, "a", "industry", 1.0))
        if k > 0:
            rows.append(("uploader", week, "b", "industry", float(k)))
    return attributed(rows)


def test_trailing_window_starts_with_the_first_full_year_of_weeks():
    weeks = weeks_from(START, 60)
    trailing = trailing_shares(two_groups(weeks))
    first = START + dt.timedelta(days=357)
    assert first == dt.date(2021, 12, 29)
    assert trailing["week"].min() == first
    assert sorted(trailing["week"].unique()) == weeks[51:]
    downloads = cells(trailing, "uploader", "country_group", "downloads")
    share = cells(trailing, "uploader", "country_group")
    # first window = weeks 0..51: a = 52 x 1, b = 0 + 1 + ... + 51 = 1326 -> a's share 52 / 1378 = 2/53
    assert (downloads[("a", weeks[51])], downloads[("b", weeks[51])]) == (52.0, 1326.0)
    assert share[("a", weeks[51])] == pytest.approx(2 / 53)
    # next window = weeks 1..52: b = 1 + ... + 52 = 1378 -> a's share 52 / 1430 = 2/55
    assert (downloads[("a", weeks[52])], downloads[("b", weeks[52])]) == (52.0, 1378.0)
    assert share[("a", weeks[52])] == pytest.approx(2 / 55)
    # developer_type has one group: share 1 in every window
    assert set(cells(trailing, "uploader", "developer_type").values()) == {1.0}


def test_trailing_window_with_a_28_day_cadence():
    weeks = weeks_from(START, 20, cadence_days=28)
    trailing = trailing_shares(two_groups(weeks))
    # first full window ends 364 - 28 = 336 days after the start: snapshot 12 (13 snapshots x 28 days = 364)
    assert trailing["week"].min() == weeks[12] == START + dt.timedelta(days=336)
    downloads = cells(trailing, "uploader", "country_group", "downloads")
    share = cells(trailing, "uploader", "country_group")
    # snapshots 0..12: a = 13, b = 0 + ... + 12 = 78 -> a's share 13 / 91 = 1/7
    assert (downloads[("a", weeks[12])], downloads[("b", weeks[12])]) == (13.0, 78.0)
    assert share[("a", weeks[12])] == pytest.approx(1 / 7)
    # snapshots 1..13: a = 13, b = 1 + ... + 13 = 91 -> 13 / 104 = 1/8
    assert (downloads[("a", weeks[13])], downloads[("b", weeks[13])]) == (13.0, 91.0)
    assert share[("a", weeks[13])] == pytest.approx(1 / 8)


def test_trailing_group_absent_from_a_whole_window_gets_zero():
    weeks = weeks_from(START, 110)
    rows = [("derived", week, "a", "industry", 5.0) for week in weeks]
    # b downloads only in the first 10 weeks, fractional (merge splits)
    rows += [("derived", week, "b", "academia", 10 / 3) for week in weeks[:10]]
    trailing = trailing_shares(attributed(rows))
    share = cells(trailing, "derived", "country_group")
    downloads = cells(trailing, "derived", "country_group", "downloads")
    # window ending at week 51 holds b's 10 weeks: 10 x 10/3 = 33.33.., a = 52 x 5 = 260
    assert downloads[("b", weeks[51])] == pytest.approx(100 / 3)
    assert share[("b", weeks[51])] == pytest.approx((100 / 3) / (260 + 100 / 3))
    # from week 61 on the window (weeks 10..61) holds nothing of b
    assert [downloads[("b", week)] for week in weeks[61:]] == pytest.approx([0.0] * 49, abs=1e-9)
    assert [share[("a", week)] for week in weeks[61:]] == pytest.approx([1.0] * 49)


def test_one_week_has_no_complete_trailing_window():
    single = trailing_shares(attributed([("uploader", START, "a", "industry", 1.0)]))
    assert (
        single.is_empty()
        and single.columns == weekly_shares(attributed([("uploader", START, "a", "industry", 1.0)])).columns
    )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10**7), min_size=56, max_size=70),
    st.lists(st.integers(min_value=1, max_value=10**7), min_size=56, max_size=70),
    st.integers(min_value=1, max_value=7),
)
def test_trailing_matches_a_naive_window_sum(a_counts, b_counts, divisor):
    weeks = weeks_from(START, min(len(a_counts), len(b_counts)))
    rows = [
        ("uploader", week, "a", "industry", count / divisor)
        for week, count in zip(weeks, a_counts[: len(weeks)], strict=True)
    ]
    rows += [
        ("uploader", week, "b", "industry", count / divisor)
        for week, count in zip(weeks, b_counts[: len(weeks)], strict=True)
    ]
    trailing = trailing_shares(attributed(rows))
    downloads = cells(trailing, "uploader", "country_group", "downloads")
    share = cells(trailing, "uploader", "country_group")
    for end in range(51, len(weeks)):
        a = sum(a_counts[end - 51 : end + 1]) / divisor
        b = sum(b_counts[end - 51 : end + 1]) / divisor
        assert downloads[("a", weeks[end])] == pytest.approx(a, rel=1e-9, abs=1e-6)
        assert share[("a", weeks[end])] == pytest.approx(a / (a + b), rel=1e-9, abs=1e-12)
        assert share[("a", weeks[end])] + share[("b", weeks[end])] == pytest.approx(1.0)
    assert len(downloads) == 2 * (len(weeks) - 51)


def test_trailing_window_length_is_a_parameter():
    weeks = weeks_from(START, 10)
    trailing = trailing_shares(two_groups(weeks), window_days=28)
    # 28-day window of weekly data: 4 weeks, first full at START + 21 days
    assert trailing["week"].min() == weeks[3]
    # weeks 0..3: a = 4, b = 0 + 1 + 2 + 3 = 6
    assert cells(trailing, "uploader", "country_group")[("a", weeks[3])] == pytest.approx(4 / 10)
    assert TRAILING_DAYS == 52 * 7


PERIODS = {
    "<=2022": (dt.date(2000, 1, 1), dt.date(2022, 12, 31)),
    "2023": (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
}


def test_period_shares_by_hand_with_inclusive_bounds():
    table = attributed(
        [
            ("uploader", dt.date(2022, 6, 1), "china", "industry", 10.0),
            ("uploader", dt.date(2022, 12, 31), "united_states", "industry", 30.0),  # last day of <=2022
            ("uploader", dt.date(2023, 1, 1), "china", "academia", 60.0),  # first day of 2023
            ("uploader", dt.date(2023, 12, 31), "united_states", "industry", 20.0),  # last day of 2023
            ("uploader", dt.date(2024, 1, 1), "china", "industry", 1000.0),  # in no period
        ]
    )
    shares = period_shares(table, PERIODS)
    assert cells(shares, "uploader", "country_group") == pytest.approx(
        {
            # <=2022: china 10, united_states 30 of 40
            ("china", "<=2022"): 0.25,
            ("united_states", "<=2022"): 0.75,
            # 2023: china 60, united_states 20 of 80
            ("china", "2023"): 0.75,
            ("united_states", "2023"): 0.25,
        }
    )
    # every group appears in every period, with 0 where it had no downloads
    assert cells(shares, "uploader", "developer_type", "downloads") == {
        ("industry", "<=2022"): 40.0,
        ("industry", "2023"): 20.0,
        ("academia", "2023"): 60.0,
        ("academia", "<=2022"): 0.0,
    }
    assert shares.columns == ["view", "dimension", "group", "period", "downloads", "share"]


def test_period_shares_overlapping_periods_and_attribution_source():
    table = attributed(
        [
            ("derived", dt.date(2023, 3, 1), "china", "industry", 1.0),
            ("derived", dt.date(2023, 10, 1), "china", "industry", 3.0),
        ]
    ).with_columns(pl.Series("attribution_source", ["registry", "no_namespace"]))
    periods = {
        "2023": (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        "last_year": (dt.date(2023, 9, 1), dt.date(2024, 8, 31)),
    }
    coverage = period_shares(table, periods, dimensions=["attribution_source"])
    # 2023: 1 and 3 of 4; last_year holds only the October week
    assert cells(coverage, "derived", "attribution_source") == pytest.approx(
        {
            ("registry", "2023"): 0.25,
            ("no_namespace", "2023"): 0.75,
            ("no_namespace", "last_year"): 1.0,
            ("registry", "last_year"): 0.0,
        }
    )


@settings(max_examples=30, deadline=None)
@given(random_tables)
def test_period_shares_sum_to_one(rows):
    periods = {"early": (START, START + dt.timedelta(days=14)), "all": (START, START + dt.timedelta(days=28))}
    shares = period_shares(attributed(rows), periods)
    sums = shares.group_by("view", "dimension", "period").agg(pl.col("share").sum(), pl.col("downloads").sum())
    # shares sum to 1 where the period has downloads; a period without downloads has no shares (null)
    expected = [1.0 if total > 0 else 0.0 for total in sums["downloads"]]
    assert sums["share"].to_list() == pytest.approx(expected)
    empty = shares.filter(pl.col("downloads").sum().over("view", "dimension", "period") == 0)
    assert empty["share"].null_count() == empty.height


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["uploader", "derived"]),
            st.integers(0, 5),
            st.sampled_from(["china", "united_states", "france"]),
            st.sampled_from(["industry", "academia"]),
            st.sampled_from(["registry", "unlisted_namespace"]),
            st.floats(0, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_shares_from_the_weekly_sums_equal_shares_from_every_row(rows):
    # The workflow sums each week's rows by group once (hubshare.attribution.aggregates); the shares must not change.
    table = pl.DataFrame(
        [
            (view, START + dt.timedelta(days=7 * week), country, kind, source, value)
            for view, week, country, kind, source, value in rows
        ],
        schema={
            "view": pl.String,
            "week": pl.Date,
            "country_group": pl.String,
            "developer_type": pl.String,
            "attribution_source": pl.String,
            "downloads": pl.Float64,
        },
        orient="row",
    )
    sums = table.group_by(GROUP_COLUMNS).agg(pl.col("downloads").sum())
    periods = {"all": (START, START + dt.timedelta(days=35))}
    for compute in (weekly_shares, lambda t: period_shares(t, periods)):
        by_rows, by_sums = compute(table), compute(sums)
        keys = [c for c in by_rows.columns if c not in ("downloads", "share")]
        joined = by_rows.join(by_sums, on=keys, how="full", coalesce=True, suffix="_sums")
        assert joined.height == by_rows.height == by_sums.height
        for column in ("downloads", "share"):
            difference = (joined[column] - joined[f"{column}_sums"]).abs().fill_null(0.0)
            assert difference.max() <= 1e-9 * max(1.0, float(table["downloads"].sum()))


@settings(max_examples=40, deadline=None)
@given(random_tables, st.randoms(use_true_random=False))
def test_shares_are_the_same_bits_whatever_the_row_order(rows, random):
    """Float sums depend on their order; the tables must not depend on the order the rows arrive in."""
    shuffled = list(rows)
    random.shuffle(shuffled)
    periods = {"early": (START, START + dt.timedelta(days=14)), "all": (START, START + dt.timedelta(days=28))}
    for compute in (weekly_shares, lambda t: period_shares(t, periods)):
        assert compute(attributed(rows)).equals(compute(attributed(shuffled)))


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
def test_ordered_sums_are_the_same_bits_whatever_the_row_order(engine):
    # Large enough for polars to split the groups across threads; `sort().sum()` failed this (the sort is dropped).
    rng = np.random.default_rng(3)
    size = 200_000
    frame = pl.DataFrame({"key": rng.integers(0, 20, size), "downloads": rng.random(size) * 1e6 / 3})

    def summed(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.lazy().group_by("key").agg(ordered_sum()).sort("key").collect(engine=engine)

    assert summed(frame).equals(summed(frame[rng.permutation(size)]))
    empty = frame.filter(pl.col("key") < 0).select(ordered_sum())
    assert empty.item() == 0.0
