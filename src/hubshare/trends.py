"""Trend tests for weekly share series.

Weekly download shares are strongly autocorrelated, so tests that assume
independent weeks, or Newey-West errors with a short lag window, reject a true
null far more often than their nominal level. For each series y_t (a share in
[0, 1], t in years since the first week):

1. Primary test: OLS of logit(y) on t with a heteroskedasticity- and
   autocorrelation-robust variance using the Bartlett kernel with bandwidth
   equal to the sample size, judged against its fixed-b null distribution
   (Kiefer and Vogelsang), which is simulated here once per series length
   with a fixed seed. The p-value is a Monte Carlo p-value, (k + 1)/(N + 1).
2. Effect size: the OLS slope of y in percentage points per year, with a
   confidence interval from the same fixed-b critical value.
3. Corroboration: the Mann-Kendall test on the series pre-whitened for lag-1
   autocorrelation (Kulkarni and von Storch), with Sen's slope.
4. Benjamini-Hochberg adjusted p-values across the family, for the primary test.

The calibration study (`hubshare.calibration`) measures the false-positive
rate of both tests under a planted null.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pymannkendall
from statsmodels.stats.multitest import multipletests

DAYS_PER_YEAR = 365.25
NULL_DRAWS = 20_000
NULL_SEED = 20251203
LOGIT_FLOOR = 1e-6  # keeps logit finite for shares of exactly 0 or 1


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


@lru_cache(maxsize=32)
def _null_abs_t(n: int) -> np.ndarray:
    """Sorted |t| under the null for n equally spaced weeks.

    The fixed-b limit is pivotal (free of the errors' autocorrelation), so
    i.i.d. normal draws give it; missing weeks would change it slightly.
    """
    rng = np.random.default_rng(NULL_SEED)
    slopes, errors = fixed_b_slopes(rng.standard_normal((NULL_DRAWS, n)), np.arange(n, dtype=float))
    return np.sort(np.abs(slopes / errors))


def fixed_b_p_value(t_stat: float, n: int) -> float:
    null = _null_abs_t(n)
    exceed = null.size - np.searchsorted(null, abs(t_stat), side="left")
    return float((exceed + 1) / (null.size + 1))


def fixed_b_critical_value(n: int, confidence: float) -> float:
    return float(np.quantile(_null_abs_t(n), confidence))


def logit(shares: np.ndarray) -> np.ndarray:
    clipped = np.clip(shares, LOGIT_FLOOR, 1 - LOGIT_FLOOR)
    return np.log(clipped / (1 - clipped))


def trend_test(days: np.ndarray, shares: np.ndarray, confidence: float = 0.95) -> dict:
    """Test one series; `days` are days since the first week, `shares` in [0, 1]."""
    days = np.asarray(days, dtype=float)
    shares = np.asarray(shares, dtype=float)
    if days.shape != shares.shape:
        raise ValueError("trend_test: days and shares must be aligned")
    if days.size < 10:
        raise ValueError("trend_test: need at least 10 observations")
    years = days / DAYS_PER_YEAR
    n = days.size
    if np.ptp(shares) == 0:
        # A constant series has no trend; its standard error is 0/0.
        slope, low, high, p_primary = 0.0, 0.0, 0.0, 1.0
        mk_variant, mk_p, mk_tau, sen = "pre-whitened", 1.0, 0.0, 0.0
    else:
        logit_slope, logit_error = (float(v[0]) for v in fixed_b_slopes(logit(shares), years))
        t_stat = np.inf if logit_error == 0 else logit_slope / logit_error
        p_primary = fixed_b_p_value(t_stat, n)
        pp_slope, pp_error = (float(v[0]) for v in fixed_b_slopes(shares * 100.0, years))
        half_width = fixed_b_critical_value(n, confidence) * pp_error
        slope, low, high = pp_slope, pp_slope - half_width, pp_slope + half_width
        mk_variant, mk_p, mk_tau, sen = _mann_kendall(shares * 100.0)
    steps_per_year = DAYS_PER_YEAR / float(np.median(np.diff(days)))
    first_year = days < days[0] + 364
    last_year = days > days[-1] - 364
    return {
        "n_weeks": int(n),
        "share_first_year_pct": float(np.mean(shares[first_year]) * 100.0),
        "share_last_year_pct": float(np.mean(shares[last_year]) * 100.0),
        "ols_hac": {
            "slope_pp_per_year": float(slope),
            "ci_low": float(low),
            "ci_high": float(high),
            "confidence": confidence,
            "p_value": float(p_primary),
            "kernel": "Bartlett",
            "bandwidth": int(n),
            "test_scale": "logit",
        },
        "mann_kendall": {
            "variant": mk_variant,
            "tau": mk_tau,
            "p_value": mk_p,
            "sen_slope_pp_per_year": sen * steps_per_year,
        },
    }


def _mann_kendall(values: np.ndarray) -> tuple[str, float, float, float]:
    """Mann-Kendall on the lag-1 pre-whitened series; Sen's slope of the original series.

    Pre-whitening is undefined for an exactly linear series (its residual
    variance is 0); the uncorrected test is then reported and named.
    """
    result = pymannkendall.pre_whitening_modification_test(values)
    variant = "pre-whitened"
    if not np.isfinite(result.p):
        result, variant = pymannkendall.original_test(values), "original (pre-whitening undefined)"
    sen = float(pymannkendall.sens_slope(values).slope)
    return variant, float(result.p), float(result.Tau), sen


def adjust_family(results: list[dict], alpha: float) -> list[dict]:
    """Add Benjamini-Hochberg adjusted p-values (primary test) and the decision at `alpha`."""
    p_values = [r["ols_hac"]["p_value"] for r in results]
    if not p_values:
        return results
    reject, adjusted, _, _ = multipletests(p_values, alpha=alpha, method="fdr_bh")
    for result, p_adj, significant in zip(results, adjusted, reject, strict=True):
        result["ols_hac"]["p_adjusted_bh"] = float(p_adj)
        result["ols_hac"]["significant"] = bool(significant)
    return results
