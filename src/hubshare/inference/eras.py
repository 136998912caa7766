"""Eras: change points in weekly share series.

Model. Within an era, the logit of a weekly share follows a straight line
(`trend`, the default: each era has its own level and slope) or a constant
(`mean`), plus stationary AR(1) noise. Weekly shares drift, so a mean-shift
model would cut a steady trend into a staircase of short eras; the trend
model places boundaries where a series changes course, which is what an era
means here. Several series can be segmented jointly: they share the
boundaries, each keeps its own levels, slopes and noise.

Estimation, in two steps:

1. for every number of eras k up to `max_eras`, the boundaries that minimise
   the residual sum of squares (summed over series), by dynamic programming
   over all segmentations whose eras are at least `min_length` observations
   long (the "segment neighbourhood" recursion). These are the least-squares
   break dates of Bai and Perron (2003), consistent under serially
   correlated noise;
2. the number of eras minimising the Bayesian information criterion of a
   Gaussian model with AR(1) errors: n * sum_j log(s2_j) + q log(n d), where
   s2_j is the innovation variance of series j's residuals after filtering
   them with their lag-1 autocorrelation, n d is the number of values the
   likelihood sums over, and q = 3 (k - 1) + k * p * d + 2 d parameters
   (p = 2 for trend, 1 for mean; d series): a boundary is searched over the
   whole series and costs as much as three parameters (the modified criterion
   of change-point models), not one.

Two stated guards keep the criterion meaningful. The lag-1 autocorrelation
is capped at `max_persistence`: noise that persists longer than that is
structure, i.e. eras, not noise (without the cap a smooth misfit passes for
strongly autocorrelated noise and no era is ever found). The innovation
standard deviation is floored at `noise_floor` logit units, so that a nearly
noiseless series is not cut at rounding-level curvature. The price of the
cap is measured, not assumed: the calibration study reports how often the
procedure finds a boundary in noise alone under each kind of noise.

Uncertainty of a boundary (`boundary_intervals`): with its neighbours held
fixed, the dates whose profile fit is worse than the best by at most 7.35
long-run variances (the 95% point of the likelihood-ratio statistic for a
break date, Hansen 2000), the long-run variance of each series being that of
its AR(1) residuals, s2 / (1 - phi)^2.
Observations are taken as equally spaced; a missing week is not filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubshare.inference.trends import empirical_logit

MODELS = {"mean": 1, "trend": 2}  # parameters per era and series
MIN_LENGTH = 13
MAX_ERAS = 6
NOISE_FLOOR = 0.002
MAX_PERSISTENCE = 0.9
BOUNDARY_PARAMETERS = 3
BREAK_DATE_CRITICAL_VALUE = 7.35  # Hansen (2000), Table 1: 95% point of the break-date likelihood ratio


@dataclass(frozen=True)
class Segmentation:
    """Chosen boundaries (index of each era's first observation, eras 2..k) and fitted values per series."""

    boundaries: list[int]
    fitted: np.ndarray
    criterion: dict[int, float]
    intervals: list[tuple[int, int]]  # for each boundary, the first and last index of its 95% set


def _prefix(values: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros(values.shape[:-1] + (1,)), np.cumsum(values, axis=-1)], axis=-1)


def segment_costs(values: np.ndarray, model: str) -> np.ndarray:
    """cost[s, t]: residual sum of squares of one era covering observations s..t-1, summed over series (rows)."""
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    n = rows.shape[1]
    x = np.arange(n, dtype=float)
    sx, sxx = _prefix(x), _prefix(x * x)
    sy, syy, sxy = _prefix(rows), _prefix(rows * rows), _prefix(rows * x)
    start, end = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    length = np.where(end > start, end - start, 1).astype(float)
    y_sum = sy[:, end] - sy[:, start]
    cost = (syy[:, end] - syy[:, start]) - y_sum**2 / length
    if model == "trend":
        x_sum = sx[end] - sx[start]
        x_var = (sxx[end] - sxx[start]) - x_sum**2 / length
        xy_cov = (sxy[:, end] - sxy[:, start]) - x_sum * y_sum / length
        cost = cost - np.where(x_var > 0, xy_cov**2 / np.where(x_var > 0, x_var, 1.0), 0.0)
    elif model != "mean":
        raise ValueError(f"eras: unknown model '{model}'; use one of {sorted(MODELS)}")
    total = np.clip(cost, 0.0, None).sum(axis=0)  # rounding can leave a tiny negative sum of squares
    return np.where(end > start, total, np.inf)


def best_segmentations(cost: np.ndarray, min_length: int, max_eras: int | None = None) -> dict[int, list[int]]:
    """{k: boundaries} of the least-cost segmentation into k eras of at least `min_length`, for every feasible k
    (up to `max_eras`)."""
    n = cost.shape[0] - 1
    index = np.arange(n + 1)
    allowed = np.where(index[None, :] - index[:, None] >= min_length, cost, np.inf)
    best = [None, allowed[0]]  # best[k][t]: least cost of observations 0..t-1 in k eras
    choice = [None, None]
    for _ in range(2, min(n // min_length, max_eras or n) + 1):
        totals = best[-1][:, None] + allowed
        argmin = np.argmin(totals, axis=0)
        best.append(totals[argmin, index])
        choice.append(argmin)
    out = {}
    for k in range(1, len(best)):
        if not np.isfinite(best[k][n]):
            continue
        boundaries, end = [], n
        for j in range(k, 1, -1):
            end = int(choice[j][end])
            boundaries.append(end)
        out[k] = sorted(boundaries)
    return out


def fitted_values(values: np.ndarray, boundaries: list[int], model: str) -> np.ndarray:
    """Least-squares fit of each era (rows: series)."""
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    fitted = np.empty_like(rows)
    edges = [0, *boundaries, rows.shape[1]]
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        block = rows[:, start:end]
        if model == "mean" or end - start < 2:
            fitted[:, start:end] = block.mean(axis=1, keepdims=True)
            continue
        x = np.arange(end - start, dtype=float) - (end - start - 1) / 2
        slope = (block - block.mean(axis=1, keepdims=True)) @ x / (x @ x)
        fitted[:, start:end] = block.mean(axis=1, keepdims=True) + slope[:, None] * x
    return fitted


def ar1_noise(residuals: np.ndarray, max_persistence: float, noise_floor: float) -> tuple[float, float]:
    """(innovation variance, persistence) of a residual series: the persistence capped, the variance floored at noise_floor^2."""
    centred = residuals - residuals.mean()
    total = float(centred @ centred)
    phi = 0.0 if total == 0 else float(np.clip(centred[1:] @ centred[:-1] / total, 0.0, max_persistence))
    innovations = centred[1:] - phi * centred[:-1]
    return max(float(innovations @ innovations) / innovations.size, noise_floor**2), phi


def innovation_variance(residuals: np.ndarray, max_persistence: float, noise_floor: float) -> float:
    """Variance of the AR(1) innovations of a residual series, its persistence capped, floored at noise_floor^2."""
    return ar1_noise(residuals, max_persistence, noise_floor)[0]


def boundary_intervals(
    rows: np.ndarray, boundaries: list[int], model: str, min_length: int, long_run_variance: np.ndarray
) -> list[tuple[int, int]]:
    """For each boundary, the range of dates whose profile fit (neighbours fixed) is within the critical
    value of the best, in long-run variances summed over series (see the module docstring)."""
    costs = [segment_costs(row, model) for row in rows]
    edges = [0, *boundaries, rows.shape[1]]
    out = []
    for b in range(1, len(edges) - 1):
        candidates = np.arange(edges[b - 1] + min_length, edges[b + 1] - min_length + 1)
        profile = sum(
            (cost[edges[b - 1], candidates] + cost[candidates, edges[b + 1]]) / variance
            for cost, variance in zip(costs, long_run_variance, strict=True)
        )
        inside = candidates[profile - profile.min() <= BREAK_DATE_CRITICAL_VALUE]
        out.append((int(inside.min()), int(inside.max())))
    return out


def find_eras(
    values: np.ndarray,
    *,
    model: str = "trend",
    min_length: int = MIN_LENGTH,
    max_eras: int = MAX_ERAS,
    noise_floor: float = NOISE_FLOOR,
    max_persistence: float = MAX_PERSISTENCE,
) -> Segmentation:
    """Segment one series (1-d) or several jointly (rows) on their given scale; see the module docstring."""
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    series, n = rows.shape
    if model not in MODELS:
        raise ValueError(f"eras: unknown model '{model}'; use one of {sorted(MODELS)}")
    if min_length < 2:
        raise ValueError(f"eras: the minimum era length must be at least 2 observations, got {min_length}")
    if n < min_length:
        raise ValueError(f"eras: {n} observations are fewer than one era of {min_length}")
    if not np.all(np.isfinite(rows)):
        raise ValueError("eras: the series contain missing or infinite values")
    criterion = {}
    fits = {}
    for k, boundaries in best_segmentations(segment_costs(rows, model), min_length, max_eras).items():
        fitted = fitted_values(rows, boundaries, model)
        noise = [ar1_noise(r, max_persistence, noise_floor) for r in rows - fitted]
        parameters = BOUNDARY_PARAMETERS * (k - 1) + k * MODELS[model] * series + 2 * series
        criterion[k] = float(n * sum(np.log(v) for v, _ in noise) + parameters * np.log(n * series))
        fits[k] = (boundaries, fitted, noise)
    chosen = min(criterion, key=lambda k: (criterion[k], k))  # ties go to fewer eras
    boundaries, fitted, noise = fits[chosen]
    long_run = np.array([variance / (1 - phi) ** 2 for variance, phi in noise])
    intervals = boundary_intervals(rows, boundaries, model, min_length, long_run) if boundaries else []
    return Segmentation(boundaries=boundaries, fitted=fitted, criterion=criterion, intervals=intervals)


def find_share_eras(counts: np.ndarray, totals: np.ndarray, **settings) -> Segmentation:
    """`find_eras` on the empirical logit of `counts` out of `totals` (rows: series); fitted values as shares."""
    result = find_eras(empirical_logit(np.atleast_2d(counts), np.atleast_2d(totals)), **settings)
    return Segmentation(result.boundaries, 1.0 / (1.0 + np.exp(-result.fitted)), result.criterion, result.intervals)
