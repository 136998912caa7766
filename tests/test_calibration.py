"""The calibration study's machinery: the noise kinds, the vectorised Mann-Kendall, and the table."""

import datetime as dt

import numpy as np
import polars as pl
import pymannkendall
import pytest

from hubshare.contracts.result_tables import Calibration
from hubshare.inference.calibration import SCENARIOS, calibration_table, prewhitened_mann_kendall_p
from hubshare.inference.noise import LEVEL_SHIFT_SIZE, SPIKE_RATE, noise_paths
from hubshare.inference.stats_report import contrast_pairs
from hubshare.periods import parse_periods


def test_vectorised_mann_kendall_matches_pymannkendall():
    rng = np.random.default_rng(7)
    rows = np.cumsum(rng.normal(size=(4, 120)), axis=1) * 0.1 + rng.normal(size=(4, 120))
    expected = [pymannkendall.pre_whitening_modification_test(row).p for row in rows]
    assert prewhitened_mann_kendall_p(rows) == pytest.approx(expected, rel=1e-9)


def lag1(paths):
    return np.mean([np.corrcoef(p[:-1], p[1:])[0, 1] for p in paths])


def test_noise_kinds_have_their_stated_shape():
    rng = np.random.default_rng(1)
    ar = noise_paths("ar1_0.8", rng, 400, 300, 0.05)
    assert lag1(ar) == pytest.approx(0.8, abs=0.03)
    # stationary variance sigma^2 / (1 - phi^2) = 0.0025 / 0.36
    assert ar.var() == pytest.approx(0.0025 / 0.36, rel=0.1)
    walk = noise_paths("random_walk", rng, 2000, 100, 1.0)
    # a random walk's variance grows linearly: Var(x_t) = t sigma^2
    assert walk[:, 99].var() == pytest.approx(100, rel=0.1)
    # ARFIMA(0, d, 0): rho(1) = d / (1 - d) = 2/3 at d = 0.4 and variance Gamma(1 - 2d) / Gamma(1 - d)^2 = 2.07
    # (around the known mean 0: a sample mean absorbs much of long memory's variance)
    memory = noise_paths("long_memory", rng, 2000, 50, 1.0)
    assert np.mean(memory[:, 1:] * memory[:, :-1]) / np.mean(memory**2) == pytest.approx(2 / 3, abs=0.03)
    assert np.mean(memory**2) == pytest.approx(2.07, rel=0.1)
    spikes = noise_paths("spikes", np.random.default_rng(2), 400, 300, 0.05) - noise_paths(
        "ar1_0.8", np.random.default_rng(2), 400, 300, 0.05
    )
    assert np.mean(np.abs(spikes) > 1e-9) == pytest.approx(SPIKE_RATE, abs=0.005)
    late = noise_paths("late_volatility", rng, 400, 300, 0.05)
    assert np.diff(late[:, 200:]).std() > 2 * np.diff(late[:, :200]).std()
    shifted = noise_paths("level_shift", np.random.default_rng(3), 300, 200, 0.05) - noise_paths(
        "ar1_0.8", np.random.default_rng(3), 300, 200, 0.05
    )
    jumps = np.abs(np.diff(shifted, axis=1)) > 1e-9
    assert (jumps.sum(axis=1) == 1).all()
    assert np.abs(shifted[:, -1]) == pytest.approx(LEVEL_SHIFT_SIZE * 0.05 / np.sqrt(1 - 0.64))
    with pytest.raises(ValueError, match="unknown kind"):
        noise_paths("ar1_0.5", rng, 1, 10, 1.0)


def weekly(shares):
    start = dt.date(2021, 1, 6)
    return [[(start + dt.timedelta(days=7 * k)).isoformat(), float(s)] for k, s in enumerate(shares)]


def test_calibration_table_sizes_every_scenario_and_covers_the_planted_values():
    # 2021-01-06 + 104 weeks: 2021 and 2022; a rising series and a step between the years
    rising = np.linspace(0.10, 0.30, 104)
    stepped = np.r_[np.full(52, 0.10), np.full(52, 0.15)]
    periods = parse_periods(
        [
            {"name": "2021", "start": "2021-01-01", "end": "2021-12-31"},
            {"name": "2022", "start": "2022-01-01", "end": "2022-12-31"},
        ]
    )
    table = calibration_table(
        {"rising": weekly(rising), "stepped": weekly(stepped)},
        replicates=400,
        alpha=0.05,
        confidence=0.95,
        sigma=0.05,
        seed=4,
        periods=periods,
        pairs=contrast_pairs(periods),
    )
    Calibration.validate(table)
    size = table.filter(pl.col("series") == "flat")
    assert set(size["scenario"]) == set(SCENARIOS) and len(SCENARIOS) == 8
    assert size.group_by("scenario").len()["len"].to_list() == [4] * 8  # three trend tests and one contrast
    rate = {(r["scenario"], r["test"]): r for r in size.iter_rows(named=True)}
    # The robust test holds its level under stationary and integrated noise; 400 replicates give a Monte
    # Carlo standard error of about 1.1 points, so the band is widened by two of them.
    for scenario in ("ar1_0.8", "random_walk"):
        row = rate[(scenario, "robust_trend")]
        assert 0.025 - 2 * row["mc_standard_error"] <= row["rejection_rate"] <= 0.075 + 2 * row["mc_standard_error"]
        assert row["mc_standard_error"] == pytest.approx(
            np.sqrt(row["rejection_rate"] * (1 - row["rejection_rate"]) / 400)
        )
    # ...where the fixed-b test alone does not
    assert rate[("random_walk", "fixed_b")]["rejection_rate"] > 0.2
    planted = {(r["series"], r["test"]): r for r in table.filter(pl.col("series") != "flat").iter_rows(named=True)}
    rising_trend = planted[("rising", "robust_trend")]
    # the planted logit slope: OLS of logit(linspace) on years, close to (logit .3 - logit .1) / 2 years
    assert rising_trend["planted_effect"] == pytest.approx(
        (np.log(3 / 7) - np.log(1 / 9)) / (103 * 7 / 365.25), rel=0.1
    )
    assert rising_trend["mean_effect"] == pytest.approx(rising_trend["planted_effect"], rel=0.05)
    step = planted[("stepped", "period_contrast")]
    assert step["planted_effect"] == pytest.approx(np.log(0.15 / 0.85) - np.log(0.10 / 0.90))
    # a step of 5.5 stationary standard deviations: t is about 9 on average, but 52 detrended weeks a period
    # barely tell AR(1) 0.8 from a random walk, so the test is often read at the walk's critical value (about 8)
    assert step["rejection_rate"] > 0.6
    # coverage near 95%: 400 replicates give a standard error of about 1.1 points
    for row in planted.values():
        assert row["coverage"] >= 0.92


def test_a_series_too_short_for_two_eras_calibrates_the_other_tests_and_no_eras():
    """Twenty weekly snapshots cannot hold a boundary between two eras of 13 weeks: the eras get no size rows
    (the era report finds none on such data), and the trend tests are sized as ever."""
    eras = {"model": "trend", "min_segment_weeks": 13, "max_eras": 6, "noise_floor": 0.002, "max_persistence": 0.9}
    start = dt.date(2025, 6, 4)
    points = [[(start + dt.timedelta(days=7 * k)).isoformat(), 0.1 + 0.01 * k] for k in range(20)]
    table = calibration_table(
        {"rising": points}, replicates=40, alpha=0.05, confidence=0.95, sigma=0.05, seed=1, eras=eras, eras_replicates=5
    )
    Calibration.validate(table)
    size = table.filter(pl.col("series") == "flat")
    assert "eras" not in set(size["test"])
    assert {"robust_trend", "fixed_b", "mann_kendall"} <= set(size["test"])
    long = [[(start + dt.timedelta(days=7 * k)).isoformat(), 0.1] for k in range(26)]
    sized = calibration_table(
        {"flat_too": long}, replicates=10, alpha=0.05, confidence=0.95, sigma=0.05, seed=1, eras=eras, eras_replicates=5
    )
    assert "eras" in set(sized.filter(pl.col("series") == "flat")["test"])
