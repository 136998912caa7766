"""Period contrasts: statistic by hand, simulated null, one scale, the headline table and its BY family."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from hubshare.contracts.result_tables import PeriodContrasts
from hubshare.inference.contrasts import (
    MIN_PER_PERIOD,
    NULL_MODELS,
    PERSISTENCE_GRID,
    SeriesDesign,
    contrast_statistics,
    contrast_test,
    null_distribution,
)
from hubshare.inference.noise import ar1
from hubshare.inference.stats_report import adjust_contrast_family, contrast_pairs, headline_contrasts
from hubshare.inference.trends import empirical_logit
from hubshare.periods import parse_periods

TOTAL = 1_000_000


def contrast_of(positions, shares, n_first):
    counts = np.rint(np.asarray(shares) * TOTAL)
    periods = (np.arange(counts.size) >= n_first).astype(int)
    return contrast_test(positions, counts, np.full(counts.size, TOTAL), periods, (0, 1))


def two(positions, n_first):
    return SeriesDesign.two_periods(np.asarray(positions), n_first)


def test_statistic_by_hand():
    # first period 1, 3, 1, 3 at weeks 0..3; second 8, 6, 8, 6 at weeks 4..7: difference of means 7 - 2 = 5.
    # Line fits: slopes 0.4 and -0.4, residuals -.4 1.2 -1.2 .4 and .4 -1.2 1.2 -.4; sum of squares 6.4.
    # Lag 1 (6 pairs within periods and the adjacent pair across): 2 * (-.48 - 1.44 - .48) + .16 < 0 -> 0;
    # lag 4: -.16 - 1.44 - 1.44 - .16 < 0 -> 0; lag 13: no pair -> 0. So phi = 0. (Both periods change by the
    # same amount from week to week, so putting each in units of that change leaves the correlations as they are.)
    values = np.array([1, 3, 1, 3, 8, 6, 8, 6], dtype=float)
    difference, t, phi, error, features = contrast_statistics(values, two(np.arange(8), 4), (0, 1))
    assert difference[0] == pytest.approx(5.0)
    assert phi[0] == 0.0
    assert features[0] == pytest.approx([-4.64 / 6.4, 0.0])
    # phi 0: each period's innovations are its residuals after the first (3 of them, 3 - 2 degrees of freedom):
    # 1.44 + 1.44 + .16 = 3.04 in both; Var = 3.04 / 4 + 3.04 / 4 = 1.52
    assert error[0] == pytest.approx(np.sqrt(1.52))
    assert t[0] == pytest.approx(5.0 / np.sqrt(1.52))


def test_plug_in_reads_the_root_of_the_lag_four_correlation_when_larger():
    # residuals -.4 1.2 -1.2 .4 repeated: lag 1 is negative, lag 4 is 3.2 / 6.4 = 0.5 -> phi = 0.5 ** (1 / 4)
    values = np.array([1, 3, 1, 3, 6, 8, 6, 8], dtype=float)
    _, _, phi, _, _ = contrast_statistics(values, two(np.arange(8), 4), (0, 1))
    assert phi[0] == pytest.approx(0.5**0.25)


def test_gap_between_periods_lowers_the_covariance():
    from hubshare.inference.contrasts import _design

    def variance(positions, phi):
        first, across, second = _design(tuple(positions), 20).parts(np.array([phi]))
        return float(first[0] + 2 * across[0] + second[0])

    # with positive persistence, separated periods share less noise: their difference varies more
    apart, adjacent = np.r_[np.arange(20), np.arange(60, 80)], np.arange(40)
    assert variance(apart, 0.8) > variance(adjacent, 0.8)
    # by hand at phi 0 (no covariance): 1/20 + 1/20 either way
    assert variance(apart, 0.0) == pytest.approx(0.1) and variance(adjacent, 0.0) == pytest.approx(0.1)


def test_step_is_estimated_on_one_scale_and_significant_and_flat_is_not():
    rng = np.random.default_rng(2)
    flat = 0.2 + rng.normal(0, 0.002, 104)
    step = flat + np.r_[np.zeros(52), np.full(52, 0.05)]
    result = contrast_of(np.arange(104), step, 52)
    # logit(0.25) - logit(0.2) = log(1/3) - log(1/4) = log(4/3)
    assert result["estimate_logit"] == pytest.approx(np.log(4 / 3), abs=0.01)
    # carried to points at the first period's level: expit(m1 + d) - expit(m1) with m1 the first mean logit
    m1 = empirical_logit(np.rint(step[:52] * TOTAL), np.full(52, TOTAL)).mean()
    expit = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert result["estimate_pp"] == pytest.approx(100 * (expit(m1 + result["estimate_logit"]) - expit(m1)))
    assert result["ci_high"] == pytest.approx(100 * (expit(m1 + result["ci_high_logit"]) - expit(m1)))
    assert result["estimate_pp"] == pytest.approx(5.0, abs=0.1)
    assert 4.5 < result["ci_low"] < result["estimate_pp"] < result["ci_high"] < 5.5
    assert result["p_value"] < 0.001
    assert contrast_of(np.arange(104), flat, 52)["p_value"] > 0.01


def test_null_models_reach_a_unit_root_and_long_memory_and_a_walk_is_read_as_persistent():
    # 0.998 fills the gap between 0.995 and the walk, which over a long series still differ
    assert PERSISTENCE_GRID[-1] == 0.998 and np.all(np.diff(PERSISTENCE_GRID) > 0)
    assert ("random_walk", 1.0) in NULL_MODELS and ("fractional", 0.4) in NULL_MODELS
    rng = np.random.default_rng(5)
    walk = 0.2 + np.cumsum(rng.normal(0, 0.002, 104))
    result = contrast_of(np.arange(104), walk, 52)
    assert result["persistence"] > 0.8
    assert result["null_model"] in ("random walk", "AR(1) 0.998", "AR(1) 0.995", "AR(1) 0.99", "AR(1) 0.98")


def test_critical_values_grow_with_persistence_and_the_set_reads_the_largest():
    null = null_distribution(two(range(104), 52), (0, 1))
    critical = dict(zip(NULL_MODELS, np.quantile(null.abs_t, 0.95, axis=1), strict=True))
    assert critical[("ar1", 0.0)] < critical[("ar1", 0.8)] < critical[("ar1", 0.99)] < critical[("random_walk", 1.0)]
    # a series whose autocorrelations sit at a walk's and nowhere else is read at the walk's critical value
    centre = null.centre[NULL_MODELS.index(("random_walk", 1.0))]
    value, model = null.least_favourable(centre[None, :], 0.95)
    assert value[0] == pytest.approx(
        max(critical[m] for m, ok in zip(NULL_MODELS, null.plausible(centre[None, :])[:, 0], strict=True) if ok)
    )
    assert model[0] in ("random walk", "AR(1) 0.998", "AR(1) 0.995", "AR(1) 0.99")


def test_median_unbiased_persistence_inverts_the_median_estimate():
    null = null_distribution(two(range(104), 52), (0, 1))
    k = list(PERSISTENCE_GRID).index(0.8)
    assert null.unbiased(np.array([null.median_estimate[k]]))[0] == pytest.approx(0.8, abs=0.01)
    # detrending each period biases the raw estimate down, so the map raises it
    assert null.median_estimate[k] < 0.8


def test_each_period_is_put_in_units_of_its_own_week_to_week_change():
    # the second period is ten times the first's pattern: residuals -.4 1.2 -1.2 .4 and -4 12 -12 4, week-to-week
    # changes 1.6 -2.4 1.6 (mean square 3.6267) and ten times that; in those units both periods are the same u.
    # Lag 1: 2 * (-.48 - 1.44 - .48) within, .4 * -.4 across = -4.96; sum of squares 6.4 (all over 3.6267).
    # Pooled as they are, the noisier period would weigh 100 times more: (-2.4 - 240 - 1.6) / 323.2.
    values = np.array([1, 3, 1, 3, 60, 80, 60, 80], dtype=float)
    _, _, _, _, features = contrast_statistics(values, two(np.arange(8), 4), (0, 1))
    assert features[0, 0] == pytest.approx(-4.96 / 6.4)
    assert features[0, 0] != pytest.approx(-244.0 / 323.2, abs=1e-3)


def test_the_whole_series_places_the_noise_and_the_two_periods_give_the_difference():
    # a third period 2 4 2 4 (residuals -.4 1.2 -1.2 .4) joins the by-hand pair of periods: lag 1 pools all three,
    # 3 * -2.4 within and .16 across each of the two boundaries, over 3 * 3.2; lag 4 is -6.4 < 0, so phi stays 0
    # and the difference and its standard error are the two periods' own (5 and sqrt(1.52)).
    values = np.array([1, 3, 1, 3, 8, 6, 8, 6, 2, 4, 2, 4], dtype=float)
    design = SeriesDesign.of(np.arange(12), np.repeat([0, 1, 2], 4))
    difference, _, phi, error, features = contrast_statistics(values, design, (0, 1))
    assert features[0, 0] == pytest.approx(-6.88 / 9.6)
    assert phi[0] == 0.0
    assert difference[0] == pytest.approx(5.0) and error[0] == pytest.approx(np.sqrt(1.52))
    # the first period against the third: 3 - 2 = 1, the same variance
    difference, _, _, error, _ = contrast_statistics(values, design, (0, 2))
    assert difference[0] == pytest.approx(1.0) and error[0] == pytest.approx(np.sqrt(1.52))


def test_size_of_a_one_year_contrast_in_a_longer_series_under_ar1_noise_and_a_walk():
    # Three periods (two years, then two one-year periods), 1,000 seeded replicates of AR(1) 0.8 noise and of a
    # random walk: the one-year contrast must reject a true null at about its 5% level (4.0% and 6.2% here).
    # A Monte Carlo standard error is 0.6-0.8 points. The bands catch a factor of two either way: placing the
    # noise by the two one-year periods alone (as the procedure once did) gives 1.5% under AR(1) 0.8, and a
    # confidence set of models too narrow to hold the walk (30% instead of 90%) gives 13% under the walk.
    periods = np.repeat([0, 1, 2], [104, 52, 52])
    design = SeriesDesign.of(np.arange(208), periods)
    null = null_distribution(design, (1, 2))
    rng = np.random.default_rng(3)
    for paths, band in (
        (ar1(rng.standard_normal((1000, 208)), 0.8), (0.03, 0.075)),
        (np.cumsum(np.random.default_rng(4).standard_normal((1000, 208)), axis=1), (0.03, 0.09)),
    ):
        _, t, _, _, features = contrast_statistics(paths, design, (1, 2), null.unbiased)
        rate = np.mean(null.p_values(t, features) < 0.05)
        assert band[0] <= rate <= band[1]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="at least"):
        contrast_of(np.arange(12), np.full(12, 0.2), MIN_PER_PERIOD - 1)
    with pytest.raises(ValueError, match="increase"):
        contrast_of(np.r_[np.arange(10), np.arange(10)], np.full(20, 0.2), 10)
    with pytest.raises(ValueError, match="aligned"):
        contrast_test(np.arange(20), np.full(20, 5.0), np.full(19, 10.0), np.zeros(20), (0, 1))
    with pytest.raises(ValueError, match="before"):
        contrast_test(np.arange(20), np.full(20, 5.0), np.full(20, 10.0), np.arange(20) >= 10, (1, 0))


PERIODS = parse_periods(
    [
        {"name": "<=2022", "start": "2000-01-01", "end": "2022-12-31"},
        {"name": "2023", "start": "2023-01-01", "end": "2023-12-31"},
        {"name": "2024", "start": "2024-01-01", "end": "2024-12-31"},
        {"name": "last_year", "start": "2024-01-01", "end": "2024-12-31"},
    ]
)
SERIES = [{"dimension": "country_group", "group": "china"}]


def weekly_table() -> pl.DataFrame:
    """china: 10% in 2022, 15% in 2023, 15% in 2024, with a small wiggle; two views."""
    rows = []
    start = dt.date(2022, 1, 5)
    for view in ("uploader", "derived"):
        for k in range(156):
            week = start + dt.timedelta(days=7 * k)
            level = 0.10 if week.year == 2022 else 0.15
            share = level + 0.002 * ((k * 7) % 5 - 2)
            rows += [
                (view, "country_group", "china", week, share * TOTAL, share),
                (view, "country_group", "other", week, (1 - share) * TOTAL, 1 - share),
            ]
    return pl.DataFrame(rows, schema=["view", "dimension", "group", "week", "downloads", "share"], orient="row")


def test_contrast_pairs_are_consecutive_plus_first_last():
    assert contrast_pairs(PERIODS) == [("<=2022", "2023"), ("2023", "2024"), ("<=2022", "2024")]


def test_headline_contrasts_and_their_own_family():
    table = headline_contrasts(weekly_table(), SERIES, PERIODS, measure="alltime_diff", duplicates=[], confidence=0.95)
    assert table.height == 6
    uploader = {r["contrast"]: r for r in table.filter(pl.col("view") == "uploader").iter_rows(named=True)}
    assert uploader["2023 vs <=2022"]["estimate_pp"] == pytest.approx(5.0, abs=0.05)
    assert uploader["2024 vs 2023"]["estimate_pp"] == pytest.approx(0.0, abs=0.05)
    assert uploader["2023 vs <=2022"]["p_value"] < 0.01
    stats, adjusted = adjust_contrast_family({"tests": []}, table, alpha=0.05)
    PeriodContrasts.validate(adjusted)
    assert stats["contrasts"]["family"] == {"correction": "Benjamini-Yekutieli", "alpha": 0.05, "size": 6}
    # BY by its definition: adjusted p_i = min over p_j >= p_i of p_j * m * c(m) / rank_j, c(m) = sum 1/i
    p_all = table["p_value"].to_list()
    ranked, c = sorted(p_all), sum(1 / i for i in range(1, 7))
    expected = [min(1.0, min(q * 6 * c / (r + 1) for r, q in enumerate(ranked) if q >= p)) for p in p_all]
    assert adjusted["p_adjusted"].to_list() == pytest.approx(expected)


def test_duplicates_are_left_out_and_rolling_counts_use_30_day_blocks():
    duplicate = [{"view": "derived", "dimension": "country_group", "group": "china", "same_as": "x"}]
    table = headline_contrasts(
        weekly_table(), SERIES, PERIODS, measure="alltime_diff", duplicates=duplicate, confidence=0.95
    )
    assert set(table["view"]) == {"uploader"}
    thinned = headline_contrasts(weekly_table(), SERIES, PERIODS, measure="rolling30", duplicates=[], confidence=0.95)
    # one snapshot in every five weeks: 2022 holds 10 or 11 of them
    assert thinned["weeks_first"].max() <= 11


def test_short_periods_are_reported_untested():
    short = weekly_table().filter(pl.col("week") < dt.date(2023, 1, 20))
    table = headline_contrasts(short, SERIES, PERIODS, measure="alltime_diff", duplicates=[], confidence=0.95)
    assert table["p_value"].null_count() == table.height
    assert table["note"].str.starts_with("not tested").all()
    stats, adjusted = adjust_contrast_family({"tests": []}, table, alpha=0.05)
    assert stats["contrasts"]["tested"] == 0
    PeriodContrasts.validate(adjusted)
