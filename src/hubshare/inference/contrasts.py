"""Period contrasts: is the mean weekly share of one period different from another's?

Scale: the empirical logit of the counts, log((k + 0.5) / (N - k + 0.5)), as
for the trend tests. The estimate is the difference of the two periods' mean
weekly values on that scale, tested and given its interval there; the
estimate and both bounds are then carried to percentage points at the first
period's level (expit(m1 + d) - expit(m1), m1 the first period's mean
logit), a monotone map, so the interval in points excludes 0 exactly when
the one on the test's scale does. The
model: within each period, the value follows its own straight line in time
plus noise; the difference of means then varies only through the noise.

Standard error. An AR(1) plug-in: with r the values minus their own
period's line, the persistence phi is the larger of the lag-1
autocorrelation of r and the fourth root of its lag-4 one (the second is
less sensitive to one-week spikes and to slowly decaying correlation),
mapped to its median-unbiased value (the grid persistence whose simulated
median estimate it is, after Andrews 1993; beyond the grid's median
estimates, up to 0.999). Each period's stationary scale comes from its
innovations, r_t - phi r_(t-1) over adjacent weeks, as sigma_k /
sqrt(1 - phi^2), so a series near a unit root keeps a finite variance. Then
Var(difference) = c' D R(phi) D c, where c holds -1/n1 and +1/n2, D the two
periods' scales (a Welch-type variance: the periods may differ in noise)
and R_ij = phi^|t_i - t_j| on the weekly grid (weeks between two periods
that are not adjacent count as a gap).

Null distribution. The t statistic is not pivotal: its spread grows with
the persistence and depends on the kind of noise. It is simulated for the
exact design (the weeks of both periods), once per design with a fixed seed,
under a family of null models: AR(1) at every persistence of a grid from 0
to 0.995, a random walk, and fractionally integrated noise with d from 0.1
to 0.45. A series is placed among them by its pair of autocorrelations at
lags 1 and 8: the confidence set holds every model whose simulated pairs
put the observed one inside their own 95% Mahalanobis region (the nearest
model when none does). The test is read at the least favourable model of
the set: the p-value is the largest Monte Carlo p-value, the interval uses
the largest critical value, in the spirit of the conservative bounds of
Andrews-style confidence sets for a nuisance parameter. The calibration
study (`hubshare.inference.calibration`, and `bench/calibration_study.py` at full
size) measures the resulting false-positive rate, also under noise outside
the family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hubshare.inference.noise import ar1, fractional
from hubshare.inference.trends import NULL_SEED, empirical_logit

PERSISTENCE_GRID = np.concatenate([np.round(np.arange(0.0, 0.951, 0.05), 2), [0.96, 0.97, 0.98, 0.99, 0.995]])
FRACTIONAL_GRID = (0.1, 0.2, 0.3, 0.4, 0.45)
# The null models: AR(1) at each grid persistence, a random walk, fractional noise at each d.
NULL_MODELS = (
    *(("ar1", float(phi)) for phi in PERSISTENCE_GRID),
    ("random_walk", 1.0),
    *(("fractional", d) for d in FRACTIONAL_GRID),
)
NULL_DRAWS = 4000
SET_LEVEL = 0.95  # coverage of the confidence set of null models
LONG_LAG = 4  # the second autocorrelation: the plug-in reads its root when larger
FEATURE_LAG = 8  # the second coordinate of the pair that places a series among the null models
MAX_ESTIMATE = 0.999  # the plug-in variance needs phi < 1
MIN_PER_PERIOD = 8  # weeks in each period; fewer leave the persistence unestimable


def contrast_statistics(
    rows: np.ndarray, positions: np.ndarray, n_first: int, unbiased: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[np.ndarray, ...]:
    """Per row: difference of means (second minus first), t statistic, plug-in persistence, standard error,
    and the autocorrelations at lags 1 and `FEATURE_LAG` that place the row among the null models.

    `positions`: the observations' places on the weekly grid (integers,
    increasing); the first `n_first` belong to the first period. `unbiased`
    maps the raw persistence estimate to the plug-in (the design's
    median-unbiased map; the identity when None).
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    positions = np.asarray(positions, dtype=float)
    first, second = rows[:, :n_first], rows[:, n_first:]
    difference = second.mean(axis=1) - first.mean(axis=1)
    first_residuals = _detrended(first, positions[:n_first])
    second_residuals = _detrended(second, positions[n_first:])
    residuals = np.concatenate([first_residuals, second_residuals], axis=1)
    lag_one, lag_long, lag_feature = (_autocorrelation(residuals, positions, lag) for lag in (1, LONG_LAG, FEATURE_LAG))
    phi = np.clip(np.maximum(lag_one, np.clip(lag_long, 0.0, None) ** (1.0 / LONG_LAG)), 0.0, MAX_ESTIMATE)
    if unbiased is not None:
        phi = np.clip(unbiased(phi), 0.0, MAX_ESTIMATE)
    scale_first = _stationary_scale(first_residuals, positions[:n_first], phi)
    scale_second = _stationary_scale(second_residuals, positions[n_first:], phi)
    within_first, across, within_second = _design(tuple(int(p) for p in positions), n_first).parts(phi)
    variance = scale_first**2 * within_first + 2 * scale_first * scale_second * across + scale_second**2 * within_second
    error = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(error > 0, difference / error, np.where(difference == 0, 0.0, np.inf))
    return difference, t, phi, error, np.stack([lag_one, lag_feature], axis=1)


def _stationary_scale(residuals: np.ndarray, positions: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Stationary standard deviation of AR(1) noise with persistence `phi`, from the innovations
    (residuals minus phi times the week before, over adjacent weeks): sigma / sqrt(1 - phi^2)."""
    pairs = np.diff(positions) == 1
    innovations = (residuals[:, 1:] - phi[:, None] * residuals[:, :-1])[:, pairs]
    return np.sqrt(np.sum(innovations**2, axis=1) / max(int(pairs.sum()) - 2, 1) / (1.0 - phi**2))


def _autocorrelation(residuals: np.ndarray, positions: np.ndarray, lag: int) -> np.ndarray:
    """Sum of products of residuals `lag` weeks apart over the sum of squares (0 for a constant row)."""
    pairs = positions[lag:] - positions[:-lag] == lag
    lagged = np.sum((residuals[:, lag:] * residuals[:, :-lag])[:, pairs], axis=1)
    total = np.sum(residuals**2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, lagged / total, 0.0)


def _detrended(rows: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Residuals of each row around its own least-squares line in time."""
    centred = positions - positions.mean()
    demeaned = rows - rows.mean(axis=1, keepdims=True)
    return demeaned - np.outer(demeaned @ centred / (centred @ centred), centred)


@dataclass(frozen=True)
class _Design:
    """The three parts of c' R(phi) c (first period, across, second period) on a fine grid of phi, for one design."""

    phi: np.ndarray
    values: np.ndarray  # (3, grid)

    def parts(self, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        within_first, across, within_second = (np.interp(phi, self.phi, row) for row in self.values)
        return within_first, across, within_second


@lru_cache(maxsize=64)
def _design(positions: tuple[int, ...], n_first: int) -> _Design:
    where = np.asarray(positions, dtype=float)
    n_second = where.size - n_first
    first = np.r_[np.full(n_first, -1.0 / n_first), np.zeros(n_second)]
    second = np.r_[np.zeros(n_first), np.full(n_second, 1.0 / n_second)]
    lags = np.abs(where[:, None] - where[None, :])
    grid = np.linspace(0.0, MAX_ESTIMATE, 199)
    correlations = [p**lags for p in grid]
    values = np.array([[first @ r @ first, first @ r @ second, second @ r @ second] for r in correlations])
    return _Design(grid, values.T)


@dataclass(frozen=True)
class NullDistribution:
    """Per null model (`NULL_MODELS`): simulated |t| (sorted), and the mean, precision and `SET_LEVEL`
    Mahalanobis radius of its simulated autocorrelation pair."""

    abs_t: np.ndarray  # (models, draws)
    median_estimate: np.ndarray  # (persistence grid,) median raw persistence estimate under AR(1)
    centre: np.ndarray  # (models, 2)
    precision: np.ndarray  # (models, 2, 2)
    radius: np.ndarray  # (models,)

    def unbiased(self, estimate: np.ndarray) -> np.ndarray:
        """Median-unbiased persistence: the grid persistence whose median estimate is `estimate`
        (interpolated; past the grid's end, up to a unit root)."""
        medians = np.maximum.accumulate(self.median_estimate)
        return np.interp(estimate, medians, PERSISTENCE_GRID, right=MAX_ESTIMATE)

    def _distance(self, features: np.ndarray) -> np.ndarray:
        """(models, rows) Mahalanobis distance of each row's pair over the model's radius."""
        offset = np.atleast_2d(features)[None, :, :] - self.centre[:, None, :]
        return np.sqrt(np.einsum("mri,mij,mrj->mr", offset, self.precision, offset)) / self.radius[:, None]

    def plausible(self, features: np.ndarray) -> np.ndarray:
        """(models, rows) mask: the confidence set of null models, those whose simulated pairs put the
        observed one inside their `SET_LEVEL` region; a pair outside every region keeps the nearest model."""
        distance = self._distance(features)
        return (distance <= 1.0) | (distance == distance.min(axis=0))

    def p_values(self, t: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Monte Carlo p-values, the largest over the confidence set of null models."""
        draws = self.abs_t.shape[1]
        t = np.atleast_1d(np.abs(np.asarray(t, dtype=float)))
        exceed = np.stack([draws - np.searchsorted(row, t, side="left") for row in self.abs_t])
        return np.max(np.where(self.plausible(features), (exceed + 1) / (draws + 1), 0.0), axis=0)

    def least_favourable(self, features: np.ndarray, confidence: float) -> tuple[np.ndarray, list[str]]:
        """The largest critical value of |t| over the confidence set of null models, and that model's name."""
        critical = np.quantile(self.abs_t, confidence, axis=1)
        values = np.where(self.plausible(features), critical[:, None], -np.inf)
        worst = np.argmax(values, axis=0)
        return values[worst, np.arange(values.shape[1])], [model_name(*NULL_MODELS[k]) for k in worst]


def model_name(kind: str, parameter: float) -> str:
    return {"ar1": f"AR(1) {parameter:g}", "random_walk": "random walk", "fractional": f"fractional d {parameter:g}"}[
        kind
    ]


def _null_paths(kind: str, parameter: float, innovations: np.ndarray) -> np.ndarray:
    if kind == "random_walk":
        return np.cumsum(innovations, axis=1)
    if kind == "fractional":
        return fractional(innovations, parameter)
    return ar1(innovations, parameter)


@lru_cache(maxsize=64)
def null_distribution(positions: tuple[int, ...], n_first: int) -> NullDistribution:
    """The statistic under every null model, for this design (seeded, cached): a first pass gives the
    median-unbiased map of the persistence under AR(1), the second the statistic with it."""
    where = np.asarray(positions) - positions[0]
    span = int(where[-1]) + 1
    rng = np.random.default_rng([NULL_SEED, len(positions), n_first, span])
    paths = [
        _null_paths(kind, parameter, rng.standard_normal((NULL_DRAWS, span)))[:, where]
        for kind, parameter in NULL_MODELS
    ]
    medians = np.array(
        [
            np.median(contrast_statistics(p, np.asarray(positions), n_first)[2])
            for p, (kind, _) in zip(paths, NULL_MODELS, strict=True)
            if kind == "ar1"
        ]
    )
    mapping = NullDistribution(np.empty((0, 0)), medians, *(np.empty(0),) * 3).unbiased
    abs_t, centres, precisions, radii = [], [], [], []
    for path in paths:
        _, t, _, _, features = contrast_statistics(path, np.asarray(positions), n_first, mapping)
        centre = features.mean(axis=0)
        precision = np.linalg.pinv(np.cov(features, rowvar=False))
        offset = features - centre
        abs_t.append(np.sort(np.abs(t)))
        centres.append(centre)
        precisions.append(precision)
        radii.append(np.quantile(np.sqrt(np.einsum("ri,ij,rj->r", offset, precision, offset)), SET_LEVEL))
    return NullDistribution(np.array(abs_t), medians, np.array(centres), np.array(precisions), np.array(radii))


def contrast_test(
    positions: np.ndarray, counts: np.ndarray, totals: np.ndarray, n_first: int, confidence: float = 0.95
) -> dict:
    """Test on the empirical logit of `counts` out of `totals`; the difference and its interval on that
    scale and in percentage points (see the module docstring)."""
    positions = np.asarray(positions, dtype=int)
    counts = np.asarray(counts, dtype=float)
    if positions.shape != counts.shape or np.shape(totals) != counts.shape:
        raise ValueError("period contrast: positions, counts and totals must be aligned")
    if np.any(np.diff(positions) <= 0):
        raise ValueError("period contrast: positions must increase")
    if min(n_first, counts.size - n_first) < MIN_PER_PERIOD:
        raise ValueError(f"period contrast: each period needs at least {MIN_PER_PERIOD} weeks")
    null = null_distribution(tuple(int(p) for p in positions), n_first)
    values = empirical_logit(counts, totals)
    difference, t, phi, error, features = contrast_statistics(values, positions, n_first, null.unbiased)
    critical, null_model = null.least_favourable(features, confidence)
    half_width = float(critical[0] * error[0])
    difference, t, phi = float(difference[0]), float(t[0]), float(phi[0])
    first_level = float(values[:n_first].mean())

    def to_pp(d: float) -> float:
        return 100.0 * (_expit(first_level + d) - _expit(first_level))

    return {
        "estimate_logit": difference,
        "ci_low_logit": difference - half_width,
        "ci_high_logit": difference + half_width,
        "estimate_pp": to_pp(difference),
        "ci_low": to_pp(difference - half_width),
        "ci_high": to_pp(difference + half_width),
        "p_value": float(null.p_values(np.array([t]), features)[0]),
        "persistence": phi,
        "null_model": null_model[0],
    }


def _expit(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))
