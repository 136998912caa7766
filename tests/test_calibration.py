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
