"""Calibration of the trend tests on the demo source's planted series.

Each replicate adds noise to a planted weekly share trajectory from
`truth.json` and runs the same tests as the paper (`hubshare.trends`):

- planted null: the series held at its first-year mean (no trend), so every
  rejection is a false positive; the rate should lie within [alpha/2, 2 alpha];
- planted trend: the demo's trajectory itself, of the size the paper reports,
  so the rejection rate is the power, and the slope estimate is compared with
  the planted slope.

Noise model (stated in the paper): on the logit scale, a stationary AR(1)
process with coefficient `phi` and innovation standard deviation `sigma`,
which mimics the persistent week-to-week wobble of observed shares.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import norm

from hubshare.trends import DAYS_PER_YEAR, fixed_b_critical_value, fixed_b_slopes, logit


def ar1_noise(rng: np.random.Generator, replicates: int, n: int, phi: float, sigma: float) -> np.ndarray:
    """Stationary AR(1) paths, one per row."""
    innovations = rng.normal(0.0, sigma, size=(replicates, n))
    paths = np.empty_like(innovations)
    paths[:, 0] = innovations[:, 0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        paths[:, t] = phi * paths[:, t - 1] + innovations[:, t]
    return paths


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
    score = np.concatenate([
        np.sign(block[:, upper[1]] - block[:, upper[0]]).sum(axis=1)
        for block in np.array_split(whitened, max(1, len(whitened) // 100))
    ])
    variance = n * (n - 1) * (2 * n + 5) / 18
    z = np.where(score > 0, score - 1, np.where(score < 0, score + 1, 0)) / np.sqrt(variance)
    return 2 * (1 - norm.cdf(np.abs(z)))


def _ols_slope(values: np.ndarray, years: np.ndarray) -> float:
    centred = years - years.mean()
    return float((values - values.mean()) @ centred / (centred @ centred))


def rejection_rates(trajectory: np.ndarray, days: np.ndarray, *, replicates: int, alpha: float, phi: float,
                    sigma: float, rng: np.random.Generator) -> dict:
    """Rejection rates of both tests, and the primary slope's bias, over noisy copies of `trajectory`."""
    years = days / DAYS_PER_YEAR
    n = days.size
    noisy = 1.0 / (1.0 + np.exp(-(logit(trajectory) + ar1_noise(rng, replicates, n, phi, sigma))))
    slopes, errors = fixed_b_slopes(logit(noisy), years)
    critical = fixed_b_critical_value(n, 1 - alpha)
    primary = np.abs(slopes / errors) > critical
    mann_kendall = prewhitened_mann_kendall_p(noisy) < alpha
    pp_slopes, _ = fixed_b_slopes(noisy * 100.0, years)
    return {
        "primary": float(primary.mean()),
        "mann_kendall": float(mann_kendall.mean()),
        "planted_slope_pp_per_year": _ols_slope(trajectory * 100.0, years),
        "mean_slope_pp_per_year": float(pp_slopes.mean()),
    }


def calibration_table(weekly: dict[str, list[list]], *, replicates: int, alpha: float, phi: float,
                      sigma: float, seed: int) -> pl.DataFrame:
    """One row per (series, scenario, test): rejection rate with its Monte Carlo standard error."""
    rng = np.random.default_rng(seed)
    rows = []
    for series, points in sorted(weekly.items()):
        days = np.array([(np.datetime64(d) - np.datetime64(points[0][0])).astype(int) for d, _ in points], float)
        planted = np.array([share for _, share in points], dtype=float)
        first_year_mean = planted[days < days[0] + 364].mean()
        scenarios = {"null": np.full(planted.size, first_year_mean), "planted_trend": planted}
        for scenario, trajectory in scenarios.items():
            rates = rejection_rates(trajectory, days, replicates=replicates, alpha=alpha, phi=phi, sigma=sigma, rng=rng)
            for test in ("primary", "mann_kendall"):
                rate = rates[test]
                rows.append({
                    "series": series, "scenario": scenario, "test": test, "replicates": replicates,
                    "rejection_rate": rate, "mc_standard_error": float(np.sqrt(rate * (1 - rate) / replicates)),
                    "planted_slope_pp_per_year": rates["planted_slope_pp_per_year"],
                    "mean_slope_pp_per_year": rates["mean_slope_pp_per_year"],
                    "within_band": (alpha / 2 <= rate <= 2 * alpha) if scenario == "null" else None,
                })
    return pl.DataFrame(rows)
