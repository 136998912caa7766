"""Trend tests of the series below the level of groups (`hubshare.analysis.model_series`).

The same robust test as the headline trends (`hubshare.inference.trends`), on
the same independent information: one value per non-overlapping download
interval, and below `min_intervals` such values a series is "not tested",
with the reason, and no slope. Scales: a namespace's share on the empirical
logit of its downloads out of the total (as a group's share), the HHI and the
largest model's share on their logit (as the concentration over
organisations), and the level of downloads on its logarithm, its slope given
as percent growth per year. The effective number of models is 1 / HHI, so it
is not tested a second time.

Which namespace shares: every namespace's, except that of two namespaces only
the larger's is tested (the other's share is its complement, and its test the
same test). A series of the models present throughout needs two such models
(one model's share of itself is 1). The tested series form one
Benjamini-Yekutieli family of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from hubshare.analysis.model_series import model_series_file
from hubshare.analysis.shares import ordered_sum
from hubshare.contracts.result_tables import ModelTrends
from hubshare.inference.trends import MIN_OBSERVATIONS, adjust_family, growth_test, trend_test, year_means
from hubshare.jobs.atomic import write_csv

log = logging.getLogger(__name__)

UNITS = {
    "namespace_share": "percentage points",
    "top_model_share": "percentage points",
    "hhi": "HHI",
    "downloads": "percent",
}
MODEL_TRENDS_COLUMNS = {
    "variant": pl.String,
    "series": pl.String,
    "subject": pl.String,
    "n_intervals": pl.Int64,
    "models": pl.Int64,
    "first_year": pl.Float64,
    "last_year": pl.Float64,
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "unit": pl.String,
    "p_value": pl.Float64,
    "p_adjusted": pl.Float64,
    "significant": pl.Boolean,
    "note": pl.String,
}


def namespaces_tested(series: pl.DataFrame) -> list[str]:
    """The namespaces whose shares are tested (see the module docstring), largest first."""
    shares = (
        series.filter((pl.col("variant") == "all") & (pl.col("series") == "namespace_share"))
        .group_by("subject")
        .agg(ordered_sum())
        .sort(["downloads", "subject"], descending=[True, False])
        .get_column("subject")
        .to_list()
    )
    return shares[:1] if len(shares) == 2 else shares


def _not_tested(rows: pl.DataFrame, name: str, min_intervals: int) -> str:
    needed = max(min_intervals, MIN_OBSERVATIONS)
    if rows.height < needed:
        return f"not tested: {rows.height} non-overlapping intervals; a test needs {needed}"
    if name != "downloads" and rows["models"][0] < 2:
        return "not tested: one model only"
    if name == "namespace_share" and rows["downloads"].sum() == 0:
        return "not tested: no downloads of this namespace among these models"
    return ""


def _test(rows: pl.DataFrame, name: str, alpha: float, confidence: float) -> dict:
    days = (rows["week"] - rows["week"].min()).dt.total_days().to_numpy().astype(float)
    if name == "downloads":
        result = growth_test(days, rows["value"].to_numpy(), alpha=alpha, confidence=confidence)
        return {k: result[k] for k in ("ci_low", "ci_high", "p_value")} | {"estimate": result["growth_pct_per_year"]}
    if name == "namespace_share":
        result = trend_test(
            days, rows["downloads"].to_numpy(), totals=rows["total"].to_numpy(), alpha=alpha, confidence=confidence
        )
    else:
        result = trend_test(days, rows["value"].to_numpy(), alpha=alpha, confidence=confidence)
    robust = result["robust"]
    # The logit tests carry their slopes to percentage points; the HHI is given in its own units (0-1).
    scale = 0.01 if name == "hhi" else 1.0
    return {
        "estimate": robust["slope_pp_per_year"] * scale,
        "ci_low": robust["ci_low"] * scale,
        "ci_high": robust["ci_high"] * scale,
        "p_value": robust["p_value"],
    }


def model_trends(series: pl.DataFrame, *, min_intervals: int, alpha: float, confidence: float) -> pl.DataFrame:
    """One row per variant and series (and tested namespace), tested or saying why not; BY-adjusted."""
    namespaces = namespaces_tested(series)
    rows = []
    for variant in ("all", "throughout"):
        for name in UNITS:
            for subject in namespaces if name == "namespace_share" else [""]:
                values = series.filter(
                    (pl.col("variant") == variant) & (pl.col("series") == name) & (pl.col("subject") == subject)
                ).sort("week")
                if values.height == 0:
                    continue
                days = (values["week"] - values["week"].min()).dt.total_days().to_numpy().astype(float)
                first, last = year_means(days, values["value"].to_numpy())
                note = _not_tested(values, name, min_intervals)
                row = {
                    "variant": variant,
                    "series": name,
                    "subject": subject,
                    "n_intervals": values.height,
                    "models": int(values["models"][0]),
                    "first_year": first,
                    "last_year": last,
                    "unit": UNITS[name] if not note else "",
                    "note": note,
                }
                rows.append(row if note else row | _test(values, name, alpha, confidence))
    table = pl.DataFrame(
        rows, schema={k: v for k, v in MODEL_TRENDS_COLUMNS.items() if k not in ("p_adjusted", "significant")}
    )
    tested = table.get_column("p_value").is_not_null().to_numpy()
    adjusted, reject = adjust_family(table.filter(pl.col("p_value").is_not_null())["p_value"].to_list(), alpha)
    p_adjusted = np.full(table.height, np.nan)
    p_adjusted[tested] = adjusted
    decisions: list[bool | None] = [None] * table.height
    for index, decision in zip(np.flatnonzero(tested), reject, strict=True):
        decisions[index] = decision
    table = table.with_columns(
        pl.Series("p_adjusted", p_adjusted).fill_nan(None),
        pl.Series("significant", decisions, dtype=pl.Boolean),
    )
    return ModelTrends.validate(table.select(list(MODEL_TRENDS_COLUMNS)).cast(MODEL_TRENDS_COLUMNS))


def model_trends_file(
    panel_files: Sequence[str | Path], capabilities: str | Path, settings: Mapping, outputs: Mapping[str, str | Path]
) -> pl.DataFrame:
    """File-to-file form: the panel's weeks -> the model series (`outputs`' `series`, by `model_series_file`) and
    their tests (`trends`).

    `settings`: the panel's `measure`, and `min_intervals`, `alpha` and `confidence` of the `stats` configuration.
    """
    series = model_series_file(panel_files, settings["measure"], capabilities, outputs["series"])
    trends = model_trends(
        series, min_intervals=settings["min_intervals"], alpha=settings["alpha"], confidence=settings["confidence"]
    )
    write_csv(trends, outputs["trends"])
    log.info(
        "%d series values; %d series tested, %d not",
        series.height,
        trends["p_value"].is_not_null().sum(),
        trends["p_value"].is_null().sum(),
    )
    return trends


def read_model_trends(path: str | Path) -> pl.DataFrame:
    """`model_trends.csv` as written (a CSV keeps no difference between an empty text and a missing one)."""
    table = pl.read_csv(path, schema=MODEL_TRENDS_COLUMNS)
    return ModelTrends.validate(table.with_columns(pl.col("subject", "unit", "note").fill_null("")))
