"""Trend tests: empirical logit, fixed-b variance, Park's J, the robust test, Benjamini-Yekutieli, the headline family."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from hubshare.inference.stats_report import headline_trends, independent_weeks, series_counts
from hubshare.inference.trends import (
    DAYS_PER_YEAR,
    adjust_family,
    empirical_logit,
    fixed_b_slopes,
    park_j,
    robust_null,
    robust_statistics,
    trend_test,
)

WEEKLY_DAYS = 7.0 * np.arange(120)
TOTAL = 1_000_000


def test_empirical_logit_by_hand():
    # k = 0 of N = 1: log(0.5 / 1.5) = -log 3; k = N: log((N + .5) / .5); k = N / 2: 0
    assert empirical_logit(np.array([0, 1, 5]), np.array([1, 1, 10])) == pytest.approx([-np.log(3), np.log(3), 0.0])


def test_fixed_b_standard_error_by_hand():
    y = np.array([0.0, 1.0, 0.0, 1.0])
    x = np.arange(4.0)
    slopes, errors = fixed_b_slopes(y, x)
    # demeaned y = -.5, .5, -.5, .5 on xc = -1.5, -.5, .5, 1.5 -> slope = 1 / 5 = 0.2
    assert slopes[0] == pytest.approx(0.2)
    # residuals -.2, .6, -.6, .2; scores xc * u: .3, -.3, -.3, .3; partial sums (first n-1): .3, 0, -.3
    # long-run variance 2 / 16 * (.09 + 0 + .09) = 0.0225; se = sqrt(4 * 0.0225) / 5 = 0.06
    assert errors[0] == pytest.approx(0.06)


def test_park_j_matches_two_least_squares_fits():
    rng = np.random.default_rng(3)
    years = np.arange(80) / 52
    y = rng.normal(size=80) + 0.3 * years**2
    t = 2 * (years - years.min()) / np.ptp(years) - 1

    def rss(columns):
        design = np.column_stack(columns)
        residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        return residual @ residual

    line = rss([t**0, t])
    full = rss([t**p for p in range(10)])
    assert park_j(y, years)[0] == pytest.approx((line - full) / full, rel=1e-8)


def test_robust_null_matches_the_two_limits_and_holds_its_level():
    null = robust_null(150, 0.05)
    assert null.b > 0
    # by construction the two 95% quantiles coincide
    assert np.quantile(null.stationary, 0.95) == pytest.approx(np.quantile(null.integrated, 0.95), rel=1e-3)
    # fresh draws (another seed) of both kinds of noise: rejection near 5%; 2000 draws give a standard error of 0.5 pp
    rng = np.random.default_rng(99)
    years = np.arange(150, dtype=float)
    for paths in (rng.standard_normal((2000, 150)), np.cumsum(rng.standard_normal((2000, 150)), axis=1)):
        slopes, errors, j = robust_statistics(paths, years)
        rate = np.mean(null.p_value(slopes / errors * np.exp(-null.b * j)) < 0.05)
        assert 0.035 <= rate <= 0.065
    # the stationary-only fixed-b test over-rejects a random walk: what the J scaling repairs
    slopes, errors, _ = robust_statistics(np.cumsum(rng.standard_normal((2000, 150)), axis=1), years)
    assert np.mean(np.abs(slopes / errors) > np.quantile(null.fixed_b, 0.95)) > 0.2


def counts_of(shares):
    return np.rint(np.asarray(shares) * TOTAL), np.full(len(shares), TOTAL)


def test_noisy_series_slope_on_the_logit_scale_and_in_points():
    rng = np.random.default_rng(20240901)
    years = WEEKLY_DAYS / DAYS_PER_YEAR
    true_logit = -0.5 - 0.2 * years
    shares = 1 / (1 + np.exp(-(true_logit + rng.normal(0, 0.02, years.size))))
    result = trend_test(WEEKLY_DAYS, *counts_of(shares)[:1], totals=counts_of(shares)[1])
    robust = result["robust"]
    assert robust["ci_low_logit"] < -0.2 < robust["ci_high_logit"] < 0
    assert robust["p_value"] < 0.01
    # delta method: d share / d logit = p (1 - p) at the midpoint share p = expit(mean logit)
    p = robust["midpoint_share_pct"] / 100
    assert robust["slope_pp_per_year"] == pytest.approx(robust["slope_logit_per_year"] * 100 * p * (1 - p))
    assert robust["ci_low"] == pytest.approx(robust["ci_low_logit"] * 100 * p * (1 - p))
    assert robust["scale"] == "empirical logit"
    wider = trend_test(WEEKLY_DAYS, *counts_of(shares)[:1], totals=counts_of(shares)[1], confidence=0.99)["robust"]
    assert (
        wider["ci_low_logit"] < robust["ci_low_logit"]
        and wider["slope_logit_per_year"] == robust["slope_logit_per_year"]
    )


def test_zero_counts_stay_finite_and_a_constant_series_has_no_trend():
    counts = np.zeros(WEEKLY_DAYS.size)
    counts[::7] = 3
    result = trend_test(WEEKLY_DAYS, counts, totals=np.full(WEEKLY_DAYS.size, 1000))
    assert np.isfinite(result["robust"]["slope_logit_per_year"])
    flat = trend_test(WEEKLY_DAYS, np.full(WEEKLY_DAYS.size, 250.0), totals=np.full(WEEKLY_DAYS.size, 1000))
    assert flat["robust"]["slope_pp_per_year"] == 0.0
    assert flat["robust"]["p_value"] == 1.0
    assert flat["mann_kendall"]["p_value"] == 1.0
    # 120 weeks span more than two years: first and last 52 weeks are both 25%
    assert flat["share_first_year_pct"] == flat["share_last_year_pct"] == pytest.approx(25.0)


def test_first_and_last_year_need_two_years():
    days = 7.0 * np.arange(60)
    result = trend_test(days, np.linspace(100, 200, 60), totals=np.full(60, 1000))
    assert result["share_first_year_pct"] is None and result["share_last_year_pct"] is None


def test_too_short_or_misaligned_series_is_refused():
    with pytest.raises(ValueError, match="at least 10"):
        trend_test(np.arange(9.0), np.linspace(0.1, 0.9, 9))
    with pytest.raises(ValueError, match="aligned"):
        trend_test(np.arange(20.0), np.linspace(0.1, 0.9, 19))


def test_benjamini_yekutieli_by_hand():
    # n = 4, c(4) = 1 + 1/2 + 1/3 + 1/4 = 25/12; sorted p * n * c / rank: 0.01 -> 1/12, 0.03 -> 0.125,
    # 0.04 -> 1/9, 0.5 -> 1.04 (capped at 1); running minimum from the top: 1/12, 1/9, 1/9, 1
    adjusted, significant = adjust_family([0.01, 0.04, 0.03, 0.5], alpha=0.05)
    assert adjusted == pytest.approx([1 / 12, 1 / 9, 1 / 9, 1.0])
    assert significant == [False] * 4
    assert adjust_family([0.01, 0.04, 0.03, 0.5], alpha=0.1)[1] == [True, False, False, False]
    assert adjust_family([], alpha=0.05) == ([], [])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=0.0, max_value=1.0, allow_nan=False), min_size=1, max_size=30),
    st.sampled_from([0.01, 0.05, 0.1]),
)
def test_benjamini_yekutieli_matches_statsmodels_and_is_no_smaller_than_bh(p_values, alpha):
    adjusted, significant = adjust_family(p_values, alpha)
    reject, expected, _, _ = multipletests(p_values, alpha=alpha, method="fdr_by")
    assert adjusted == pytest.approx(list(expected))
    assert significant == list(reject)
    bh = multipletests(p_values, alpha=alpha, method="fdr_bh")[1]
    assert all(a >= b - 1e-12 for a, b in zip(adjusted, bh, strict=True))


# The headline family on small synthetic tables.

START = dt.date(2021, 1, 6)
WEEKS = [START + dt.timedelta(days=7 * k) for k in range(30)]
SERIES = [
    {"dimension": "country_group", "group": "china"},
    {"dimension": "developer_type", "group": "industry"},
    {"dimension": "country_group", "group": "unaffiliated_user"},
    {"dimension": "developer_type", "group": "unaffiliated_user"},
]


def weekly_table(drop: tuple[str, str] | None = None) -> pl.DataFrame:
    """china rises 0.001 a week in the uploader view and falls in the derived view; unaffiliated users are the same
    downloads under both dimensions."""
    rows = []
    for view, step in (("uploader", 0.001), ("derived", -0.001), ("derived_first_parent", 0.0)):
        for k, week in enumerate(WEEKS):
            china = 0.3 + step * k + 0.0005 * (k % 3)
            users = 0.1 + 0.0003 * (k % 4)
            shares = {
                ("country_group", "china"): china,
                ("country_group", "unaffiliated_user"): users,
                ("country_group", "united_states"): 1 - china - users,
                ("developer_type", "industry"): 0.6 + 0.002 * k + 0.001 * (k % 3),
                ("developer_type", "unaffiliated_user"): users,
            }
            shares[("developer_type", "academia")] = 1 - shares[("developer_type", "industry")] - users
            rows += [(view, d, g, week, share * TOTAL, share) for (d, g), share in shares.items()]
    table = pl.DataFrame(rows, schema=["view", "dimension", "group", "week", "downloads", "share"], orient="row")
    if drop is not None:
        table = table.filter(~((pl.col("view") == drop[0]) & (pl.col("group") == drop[1])))
    return table


def concentration_table() -> pl.DataFrame:
    rows = [
        (view, week, 0.2 - 0.001 * k + 0.0005 * (k % 3), 0.5 + 0.004 * k + 0.001 * (k % 4))
        for view in ("uploader", "derived", "derived_first_parent")
        for k, week in enumerate(WEEKS)
    ]
    return pl.DataFrame(rows, schema=["view", "week", "hhi", "gini"], orient="row")


def run(table=None, measure="alltime_diff", min_intervals=24, confidence=0.9):
    return headline_trends(
        weekly_table() if table is None else table,
        concentration_table(),
        SERIES,
        measure=measure,
        min_intervals=min_intervals,
        alpha=0.05,
        confidence=confidence,
    )


def test_headline_trends_tests_each_distinct_series_once_per_view():
    stats = run()
    keys = [(t["view"], t["dimension"], t["group"]) for t in stats["tests"]]
    # 2 tested views x (3 distinct series + hhi + gini); the developer-type unaffiliated users repeat the
    # country-group ones and derived_first_parent is not tested
    assert keys == [
        (view, dimension, group)
        for view in ("uploader", "derived")
        for dimension, group in (
            ("country_group", "china"),
            ("developer_type", "industry"),
            ("country_group", "unaffiliated_user"),
            ("concentration", "hhi"),
            ("concentration", "gini"),
        )
    ]
    assert stats["duplicates"] == [
        {
            "view": view,
            "dimension": "developer_type",
            "group": "unaffiliated_user",
            "same_as": "country_group/unaffiliated_user",
        }
        for view in ("uploader", "derived")
    ]
    assert stats["family"] == {"correction": "Benjamini-Yekutieli", "alpha": 0.05, "size": 10}
    by_key = dict(zip(keys, stats["tests"], strict=True))
    assert by_key[("uploader", "country_group", "china")]["robust"]["slope_pp_per_year"] > 0
    assert by_key[("derived", "country_group", "china")]["robust"]["slope_pp_per_year"] < 0
    for test in stats["tests"]:
        assert test["n_intervals"] == 30
        assert 0 <= test["robust"]["p_value"] <= test["robust"]["p_adjusted"] <= 1


def test_rolling_counts_are_thinned_to_non_overlapping_blocks_and_short_series_are_not_tested():
    stats = run(measure="rolling30", min_intervals=10)
    # 30 weekly snapshots; going back from the last, one every 35 days (5 weeks): 6 blocks < 10
    assert stats["intervals"] == 6 and not stats["tests"]
    assert {s["skipped"] for s in stats["skipped"]} == {"6 non-overlapping 30-day blocks; a test needs 10"}
    assert all("robust" not in s for s in stats["skipped"])
    short = run(min_intervals=31)
    assert {s["skipped"] for s in short["skipped"]} == {"30 download intervals; a test needs 31"}


def test_independent_weeks_by_hand():
    days = pl.Series("week", [dt.date(2025, 1, 1) + dt.timedelta(days=d) for d in (0, 10, 29, 31, 45, 61, 62)])
    # from the last (day 62) back: 31 (31 days before), then 0 (31 days before 31)
    assert independent_weeks(days, "rolling30").to_list() == [days[0], days[3], days[6]]
    assert independent_weeks(days.reverse(), "alltime_diff").to_list() == days.to_list()


def test_headline_trends_sorts_weeks_before_testing():
    shuffled = run(weekly_table().sample(fraction=1.0, shuffle=True, seed=3))
    ordered = run()
    assert [t["robust"]["slope_pp_per_year"] for t in shuffled["tests"]] == pytest.approx(
        [t["robust"]["slope_pp_per_year"] for t in ordered["tests"]]
    )


@pytest.mark.parametrize("view", ["uploader", "derived"])
def test_a_group_the_input_never_credits_is_not_tested_and_says_why(view):
    result = run(weekly_table(drop=(view, "china")))
    missing = [t for t in result["skipped"] if (t["view"], t["group"]) == (view, "china")]
    assert [t["skipped"] for t in missing] == ["no downloads credited to this group in the input"]
    assert not any((t["view"], t["group"]) == (view, "china") for t in result["tests"])


def test_series_counts_are_the_same_bits_whatever_the_row_order():
    """A week's total sums the groups in sorted order: the order the rows arrive in cannot move a test's bits."""
    rng = np.random.default_rng(11)
    weeks = [dt.date(2021, 1, 6) + dt.timedelta(weeks=k) for k in range(300)]
    groups = [f"g{k}" for k in range(8)]
    weekly = pl.DataFrame(
        {
            "view": "uploader",
            "dimension": "country_group",
            "group": groups * len(weeks),
            "week": [week for week in weeks for _ in groups],
            "downloads": rng.random(len(weeks) * len(groups)) * 1e7 / 3,
        }
    )
    series = pl.Series("week", weeks, dtype=pl.Date)
    expected = series_counts(weekly, series, "uploader", "country_group", "g0")
    for _ in range(20):
        shuffled = weekly[rng.permutation(weekly.height)]
        assert series_counts(shuffled, series, "uploader", "country_group", "g0").equals(expected)
