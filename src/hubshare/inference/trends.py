"""Trend tests for share series, valid whether the noise is stationary or integrated.

Scale. A share is tested, estimated and given its interval on one scale, the
empirical logit of its counts, y = log((k + 0.5) / (N - k + 0.5)): the logit
of (k + 0.5)/(N + 1), finite when a group has no downloads (k = 0) without an
arbitrary floor. The slope and its interval are then carried to percentage
points per year by the delta method at the series' midpoint share
p = expit(mean y): d share / d logit = p (1 - p). Values without counts (the
concentration measures, already in (0, 1)) are tested on their plain logit.

Primary test (after Vogelsang 1998 and Bunzel and Vogelsang 2005). OLS of y
on time in years; t is the slope over its Bartlett HAC standard error with
bandwidth equal to the sample size (fixed-b, Kiefer and Vogelsang). That t
has a pivotal null distribution under stationary noise but a much wider one
under integrated noise (a random walk rejects a true null about 40% of the
time at the stationary 5% critical value). It is therefore scaled by
exp(-b J), where J is Park's (1990) variable-addition statistic, the
relative fall in the residual sum of squares when powers of time up to 9 are
added: J vanishes under stationary noise and stays of order one under a
unit root. The constant b is chosen, for the exact series length, so that
the two-sided 1 - alpha quantiles of |t| exp(-b J) under stationary
(i.i.d.) and integrated (random-walk) noise coincide; both limits are
pivotal, so i.i.d. normal draws and their cumulative sums give them (seeded,
once per length). The p-value is the larger of the two Monte Carlo p-values,
(k + 1)/(N + 1), and the interval inverts the test with the larger of the two
critical values: J does not depend on the slope, so the interval is the slope
plus or minus c se exp(b J).

Secondary, reported for comparison and not used for inference: the same t
against the stationary fixed-b distribution alone (what the robust test
improves on), and the Mann-Kendall test on the lag-1 pre-whitened series with
Sen's slope. The calibration study (`hubshare.inference.calibration`) measures the size
of all three under the scenarios of `hubshare.inference.noise`.

Multiple testing: Benjamini-Yekutieli across the family (valid under any
dependence; see `adjust_family`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pymannkendall
from numpy.polynomial import legendre
from statsmodels.stats.multitest import multipletests

DAYS_PER_YEAR = 365.25
NULL_DRAWS = 20_000
NULL_SEED = 20251203
J_DEGREE = 9  # Park's J(1, 9): powers of time 2..9 added to the trend regression
LOGIT_FLOOR = 1e-6  # only for values given without counts that sit exactly at 0 or 1
FAMILY_CORRECTION = "Benjamini-Yekutieli"
MIN_OBSERVATIONS = 10  # the fewest values the null distributions are simulated for


def empirical_logit(counts: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """log((k + 0.5) / (N - k + 0.5)): the logit of (k + 0.5) / (N + 1)."""
    counts = np.asarray(counts, dtype=float)
    return np.log((counts + 0.5) / (np.asarray(totals, dtype=float) - counts + 0.5))


def logit(shares: np.ndarray) -> np.ndarray:
    clipped = np.clip(shares, LOGIT_FLOOR, 1 - LOGIT_FLOOR)
    return np.log(clipped / (1 - clipped))


def fixed_b_slopes(values: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS slopes and their Bartlett (bandwidth = n) standard errors, for each row of `values`."""
    rows = np.atleast_2d(values)
    n = years.size
    centred = years - years.mean()
    sxx = float(centred @ centred)
    demeaned = rows - rows.mean(axis=1, keepdims=True)
    slopes = demeaned @ centred / sxx
    scores = centred * (demeaned - slopes[:, None] * centred)
    partial_sums = np.cumsum(scores, axis=1)[:, :-1]
    long_run_variance = 2.0 / n**2 * np.sum(partial_sums**2, axis=1)
    return slopes, np.sqrt(n * long_run_variance) / sxx


def park_j(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Park's J(1, 9) for each row: (RSS of the linear trend - RSS with powers up to 9) / the latter."""
    rows = np.atleast_2d(values)
    scaled = 2 * (years - years.min()) / max(float(np.ptp(years)), 1e-12) - 1
    basis = legendre.legvander(scaled, J_DEGREE)  # orthogonal columns keep the projection well conditioned
    q_full, _ = np.linalg.qr(basis)
    q_line = q_full[:, :2]  # Legendre degrees 0 and 1 span the same space as (1, t)
    total = np.sum(rows**2, axis=1)
    rss_line = total - np.sum((rows @ q_line) ** 2, axis=1)
    rss_full = total - np.sum((rows @ q_full) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rss_full > 0, (rss_line - rss_full) / rss_full, 0.0)


def robust_statistics(values: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slope, its fixed-b standard error and J, for each row of `values`."""
    slopes, errors = fixed_b_slopes(values, years)
    return slopes, errors, park_j(values, years)


@dataclass(frozen=True)
class RobustNull:
    """Sorted |t| exp(-b J) under stationary and integrated noise, the plain |t| under the first, and b."""

    b: float
    stationary: np.ndarray
    integrated: np.ndarray
    fixed_b: np.ndarray

    def p_value(self, scaled_t: np.ndarray) -> np.ndarray:
        return np.maximum(_mc_p(self.stationary, scaled_t), _mc_p(self.integrated, scaled_t))

    def critical_value(self, confidence: float) -> float:
        return float(max(np.quantile(self.stationary, confidence), np.quantile(self.integrated, confidence)))


def _mc_p(null_sorted: np.ndarray, statistic: np.ndarray) -> np.ndarray:
    exceed = null_sorted.size - np.searchsorted(null_sorted, np.abs(statistic), side="left")
    return (exceed + 1) / (null_sorted.size + 1)


@lru_cache(maxsize=32)
def robust_null(n: int, alpha: float) -> RobustNull:
    """The null distributions for n equally spaced observations, b matched at level alpha (seeded)."""
    rng = np.random.default_rng(NULL_SEED)
    years = np.arange(n, dtype=float)
    draws = rng.standard_normal((NULL_DRAWS, n))
    parts = {}
    for name, paths in (("stationary", draws), ("integrated", np.cumsum(draws, axis=1))):
        slopes, errors, j = robust_statistics(paths, years)
        parts[name] = (np.abs(slopes / errors), j)

    def gap(b: float) -> float:
        return float(
            np.quantile(parts["integrated"][0] * np.exp(-b * parts["integrated"][1]), 1 - alpha)
            - np.quantile(parts["stationary"][0] * np.exp(-b * parts["stationary"][1]), 1 - alpha)
        )

    low, high = 0.0, 1.0
    while gap(high) > 0:
        low, high = high, 2 * high
    for _ in range(50):  # bisection; the gap falls as b grows
        middle = (low + high) / 2
        low, high = (middle, high) if gap(middle) > 0 else (low, middle)
    b = (low + high) / 2
    return RobustNull(
        b=b,
        stationary=np.sort(parts["stationary"][0] * np.exp(-b * parts["stationary"][1])),
        integrated=np.sort(parts["integrated"][0] * np.exp(-b * parts["integrated"][1])),
        fixed_b=np.sort(parts["stationary"][0]),
    )


def robust_fit(days: np.ndarray, y: np.ndarray, *, alpha: float, confidence: float) -> dict:
    """The primary test of one series `y` (already on its test scale) against time: slope per year on that scale,
    the half width of its interval, the p-value and the statistics behind them."""
    years = np.asarray(days, dtype=float) / DAYS_PER_YEAR
    null = robust_null(years.size, alpha)
    slope, error, j = (float(v[0]) for v in robust_statistics(y, years))
    # An exactly straight (or constant) series has no noise to judge it against.
    t_stat = slope / error if error != 0 else (0.0 if slope == 0 else np.inf)
    scale = float(np.exp(-null.b * j))
    return {
        "slope": slope,
        "half_width": null.critical_value(confidence) * error / scale,
        "p_value": float(null.p_value(np.array([t_stat * scale]))[0]),
        "t": float(t_stat),
        "park_j": j,
        "b": null.b,
        "fixed_b_stationary_p": float(_mc_p(null.fixed_b, np.array([t_stat]))[0]),
    }


def _checked(days: np.ndarray, values: np.ndarray, totals: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    days = np.asarray(days, dtype=float)
    values = np.asarray(values, dtype=float)
    if days.shape != values.shape or (totals is not None and np.shape(totals) != days.shape):
        raise ValueError("trend_test: days, values and totals must be aligned")
    if days.size < MIN_OBSERVATIONS:
        raise ValueError(f"trend_test: need at least {MIN_OBSERVATIONS} observations")
    return days, values


def trend_test(
    days: np.ndarray,
    values: np.ndarray,
    *,
    totals: np.ndarray | None = None,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> dict:
    """Test one series. `days`: days since the first interval; with `totals`, `values` are the group's
    counts out of them (empirical logit); without, values in (0, 1) (plain logit)."""
    days, values = _checked(days, values, totals)
    shares = values if totals is None else values / np.asarray(totals, dtype=float)
    y = logit(values) if totals is None else empirical_logit(values, totals)
    fit = robust_fit(days, y, alpha=alpha, confidence=confidence)
    slope, half_width = fit["slope"], fit["half_width"]
    midpoint = 1.0 / (1.0 + np.exp(-float(np.mean(y))))
    to_pp = 100.0 * midpoint * (1.0 - midpoint)
    mk_variant, mk_p, mk_tau, sen = _mann_kendall(shares * 100.0)
    steps_per_year = DAYS_PER_YEAR / float(np.median(np.diff(days)))
    return {
        "n_intervals": int(days.size),
        **_first_and_last_year(days, shares),
        "robust": {
            "slope_logit_per_year": slope,
            "ci_low_logit": slope - half_width,
            "ci_high_logit": slope + half_width,
            "slope_pp_per_year": slope * to_pp,
            "ci_low": (slope - half_width) * to_pp,
            "ci_high": (slope + half_width) * to_pp,
            "midpoint_share_pct": midpoint * 100.0,
            "confidence": confidence,
            "p_value": fit["p_value"],
            "t": fit["t"],
            "park_j": fit["park_j"],
            "b": fit["b"],
            "scale": "empirical logit" if totals is not None else "logit",
        },
        "fixed_b_stationary_p": fit["fixed_b_stationary_p"],
        "mann_kendall": {
            "variant": mk_variant,
            "tau": mk_tau,
            "p_value": mk_p,
            "sen_slope_pp_per_year": sen * steps_per_year,
        },
    }


def growth_test(days: np.ndarray, values: np.ndarray, *, alpha: float = 0.05, confidence: float = 0.95) -> dict:
    """Test a positive level (downloads per interval) for a trend on the log scale, by the same robust test.

    The slope and its interval are carried from log units per year to percent growth per year, 100 (e^s - 1),
    exactly (the transformation is monotone)."""
    days, values = _checked(days, values)
    if (values <= 0).any():
        raise ValueError("growth_test: every value must be positive")
    fit = robust_fit(days, np.log(values), alpha=alpha, confidence=confidence)
    slope, half_width = fit["slope"], fit["half_width"]

    def percent(log_slope: float) -> float:
        return float(100.0 * np.expm1(log_slope))

    return {
        "n_intervals": int(days.size),
        "slope_log_per_year": slope,
        "growth_pct_per_year": percent(slope),
        "ci_low": percent(slope - half_width),
        "ci_high": percent(slope + half_width),
        "confidence": confidence,
        "p_value": fit["p_value"],
        "scale": "log",
    }


def year_means(days: np.ndarray, values: np.ndarray) -> tuple[float | None, float | None]:
    """Mean of the first and of the last 52 weeks, when the series spans two disjoint years; None otherwise."""
    if days[-1] - days[0] < 2 * 364:
        return None, None
    return float(np.mean(values[days < days[0] + 364])), float(np.mean(values[days > days[-1] - 364]))


def _first_and_last_year(days: np.ndarray, shares: np.ndarray) -> dict:
    first, last = year_means(days, shares * 100.0)
    return {"share_first_year_pct": first, "share_last_year_pct": last}


def _mann_kendall(values: np.ndarray) -> tuple[str, float, float, float]:
    """Mann-Kendall on the lag-1 pre-whitened series; Sen's slope of the original series.

    Pre-whitening is undefined for an exactly linear series (its residual
    variance is 0); the uncorrected test is then reported and named.
    """
    if np.ptp(values) == 0:
        return "pre-whitened", 1.0, 0.0, 0.0
    result = pymannkendall.pre_whitening_modification_test(values)
    variant = "pre-whitened"
    if not np.isfinite(result.p):
        result, variant = pymannkendall.original_test(values), "original (pre-whitening undefined)"
    sen = float(pymannkendall.sens_slope(values).slope)
    return variant, float(result.p), float(result.Tau), sen


def adjust_family(p_values: list[float], alpha: float) -> tuple[list[float], list[bool]]:
    """Benjamini-Yekutieli adjusted p-values and decisions at false discovery rate `alpha`.

    Benjamini-Hochberg needs positive regression dependence; shares of one
    total move against each other, so their tests are dependent with mixed
    signs, and Benjamini-Yekutieli, valid under any dependence, is used.
    """
    if not p_values:
        return [], []
    reject, adjusted, _, _ = multipletests(p_values, alpha=alpha, method="fdr_by")
    return [float(p) for p in adjusted], [bool(r) for r in reject]
