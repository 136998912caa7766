"""The family of headline tests: trend tests (`results/stats.json`) and period contrasts
(`results/tables/period_contrasts.csv`), adjusted together by Benjamini-Hochberg."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from statsmodels.stats.multitest import multipletests

from hubshare.contrasts import MIN_PER_PERIOD, contrast_test
from hubshare.periods import consecutive_periods
from hubshare.schemas import PeriodContrasts
from hubshare.trends import adjust_family, logit, trend_test

TESTED_VIEWS = ["uploader", "derived"]
CONCENTRATION_MEASURES = ["hhi", "gini"]
MIN_WEEKS = 10


def _days(weeks: pl.Series):
    return (weeks - weeks.min()).dt.total_days().to_numpy()


def headline_trends(weekly: pl.DataFrame, concentration: pl.DataFrame, series: list[dict],
                    alpha: float, confidence: float) -> dict:
    """Test every headline share series (and concentration) in every tested view."""
    results = []
    for view in TESTED_VIEWS:
        for item in series:
            rows = weekly.filter(
                (pl.col("view") == view) & (pl.col("dimension") == item["dimension"]) & (pl.col("group") == item["group"])
            ).sort("week")
            if rows.height == 0:
                raise ValueError(f"stats: no weekly series for {item['dimension']}={item['group']} in view {view}")
            results.append({"view": view, "dimension": item["dimension"], "group": item["group"],
                            **_tested(rows["week"], rows["share"], confidence)})
        rows = concentration.filter(pl.col("view") == view).sort("week")
        for measure in CONCENTRATION_MEASURES:
            results.append({"view": view, "dimension": "concentration", "group": measure,
                            **_tested(rows["week"], rows[measure], confidence)})
    tested = [r for r in results if "skipped" not in r]
    return {
        "alpha": alpha,
        "confidence": confidence,
        "method": (
            "OLS of the logit weekly share on time in years, Bartlett HAC variance with bandwidth equal to "
            "the sample size and fixed-b Monte Carlo p-values; effect size: OLS slope of the share in "
            "percentage points per year with a fixed-b interval; Mann-Kendall on the pre-whitened series "
            "and Sen's slope as corroboration; Benjamini-Hochberg across the family"
        ),
        "first_week": str(weekly["week"].min()),
        "last_week": str(weekly["week"].max()),
        "tests": adjust_family(tested, alpha),
        "skipped": [r for r in results if "skipped" in r],
    }


def _tested(weeks: pl.Series, values: pl.Series, confidence: float) -> dict:
    """The trend test of one series, or the reason it was not tested."""
    if weeks.len() < MIN_WEEKS:
        return {"n_weeks": weeks.len(), "skipped": f"{weeks.len()} snapshots; a trend test needs {MIN_WEEKS}"}
    return trend_test(_days(weeks), values.to_numpy(), confidence)


def contrast_pairs(periods: dict[str, tuple[dt.date, dt.date]]) -> list[tuple[str, str]]:
    """Each calendar period against the next, and the first against the last (when there are three or more)."""
    names = list(consecutive_periods(periods))
    pairs = list(zip(names[:-1], names[1:]))
    if len(names) > 2:
        pairs.append((names[0], names[-1]))
    return pairs


def headline_contrasts(weekly: pl.DataFrame, series: list[dict], periods: dict[str, tuple[dt.date, dt.date]],
                       confidence: float) -> pl.DataFrame:
    """Every headline series in every tested view, every contrast: one row each (untested ones say why).

    Weeks are placed on the grid of all weeks in `weekly`, at its median
    spacing, so that the noise model knows which weeks are adjacent. A week
    without a row for a group is a week in which the group had no downloads.
    """
    weeks = weekly.get_column("week").unique().sort()
    step = int(np.median(np.diff(weeks.to_numpy()).astype("timedelta64[D]").astype(int))) if weeks.len() > 1 else 7
    grid = pl.DataFrame({"week": weeks}).with_columns(
        ((pl.col("week") - weeks.min()).dt.total_days() / step).round().cast(pl.Int64).alias("position")
    )
    rows = []
    for view in TESTED_VIEWS:
        for item in series:
            shares = grid.join(
                weekly.filter((pl.col("view") == view) & (pl.col("dimension") == item["dimension"])
                              & (pl.col("group") == item["group"])).select("week", "share"),
                on="week", how="left",
            ).with_columns(pl.col("share").fill_null(0.0))
            for first, second in contrast_pairs(periods):
                parts = [shares.filter(pl.col("week").is_between(*periods[name], closed="both")) for name in (first, second)]
                row = {"view": view, "dimension": item["dimension"], "group": item["group"],
                       "contrast": f"{second} vs {first}", "first_period": first, "second_period": second,
                       "weeks_first": parts[0].height, "weeks_second": parts[1].height, "confidence": confidence}
                if min(part.height for part in parts) < MIN_PER_PERIOD:
                    rows.append({**row, "note": f"not tested: each period needs {MIN_PER_PERIOD} weeks"})
                    continue
                both = pl.concat(parts)
                result = contrast_test(both["position"].to_numpy(), both["share"].to_numpy(), parts[0].height,
                                       logit, confidence)
                rows.append({**row, **{k: result[k] for k in ("estimate_pp", "ci_low", "ci_high", "p_value",
                                                                "persistence")}, "note": ""})
    table = pl.DataFrame(rows, schema=CONTRAST_COLUMNS)
    return table


CONTRAST_COLUMNS = {
    "view": pl.String, "dimension": pl.String, "group": pl.String, "contrast": pl.String,
    "first_period": pl.String, "second_period": pl.String, "weeks_first": pl.Int64, "weeks_second": pl.Int64,
    "estimate_pp": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64, "confidence": pl.Float64,
    "p_value": pl.Float64, "persistence": pl.Float64, "note": pl.String,
}


def adjust_joint_family(stats: dict, contrasts: pl.DataFrame, alpha: float) -> tuple[dict, pl.DataFrame]:
    """Benjamini-Hochberg over the trend tests and the tested contrasts together; both outputs carry the result."""
    trend_p = [test["ols_hac"]["p_value"] for test in stats["tests"]]
    tested = contrasts.get_column("p_value").is_not_null()
    contrast_p = contrasts.filter(tested).get_column("p_value").to_list()
    p_values = trend_p + contrast_p
    adjusted, reject = [], []
    if p_values:
        reject, adjusted, _, _ = multipletests(p_values, alpha=alpha, method="fdr_bh")
    for test, p_adj, significant in zip(stats["tests"], adjusted[: len(trend_p)], reject[: len(trend_p)], strict=True):
        test["ols_hac"]["p_adjusted_bh"] = float(p_adj)
        test["ols_hac"]["significant"] = bool(significant)
    contrast_adjusted = iter(list(zip(adjusted[len(trend_p):], reject[len(trend_p):], strict=True)))
    values = [next(contrast_adjusted) if is_tested else (None, None) for is_tested in tested.to_list()]
    contrasts = contrasts.with_columns(
        pl.Series("p_adjusted_bh", [v[0] if v[0] is None else float(v[0]) for v in values], dtype=pl.Float64),
        pl.Series("significant", [v[1] if v[1] is None else bool(v[1]) for v in values], dtype=pl.Boolean),
    )
    stats["family"] = {
        "correction": "Benjamini-Hochberg",
        "alpha": alpha,
        "trend_tests": len(trend_p),
        "period_contrasts": len(contrast_p),
        "size": len(p_values),
    }
    stats["contrasts"] = {
        "method": (
            "difference of the two periods' mean weekly share (percentage points); tested on the logit share "
            "with an AR(1) plug-in standard error and a null distribution simulated for the design at a "
            "conservative (bias-corrected plus one standard deviation) persistence; Monte Carlo p-values"
        ),
        "tested": len(contrast_p),
        "not_tested": int((~tested).sum()),
        "significant": int(sum(bool(v[1]) for v in values if v[1] is not None)),
    }
    return stats, PeriodContrasts.validate(contrasts)
