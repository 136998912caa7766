"""Series below the level of groups: what the downloads of a few namespaces support over time.

Shares of countries, developer types and organisations describe an ecosystem
only when the input holds many namespaces (`hubshare.manuscript.scope`); in an
input of a few namespaces (one organisation's models, say) every such share
is 100% or close to it. The input's own downloads still support three kinds of
series, one value per non-overlapping download interval (the snapshots
`hubshare.inference.stats_report.independent_weeks` keeps):

- `namespace_share`: each namespace's share of the downloads;
- concentration among models: `hhi`, the Herfindahl-Hirschman index over
  models (the sum of their squared shares), `top_model_share`, the largest
  model's share, and `effective_models`, 1 / HHI, the number of equally
  downloaded models that would give the same index;
- `downloads`: the level, the downloads of all models per 30 days.

Rates, so that intervals of different lengths compare: a model's value in an
interval is its downloads divided by the days they cover, times 30. For
`rolling30` rows that is the 30-day count itself, whatever the spacing of the
snapshots (the panel books count x min(days, 30) / 30 of it); for
`alltime_diff` rows the increase over the interval scaled to 30 days.

Composition. When the input is a list, models enter and leave it, and a
series moves with them as well as with the downloads of the models listed.
Every series is therefore computed twice (`variant`): over all models with
downloads in the interval (`all`), and over the models present throughout
(`throughout`: those with downloads in every kept interval), a fixed set whose
series no entry or exit can move.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.capabilities import MIN_NAMESPACES
from hubshare.analysis.shares import ordered_sum
from hubshare.contracts.result_tables import ModelSeries
from hubshare.inference.stats_report import independent_weeks
from hubshare.jobs.atomic import read_json, write_csv
from hubshare.panel.thirty_day import MEASURE as ROLLING_MEASURE
from hubshare.panel.thirty_day import WINDOW_DAYS

VARIANTS = ("all", "throughout")
SERIES = ("namespace_share", "hhi", "top_model_share", "effective_models", "downloads")
MODEL_SERIES_COLUMNS = {
    "variant": pl.String,
    "week": pl.Date,
    "series": pl.String,
    "subject": pl.String,
    "value": pl.Float64,
    "downloads": pl.Float64,
    "total": pl.Float64,
    "models": pl.Int64,
}


def model_rates(panel: pl.DataFrame, measure: str) -> pl.DataFrame:
    """`week, model_key, namespace, rate` (downloads per 30 days) at the non-overlapping intervals only."""
    kept = independent_weeks(panel.get_column("week"), measure)
    covered = (
        pl.when(pl.col("measure") == ROLLING_MEASURE)
        .then(pl.min_horizontal(pl.col("interval_days"), pl.lit(WINDOW_DAYS)))
        .otherwise(pl.col("interval_days"))
    )
    return (
        panel.filter(pl.col("week").is_in(kept.implode()))
        .with_columns((pl.col("downloads") * WINDOW_DAYS / covered).alias("rate"))
        .group_by("week", "model_key")
        # A model keeps its last namespace of the interval; the panel has one row per model and week.
        .agg(pl.col("namespace").last().fill_null(""), ordered_sum("rate"))
        .sort("week", "model_key")
    )


def _present_throughout(rates: pl.DataFrame) -> pl.DataFrame:
    weeks = rates.get_column("week").n_unique()
    steady = rates.group_by("model_key").agg(pl.len().alias("n")).filter(pl.col("n") == weeks)
    return rates.join(steady.select("model_key"), on="model_key", how="semi")


def _variant_series(rates: pl.DataFrame, namespaces: list[str]) -> pl.DataFrame:
    """Every series of one variant: one row per week (and namespace for the shares)."""
    models = rates.get_column("model_key").n_unique()
    per_week = (
        rates.group_by("week")
        .agg(
            ordered_sum("rate").alias("total"),
            ordered_sum(pl.col("rate") ** 2).alias("squares"),
            pl.col("rate").max().alias("largest"),
        )
        .with_columns((pl.col("squares") / pl.col("total") ** 2).alias("hhi"))
    )
    level = [
        per_week.select(
            "week",
            pl.lit(name).alias("series"),
            pl.lit("").alias("subject"),
            value.alias("value"),
            pl.lit(None, pl.Float64).alias("downloads"),
            "total",
        )
        for name, value in (
            ("hhi", pl.col("hhi")),
            ("top_model_share", pl.col("largest") / pl.col("total")),
            ("effective_models", 1 / pl.col("hhi")),
            ("downloads", pl.col("total")),
        )
    ]
    grid = per_week.select("week", "total").join(pl.DataFrame({"subject": namespaces}), how="cross")
    by_namespace = rates.group_by("week", pl.col("namespace").alias("subject")).agg(ordered_sum("rate"))
    shares = (
        grid.join(by_namespace, on=["week", "subject"], how="left")
        .with_columns(pl.col("rate").fill_null(0.0))
        .select(
            "week",
            pl.lit("namespace_share").alias("series"),
            "subject",
            (pl.col("rate") / pl.col("total")).alias("value"),
            pl.col("rate").alias("downloads"),
            "total",
        )
    )
    return pl.concat([shares, *level]).with_columns(pl.lit(models, pl.Int64).alias("models"))


def model_series(panel: pl.DataFrame, measure: str) -> pl.DataFrame:
    """The series of the module docstring, for both variants (a variant without models has no rows)."""
    rates = model_rates(panel, measure).filter(pl.col("rate") > 0)
    namespaces = sorted(rates.get_column("namespace").unique().to_list())
    parts = []
    for variant, rows in (("all", rates), ("throughout", _present_throughout(rates))):
        if rows.height:
            parts.append(_variant_series(rows, namespaces).with_columns(pl.lit(variant).alias("variant")))
    table = pl.concat(parts) if parts else pl.DataFrame(schema=MODEL_SERIES_COLUMNS)
    return ModelSeries.validate(
        table.select(list(MODEL_SERIES_COLUMNS)).cast(MODEL_SERIES_COLUMNS).sort("variant", "series", "subject", "week")
    )


def model_series_file(
    panel_files: Sequence[str | Path], measure: str, capabilities: str | Path, output: str | Path
) -> pl.DataFrame:
    """File-to-file form: the panel's weeks -> `results/tables/model_series.csv`. An input of an ecosystem's
    namespaces (capabilities.json) gets no rows: its groups' series answer the question, and the panel of the
    whole Hub is not read again for one it does not ask."""
    record = read_json(capabilities)
    columns = ["week", "model_key", "namespace", "downloads", "interval_days", "measure"]
    if record["namespaces"] >= MIN_NAMESPACES or not panel_files:
        table = ModelSeries.validate(pl.DataFrame(schema=MODEL_SERIES_COLUMNS))
    else:
        table = model_series(pl.read_parquet([str(path) for path in panel_files], columns=columns), measure)
    write_csv(table, output)
    return table
