"""The calibration study's machinery: noise, the vectorised Mann-Kendall, and the table."""

import datetime as dt

import numpy as np
import pymannkendall
import pytest

from hubshare.calibration import ar1_noise, calibration_table, prewhitened_mann_kendall_p


def test_vectorised_mann_kendall_matches_pymannkendall():
    rng = np.random.default_rng(7)
    rows = np.cumsum(rng.normal(size=(4, 120)), axis=1) * 0.1 + rng.normal(size=(4, 120))
    expected = [pymannkendall.pre_whitening_modification_test(row).p for row in rows]
    assert prewhitened_mann_kendall_p(rows) == pytest.approx(expected, rel=1e-9)


def test_ar1_noise_has_the_stated_autocorrelation_and_variance():
    paths = ar1_noise(np.random.default_rng(1), 400, 300, phi=0.8, sigma=0.05)
    lag1 = np.mean([np.corrcoef(p[:-1], p[1:])[0, 1] for p in paths])
    assert lag1 == pytest.approx(0.8, abs=0.03)
    # stationary variance sigma^2 / (1 - phi^2) = 0.0025 / 0.36
    assert paths.var() == pytest.approx(0.0025 / 0.36, rel=0.1)


def weekly(shares):
    start = dt.date(2021, 1, 6)
    return [[(start + dt.timedelta(days=7 * k)).isoformat(), float(s)] for k, s in enumerate(shares)]


def test_null_is_calibrated_and_a_steady_trend_is_found():
    rising = np.linspace(0.10, 0.30, 150)
    table = calibration_table({"rising": weekly(rising)}, replicates=600, alpha=0.05, phi=0.5, sigma=0.05, seed=3)
    rate = {(r["scenario"], r["test"]): r["rejection_rate"] for r in table.iter_rows(named=True)}
    for test in ("primary", "mann_kendall"):
        assert 0.025 <= rate[("null", test)] <= 0.10
        assert rate[("planted_trend", test)] > 0.8
    trend = table.filter(table["scenario"] == "planted_trend").row(0, named=True)
    # 20 pp over 149 weeks = 20 / (149 * 7 / 365.25) pp per year
    assert trend["planted_slope_pp_per_year"] == pytest.approx(20 / (149 * 7 / 365.25), rel=1e-6)
    assert trend["mean_slope_pp_per_year"] == pytest.approx(trend["planted_slope_pp_per_year"], rel=0.05)


def test_period_contrasts_join_the_calibration_on_the_same_replicates():
    import polars as pl

    from hubshare.periods import parse_periods
    from hubshare.schemas import Calibration
    from hubshare.stats_report import contrast_pairs

    # 2021-01-06 + 104 weeks: the first 52 weeks in 2021, the next in 2022; the second year 5 points higher
    stepped = np.r_[np.full(52, 0.10), np.full(52, 0.15)]
    periods = parse_periods([{"name": "2021", "start": "2021-01-01", "end": "2021-12-31"},
                             {"name": "2022", "start": "2022-01-01", "end": "2022-12-31"}])
    table = calibration_table({"stepped": weekly(stepped)}, replicates=400, alpha=0.05, phi=0.5, sigma=0.05,
                              seed=4, periods=periods, pairs=contrast_pairs(periods))
    Calibration.validate(table)
    contrasts = table.filter(pl.col("test") == "period_contrast")
    assert contrasts["contrast"].to_list() == ["2022 vs 2021", "2022 vs 2021"]
    rate = dict(zip(contrasts["scenario"], contrasts["rejection_rate"], strict=True))
    assert 0.025 <= rate["null"] <= 0.10
    assert rate["planted_trend"] > 0.9
    planted = contrasts.filter(pl.col("scenario") == "planted_trend").row(0, named=True)
    assert planted["planted_difference_pp"] == pytest.approx(5.0)
    assert planted["mean_difference_pp"] == pytest.approx(5.0, abs=0.2)
    # the trend tests' rows are those of a study without contrasts: same seed, same noise
    alone = calibration_table({"stepped": weekly(stepped)}, replicates=400, alpha=0.05, phi=0.5, sigma=0.05, seed=4)
    assert alone["rejection_rate"].to_list() == table.filter(pl.col("test") != "period_contrast")["rejection_rate"].to_list()
