"""Calibration of the tests on the demo source's planted series.

Size. Every test the paper reports is run on noise alone, under each kind of
`hubshare.inference.noise` (stationary AR(1) at 0.8, 0.95 and 0.99, a random walk,
long memory, spikes, late volatility and a level shift): the share is flat,
so every rejection is a false positive. The statistics are invariant to the
level of the logit share, so one flat series stands for all. A test the
paper leans on should reject 2.5-7.5% of the time at a nominal 5%
(`SIZE_BAND`); each rate carries its Monte Carlo standard error.

Power and coverage. Each expected (noise-free) weekly series of truth.json
gets `replicates` copies of the default noise (AR(1) 0.8); the rejection rate
is the power against the planted story, and the coverage is the share of
replicates whose confidence interval holds the planted value: the OLS slope
of the planted logit trajectory for the trend test, the planted difference of
period means of the logit share for a contrast.

Eras. With the eras' settings, the segmentation (`hubshare.inference.eras`) is run on
the first `eras_replicates` noise replicates of each scenario; the rate of
"rejection" is the share of runs that find at least one boundary in noise
alone (the spurious-boundary rate). It is slower than the tests, so it gets
its own, smaller, replicate count.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import norm

from hubshare.contracts.result_tables import Calibration
from hubshare.demo.settings import NOISE_KINDS
from hubshare.inference.contrasts import (
    SeriesDesign,
    contrast_statistics,
    null_distribution,
    period_labels,
    usable,
)
from hubshare.inference.eras import find_eras
from hubshare.inference.noise import noise_paths
from hubshare.inference.trends import DAYS_PER_YEAR, logit, robust_null, robust_statistics

SCENARIOS = tuple(kind for kind in NOISE_KINDS if kind != "none")
POWER_SCENARIO = "ar1_0.8"
SIZE_BAND = (0.025, 0.075)
TREND_TESTS = ("robust_trend", "fixed_b", "mann_kendall")


def prewhitened_mann_kendall_p(rows: np.ndarray) -> np.ndarray:
    """Two-sided p-values of Mann-Kendall on lag-1 pre-whitened series, one per row.

    The same statistic as `pymannkendall.pre_whitening_modification_test`
    for series without ties (continuous noise has none), computed for all
    replicates at once.
    """
    centred = rows - rows.mean(axis=1, keepdims=True)
    lag1 = np.sum(centred[:, 1:] * centred[:, :-1], axis=1) / np.sum(centred**2, axis=1)
    whitened = rows[:, 1:] - rows[:, :-1] * lag1[:, None]
    n = whitened.shape[1]
    upper = np.triu_indices(n, k=1)
    # In blocks of rows: the pairwise signs of one block fit comfortably in memory.
    score = np.concatenate(
        [
            np.sign(block[:, upper[1]] - block[:, upper[0]]).sum(axis=1)
            for block in np.array_split(whitened, max(1, len(whitened) // 100))
        ]
    )
    variance = n * (n - 1) * (2 * n + 5) / 18
    z = np.where(score > 0, score - 1, np.where(score < 0, score + 1, 0)) / np.sqrt(variance)
    return 2 * (1 - norm.cdf(np.abs(z)))


def trend_outcomes(rows: np.ndarray, years: np.ndarray, alpha: float, confidence: float) -> dict[str, np.ndarray]:
    """Per replicate (row): rejection by each trend test, and the robust test's slope and interval."""
    null = robust_null(years.size, alpha)
    slopes, errors, j = robust_statistics(rows, years)
    t = slopes / errors
    scale = np.exp(-null.b * j)
    half_width = null.critical_value(confidence) * errors / scale
    return {
        "robust_trend": null.p_value(t * scale) < alpha,
        "fixed_b": np.abs(t) > np.quantile(null.fixed_b, 1 - alpha),
        "mann_kendall": prewhitened_mann_kendall_p(rows) < alpha,
        "slope": slopes,
        "low": slopes - half_width,
        "high": slopes + half_width,
    }


def contrast_outcomes(
    rows: np.ndarray, design: SeriesDesign, pair: tuple[int, int], alpha: float, confidence: float
) -> dict[str, np.ndarray]:
    """Per replicate: rejection by the contrast test, the estimated difference and its interval (logit scale)."""
    null = null_distribution(design, pair)
    difference, t, _, error, features = contrast_statistics(rows, design, pair, null.unbiased)
    half_width = null.least_favourable(features, confidence)[0] * error
    return {
        "reject": null.p_values(t, features) < alpha,
        "difference": difference,
        "low": difference - half_width,
        "high": difference + half_width,
    }


def _contrast_designs(
    dates: np.ndarray, periods: dict, pairs: list[tuple[str, str]]
) -> tuple[np.ndarray, SeriesDesign | None, list[tuple[str, tuple[int, int]]]]:
    """The weeks that place the noise, their design, and (name, pair) of every contrast whose periods
    hold enough weeks."""
    days = (dates - dates[0]).astype("timedelta64[D]").astype(int)
    positions = np.round(days / np.median(np.diff(days))).astype(int)
    names, labels = period_labels(dates, periods, pairs)
    keep = np.flatnonzero(usable(labels))
    placed = set(labels[keep].tolist())
    contrasts = [
        (f"{second} vs {first}", (names.index(first), names.index(second)))
        for first, second in pairs
        if {names.index(first), names.index(second)} <= placed
    ]
    design = SeriesDesign.of(positions[keep], labels[keep]) if contrasts else None
    return keep, design, contrasts


def _row(
    series: str,
    scenario: str,
    test: str,
    rejections: np.ndarray,
    *,
    contrast: str | None = None,
    planted: float | None = None,
    estimates: np.ndarray | None = None,
    covered: np.ndarray | None = None,
    size_row: bool,
) -> dict:
    rate = float(np.mean(rejections))
    replicates = int(np.size(rejections))
    return {
        "series": series,
        "scenario": scenario,
        "test": test,
        "contrast": contrast,
        "replicates": replicates,
        "rejection_rate": rate,
        "mc_standard_error": float(np.sqrt(rate * (1 - rate) / replicates)),
        "within_band": (SIZE_BAND[0] <= rate <= SIZE_BAND[1]) if size_row else None,
        "planted_effect": planted,
        "mean_effect": None if estimates is None else float(np.mean(estimates)),
        "coverage": None if covered is None else float(np.mean(covered)),
    }


def calibration_table(
    expected_weekly: dict[str, list[list]],
    *,
    replicates: int,
    alpha: float,
    confidence: float,
    sigma: float,
    seed: int,
    periods: dict | None = None,
    pairs: list[tuple[str, str]] | None = None,
    eras: dict | None = None,
    eras_replicates: int = 0,
) -> pl.DataFrame:
    """Size rows (series `flat`, every scenario and test) and power rows (every expected series, AR(1) 0.8).

    With `periods` ({name: (start, end)}) and `pairs` ([(first, second)]),
    the period contrasts are calibrated on the same replicates; with `eras`
    (the `stats.eras` settings), the eras' spurious-boundary rate on the first
    `eras_replicates` of them, when the series is long enough for two eras.
    """
    rng = np.random.default_rng(seed)
    first_points = next(iter(expected_weekly.values()))
    dates = np.array([np.datetime64(d) for d, _ in first_points])
    years = (dates - dates[0]).astype("timedelta64[D]").astype(float) / DAYS_PER_YEAR
    keep, design, contrasts = _contrast_designs(dates, periods, pairs) if periods and pairs else ([], None, [])
    rows = []
    for scenario in SCENARIOS:
        noise = noise_paths(scenario, rng, replicates, dates.size, sigma)
        found = trend_outcomes(noise, years, alpha, confidence)
        rows += [_row("flat", scenario, test, found[test], size_row=True) for test in TREND_TESTS]
        for name, pair in contrasts:
            rejected = contrast_outcomes(noise[:, keep], design, pair, alpha, confidence)["reject"]
            rows.append(_row("flat", scenario, "period_contrast", rejected, contrast=name, size_row=True))
        # A series shorter than two eras holds no boundary to find (the era report says so and finds none).
        if eras and eras_replicates and dates.size >= 2 * eras["min_segment_weeks"]:
            found_boundary = np.array(
                [bool(find_eras(path, **_era_options(eras)).boundaries) for path in noise[:eras_replicates]]
            )
            rows.append(_row("flat", scenario, "eras", found_boundary, size_row=True))
    for series, points in sorted(expected_weekly.items()):
        trajectory = logit(np.array([share for _, share in points], dtype=float))
        noisy = trajectory + noise_paths(POWER_SCENARIO, rng, replicates, dates.size, sigma)
        found = trend_outcomes(noisy, years, alpha, confidence)
        planted = float(robust_statistics(trajectory, years)[0][0])
        rows.append(
            _row(
                series,
                "planted_trend",
                "robust_trend",
                found["robust_trend"],
                planted=planted,
                estimates=found["slope"],
                covered=(found["low"] <= planted) & (planted <= found["high"]),
                size_row=False,
            )
        )
        for name, pair in contrasts:
            outcome = contrast_outcomes(noisy[:, keep], design, pair, alpha, confidence)
            first, second = (trajectory[keep][design.members(period)].mean() for period in pair)
            planted = float(second - first)
            rows.append(
                _row(
                    series,
                    "planted_trend",
                    "period_contrast",
                    outcome["reject"],
                    contrast=name,
                    planted=planted,
                    estimates=outcome["difference"],
                    covered=(outcome["low"] <= planted) & (planted <= outcome["high"]),
                    size_row=False,
                )
            )
    return Calibration.validate(pl.DataFrame(rows, schema=CALIBRATION_COLUMNS))


def _era_options(settings: dict) -> dict:
    return {
        "model": settings["model"],
        "min_length": settings["min_segment_weeks"],
        "max_eras": settings["max_eras"],
        "noise_floor": settings["noise_floor"],
        "max_persistence": settings["max_persistence"],
    }


CALIBRATION_COLUMNS = {
    "series": pl.String,
    "scenario": pl.String,
    "test": pl.String,
    "contrast": pl.String,
    "replicates": pl.Int64,
    "rejection_rate": pl.Float64,
    "mc_standard_error": pl.Float64,
    "within_band": pl.Boolean,
    "planted_effect": pl.Float64,
    "mean_effect": pl.Float64,
    "coverage": pl.Float64,
}
