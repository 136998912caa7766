"""Trend tests: fixed-b HAC regression, pre-whitened Mann-Kendall, Benjamini-Hochberg, the headline family."""

import datetime as dt
import warnings

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from hubshare.stats_report import headline_trends
from hubshare.trends import (
    DAYS_PER_YEAR,
    NULL_DRAWS,
    adjust_family,
    fixed_b_critical_value,
    fixed_b_p_value,
    fixed_b_slopes,
    trend_test,
)

WEEKLY_DAYS = 7.0 * np.arange(100)  # 100 weeks: days 0, 7, ..., 693


def linear_shares(days, intercept=0.10, per_year=0.02):
    return intercept + per_year * days / DAYS_PER_YEAR


def quiet_trend_test(days, shares, confidence=0.95):
    """trend_test without the runtime warnings a degenerate (constant) series raises in statsmodels."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return trend_test(days, shares, confidence)


def test_noiseless_linear_series_gives_its_slope():
    # share = 0.10 + 0.02 * years -> 10 + 2 * years percentage points
    result = trend_test(WEEKLY_DAYS, linear_shares(WEEKLY_DAYS))
    ols = result["ols_hac"]
    assert ols["slope_pp_per_year"] == pytest.approx(2.0, abs=1e-9)
    assert ols["ci_low"] <= 2.0 <= ols["ci_high"]
    assert ols["ci_high"] - ols["ci_low"] < 1e-6
    # no null draw reaches an infinite t: the smallest Monte Carlo p-value, 1 / (N + 1)
    assert ols["p_value"] == pytest.approx(1 / (NULL_DRAWS + 1))
    assert ols["confidence"] == 0.95
    assert ols["bandwidth"] == 100
    assert result["n_weeks"] == 100
    # first year: days < 364 -> weeks 0..51, mean day 7 * 25.5 = 178.5 -> 10 + 2 * 178.5 / 365.25
    assert result["share_first_year_pct"] == pytest.approx(10 + 2 * 178.5 / 365.25)
    # last year: days > 693 - 364 = 329 -> weeks 48..99, mean day 7 * 73.5 = 514.5
    assert result["share_last_year_pct"] == pytest.approx(10 + 2 * 514.5 / 365.25)
    mk = result["mann_kendall"]
    assert mk["variant"] == "pre-whitened"
    assert mk["tau"] == pytest.approx(1.0)
    assert mk["p_value"] < 1e-6
    # Sen's slope per step (2 * 7 / 365.25 pp) times steps per year (365.25 / 7)
    assert mk["sen_slope_pp_per_year"] == pytest.approx(2.0)


def test_falling_noisy_series_has_a_negative_slope_and_ci():
    rng = np.random.default_rng(20240901)
    shares = linear_shares(WEEKLY_DAYS, intercept=0.40, per_year=-0.03) + rng.normal(0, 0.005, WEEKLY_DAYS.size)
    result = trend_test(WEEKLY_DAYS, shares)
    ols = result["ols_hac"]
    # true slope -3 pp/year; noise sd 0.5 pp
    assert ols["ci_low"] < -3.0 < ols["ci_high"] < 0
    assert ols["p_value"] < 1e-3
    assert result["mann_kendall"]["tau"] < 0
    assert result["mann_kendall"]["sen_slope_pp_per_year"] == pytest.approx(-3.0, abs=0.3)
    wider = trend_test(WEEKLY_DAYS, shares, confidence=0.99)["ols_hac"]
    assert wider["ci_low"] < ols["ci_low"] and wider["ci_high"] > ols["ci_high"]
    assert wider["slope_pp_per_year"] == ols["slope_pp_per_year"]


def test_sen_slope_uses_the_cadence():
    # 28-day cadence, 30 points: share rises 0.01 per year -> 1 pp/year
    days = 28.0 * np.arange(30)
    result = trend_test(days, linear_shares(days, per_year=0.01))
    assert result["mann_kendall"]["sen_slope_pp_per_year"] == pytest.approx(1.0)
    assert result["ols_hac"]["slope_pp_per_year"] == pytest.approx(1.0, abs=1e-9)
    assert result["ols_hac"]["bandwidth"] == 30


@pytest.mark.parametrize("level", [0.0, 0.25])
def test_constant_series_has_no_trend(level):
    result = quiet_trend_test(WEEKLY_DAYS, np.full(WEEKLY_DAYS.size, level))
    assert result["ols_hac"]["slope_pp_per_year"] == pytest.approx(0.0, abs=1e-9)
    assert result["share_first_year_pct"] == result["share_last_year_pct"] == pytest.approx(level * 100)
    assert result["mann_kendall"] == {
        "variant": "pre-whitened", "tau": 0.0, "p_value": 1.0, "sen_slope_pp_per_year": 0.0
    }


@pytest.mark.parametrize("level", [0.0, 0.25])
def test_constant_series_ols_p_value_is_one(level):
    result = quiet_trend_test(WEEKLY_DAYS, np.full(WEEKLY_DAYS.size, level))
    assert result["ols_hac"]["p_value"] == 1.0


def test_one_constant_series_does_not_spoil_the_family():
    results = [trend_test(WEEKLY_DAYS, linear_shares(WEEKLY_DAYS)), quiet_trend_test(WEEKLY_DAYS, np.zeros(100))]
    adjusted = adjust_family(results, 0.05)
    # the strong trend's p-value is ~0; BH over two tests keeps it below 0.05
    assert adjusted[0]["ols_hac"]["p_adjusted_bh"] < 0.05
    assert adjusted[0]["ols_hac"]["significant"]


def test_too_short_or_misaligned_series_is_refused():
    with pytest.raises(ValueError, match="at least 10"):
        trend_test(np.arange(9.0), np.linspace(0, 1, 9))
    with pytest.raises(ValueError, match="aligned"):
        trend_test(np.arange(20.0), np.linspace(0, 1, 19))


def test_fixed_b_standard_error_by_hand():
    # y = 0, 1, 0, 1 on x = 0, 1, 2, 3: xc = -1.5, -0.5, 0.5, 1.5, sxx = 5, slope = (0.5 + ... ) / 5
    y = np.array([0.0, 1.0, 0.0, 1.0])
    x = np.arange(4.0)
    slopes, errors = fixed_b_slopes(y, x)
    # demeaned y = -.5, .5, -.5, .5 -> slope = (0.75 - 0.25 - 0.25 + 0.75) / 5 = 0.2
    assert slopes[0] == pytest.approx(0.2)
    # residuals: -.5 + .3 = -.2, .5 + .1 = .6, -.5 - .1 = -.6, .5 - .3 = .2
    # scores xc * u: .3, -.3, -.3, .3; partial sums (first n-1): .3, 0, -.3
    # long-run variance 2 / 16 * (.09 + 0 + .09) = 0.0225; se = sqrt(4 * 0.0225) / 5 = 0.06
    assert errors[0] == pytest.approx(0.06)


def test_fixed_b_p_values_and_critical_values_agree():
    critical = fixed_b_critical_value(100, 0.95)
    # the fixed-b 5% critical value is far above the normal 1.96
    assert 4.0 < critical < 8.0
    assert fixed_b_p_value(critical, 100) == pytest.approx(0.05, abs=0.002)
    assert fixed_b_p_value(0.0, 100) == pytest.approx(1.0)


def with_p(p_values: list[float]) -> list[dict]:
    return [{"ols_hac": {"p_value": p}} for p in p_values]


def test_benjamini_hochberg_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.5 -> p * 4 / rank = 0.04, 0.06, 0.0533, 0.5 -> running min from the top:
    # 0.04, 0.0533, 0.0533, 0.5
    results = adjust_family(with_p([0.01, 0.04, 0.03, 0.5]), alpha=0.05)
    assert [r["ols_hac"]["p_adjusted_bh"] for r in results] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert [r["ols_hac"]["significant"] for r in results] == [True, False, False, False]
    # at alpha 0.06, 0.0533 passes too
    looser = adjust_family(with_p([0.01, 0.04, 0.03, 0.5]), alpha=0.06)
    assert [r["ols_hac"]["significant"] for r in looser] == [True, True, True, False]
    assert adjust_family([], alpha=0.05) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0, allow_nan=False), min_size=1, max_size=30),
       st.sampled_from([0.01, 0.05, 0.1]))
def test_benjamini_hochberg_matches_statsmodels_and_the_definition(p_values, alpha):
    results = adjust_family(with_p(p_values), alpha)
    adjusted = [r["ols_hac"]["p_adjusted_bh"] for r in results]
    reject, expected, _, _ = multipletests(p_values, alpha=alpha, method="fdr_bh")
    assert adjusted == pytest.approx(list(expected))
    assert [r["ols_hac"]["significant"] for r in results] == list(reject)
    # definition: adjusted p_i = min(1, min over p_j >= p_i of p_j * n / rank_j)
    n = len(p_values)
    ranked = sorted(p_values)
    for p, p_adj in zip(p_values, adjusted, strict=True):
        bound = min(1.0, min(q * n / (rank + 1) for rank, q in enumerate(ranked) if q >= p))
        assert p_adj == pytest.approx(bound)
        assert p_adj >= p - 1e-12


# The headline family on small synthetic tables.

START = dt.date(2021, 1, 6)
WEEKS = [START + dt.timedelta(days=7 * k) for k in range(20)]
SERIES = [{"dimension": "country_group", "group": "china"}, {"dimension": "developer_type", "group": "industry"}]


def weekly_table(drop: tuple[str, str] | None = None) -> pl.DataFrame:
    """china rises 0.001 a week in the uploader view and falls 0.001 a week in the derived view."""
    rows = []
    for view, step in (("uploader", 0.001), ("derived", -0.001), ("derived_first_parent", 0.0)):
        for k, week in enumerate(WEEKS):
            china = 0.3 + step * k + 0.0005 * (k % 3)  # a small wiggle keeps Mann-Kendall's variance defined
            rows += [
                (view, "country_group", "china", week, china),
                (view, "country_group", "united_states", week, 1 - china),
                (view, "developer_type", "industry", week, 0.6 + 0.002 * k + 0.001 * (k % 3)),
                (view, "developer_type", "academia", week, 0.4 - 0.002 * k - 0.001 * (k % 3)),
            ]
    table = pl.DataFrame(rows, schema=["view", "dimension", "group", "week", "share"], orient="row")
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


def test_headline_trends_tests_every_series_and_concentration_per_view():
    stats = headline_trends(weekly_table(), concentration_table(), SERIES, alpha=0.05, confidence=0.9)
    keys = [(t["view"], t["dimension"], t["group"]) for t in stats["tests"]]
    # 2 tested views x (2 series + hhi + gini) = 8; derived_first_parent is not tested
    assert keys == [
        ("uploader", "country_group", "china"), ("uploader", "developer_type", "industry"),
        ("uploader", "concentration", "hhi"), ("uploader", "concentration", "gini"),
        ("derived", "country_group", "china"), ("derived", "developer_type", "industry"),
        ("derived", "concentration", "hhi"), ("derived", "concentration", "gini"),
    ]
    assert (stats["alpha"], stats["confidence"]) == (0.05, 0.9)
    assert (stats["first_week"], stats["last_week"]) == ("2021-01-06", "2021-05-19")
    by_key = dict(zip(keys, stats["tests"], strict=True))
    # 0.1 pp a week = 0.1 * 365.25 / 7 = 5.218 pp a year; Sen's median slope ignores the 0.05 pp wiggle,
    # OLS moves by less than 0.05 pp a year
    for view, sign in (("uploader", 1), ("derived", -1)):
        china = by_key[(view, "country_group", "china")]
        assert china["mann_kendall"]["sen_slope_pp_per_year"] == pytest.approx(sign * 36.525 / 7)
        assert china["ols_hac"]["slope_pp_per_year"] == pytest.approx(sign * 36.525 / 7, abs=0.05)
    assert by_key[("uploader", "concentration", "gini")]["ols_hac"]["slope_pp_per_year"] > 0
    assert by_key[("uploader", "concentration", "hhi")]["ols_hac"]["slope_pp_per_year"] < 0
    for test in stats["tests"]:
        assert test["n_weeks"] == 20
        assert test["ols_hac"]["confidence"] == 0.9
        assert 0 <= test["ols_hac"]["p_value"] <= test["ols_hac"]["p_adjusted_bh"] <= 1
        assert isinstance(test["ols_hac"]["significant"], bool)
        assert 0 <= test["mann_kendall"]["p_value"] < 0.01


def test_headline_trends_sorts_weeks_before_testing():
    shuffled = weekly_table().sample(fraction=1.0, shuffle=True, seed=3)
    stats = headline_trends(shuffled, concentration_table().reverse(), SERIES, alpha=0.05, confidence=0.95)
    ordered = headline_trends(weekly_table(), concentration_table(), SERIES, alpha=0.05, confidence=0.95)
    assert [t["ols_hac"]["slope_pp_per_year"] for t in stats["tests"]] == pytest.approx(
        [t["ols_hac"]["slope_pp_per_year"] for t in ordered["tests"]]
    )
    assert stats["tests"][0]["mann_kendall"]["sen_slope_pp_per_year"] == pytest.approx(36.525 / 7)


@pytest.mark.parametrize("view", ["uploader", "derived"])
def test_headline_trends_names_a_missing_series(view):
    with pytest.raises(ValueError, match=f"country_group=china in view {view}"):
        headline_trends(weekly_table(drop=(view, "china")), concentration_table(), SERIES, alpha=0.05, confidence=0.95)
