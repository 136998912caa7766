"""Coverage of the property intervals in a simulator of clustered, heavy-tailed downloads.

Each replicate draws a population shaped like the Hub where the bootstrap
can tell: `clusters` clusters (a base model and its derivatives) whose sizes
follow a Pareto law of the given tail index (the smaller, the more a few
clusters dominate), each split among `models_per_cluster` models by a flat
Dirichlet; a property (here "quantized") belongs to a whole cluster with
probability `PLANTED_SHARE`, independent of size; the same clusters are
downloaded in two periods, each cluster's downloads scaled per period by a
mean-one lognormal shock (`PERIOD_SHOCK_SD`). The planted values are the
expected share of downloads with the property (`PLANTED_SHARE`) and its
multiplier from the first period to the second (1). The intervals of
`hubshare.analysis.property_periods` are computed twice, resampling models alone and
resampling clusters jointly across periods, and their coverage is the share
of replicates that hold the planted value.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from hubshare.analysis.property_periods import multipliers, property_period_table

TAIL_INDICES = (1.5, 1.1, 0.8)
CLUSTERS = 300
MODELS_PER_CLUSTER = 3
DRAWS = 200
PLANTED_SHARE = 0.3
PERIOD_SHOCK_SD = 0.5
PERIODS = {
    "first": (dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
    "second": (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
}
WEEKS = (dt.date(2022, 6, 1), dt.date(2025, 6, 4))
UNITS = {"model": "model_key", "cluster": "cluster"}
CONSTANT_COLUMNS = {
    "params": pl.lit(None, pl.Int64),
    "params_source": pl.lit("none"),
    "is_moe": pl.lit(False),
    "is_multimodal_generation": pl.lit(False),
    "license_class": pl.lit("osi_open_source"),
    "training_data_transparency": pl.lit("not_disclosed"),
    "openness": pl.lit("open_weights"),
}


def clustered_population(
    rng: np.random.Generator, tail_index: float, clusters: int, models_per_cluster: int
) -> pl.DataFrame:
    """One replicate's panel (two weeks, one per period), with the property columns the bootstrap reads."""
    size = rng.pareto(tail_index, clusters) + 1.0
    flagged = rng.random(clusters) < PLANTED_SHARE
    split = rng.dirichlet(np.ones(models_per_cluster), clusters)
    frames = []
    for week in WEEKS:
        shock = np.exp(rng.normal(-(PERIOD_SHOCK_SD**2) / 2, PERIOD_SHOCK_SD, clusters))
        downloads = np.maximum(np.rint(1000 * size[:, None] * split * shock[:, None]), 1).astype(np.int64)
        cluster = np.repeat(np.arange(clusters), models_per_cluster)
        frames.append(
            pl.DataFrame(
                {
                    "week": [week] * cluster.size,
                    "model_key": [f"c{c}m{m}" for c in range(clusters) for m in range(models_per_cluster)],
                    "downloads": downloads.ravel(),
                    "cluster": [f"c{c}" for c in cluster],
                    "is_quantized": flagged[cluster],
                }
            )
        )
    return pl.concat(frames).with_columns(**CONSTANT_COLUMNS)


def bootstrap_coverage(
    tail_indices: tuple[float, ...],
    *,
    replicates: int,
    n_boot: int,
    clusters: int,
    models_per_cluster: int,
    seed: int,
    level: float = 0.95,
) -> pl.DataFrame:
    """Coverage of the first period's share and of the multiplier, per tail index and unit of resampling."""
    rng = np.random.default_rng(seed)
    rows = []
    for tail_index in tail_indices:
        held = {(unit, target): [] for unit in UNITS for target in ("share", "multiplier")}
        for replicate in range(replicates):
            population = clustered_population(rng, tail_index, clusters, models_per_cluster)
            for unit, column in UNITS.items():
                table = property_period_table(
                    population, PERIODS, n_boot, replicate, level=level, cluster_column=column
                )
                share = table.filter((pl.col("period") == "first") & (pl.col("statistic") == "share_quantized")).row(
                    0, named=True
                )
                held[(unit, "share")].append(share["ci_low"] <= PLANTED_SHARE <= share["ci_high"])
                ratio = multipliers(table, "first", "second", ["share_quantized"]).row(0, named=True)
                low, high = (
                    ratio[k] if ratio[k] is not None else default
                    for k, default in (("ci_low", 0.0), ("ci_high", np.inf))
                )
                held[(unit, "multiplier")].append(low <= 1.0 <= high)
        for (unit, target), hits in held.items():
            coverage = float(np.mean(hits))
            rows.append(
                {
                    "tail_index": tail_index,
                    "resampled": unit,
                    "target": target,
                    "replicates": replicates,
                    "coverage": coverage,
                    "mc_standard_error": float(np.sqrt(coverage * (1 - coverage) / replicates)),
                    "level": level,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "tail_index": pl.Float64,
            "resampled": pl.String,
            "target": pl.String,
            "replicates": pl.Int64,
            "coverage": pl.Float64,
            "mc_standard_error": pl.Float64,
            "level": pl.Float64,
        },
    )
