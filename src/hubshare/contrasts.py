"""Period contrasts: is the mean weekly share of one period different from another's?

Scale: the empirical logit of the counts, log((k + 0.5) / (N - k + 0.5)), as
for the trend tests. The estimate is the difference of the two periods' mean
weekly values on that scale, tested and given its interval there; the
estimate and both bounds are then carried to percentage points at the first
period's level (expit(m1 + d) - expit(m1), m1 the first period's mean
logit), a monotone map, so the interval in points excludes 0 exactly when
the one on the test's scale does. The
model: within each period, the value follows its own straight line in time
plus stationary AR(1) noise; the difference of means then varies only through
the noise. Weekly shares are autocorrelated, so its standard error comes from
that noise model: with r the values minus their own period's line, s2 their
variance (n - 4 degrees of freedom) and phi their lag-1 autocorrelation (over
weeks that are adjacent in time), Var(difference) = s2 * c' R(phi) c, where c holds -1/n1 and +1/n2
and R_ij = phi^|t_i - t_j| on the weekly grid (so the weeks between two
periods that are not adjacent count as a gap).

The t statistic with this plug-in variance is not normal in samples of a
year of weeks: phi is estimated with a downward bias that grows with phi.
Its null distribution is therefore simulated for the exact design (the
weeks of both periods) under AR(1) noise on a grid of persistence values,
once per design with a fixed seed. The grid runs from 0 to 0.995, past the
0.97-0.98 that real share series show. The test reads that distribution at a
conservative persistence: the bias-corrected estimate (the grid value whose
mean estimate equals the observed one) plus one standard deviation of the
estimator, also taken from the simulation, capped at the grid's end. The
p-value is a Monte Carlo p-value, interpolated between neighbouring grid
values; the confidence interval uses the critical value at the same
persistence. The calibration study (`hubshare.calibration`) measures the
resulting false-positive rate, also under noise that is not AR(1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hubshare.noise import ar1
from hubshare.trends import NULL_SEED, empirical_logit

PERSISTENCE_GRID = np.concatenate([np.round(np.arange(0.0, 0.951, 0.05), 2), [0.96, 0.97, 0.98, 0.99, 0.995]])
NULL_DRAWS = 4000
MAX_ESTIMATE = 0.999  # the plug-in variance needs phi < 1
MIN_PER_PERIOD = 8  # weeks in each period; fewer leave the persistence unestimable


def contrast_statistics(rows: np.ndarray, positions: np.ndarray, n_first: int) -> tuple[np.ndarray, ...]:
    """Difference of means (second minus first), t statistic and persistence estimate for each row.

    `positions`: the observations' places on the weekly grid (integers,
    increasing); the first `n_first` belong to the first period.
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    n = rows.shape[1]
    positions = np.asarray(positions, dtype=float)
    first, second = rows[:, :n_first], rows[:, n_first:]
    difference = second.mean(axis=1) - first.mean(axis=1)
    residuals = np.concatenate(
        [_detrended(first, positions[:n_first]), _detrended(second, positions[n_first:])], axis=1
    )
    total = np.sum(residuals**2, axis=1)
    adjacent = np.diff(positions) == 1
    lagged = np.sum((residuals[:, 1:] * residuals[:, :-1])[:, adjacent], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.clip(np.where(total > 0, lagged / total, 0.0), 0.0, MAX_ESTIMATE)
        quadratic = _design(tuple(int(p) for p in positions), n_first).quadratic(phi)
        error = np.sqrt(total / (n - 4) * quadratic)
        t = np.where(error > 0, difference / error, np.where(difference == 0, 0.0, np.inf))
    return difference, t, phi, error


def _detrended(rows: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Residuals of each row around its own least-squares line in time."""
    centred = positions - positions.mean()
    demeaned = rows - rows.mean(axis=1, keepdims=True)
    return demeaned - np.outer(demeaned @ centred / (centred @ centred), centred)


@dataclass(frozen=True)
class _Design:
    """c' R(phi) c on a fine grid of phi, for one design."""

    phi: np.ndarray
    value: np.ndarray

    def quadratic(self, phi: np.ndarray) -> np.ndarray:
        return np.interp(phi, self.phi, self.value)


@lru_cache(maxsize=64)
def _design(positions: tuple[int, ...], n_first: int) -> _Design:
    where = np.asarray(positions, dtype=float)
    weights = np.concatenate(
        [np.full(n_first, -1.0 / n_first), np.full(where.size - n_first, 1.0 / (where.size - n_first))]
    )
    lags = np.abs(where[:, None] - where[None, :])
    grid = np.linspace(0.0, MAX_ESTIMATE, 199)
    return _Design(grid, np.array([weights @ (p**lags) @ weights for p in grid]))


@dataclass(frozen=True)
class NullDistribution:
    """Simulated |t| (sorted) and the persistence estimator's mean and spread, per grid persistence."""

    abs_t: np.ndarray  # (grid, draws)
    mean_estimate: np.ndarray
    sd_estimate: np.ndarray

    def persistence(self, estimate: np.ndarray) -> np.ndarray:
        """Bias-corrected estimate plus one standard deviation of the estimator, on the grid's range."""
        increasing = np.maximum.accumulate(self.mean_estimate)
        corrected = np.interp(estimate, increasing, PERSISTENCE_GRID)
        return np.clip(corrected + np.interp(corrected, PERSISTENCE_GRID, self.sd_estimate), 0.0, PERSISTENCE_GRID[-1])

    def _between(self, persistence: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        position = np.interp(persistence, PERSISTENCE_GRID, np.arange(PERSISTENCE_GRID.size))
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, PERSISTENCE_GRID.size - 1)
        return low, high, position - low

    def p_values(self, t: np.ndarray, persistence: np.ndarray) -> np.ndarray:
        draws = self.abs_t.shape[1]
        exceed = np.stack([draws - np.searchsorted(row, np.abs(t), side="left") for row in self.abs_t])
        p = (exceed + 1) / (draws + 1)
        low, high, weight = self._between(np.asarray(persistence, dtype=float))
        columns = np.arange(p.shape[1])
        return (1 - weight) * p[low, columns] + weight * p[high, columns]

    def critical_values(self, persistence: np.ndarray, confidence: float) -> np.ndarray:
        low, high, weight = self._between(np.atleast_1d(np.asarray(persistence, dtype=float)))
        values = np.quantile(self.abs_t, confidence, axis=1)
        return (1 - weight) * values[low] + weight * values[high]


@lru_cache(maxsize=64)
def null_distribution(positions: tuple[int, ...], n_first: int) -> NullDistribution:
    """The statistic under AR(1) noise with each grid persistence, for this design (seeded, cached)."""
    where = np.asarray(positions) - positions[0]
    span = int(where[-1]) + 1
    rng = np.random.default_rng([NULL_SEED, len(positions), n_first, span])
    abs_t, means, spreads = [], [], []
    for phi in PERSISTENCE_GRID:
        paths = ar1(rng.standard_normal((NULL_DRAWS, span)), float(phi))
        _, t, estimate, _ = contrast_statistics(paths[:, where], np.asarray(positions), n_first)
        abs_t.append(np.sort(np.abs(t)))
        means.append(estimate.mean())
        spreads.append(estimate.std())
    return NullDistribution(np.array(abs_t), np.array(means), np.array(spreads))


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
    difference, t, phi, error = (float(v[0]) for v in contrast_statistics(values, positions, n_first))
    persistence = float(null.persistence(np.array([phi]))[0])
    half_width = float(null.critical_values(persistence, confidence)[0]) * error
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
        "p_value": float(null.p_values(np.array([t]), np.array([persistence]))[0]),
        "persistence": phi,
        "persistence_used": persistence,
    }


def _expit(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))
