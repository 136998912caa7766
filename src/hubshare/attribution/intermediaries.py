"""Intermediaries: namespaces that mostly redistribute other developers' models.

Rule (stated in the paper): over the study window, a namespace is an
intermediary when at least `threshold` of its downloads go to models that
declare a base model (relation quantized, adapter, finetune or merge) whose
root belongs to another organisation. The derivative share of a model-week is
the part of its downloads that the derived view credits to an organisation
other than the uploader's (merges split as in the derived view). Namespaces
with fewer than `min_downloads` downloads over the window are not classified:
a handful of downloads says nothing about what a namespace does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.block_sums import NAMESPACE_SUMS, scan_blocks
from hubshare.analysis.exact_sums import from_fixed_point, to_fixed_point
from hubshare.jobs.atomic import write_csv
from hubshare.periods import period_runs

log = logging.getLogger(__name__)

DERIVATIVE_RELATIONS = ["quantized", "adapter", "finetune", "merge"]
DEFAULT_THRESHOLD = 0.5
SENSITIVITY_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


NAMESPACE_GROUP = ["week", "namespace", "organization", "country_group", "developer_type", "attribution_source"]


def namespace_downloads(panel: pl.DataFrame, attributed: pl.DataFrame) -> pl.DataFrame:
    """Uploader-view downloads per week and namespace, with the part the derived view credits elsewhere.

    The derivative part of a model-week is counted only for models whose base
    relation is one of `DERIVATIVE_RELATIONS`. Sums over namespaces and weeks
    are all the rule needs, so each week's are kept (`WeekNamespaces`) and a
    new week adds its own instead of a rescan of every model-week.
    """
    uploader = attributed.filter(pl.col("view") == "uploader").select(
        "week",
        "model_key",
        pl.col("attributed_namespace").alias("namespace"),
        "organization",
        "country_group",
        "developer_type",
        "attribution_source",
        "downloads",
    )
    credited_elsewhere = (
        attributed.filter(pl.col("view") == "derived")
        .join(
            uploader.select("week", "model_key", pl.col("organization").alias("uploader_organization")),
            on=["week", "model_key"],
        )
        .filter(pl.col("organization") != pl.col("uploader_organization"))
        .group_by("week", "model_key")
        .agg(pl.col("downloads").sum().alias("elsewhere"))
    )
    relation = panel.select("week", "model_key", "base_relation")
    return (
        uploader.join(relation, on=["week", "model_key"], how="left")
        .join(credited_elsewhere, on=["week", "model_key"], how="left")
        .group_by(NAMESPACE_GROUP)
        .agg(
            pl.col("downloads").sum(),
            pl.when(pl.col("base_relation").is_in(DERIVATIVE_RELATIONS))
            .then(pl.col("elsewhere").fill_null(0.0))
            .otherwise(0.0)
            .sum()
            .alias("derivative_downloads"),
        )
        .sort(NAMESPACE_GROUP, nulls_last=True)
    )


def classify_namespaces(
    namespaces: pl.DataFrame, threshold: float = DEFAULT_THRESHOLD, min_downloads: float = 1000.0
) -> pl.DataFrame:
    """One row per namespace with its derivative share and whether the rule flags it.

    `namespaces`: weekly namespace sums (`namespace_downloads`), one week or many.
    """
    return _flag(namespace_totals(namespaces), threshold, min_downloads)


def namespace_totals(namespaces: pl.DataFrame | pl.LazyFrame, periods: dict | None = None) -> pl.DataFrame:
    """Each namespace's downloads and derivative downloads over every week, and its downloads per period.

    `namespaces`: weekly namespace sums (`WeekNamespaces`). One pass: a column
    `period:<name>` per period. The null namespace (downloads no namespace
    could be found for) is a row of its own, left out of `classify_namespaces`
    but counted in the period totals.
    """
    fixed = namespaces.lazy().select(
        "week", "namespace", "organization", *(to_fixed_point(name) for name in NAMESPACE_SUMS)
    )
    return _totals_of_fixed(fixed, periods or {})


def _totals_of_fixed(sums: pl.LazyFrame, periods: dict) -> pl.DataFrame:
    """`namespace_totals` of fixed-point sums dated by `week` (a week, or a calendar block's first day): exact, so
    a block's sums give the same bits as its weeks' rows.

    The rows are first summed by namespace over each run of dates that lie in the same periods
    (`period_runs`), so that the sums by period filter a few rows per namespace instead of one per week.
    """
    dates = sums.select(pl.col("week").unique()).collect().get_column("week").to_list()
    by_run = (
        sums.join(period_runs(dates, periods).lazy(), on="week")
        .group_by("namespace", "run_start")
        .agg(pl.col("organization").first(), pl.col(*NAMESPACE_SUMS).sum())
    )
    in_period = [
        pl.col("downloads").filter(pl.col("run_start").is_between(start, end)).sum().alias(f"period:{name}")
        for name, (start, end) in periods.items()
    ]
    totals = by_run.group_by("namespace").agg(pl.col("organization").first(), pl.col(*NAMESPACE_SUMS).sum(), *in_period)
    return (
        totals.collect(engine="streaming")
        .with_columns(from_fixed_point(pl.col(*NAMESPACE_SUMS, *(f"period:{name}" for name in periods))))
        .with_columns((pl.col("derivative_downloads") / pl.col("downloads")).alias("derivative_share"))
    )


_CLASSIFIED_COLUMNS = [
    "namespace",
    "organization",
    "downloads",
    "derivative_downloads",
    "derivative_share",
    "is_intermediary",
]


def _flag(totals: pl.DataFrame, threshold: float, min_downloads: float) -> pl.DataFrame:
    if not 0 < threshold <= 1:
        raise ValueError(f"intermediaries: threshold must be in (0, 1], got {threshold}")
    return (
        totals.filter(pl.col("namespace").is_not_null())
        .with_columns(
            ((pl.col("derivative_share") >= threshold) & (pl.col("downloads") >= min_downloads)).alias(
                "is_intermediary"
            )
        )
        .sort(["downloads", "namespace"], descending=[True, False])
    )


def intermediary_share_by_period(namespaces: pl.DataFrame, flagged: list[str], periods: dict) -> dict[str, float]:
    """Uploader-view share of downloads that go to flagged namespaces, per period."""
    return _shares_of_flagged(namespace_totals(namespaces, periods), flagged, periods)


def _shares_of_flagged(totals: pl.DataFrame, flagged: list[str], periods: dict) -> dict[str, float]:
    is_flagged = pl.col("namespace").is_in(flagged).fill_null(False)
    shares = {}
    for name in periods:
        column = pl.col(f"period:{name}")
        total, of_flagged = totals.select(column.sum(), column.filter(is_flagged).sum().alias("flagged")).row(0)
        shares[name] = float(of_flagged / total) if total else 0.0
    return shares


def threshold_sensitivity(
    namespaces: pl.DataFrame,
    periods: dict,
    min_downloads: float = 1000.0,
    thresholds: tuple[float, ...] = SENSITIVITY_THRESHOLDS,
) -> pl.DataFrame:
    """How the intermediaries' share and count move with the rule's threshold."""
    return _sensitivity_of_totals(namespace_totals(namespaces, periods), periods, min_downloads, thresholds)


def intermediary_tables(
    namespaces: pl.DataFrame, periods: dict, threshold: float = DEFAULT_THRESHOLD, min_downloads: float = 1000.0
) -> tuple[pl.DataFrame, dict[str, float], pl.DataFrame]:
    """`classify_namespaces`, `intermediary_share_by_period` of the flagged and `threshold_sensitivity`, from one pass over the sums."""
    return _tables_of_totals(namespace_totals(namespaces, periods), periods, threshold, min_downloads)


def _tables_of_totals(
    totals: pl.DataFrame, periods: dict, threshold: float, min_downloads: float
) -> tuple[pl.DataFrame, dict[str, float], pl.DataFrame]:
    classified = _flag(totals, threshold, min_downloads)
    flagged = classified.filter(pl.col("is_intermediary"))["namespace"].to_list()
    return (
        classified.select(_CLASSIFIED_COLUMNS),
        _shares_of_flagged(totals, flagged, periods),
        _sensitivity_of_totals(totals, periods, min_downloads, SENSITIVITY_THRESHOLDS),
    )


def _sensitivity_of_totals(
    totals: pl.DataFrame, periods: dict, min_downloads: float, thresholds: tuple[float, ...]
) -> pl.DataFrame:
    rows = []
    for threshold in thresholds:
        flagged = _flag(totals, threshold, min_downloads).filter(pl.col("is_intermediary"))["namespace"].to_list()
        for period, share in _shares_of_flagged(totals, flagged, periods).items():
            rows.append({"threshold": threshold, "period": period, "namespaces": len(flagged), "share": share})
    return pl.DataFrame(rows)


def intermediaries_file(
    blocks: Sequence[str | Path], settings: Mapping, outputs: Mapping[str, str | Path]
) -> pl.DataFrame:
    """File-to-file form: the calendar blocks' namespace sums (`NamespaceBlock`) -> the classified namespaces,
    the flagged namespaces' share per period and the threshold sensitivity (`outputs`: `namespaces`,
    `by_period`, `sensitivity`).

    `settings`: `blocks`, the blocks' first days (in the order of `blocks`); `periods`, parsed; the rule's
    `threshold` and `min_downloads`.
    """
    periods, threshold, min_downloads = settings["periods"], settings["threshold"], settings["min_downloads"]
    totals = _totals_of_fixed(scan_blocks(dict(zip(settings["blocks"], blocks, strict=True))), periods)
    classified, shares, sensitivity = _tables_of_totals(totals, periods, threshold, min_downloads)
    write_csv(classified, outputs["namespaces"])
    write_csv(pl.DataFrame({"period": list(shares), "share": list(shares.values())}), outputs["by_period"])
    write_csv(sensitivity, outputs["sensitivity"])
    log.info("%d intermediaries at threshold %s", int(classified["is_intermediary"].sum()), threshold)
    return classified
