"""Period contrasts: is the mean weekly share of one period different from another's?

Scale: the empirical logit of the counts, log((k + 0.5) / (N - k + 0.5)), as
for the trend tests. The estimate is the difference of the two periods' mean
weekly values on that scale, tested and given its interval there; the
estimate and both bounds are then carried to percentage points at the first
period's level (expit(m1 + d) - expit(m1), m1 the first period's mean
logit), a monotone map, so the interval in points excludes 0 exactly when
the one on the test's scale does. The model: within each calendar period of
the series, the value follows its own straight line in time plus noise, and
the noise is one process for the whole series; the difference of means then
varies only through the noise.

The whole series places the noise. Persistence and the model set below are
read from the residuals of every period of the series around its own line,
not from the two periods compared alone: once each year is detrended, one
or two years of weekly values cannot tell AR(1) noise at 0.8 from a random
walk, so a test placed by them alone must guard against a walk almost
always and rejected a true null under AR(1) 0.8 less than 1% of the time at
a nominal 5%, while the whole series (with its longer first period) tells
them apart well enough to hold every contrast near its level (the
calibration study). The residuals are pooled with each period in units of
its own week-to-week change, so that a noisier period does not speak for
the whole series' persistence.

Standard error. An AR(1) plug-in: with r the values minus their own
period's line (every period of the series), the persistence phi is the larger of the lag-1
autocorrelation of r and the fourth root of its lag-4 one (the second is
less sensitive to one-week spikes and to slowly decaying correlation),
mapped to its median-unbiased value (the grid persistence whose simulated
median estimate it is, after Andrews 1993; beyond the grid's median
estimates, up to 0.999). Each compared period's stationary scale comes from
its innovations, r_t - phi r_(t-1) over adjacent weeks, as sigma_k /
sqrt(1 - phi^2), so a series near a unit root keeps a finite variance. Then
Var(difference) = c' D R(phi) D c, where c holds -1/n1 and +1/n2, D the two
periods' scales (a Welch-type variance: the periods may differ in noise)
and R_ij = phi^|t_i - t_j| on the weekly grid (weeks between two periods
that are not adjacent count as a gap).

Null distribution. The t statistic is not pivotal: its spread grows with
the persistence and depends on the kind of noise. It is simulated for the
exact design (every week of the series and its period), once per design
with a fixed seed, under a family of null models: AR(1) at every
persistence of a grid from 0 to 0.998, a random walk, and fractionally
integrated noise with d from 0.1 to 0.45. A series is placed among them by
its pair of autocorrelations at lags 1 and 13: the confidence set holds
every model whose simulated pairs put the observed one inside their own 90%
Mahalanobis region (the nearest model when none does). 90% is the
narrowest level, of 80-95% measured, at which the random walk's rate stays
inside the acceptance band; a narrower set lets the walk through, and a
level-adjusted Bonferroni step (McCloskey's) on the two periods alone,
tuned to hold the walk, left the AR(1) 0.8 rate below 2.5%. The test is read at
the least favourable model of the set: the p-value is the largest Monte
Carlo p-value, the interval uses the largest critical value, in the spirit
of the conservative bounds of Andrews-style confidence sets for a nuisance
parameter. The calibration study (`hubshare.inference.calibration`, and
`bench/calibration_study.py` at full size) measures the resulting
false-positive rate, also under noise outside the family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hubshare.inference.noise import ar1, fractional
from hubshare.inference.trends import NULL_SEED, empirical_logit

PERSISTENCE_GRID = np.concatenate([np.round(np.arange(0.0, 0.951, 0.05), 2), [0.96, 0.97, 0.98, 0.99, 0.995, 0.998]])
FRACTIONAL_GRID = (0.1, 0.2, 0.3, 0.4, 0.45)
# The null models: AR(1) at each grid persistence, a random walk, fractional noise at each d.
NULL_MODELS = (
    *(("ar1", float(phi)) for phi in PERSISTENCE_GRID),
    ("random_walk", 1.0),
    *(("fractional", d) for d in FRACTIONAL_GRID),
)
NULL_DRAWS = 4000
SET_LEVEL = 0.90  # coverage of the confidence set of null models (chosen by the calibration study)
LONG_LAG = 4  # the second autocorrelation: the plug-in reads its root when larger
FEATURE_LAG = 13  # the second coordinate of the pair that places a series among the null models
MAX_ESTIMATE = 0.999  # the plug-in variance needs phi < 1
MIN_PER_PERIOD = 8  # weeks in each period; fewer leave the persistence unestimable


@dataclass(frozen=True)
class SeriesDesign:
    """Where a series' values sit: their places on the weekly grid (increasing integers) and the index of
    the calendar period each belongs to (non-decreasing)."""

    positions: tuple[int, ...]
    periods: tuple[int, ...]

    @classmethod
    def of(cls, positions: np.ndarray, periods: np.ndarray) -> SeriesDesign:
        return cls(tuple(int(p) for p in positions), tuple(int(k) for k in periods))

    @classmethod
    def two_periods(cls, positions: np.ndarray, n_first: int) -> SeriesDesign:
        """A series of two periods only: the first `n_first` values are period 0, the rest period 1."""
        return cls.of(positions, np.arange(len(positions)) >= n_first)

    def members(self, period: int) -> np.ndarray:
        return np.asarray(self.periods) == period


def period_labels(dates: np.ndarray, periods: dict, pairs: list[tuple[str, str]]) -> tuple[list[str], np.ndarray]:
    """The periods of the contrasts `pairs` in time order, and the index among them of each date's period
    (`dates` datetime64; `periods` {name: (start, end)}, inclusive; -1 for a date in none)."""
    names = sorted({name for pair in pairs for name in pair}, key=lambda name: periods[name][0])
    labels = np.full(len(dates), -1)
    for k, name in enumerate(names):
        start, end = (np.datetime64(bound, "D") for bound in periods[name])
        labels[(dates >= start) & (dates <= end)] = k
    return names, labels


def usable(periods: np.ndarray) -> np.ndarray:
    """Mask of the values that place the noise: those of a period (index >= 0) with at least `MIN_PER_PERIOD`."""
    periods = np.asarray(periods, dtype=int)
    found, sizes = np.unique(periods, return_counts=True)
    enough = found[(found >= 0) & (sizes >= MIN_PER_PERIOD)]
    return np.isin(periods, enough)


def placement(
    rows: np.ndarray, design: SeriesDesign, unbiased: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, from every period's residuals around its own line: the residuals, the plug-in persistence,
    and the autocorrelations at lags 1 and `FEATURE_LAG` that place the row among the null models.

    `unbiased` maps the raw persistence estimate to the plug-in (the design's median-unbiased map; the
    identity when None).
    """
    positions = np.asarray(design.positions, dtype=float)
    residuals, standardised = np.empty_like(rows), np.zeros_like(rows)
    for period in np.unique(design.periods):
        members = design.members(period)
        residuals[:, members] = _detrended(rows[:, members], positions[members])
        # its residuals' own spread would also do against a noisier period, but would undo the weight that a
        # longer, more persistent period rightly has in the pooled autocorrelations
        steps = np.diff(residuals[:, members], axis=1)[:, np.diff(positions[members]) == 1]
        spread = np.sqrt(np.mean(steps**2, axis=1, keepdims=True)) if steps.shape[1] else np.ones((len(rows), 1))
        standardised[:, members] = np.divide(
            residuals[:, members], spread, out=np.zeros_like(residuals[:, members]), where=spread > 0
        )
    lag_one, lag_long, lag_feature = (
        _autocorrelation(standardised, positions, lag) for lag in (1, LONG_LAG, FEATURE_LAG)
    )
    phi = np.clip(np.maximum(lag_one, np.clip(lag_long, 0.0, None) ** (1.0 / LONG_LAG)), 0.0, MAX_ESTIMATE)
    if unbiased is not None:
        phi = np.clip(unbiased(phi), 0.0, MAX_ESTIMATE)
    return residuals, phi, np.stack([lag_one, lag_feature], axis=1)


def contrast_statistics(
    rows: np.ndarray,
    design: SeriesDesign,
    pair: tuple[int, int],
    unbiased: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, ...]:
    """Per row: difference of means (period `pair[1]` minus period `pair[0]`), t statistic, plug-in
    persistence, standard error, and the autocorrelation pair that places the row (see `placement`)."""
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    residuals, phi, features = placement(rows, design, unbiased)
    difference, error = _difference_and_error(rows, residuals, phi, design, pair)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(error > 0, difference / error, np.where(difference == 0, 0.0, np.inf))
    return difference, t, phi, error, features


def _difference_and_error(
    rows: np.ndarray, residuals: np.ndarray, phi: np.ndarray, design: SeriesDesign, pair: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    positions = np.asarray(design.positions, dtype=float)
    first, second = (design.members(period) for period in pair)
    difference = rows[:, second].mean(axis=1) - rows[:, first].mean(axis=1)
    scale_first = _stationary_scale(residuals[:, first], positions[first], phi)
    scale_second = _stationary_scale(residuals[:, second], positions[second], phi)
    both = first | second
    within_first, across, within_second = _design(tuple(positions[both].astype(int)), int(first.sum())).parts(phi)
    variance = scale_first**2 * within_first + 2 * scale_first * scale_second * across + scale_second**2 * within_second
    return difference, np.sqrt(np.maximum(variance, 0.0))


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
    """Per null model (`NULL_MODELS`), for one contrast of one design: simulated |t| (sorted), and the
    mean, precision and `SET_LEVEL` Mahalanobis radius of its simulated autocorrelation pair."""

    abs_t: np.ndarray  # (models, draws)
    median_estimate: np.ndarray  # (persistence grid,) median raw persistence estimate under AR(1)
    centre: np.ndarray  # (models, 2)
    precision: np.ndarray  # (models, 2, 2)
    radius: np.ndarray  # (models,)

    def unbiased(self, estimate: np.ndarray) -> np.ndarray:
        """Median-unbiased persistence: the grid persistence whose median estimate is `estimate`
        (interpolated; past the grid's end, up to a unit root)."""
        return _median_unbiased(self.median_estimate, estimate)

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


def _median_unbiased(median_estimate: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    return np.interp(estimate, np.maximum.accumulate(median_estimate), PERSISTENCE_GRID, right=MAX_ESTIMATE)


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


def null_distribution(design: SeriesDesign, pair: tuple[int, int]) -> NullDistribution:
    """The statistic of the contrast `pair` under every null model, for this design (see `_series_null`)."""
    return _series_null(design)[pair]


@lru_cache(maxsize=16)
def _series_null(design: SeriesDesign) -> dict[tuple[int, int], NullDistribution]:
    """Every contrast of the design (each period against each later one) under every null model, from one
    seeded simulation of the whole series: a first pass gives the median-unbiased map of the persistence
    under AR(1), the second the placement (shared by the contrasts) and each contrast's statistic."""
    where = np.asarray(design.positions) - design.positions[0]
    rng = np.random.default_rng([NULL_SEED, len(where), int(where[-1]) + 1, *np.bincount(design.periods)])
    periods = np.unique(design.periods).tolist()
    pairs = [(a, b) for a in periods for b in periods if a < b]
    medians, placed = [], []
    for kind, parameter in NULL_MODELS:
        path = _null_paths(kind, parameter, rng.standard_normal((NULL_DRAWS, int(where[-1]) + 1)))[:, where]
        placed.append(path)
        if kind == "ar1":
            medians.append(np.median(placement(path, design)[1]))
    medians = np.array(medians)
    abs_t = {pair: [] for pair in pairs}
    centres, precisions, radii = [], [], []
    for k, path in enumerate(placed):
        residuals, phi, features = placement(path, design, lambda estimate: _median_unbiased(medians, estimate))
        for pair in pairs:
            difference, error = _difference_and_error(path, residuals, phi, design, pair)
            abs_t[pair].append(np.sort(np.abs(difference / error)))
        centre = features.mean(axis=0)
        precision = np.linalg.pinv(np.cov(features, rowvar=False))
        offset = features - centre
        centres.append(centre)
        precisions.append(precision)
        radii.append(np.quantile(np.sqrt(np.einsum("ri,ij,rj->r", offset, precision, offset)), SET_LEVEL))
        placed[k] = None  # each model's paths are done with: free them before the next
    shared = (medians, np.array(centres), np.array(precisions), np.array(radii))
    return {pair: NullDistribution(np.array(abs_t[pair]), *shared) for pair in pairs}


def contrast_test(
    positions: np.ndarray,
    counts: np.ndarray,
    totals: np.ndarray,
    periods: np.ndarray,
    pair: tuple[int, int],
    confidence: float = 0.95,
) -> dict:
    """Test period `pair[1]` against the earlier period `pair[0]` on the empirical logit of `counts` out of
    `totals`, the noise placed by the whole series (`periods`: each value's period index, -1 for none); the
    difference and its interval on that scale and in percentage points (see the module docstring). Values
    outside the periods, or in a period with fewer than `MIN_PER_PERIOD`, are left out of the placement."""
    positions = np.asarray(positions, dtype=int)
    counts = np.asarray(counts, dtype=float)
    periods = np.asarray(periods, dtype=int)
    if positions.shape != counts.shape or np.shape(totals) != counts.shape or periods.shape != counts.shape:
        raise ValueError("period contrast: positions, counts, totals and periods must be aligned")
    keep = usable(periods)
    if np.any(np.diff(positions) <= 0) or np.any(np.diff(periods[keep]) < 0):
        raise ValueError("period contrast: positions must increase and periods follow one another")
    first, second = pair
    if not 0 <= first < second:
        raise ValueError("period contrast: the first period of a pair must come before the second")
    if not (np.any(keep & (periods == first)) and np.any(keep & (periods == second))):
        raise ValueError(f"period contrast: each period needs at least {MIN_PER_PERIOD} weeks")
    design = SeriesDesign.of(positions[keep], periods[keep])
    null = null_distribution(design, pair)
    values = empirical_logit(counts[keep], np.asarray(totals, dtype=float)[keep])
    difference, t, phi, error, features = contrast_statistics(values, design, pair, null.unbiased)
    critical, null_model = null.least_favourable(features, confidence)
    half_width = float(critical[0] * error[0])
    difference, t, phi = float(difference[0]), float(t[0]), float(phi[0])
    first_level = float(values[design.members(first)].mean())

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
