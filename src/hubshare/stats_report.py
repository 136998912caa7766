"""The family of headline trend tests, assembled into `results/stats.json`."""

from __future__ import annotations

import polars as pl

from hubshare.trends import adjust_family, trend_test

TESTED_VIEWS = ["uploader", "derived"]
CONCENTRATION_MEASURES = ["hhi", "gini"]


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
            result = trend_test(_days(rows["week"]), rows["share"].to_numpy(), confidence)
            results.append({"view": view, "dimension": item["dimension"], "group": item["group"], **result})
        rows = concentration.filter(pl.col("view") == view).sort("week")
        for measure in CONCENTRATION_MEASURES:
            result = trend_test(_days(rows["week"]), rows[measure].to_numpy(), confidence)
            results.append({"view": view, "dimension": "concentration", "group": measure, **result})
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
        "tests": adjust_family(results, alpha),
    }
