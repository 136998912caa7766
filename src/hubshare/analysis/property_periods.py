"""Download-weighted model properties by period (the paper's Table 1), with bootstrap intervals.

Estimates, per period (inclusive bounds on the panel's `week`):
- a share is the downloads of models with the property divided by all
  downloads in the period; a model without properties (null columns) counts
  as not quantized, not MoE, not generating media, licence and training data
  `unknown`, open weights;
- `mean_params` and `median_params` are the download-weighted mean and median
  of `params` over downloads to models whose size is known (from the sources
  in `size_sources`); the weighted median is the smallest size at which the
  cumulative share of those downloads reaches one half; `share_known_size`
  is the share of all downloads that these models carry.

Uncertainty: a cluster bootstrap. Downloads are a census dominated by a few
models, derivatives share their base model's properties and the same models
sit in every period, so the unit of resampling is a cluster of models
(`cluster_column`: the workflow uses the model family, else the namespace),
drawn jointly across periods by a Poisson bootstrap (Hanley and MacGibbon
2006; Chamandy et al. 2012): in draw b every cluster enters with a Poisson(1)
weight that depends only on the seed, the cluster's name and b, and brings
all its downloads with that weight. Draw b of two periods therefore weights
a cluster both periods share alike, while each period's draws are computed
from that period's rows alone, so a closed period's results never change
when later weeks arrive. The interval is the percentile interval of the draws
(order statistics, no interpolation; 95% unless asked otherwise): a cluster
bootstrap percentile interval. `multipliers` divides two periods' draws draw
by draw, on the log scale; the draws are kept in the table's `draws` column
for that purpose. `leave_top_out` recomputes each period's estimates without
its k largest clusters, to show how much a few carry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np
import polars as pl

from hubshare.analysis.poisson_weights import poisson_weights, unit_keys
from hubshare.analysis.properties import (
    LICENSE_CLASSES,
    OPEN_SOURCE,
    OPEN_WEIGHTS,
    PARAMS_SOURCES,
    TRANSPARENCY_LEVELS,
    UNKNOWN,
)

REQUIRED_COLUMNS = (
    "week",
    "model_key",
    "downloads",
    "params",
    "params_source",
    "is_quantized",
    "is_moe",
    "is_multimodal_generation",
    "license_class",
    "training_data_transparency",
    "openness",
)
LEVEL = 0.95
# Draws are processed in batches of about this many (draw, cluster) weights:
# one byte each (the weights are drawn a few cache-sized pieces at a time),
# plus one block of them widened to float64 at a time. A batch holds
# at least MIN_BATCH_DRAWS draws, because each batch reads every model's sums
# once, and reading them for one or two draws at a time is where a bootstrap
# over millions of models spent its time.
BATCH_CELLS = 32_000_000
MIN_BATCH_DRAWS = 8
# Models per block when the counts of a batch multiply the sums: only one
# block's counts at a time are widened to float64 (a batch's draws x 256 KiB).
MODEL_BLOCK = 32_768
# At most this many (cluster, block of sizes) sums for the median; beyond it
# the blocks of sizes grow instead (only with millions of clusters).
SIZE_BLOCK_CELLS = 8_000_000
MULTIPLIER_STATISTICS = ("mean_params", "median_params", "share_quantized", "share_moe", "share_multimodal_generation")
TABLE_SCHEMA = {
    "period": pl.String,
    "start": pl.Date,
    "end": pl.Date,
    "statistic": pl.String,
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "level": pl.Float64,
    "models": pl.Int64,
    "clusters": pl.Int64,
    "downloads": pl.Int64,
    "draws": pl.List(pl.Float64),
}
MULTIPLIER_SCHEMA = {
    "statistic": pl.String,
    "first_period": pl.String,
    "last_period": pl.String,
    "first_estimate": pl.Float64,
    "last_estimate": pl.Float64,
    "multiplier": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "log_multiplier": pl.Float64,
    "log_ci_low": pl.Float64,
    "log_ci_high": pl.Float64,
    "note": pl.String,
}
LEAVE_OUT_SCHEMA = {
    "period": pl.String,
    "statistic": pl.String,
    "left_out": pl.Int64,
    "estimate": pl.Float64,
    "clusters_left_out": pl.String,
}


LEFT_OUT = (1, 5, 10)


def with_clusters(panel_with_models: pl.DataFrame) -> pl.DataFrame:
    """Add `cluster`, the workflow's unit of resampling: the model's family (a base model and the derivatives
    named after it share their properties), else its namespace, else the model itself."""
    parts = [pl.col(c) for c in ("family", "namespace") if c in panel_with_models.columns]
    return panel_with_models.with_columns(
        pl.coalesce(*(p.cast(pl.String) for p in parts), pl.col("model_key")).alias("cluster")
    )


def share_indicators() -> dict[str, pl.Expr]:
    """Statistic name -> boolean expression of the rows whose downloads it counts."""
    licence = pl.col("license_class").fill_null(UNKNOWN)
    transparency = pl.col("training_data_transparency").fill_null(UNKNOWN)
    return {
        "share_quantized": pl.col("is_quantized").fill_null(False),
        "share_moe": pl.col("is_moe").fill_null(False),
        "share_multimodal_generation": pl.col("is_multimodal_generation").fill_null(False),
        **{f"share_training_data_{level}": transparency == level for level in TRANSPARENCY_LEVELS},
        **{f"share_license_{c}": licence == c for c in LICENSE_CLASSES},
        "share_open_source": pl.col("openness").fill_null(OPEN_WEIGHTS) == OPEN_SOURCE,
        "share_open_weights": pl.col("openness").fill_null(OPEN_WEIGHTS) == OPEN_WEIGHTS,
    }


def property_period_table(
    panel_with_properties: pl.DataFrame,
    periods: dict[str, tuple[dt.date, dt.date]],
    n_boot: int,
    seed: int,
    *,
    size_sources: Collection[str] = PARAMS_SOURCES[:-1],
    level: float = LEVEL,
    cluster_column: str = "model_key",
) -> pl.DataFrame:
    """One row per (period, statistic): estimate, cluster bootstrap percentile interval, models, clusters,
    downloads and the draws.

    `panel_with_properties`: the panel (`week, model_key, downloads`) joined
    with `model_properties` on `model_key`. `size_sources` limits which
    `params_source` values count as a known size (e.g. `("safetensors",)` to
    compare with a quantity defined on safetensors totals only). `level`:
    coverage of the percentile intervals. `cluster_column`: the unit of
    resampling (each model alone by default).
    """
    _check(panel_with_properties, n_boot, level, size_sources, cluster_column)
    units = _units_by_period(panel_with_properties, periods, size_sources, cluster_column)
    return _bootstrap_table(units, periods, n_boot, seed, level)


def leave_top_out(
    panel_with_properties: pl.DataFrame,
    periods: dict[str, tuple[dt.date, dt.date]],
    left_out: Collection[int],
    *,
    size_sources: Collection[str] = PARAMS_SOURCES[:-1],
    cluster_column: str = "model_key",
) -> pl.DataFrame:
    """Every statistic of every period without the period's k clusters with the most downloads, for each k.

    The period's clusters are summed once; leaving k of them out is weighting them by zero.
    """
    _check(panel_with_properties, 1, LEVEL, size_sources, cluster_column)
    return _left_out_table(_units_by_period(panel_with_properties, periods, size_sources, cluster_column), left_out)


def property_tables(
    panel_with_properties: pl.DataFrame,
    periods: dict[str, tuple[dt.date, dt.date]],
    n_boot: int,
    seed: int,
    left_out: Collection[int],
    *,
    cluster_column: str = "model_key",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`property_period_table` and `leave_top_out` (default size sources and level) from one summing of each
    period's clusters."""
    size_sources = PARAMS_SOURCES[:-1]
    _check(panel_with_properties, n_boot, LEVEL, size_sources, cluster_column)
    units = _units_by_period(panel_with_properties, periods, size_sources, cluster_column)
    return _bootstrap_table(units, periods, n_boot, seed, LEVEL), _left_out_table(units, left_out)


def _units_by_period(
    panel: pl.DataFrame, periods: dict, size_sources: Collection[str], cluster_column: str
) -> dict[str, dict]:
    return {
        name: _period_units(rows, list(size_sources))
        for name, rows in _in_periods(panel, periods, cluster_column).items()
    }


def _bootstrap_table(units: dict[str, dict], periods: dict, n_boot: int, seed: int, level: float) -> pl.DataFrame:
    estimates = {
        name: {k: float(v[0]) for k, v in _weighted_statistics(u, np.ones((1, u["n_units"]))).items()}
        for name, u in units.items()
    }
    draws = {name: _period_draws(u, seed, n_boot) for name, u in units.items()}
    rows = []
    for name, (start, end) in periods.items():
        for statistic, estimate in estimates[name].items():
            low, high = _percentile_interval(draws[name][statistic], level)
            rows.append(
                {
                    "period": name,
                    "start": start,
                    "end": end,
                    "statistic": statistic,
                    "estimate": _finite(estimate),
                    "ci_low": low,
                    "ci_high": high,
                    "level": level,
                    "models": units[name]["n_models"],
                    "clusters": units[name]["n_units"],
                    "downloads": units[name]["total_downloads"],
                    "draws": draws[name][statistic].tolist(),
                }
            )
    return pl.DataFrame(rows, schema=TABLE_SCHEMA)


def _left_out_table(units: dict[str, dict], left_out: Collection[int]) -> pl.DataFrame:
    rows = []
    for name, period_units in units.items():
        # Clusters by downloads, most first, ties by name (sums of integer downloads: exact in float64).
        everything = period_units["sums"][:, len(period_units["share_names"])]
        names = period_units["names"]
        order = np.lexsort((np.array(names, dtype=str), -everything)).tolist()
        kept = np.ones((len(left_out), period_units["n_units"]), dtype=np.uint8)
        for row, k in enumerate(left_out):
            kept[row, order[:k]] = 0
        statistics = _weighted_statistics(period_units, kept)
        for row, k in enumerate(left_out):
            for statistic, values in statistics.items():
                rows.append(
                    {
                        "period": name,
                        "statistic": statistic,
                        "left_out": k,
                        "estimate": _finite(values[row]),
                        "clusters_left_out": "; ".join(str(names[i]) for i in order[:k]),
                    }
                )
    return pl.DataFrame(rows, schema=LEAVE_OUT_SCHEMA)


def _check(panel: pl.DataFrame, n_boot: int, level: float, size_sources: Collection[str], cluster_column: str) -> None:
    missing = [c for c in (*REQUIRED_COLUMNS, cluster_column) if c not in panel.columns]
    if missing:
        raise ValueError(f"property periods: the panel lacks the column(s) {', '.join(dict.fromkeys(missing))}")
    if not 0 < level < 1:
        raise ValueError(f"property periods: level must lie between 0 and 1, got {level}")
    if n_boot < 1:
        raise ValueError(f"property periods: n_boot must be at least 1, got {n_boot}")
    unknown_sources = sorted(set(size_sources) - set(PARAMS_SOURCES))
    if unknown_sources:
        raise ValueError(f"property periods: unknown size source(s) {unknown_sources}; use {PARAMS_SOURCES}")


def _in_periods(panel: pl.DataFrame, periods: dict, cluster_column: str) -> dict[str, pl.DataFrame]:
    """Each period's rows, with the resampling unit as column `unit` (the model key when the cluster is null)."""
    unit = pl.coalesce(pl.col(cluster_column).cast(pl.String), pl.col("model_key")).alias("unit")
    return {
        name: panel.filter(pl.col("week").is_between(start, end, closed="both")).with_columns(unit)
        for name, (start, end) in periods.items()
    }


def multipliers(
    table: pl.DataFrame, first_period: str, last_period: str, statistics: Collection[str] = MULTIPLIER_STATISTICS
) -> pl.DataFrame:
    """Ratio of the last period's estimate to the first's, with a percentile interval of the
    draw-by-draw ratios. A draw whose first-period value is zero gives an infinite (or, if the
    last is zero too, undefined and dropped) ratio, so an upper bound may be infinite."""
    rows = []
    for statistic in statistics:
        first, last = (_table_row(table, period, statistic) for period in (first_period, last_period))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratios = np.log(np.asarray(last["draws"], dtype=float)) - np.log(
                np.asarray(first["draws"], dtype=float)
            )
            point = np.float64(last["estimate"]) / np.float64(first["estimate"])
        log_low, log_high = _percentile_interval(log_ratios, first["level"])
        low, high = (None if v is None else float(np.exp(v)) for v in (log_low, log_high))
        rows.append(
            {
                "statistic": statistic,
                "first_period": first_period,
                "last_period": last_period,
                "first_estimate": _finite(first["estimate"]),
                "last_estimate": _finite(last["estimate"]),
                "multiplier": _finite(point),
                "ci_low": low,
                "ci_high": high,
                "log_multiplier": _finite(np.log(point)) if np.isfinite(point) and point > 0 else None,
                "log_ci_low": log_low,
                "log_ci_high": log_high,
                "note": _multiplier_note(log_low, log_high),
            }
        )
    return pl.DataFrame(rows, schema=MULTIPLIER_SCHEMA)


def _multiplier_note(log_low: float | None, log_high: float | None) -> str:
    """Empty when the interval is finite; otherwise why the multiplier cannot be bounded."""
    if log_low is None or log_high is None:
        return "not estimable: the statistic is undefined in too many draws"
    if not (np.isfinite(log_low) and np.isfinite(log_high)):
        return "not bounded: the first period's value is zero in some draws"
    return ""


def _period_units(rows: pl.DataFrame, size_sources: list[str]) -> dict:
    """Per-cluster sums the statistics are ratios of, clusters in a fixed order (for determinism), and each
    cluster's name (`names`), which its bootstrap weights derive from.

    `sums` has one column per share indicator, then all downloads, downloads
    of known size and downloads times size; `size_blocks` one column per block
    of sizes: the cluster's downloads of known size in that block.
    `size_model`, `size_value` and `size_downloads` list the known sizes sorted
    by size, one entry per (cluster, size), so a cluster whose models have
    different sizes keeps each size with its own downloads.
    """
    indicators = share_indicators()
    known = pl.col("params").is_not_null() & pl.col("params_source").is_in(size_sources)
    downloads = pl.col("downloads").cast(pl.Float64)
    per_model = (
        rows.group_by("unit")
        .agg(
            *(downloads.filter(flag).sum().alias(name) for name, flag in indicators.items()),
            downloads.sum().alias("all"),
            downloads.filter(known).sum().alias("known"),
            (downloads * pl.col("params").cast(pl.Float64)).filter(known).sum().alias("size_weighted"),
            pl.col("params").filter(known).min().alias("smallest_size"),
        )
        # Models of known size first, by size: when each has one size, the
        # sorted sizes are the first models in order and the median needs no
        # gather (see _weighted_median).
        .sort("smallest_size", "unit", nulls_last=True)
        .with_row_index("model_index")
    )
    sizes = (
        rows.filter(known)
        .group_by("unit", "params")
        .agg(downloads.sum())
        .join(per_model.select("unit", "model_index"), on="unit")
        .sort("params", "model_index")
    )
    size_model = sizes.get_column("model_index").to_numpy().astype(np.int64)
    size_downloads = sizes.get_column("downloads").to_numpy()
    sums = per_model.select(*indicators, "all", "known", "size_weighted").to_numpy().astype(np.float64)
    return {
        "n_models": rows.get_column("model_key").n_unique(),
        "n_units": per_model.height,
        "names": per_model.get_column("unit").to_list(),
        "total_downloads": int(rows.get_column("downloads").sum() or 0),
        "share_names": list(indicators),
        "sums": sums,
        "size_blocks": _downloads_by_size_block(size_model, size_downloads, per_model.height),
        "size_model": size_model,
        "size_value": sizes.get_column("params").to_numpy().astype(np.float64),
        "size_downloads": size_downloads,
    }


def _downloads_by_size_block(size_model: np.ndarray, size_downloads: np.ndarray, n_units: int) -> np.ndarray:
    """(cluster, block of sizes): the cluster's downloads among the block's entries of the sorted sizes.

    A draw's weighted downloads per block of sizes are then its counts times
    these columns, multiplied with the same widened counts as the other sums,
    instead of its counts gathered for every (cluster, size) entry. Downloads are integers, so the sums are
    exact in float64 and the blocks' running totals equal the entries' ones.
    """
    length = _size_block_length(size_model.size, n_units)
    n_blocks = -(-size_model.size // length)
    cell = size_model * n_blocks + np.arange(size_model.size) // length
    summed = np.bincount(cell, weights=size_downloads.astype(np.float64), minlength=n_units * n_blocks)
    return summed.reshape(n_units, n_blocks)


def _size_block_length(n_sizes: int, n_units: int) -> int:
    """Sizes per block: MODEL_BLOCK, or more when that many blocks times the clusters would pass SIZE_BLOCK_CELLS."""
    blocks = max(1, min(-(-n_sizes // MODEL_BLOCK), SIZE_BLOCK_CELLS // max(n_units, 1)))
    return max(1, -(-n_sizes // blocks))


def _period_draws(units: dict, seed: int, n_boot: int) -> dict[str, np.ndarray]:
    """n_boot draws of every statistic of one period: draw b weights each cluster by its Poisson weight b."""
    n_clusters = units["n_units"]
    batch = max(MIN_BATCH_DRAWS, BATCH_CELLS // max(n_clusters, 1))
    keys = unit_keys(units["names"], seed)
    parts = [
        _weighted_statistics(units, poisson_weights(keys, begin, min(batch, n_boot - begin)))
        for begin in range(0, n_boot, batch)
    ]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _weighted_statistics(units: dict, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every statistic for each row of `counts` (how many times each model is drawn)."""
    totals, by_size_block = _weighted_totals((units["sums"], units["size_blocks"]), counts)
    names = units["share_names"]
    everything, known, size_weighted = totals[:, len(names)], totals[:, len(names) + 1], totals[:, len(names) + 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {name: totals[:, i] / everything for i, name in enumerate(names)}
        out["share_known_size"] = known / everything
        out["mean_params"] = size_weighted / known
    out["median_params"] = _weighted_median(units, counts, np.cumsum(by_size_block, axis=1))
    return out


def _weighted_totals(values: Sequence[np.ndarray], counts: np.ndarray) -> list[np.ndarray]:
    """`counts @ v` in float64 for each v of `values` (counts are small integers), summed block by block of
    MODEL_BLOCK models: each block's counts are widened to float64 once, for every v."""
    totals = [np.zeros((counts.shape[0], v.shape[1])) for v in values]
    for begin in range(0, counts.shape[1], MODEL_BLOCK):
        widened = counts[:, begin : begin + MODEL_BLOCK].astype(np.float64)
        for total, v in zip(totals, values, strict=True):
            total += widened @ v[begin : begin + MODEL_BLOCK]
    return totals


def _weighted_median(units: dict, counts: np.ndarray, by_block: np.ndarray) -> np.ndarray:
    """Smallest size whose cumulative download weight reaches half the known-size downloads, per row.

    `by_block`: each row's cumulative weight at the end of each block of
    sizes, so only the block where a draw crosses one half is accumulated
    entry by entry.
    """
    medians = np.full(counts.shape[0], np.nan)
    for row, cumulative in enumerate(by_block):
        if cumulative.size and cumulative[-1] > 0:
            medians[row] = units["size_value"][_crossing(units, counts[row], cumulative, cumulative[-1] / 2)]
    return medians


def _crossing(units: dict, counts: np.ndarray, cumulative_by_block: np.ndarray, half: float) -> int:
    """First size entry whose cumulative weight reaches `half`, searched from the block the block sums point to."""
    length = _size_block_length(units["size_model"].size, units["n_units"])
    block = int(np.searchsorted(cumulative_by_block, half, side="left"))
    before = cumulative_by_block[block - 1] if block else 0.0
    # Exact sums cross in the block found; should rounding ever make the block fall short, the next one holds it.
    while True:
        entries = slice(block * length, (block + 1) * length)
        running = before + np.cumsum(counts[units["size_model"][entries]] * units["size_downloads"][entries])
        found = int(np.searchsorted(running, half, side="left"))
        if found < running.size or entries.stop >= units["size_model"].size:
            return entries.start + min(found, running.size - 1)
        block, before = block + 1, running[-1]


def _percentile_interval(draws: np.ndarray, level: float) -> tuple[float | None, float | None]:
    defined = draws[~np.isnan(draws)]
    if defined.size == 0:
        return None, None
    tail = (1 - level) / 2
    low, high = np.quantile(defined, [tail, 1 - tail], method="inverted_cdf")
    return float(low), float(high)


def _table_row(table: pl.DataFrame, period: str, statistic: str) -> dict:
    match = table.filter((pl.col("period") == period) & (pl.col("statistic") == statistic))
    if match.height != 1:
        raise ValueError(f"multipliers: the table has no single row for period '{period}', statistic '{statistic}'")
    row = match.row(0, named=True)
    row["draws"] = [np.nan if v is None else v for v in row["draws"]]
    row["estimate"] = np.nan if row["estimate"] is None else row["estimate"]
    return row


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
