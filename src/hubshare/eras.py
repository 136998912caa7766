"""Eras: change points in weekly share series.

Model. Within an era, the logit of a weekly share follows a straight line
(`trend`, the default: each era has its own level and slope) or a constant
(`mean`), plus stationary AR(1) noise. Weekly shares drift, so a mean-shift
model would cut a steady trend into a staircase of short eras; the trend
model places boundaries where a series changes course, which is what an era
means here. Several series can be segmented jointly: they share the
boundaries, each keeps its own levels, slopes and noise.

Estimation, exact and in two steps:

1. for every number of eras k, the boundaries that minimise the residual
   sum of squares (summed over series), by dynamic programming over all
   segmentations whose eras are at least `min_length` observations long
   (the "segment neighbourhood" recursion; with a few hundred weeks the
   full O(k n^2) search is cheap, so no pruning is needed);
2. the number of eras minimising the BIC of a Gaussian model with AR(1)
   errors: n * sum_j log(s2_j) + q log n, where s2_j is the innovation
   variance of series j's residuals after filtering them with their lag-1
   autocorrelation, and q = (k - 1) boundaries + k * p * d era parameters
   (p = 2 for trend, 1 for mean; d series) + 2 d noise parameters.

Two stated guards keep the criterion meaningful. The lag-1 autocorrelation
is capped at `max_persistence`: noise that persists longer than that is
structure, i.e. eras, not noise (without the cap a smooth misfit passes for
strongly autocorrelated noise and no era is ever found). The innovation
standard deviation is floored at `noise_floor` logit units, so that a nearly
noiseless series (the demo's) is not cut at rounding-level curvature.
Observations are taken as equally spaced; a missing week is not filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubshare.trends import logit

MODELS = {"mean": 1, "trend": 2}  # parameters per era and series
MIN_LENGTH = 13
NOISE_FLOOR = 0.002
MAX_PERSISTENCE = 0.9


@dataclass(frozen=True)
class Segmentation:
    """Chosen boundaries (index of each era's first observation, eras 2..k) and fitted values per series."""

    boundaries: list[int]
    fitted: np.ndarray
    criterion: dict[int, float]


def _prefix(values: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros(values.shape[:-1] + (1,)), np.cumsum(values, axis=-1)], axis=-1)


def segment_costs(values: np.ndarray, model: str) -> np.ndarray:
    """cost[s, t]: residual sum of squares of one era covering observations s..t-1, summed over series (rows)."""
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    n = rows.shape[1]
    x = np.arange(n, dtype=float)
    ones, sx, sxx = _prefix(np.ones(n)), _prefix(x), _prefix(x * x)
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


def best_segmentations(cost: np.ndarray, min_length: int) -> dict[int, list[int]]:
    """{k: boundaries} of the least-cost segmentation into k eras of at least `min_length`, for every feasible k."""
    n = cost.shape[0] - 1
    index = np.arange(n + 1)
    allowed = np.where(index[None, :] - index[:, None] >= min_length, cost, np.inf)
    best = [None, allowed[0]]  # best[k][t]: least cost of observations 0..t-1 in k eras
    choice = [None, None]
    for _ in range(2, n // min_length + 1):
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


def innovation_variance(residuals: np.ndarray, max_persistence: float, noise_floor: float) -> float:
    """Variance of the AR(1) innovations of a residual series, its persistence capped, floored at noise_floor^2."""
    centred = residuals - residuals.mean()
    total = float(centred @ centred)
    phi = 0.0 if total == 0 else float(np.clip(centred[1:] @ centred[:-1] / total, 0.0, max_persistence))
    innovations = centred[1:] - phi * centred[:-1]
    return max(float(innovations @ innovations) / innovations.size, noise_floor**2)


def find_eras(values: np.ndarray, *, model: str = "trend", min_length: int = MIN_LENGTH,
              noise_floor: float = NOISE_FLOOR, max_persistence: float = MAX_PERSISTENCE) -> Segmentation:
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
    for k, boundaries in best_segmentations(segment_costs(rows, model), min_length).items():
        fitted = fitted_values(rows, boundaries, model)
        fit = sum(np.log(innovation_variance(r, max_persistence, noise_floor)) for r in rows - fitted)
        parameters = (k - 1) + k * MODELS[model] * series + 2 * series
        criterion[k] = float(n * fit + parameters * np.log(n))
        fits[k] = (boundaries, fitted)
    chosen = min(criterion, key=lambda k: (criterion[k], k))  # ties go to fewer eras
    boundaries, fitted = fits[chosen]
    return Segmentation(boundaries=boundaries, fitted=fitted, criterion=criterion)


def find_share_eras(shares: np.ndarray, **settings) -> Segmentation:
    """`find_eras` on the logit of shares in [0, 1]; fitted values are returned as shares."""
    result = find_eras(logit(np.atleast_2d(np.asarray(shares, dtype=float))), **settings)
    return Segmentation(result.boundaries, 1.0 / (1.0 + np.exp(-result.fitted)), result.criterion)
