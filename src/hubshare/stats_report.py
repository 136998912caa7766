"""The family of headline trend tests, assembled into `results/stats.json`."""

from __future__ import annotations

import polars as pl

from hubshare.trends import adjust_family, trend_test

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
        return {"n_weeks": weeks.len(), "skipped": f"{weeks.len()} weekly values; a trend test needs {MIN_WEEKS}"}
    return trend_test(_days(weeks), values.to_numpy(), confidence)
