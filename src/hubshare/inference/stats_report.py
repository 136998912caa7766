"""The headline tests: trend tests (`results/stats.json`) and period contrasts
(`results/tables/period_contrasts.csv`), each its own Benjamini-Yekutieli family.

Independent information only. A test reads one value per non-overlapping
download interval: with the `alltime_diff` measure every snapshot interval;
with `rolling30` one snapshot in every 30 days (the last one and, going back,
each snapshot at least 30 days before the one kept after it), so that each
value is the share of a 30-day count whose window overlaps no other. A series
with fewer than `min_intervals` such values is "not tested", with the reason,
and no slope is reported for it.

One family, no duplicates. A headline series whose counts equal those of a
series already tested in the same view (the unaffiliated users are the same
downloads under both dimensions) is tested once; the duplicate is listed
with the series it repeats. The trend tests and the contrasts ask different
questions of the same series, so each is its own family.
"""

from __future__ import annotations

import datetime as dt
import logging
from itertools import pairwise
from pathlib import Path

import numpy as np
import polars as pl

from hubshare.analysis.shares import ordered_sum
from hubshare.contracts.result_tables import PeriodContrasts
from hubshare.inference.contrasts import MIN_PER_PERIOD, contrast_test, period_labels
from hubshare.inference.trends import FAMILY_CORRECTION, adjust_family, trend_test
from hubshare.jobs.atomic import write_csv, write_json
from hubshare.panel.thirty_day import MEASURE as ROLLING_MEASURE
from hubshare.panel.thirty_day import WINDOW_DAYS
from hubshare.periods import consecutive_periods

log = logging.getLogger(__name__)

TESTED_VIEWS = ["uploader", "derived"]
CONCENTRATION_MEASURES = ["hhi", "gini"]
TREND_METHOD = (
    "OLS of the empirical logit of the weekly share on time in years; the t statistic with a Bartlett HAC "
    "variance (bandwidth equal to the sample size) scaled by exp(-b J), J being Park's J(1, 9) statistic and b "
    "chosen so that the test has its level under both stationary and integrated noise; Monte Carlo p-value, the "
    "larger of the two; the slope and its interval on the logit scale, carried to percentage points per year by "
    "the delta method at the midpoint share; Benjamini-Yekutieli across the trend tests"
)
CONTRAST_METHOD = (
    "difference of the two periods' mean empirical logit share, with a median-unbiased AR(1) plug-in standard "
    "error (Welch-type: each period its own scale), the persistence read from every period of the series around "
    "its own line; null distributions simulated for the whole series' design under AR(1) noise up to 0.998, a "
    "random walk and fractional noise, read at the least favourable model of a 90% confidence set placed by the "
    "series' lag-1 and lag-13 autocorrelations; Monte Carlo p-values; the interval carried to percentage points "
    "at the first period's level; Benjamini-Yekutieli across the contrasts"
)


def independent_weeks(weeks: pl.Series, measure: str) -> pl.Series:
    """The snapshots whose download intervals do not overlap (see the module docstring), in time order."""
    ordered = weeks.unique().sort()
    if measure != ROLLING_MEASURE or ordered.len() == 0:
        return ordered
    kept = [ordered[-1]]
    for week in reversed(ordered.to_list()[:-1]):
        if (kept[-1] - week).days >= WINDOW_DAYS:
            kept.append(week)
    return pl.Series(ordered.name, kept[::-1], dtype=ordered.dtype)


def series_counts(weekly: pl.DataFrame, weeks: pl.Series, view: str, dimension: str, group: str) -> pl.DataFrame:
    """week, downloads (0 in a week without a row: the group had none), total of the view's dimension that week."""
    rows = weekly.filter((pl.col("view") == view) & (pl.col("dimension") == dimension))
    totals = rows.group_by("week").agg(ordered_sum().alias("total"))
    found = rows.filter(pl.col("group") == group).select("week", "downloads")
    return (
        pl.DataFrame({"week": weeks})
        .join(found, on="week", how="left")
        .join(totals, on="week", how="left")
        .with_columns(pl.col("downloads", "total").fill_null(0.0))
    )


def _days(weeks: pl.Series) -> np.ndarray:
    return (weeks - weeks.min()).dt.total_days().to_numpy()


def _not_tested(n: int, min_intervals: int, measure: str) -> str | None:
    if n >= min_intervals:
        return None
    unit = "non-overlapping 30-day blocks" if measure == ROLLING_MEASURE else "download intervals"
    return f"{n} {unit}; a test needs {min_intervals}"


def headline_trends(
    weekly: pl.DataFrame,
    concentration: pl.DataFrame,
    series: list[dict],
    *,
    measure: str,
    min_intervals: int,
    alpha: float,
    confidence: float,
) -> dict:
    """Test every distinct headline share series (and concentration) in every tested view."""
    weeks = independent_weeks(weekly.get_column("week"), measure)
    reason = _not_tested(weeks.len(), min_intervals, measure)
    results, duplicates = [], []
    for view in TESTED_VIEWS:
        seen: dict[tuple, str] = {}
        for item in series:
            dimension, group = item["dimension"], item["group"]
            if (
                weekly.filter(
                    (pl.col("view") == view) & (pl.col("dimension") == dimension) & (pl.col("group") == group)
                ).height
                == 0
            ):
                # A configured group the input never credits (no Chinese developer in a national series, say).
                results.append(
                    {
                        "view": view,
                        "dimension": dimension,
                        "group": group,
                        "n_intervals": 0,
                        "skipped": "no downloads credited to this group in the input",
                    }
                )
                continue
            counts = series_counts(weekly, weeks, view, dimension, group)
            key = tuple(counts["downloads"].to_list())
            if key in seen:
                duplicates.append({"view": view, "dimension": dimension, "group": group, "same_as": seen[key]})
                continue
            seen[key] = f"{dimension}/{group}"
            entry = {"view": view, "dimension": dimension, "group": group, "n_intervals": counts.height}
            if reason:
                results.append({**entry, "skipped": reason})
                continue
            results.append(
                {
                    **entry,
                    **trend_test(
                        _days(counts["week"]),
                        counts["downloads"].to_numpy(),
                        totals=counts["total"].to_numpy(),
                        alpha=alpha,
                        confidence=confidence,
                    ),
                }
            )
        rows = pl.DataFrame({"week": weeks}).join(concentration.filter(pl.col("view") == view), on="week", how="inner")
        for measure_name in CONCENTRATION_MEASURES:
            entry = {"view": view, "dimension": "concentration", "group": measure_name, "n_intervals": rows.height}
            if reason:
                results.append({**entry, "skipped": reason})
                continue
            results.append(
                {
                    **entry,
                    **trend_test(
                        _days(rows["week"]), rows[measure_name].to_numpy(), alpha=alpha, confidence=confidence
                    ),
                }
            )
    tested = [r for r in results if "skipped" not in r]
    adjusted, significant = adjust_family([r["robust"]["p_value"] for r in tested], alpha)
    for result, p_adj, decision in zip(tested, adjusted, significant, strict=True):
        result["robust"]["p_adjusted"] = p_adj
        result["robust"]["significant"] = decision
    return {
        "alpha": alpha,
        "confidence": confidence,
        "method": TREND_METHOD,
        "measure": measure,
        "min_intervals": min_intervals,
        "intervals": weeks.len(),
        "first_week": str(weeks.min()) if weeks.len() else None,
        "last_week": str(weeks.max()) if weeks.len() else None,
        "family": {"correction": FAMILY_CORRECTION, "alpha": alpha, "size": len(tested)},
        "tests": tested,
        "skipped": [r for r in results if "skipped" in r],
        "duplicates": duplicates,
    }


def contrast_pairs(periods: dict[str, tuple[dt.date, dt.date]]) -> list[tuple[str, str]]:
    """Each calendar period against the next, and the first against the last (when there are three or more)."""
    names = list(consecutive_periods(periods))
    pairs = list(pairwise(names))
    if len(names) > 2:
        pairs.append((names[0], names[-1]))
    return pairs


def headline_contrasts(
    weekly: pl.DataFrame,
    series: list[dict],
    periods: dict[str, tuple[dt.date, dt.date]],
    *,
    measure: str,
    duplicates: list[dict],
    confidence: float,
) -> pl.DataFrame:
    """Every distinct headline series in every tested view, every contrast: one row each (untested ones say why).

    Values are placed on the grid of the non-overlapping intervals at their
    median spacing, so that the noise model knows which are adjacent; every
    period of the contrasts places the noise of each of them.
    `duplicates`: the series `headline_trends` found to repeat another, left out here too.
    """
    weeks = independent_weeks(weekly.get_column("week"), measure)
    step = int(np.median(np.diff(weeks.to_numpy()).astype("timedelta64[D]").astype(int))) if weeks.len() > 1 else 7
    repeated = {(d["view"], d["dimension"], d["group"]) for d in duplicates}
    pairs = contrast_pairs(periods)
    names, labels = period_labels(weeks.to_numpy(), periods, pairs)
    rows = []
    for view in TESTED_VIEWS:
        for item in series:
            if (view, item["dimension"], item["group"]) in repeated:
                continue
            counts = series_counts(weekly, weeks, view, item["dimension"], item["group"]).with_columns(
                ((pl.col("week") - weeks.min()).dt.total_days() / step).round().cast(pl.Int64).alias("position")
            )
            for first, second in pairs:
                sizes = [int(np.sum(labels == names.index(name))) for name in (first, second)]
                row = {
                    "view": view,
                    "dimension": item["dimension"],
                    "group": item["group"],
                    "contrast": f"{second} vs {first}",
                    "first_period": first,
                    "second_period": second,
                    "weeks_first": sizes[0],
                    "weeks_second": sizes[1],
                    "confidence": confidence,
                }
                if min(sizes) < MIN_PER_PERIOD:
                    rows.append(
                        {**row, "note": f"not tested: each period needs {MIN_PER_PERIOD} non-overlapping intervals"}
                    )
                    continue
                result = contrast_test(
                    counts["position"].to_numpy(),
                    counts["downloads"].to_numpy(),
                    counts["total"].to_numpy(),
                    labels,
                    (names.index(first), names.index(second)),
                    confidence,
                )
                rows.append({**row, **result, "note": ""})
    return pl.DataFrame(rows, schema=CONTRAST_COLUMNS)


CONTRAST_COLUMNS = {
    "view": pl.String,
    "dimension": pl.String,
    "group": pl.String,
    "contrast": pl.String,
    "first_period": pl.String,
    "second_period": pl.String,
    "weeks_first": pl.Int64,
    "weeks_second": pl.Int64,
    "estimate_logit": pl.Float64,
    "ci_low_logit": pl.Float64,
    "ci_high_logit": pl.Float64,
    "estimate_pp": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "confidence": pl.Float64,
    "p_value": pl.Float64,
    "persistence": pl.Float64,
    "null_model": pl.String,
    "note": pl.String,
}


def adjust_contrast_family(stats: dict, contrasts: pl.DataFrame, alpha: float) -> tuple[dict, pl.DataFrame]:
    """Benjamini-Yekutieli over the tested contrasts; stats.json records the family beside the trend tests'."""
    tested = contrasts.get_column("p_value").is_not_null()
    adjusted, reject = adjust_family(contrasts.filter(tested).get_column("p_value").to_list(), alpha)
    values = iter(zip(adjusted, reject, strict=True))
    pairs = [next(values) if is_tested else (None, None) for is_tested in tested.to_list()]
    contrasts = contrasts.with_columns(
        pl.Series("p_adjusted", [p for p, _ in pairs], dtype=pl.Float64),
        pl.Series("significant", [s for _, s in pairs], dtype=pl.Boolean),
    )
    stats["contrasts"] = {
        "method": CONTRAST_METHOD,
        "family": {"correction": FAMILY_CORRECTION, "alpha": alpha, "size": len(adjusted)},
        "tested": len(adjusted),
        "not_tested": int((~tested).sum()),
        "significant": int(sum(reject)),
    }
    return stats, PeriodContrasts.validate(contrasts)


def trend_tests_file(
    weekly: str | Path,
    concentration: str | Path,
    settings: dict,
    periods: dict[str, tuple[dt.date, dt.date]],
    measure: str,
    outputs: dict[str, str | Path],
) -> tuple[dict, pl.DataFrame]:
    """File-to-file form: the weekly shares and concentration -> `stats.json` and the period contrasts
    (`outputs`: `stats`, `contrasts`), the trends and the contrasts each one Benjamini-Yekutieli family.

    `settings`: `headline_series`, `alpha`, `confidence` and `min_intervals` of the `stats` configuration.
    """
    shares = pl.read_parquet(weekly)
    stats = headline_trends(
        shares,
        pl.read_parquet(concentration),
        settings["headline_series"],
        measure=measure,
        min_intervals=settings["min_intervals"],
        alpha=settings["alpha"],
        confidence=settings["confidence"],
    )
    contrasts = headline_contrasts(
        shares,
        settings["headline_series"],
        periods,
        measure=measure,
        duplicates=stats["duplicates"],
        confidence=settings["confidence"],
    )
    stats, contrasts = adjust_contrast_family(stats, contrasts, settings["alpha"])
    write_json(stats, outputs["stats"])
    write_csv(contrasts, outputs["contrasts"])
    log.info(
        "%d trend tests (%d not tested), %d period contrasts tested",
        len(stats["tests"]),
        len(stats["skipped"]),
        stats["contrasts"]["tested"],
    )
    return stats, contrasts
