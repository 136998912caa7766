"""Calibration of the trend tests on the demo source's planted series.

Each replicate adds noise to a planted weekly share trajectory from
`truth.json` and runs the same tests as the paper (`hubshare.trends`):

- planted null: the series held at its first-year mean (no trend), so every
  rejection is a false positive; the rate should lie within [alpha/2, 2 alpha];
- planted trend: the demo's trajectory itself, of the size the paper reports,
  so the rejection rate is the power, and the slope estimate is compared with
  the planted slope.

The period contrasts (`hubshare.contrasts`) are calibrated on the same
replicates: under the planted null every contrast between periods is a false
positive; under the planted trajectory the rejection rate is the power
against period differences of the demo's (the paper's) size.

Noise model (stated in the paper): on the logit scale, a stationary AR(1)
process with coefficient `phi` and innovation standard deviation `sigma`,
which mimics the persistent week-to-week wobble of observed shares.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import norm

from hubshare.contrasts import MIN_PER_PERIOD, contrast_statistics, null_distribution
from hubshare.schemas import Calibration
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


def noisy_copies(trajectory: np.ndarray, *, replicates: int, phi: float, sigma: float,
                 rng: np.random.Generator) -> np.ndarray:
    """`replicates` copies of a share trajectory with AR(1) noise on the logit scale, one per row."""
    return 1.0 / (1.0 + np.exp(-(logit(trajectory) + ar1_noise(rng, replicates, trajectory.size, phi, sigma))))


def rejection_rates(trajectory: np.ndarray, days: np.ndarray, *, replicates: int, alpha: float, phi: float,
                    sigma: float, rng: np.random.Generator, noisy: np.ndarray | None = None) -> dict:
    """Rejection rates of both tests, and the primary slope's bias, over noisy copies of `trajectory`."""
    years = days / DAYS_PER_YEAR
    n = days.size
    if noisy is None:
        noisy = noisy_copies(trajectory, replicates=replicates, phi=phi, sigma=sigma, rng=rng)
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


def contrast_rejections(noisy: np.ndarray, trajectory: np.ndarray, dates: np.ndarray, *,
                        pairs: list[tuple[str, str]], periods: dict, alpha: float) -> list[dict]:
    """Rejection rate of each period contrast over the replicates (rows of `noisy`), with the planted difference."""
    days = (dates - dates[0]).astype("timedelta64[D]").astype(int)
    positions = np.round(days / np.median(np.diff(days))).astype(int)
    out = []
    for first, second in pairs:
        masks = [(dates >= np.datetime64(periods[name][0])) & (dates <= np.datetime64(periods[name][1]))
                 for name in (first, second)]
        if min(int(m.sum()) for m in masks) < MIN_PER_PERIOD:
            continue
        keep = np.concatenate([np.flatnonzero(m) for m in masks])
        n_first = int(masks[0].sum())
        where = positions[keep]
        null = null_distribution(tuple(int(p) for p in where), n_first)
        difference, t, persistence, _ = contrast_statistics(logit(noisy[:, keep]), where, n_first)
        p_values = null.p_values(t, null.persistence(persistence))
        shares_pp = noisy[:, keep] * 100.0
        out.append({
            "contrast": f"{second} vs {first}",
            "rejection_rate": float(np.mean(p_values < alpha)),
            "planted_difference_pp": float(trajectory[masks[1]].mean() - trajectory[masks[0]].mean()) * 100.0,
            "mean_difference_pp": float(np.mean(shares_pp[:, n_first:].mean(axis=1) - shares_pp[:, :n_first].mean(axis=1))),
        })
    return out


def calibration_table(weekly: dict[str, list[list]], *, replicates: int, alpha: float, phi: float,
                      sigma: float, seed: int, periods: dict | None = None,
                      pairs: list[tuple[str, str]] | None = None) -> pl.DataFrame:
    """One row per (series, scenario, test[, contrast]): rejection rate with its Monte Carlo standard error.

    With `periods` ({name: (start, end)}) and `pairs` ([(first, second)]),
    the period contrasts are calibrated on the same replicates.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for series, points in sorted(weekly.items()):
        dates = np.array([np.datetime64(d) for d, _ in points])
        days = (dates - dates[0]).astype("timedelta64[D]").astype(float)
        planted = np.array([share for _, share in points], dtype=float)
        first_year_mean = planted[days < days[0] + 364].mean()
        scenarios = {"null": np.full(planted.size, first_year_mean), "planted_trend": planted}
        for scenario, trajectory in scenarios.items():
            noisy = noisy_copies(trajectory, replicates=replicates, phi=phi, sigma=sigma, rng=rng)
            rates = rejection_rates(trajectory, days, replicates=replicates, alpha=alpha, phi=phi, sigma=sigma,
                                    rng=rng, noisy=noisy)
            results = [
                {"test": test, "contrast": None, "rejection_rate": rates[test],
                 "planted_slope_pp_per_year": rates["planted_slope_pp_per_year"],
                 "mean_slope_pp_per_year": rates["mean_slope_pp_per_year"]}
                for test in ("primary", "mann_kendall")
            ]
            if periods and pairs:
                results += [{"test": "period_contrast", **found}
                            for found in contrast_rejections(noisy, trajectory, dates, pairs=pairs, periods=periods,
                                                             alpha=alpha)]
            for result in results:
                rate = result["rejection_rate"]
                rows.append({
                    "series": series, "scenario": scenario, **result, "replicates": replicates,
                    "mc_standard_error": float(np.sqrt(rate * (1 - rate) / replicates)),
                    "within_band": (alpha / 2 <= rate <= 2 * alpha) if scenario == "null" else None,
                })
    return Calibration.validate(pl.DataFrame(rows, schema=CALIBRATION_COLUMNS))


CALIBRATION_COLUMNS = {
    "series": pl.String, "scenario": pl.String, "test": pl.String, "contrast": pl.String, "replicates": pl.Int64,
    "rejection_rate": pl.Float64, "mc_standard_error": pl.Float64, "planted_slope_pp_per_year": pl.Float64,
    "mean_slope_pp_per_year": pl.Float64, "planted_difference_pp": pl.Float64, "mean_difference_pp": pl.Float64,
    "within_band": pl.Boolean,
}
