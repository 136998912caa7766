"""Trend tests for weekly share series.

For each series y_t (a weekly download share, t in years since the first week):

1. Primary: OLS of y on t with Newey-West (HAC) standard errors, lag length
   floor(4 (n/100)^(2/9)); effect size = slope in percentage points per year,
   with its confidence interval and two-sided p-value.
2. Corroborating: the Mann-Kendall test with the Hamed-Rao variance
   correction for autocorrelated series, and Sen's slope.
3. Benjamini-Hochberg adjusted p-values across the family of series tested,
   for the primary test.
"""

from __future__ import annotations

import math

import numpy as np
import pymannkendall
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

DAYS_PER_YEAR = 365.25


def newey_west_lags(n: int) -> int:
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def trend_test(days: np.ndarray, shares: np.ndarray, confidence: float = 0.95) -> dict:
    """Test one series; `days` are days since the first week, `shares` in [0, 1]."""
    days = np.asarray(days, dtype=float)
    shares = np.asarray(shares, dtype=float)
    if days.shape != shares.shape or days.size < 10:
        raise ValueError("trend_test: need at least 10 aligned observations")
    years = days / DAYS_PER_YEAR
    lags = newey_west_lags(days.size)
    design = sm.add_constant(years)
    if np.ptp(shares) == 0:
        # A constant series has no trend; the regression's p-value would be 0/0 or rounding noise.
        slope, low, high, p_ols = 0.0, 0.0, 0.0, 1.0
        mk_variant, mk_p, mk_tau, sen = "Hamed-Rao modified", 1.0, 0.0, 0.0
    else:
        fit = sm.OLS(shares * 100.0, design).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        slope, p_ols = float(fit.params[1]), float(fit.pvalues[1])
        low, high = fit.conf_int(alpha=1 - confidence)[1]
        mk_variant, mk_p, mk_tau, sen = _mann_kendall(shares * 100.0)
    steps_per_year = DAYS_PER_YEAR / float(np.median(np.diff(days)))
    first_year = days < days[0] + 364
    last_year = days > days[-1] - 364
    return {
        "n_weeks": int(days.size),
        "share_first_year_pct": float(np.mean(shares[first_year]) * 100.0),
        "share_last_year_pct": float(np.mean(shares[last_year]) * 100.0),
        "ols_hac": {
            "slope_pp_per_year": slope,
            "ci_low": float(low),
            "ci_high": float(high),
            "confidence": confidence,
            "p_value": p_ols,
            "maxlags": lags,
        },
        "mann_kendall": {
            "variant": mk_variant,
            "tau": mk_tau,
            "p_value": mk_p,
            "sen_slope_pp_per_year": sen * steps_per_year,
        },
    }


def _mann_kendall(values: np.ndarray) -> tuple[str, float, float, float]:
    """Hamed-Rao corrected Mann-Kendall; the uncorrected test where the correction is undefined.

    The correction's variance estimate can turn negative (p = nan) on short, almost
    noiseless monotone series; the uncorrected test is then reported and named.
    """
    result = pymannkendall.hamed_rao_modification_test(values)
    variant = "Hamed-Rao modified"
    if not np.isfinite(result.p):
        result, variant = pymannkendall.original_test(values), "original (Hamed-Rao undefined)"
    return variant, float(result.p), float(result.Tau), float(result.slope)


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
