"""Attribution: coverage of the sources, intermediaries, and the sensitivity of shares to the
attribution's choices."""

from __future__ import annotations

import polars as pl

from hubshare.manuscript.formatting import pct, period_key, period_label
from hubshare.manuscript.tables import markdown_table
from hubshare.panel.counter_falls import FALLS_AS_REVISIONS
from hubshare.periods import HEADLINE_PERIOD


def coverage_variables(coverage: pl.DataFrame) -> dict:
    """coverage.<view>.<source>.<period>."""
    tree: dict = {}
    for row in coverage.iter_rows(named=True):
        tree.setdefault(row["view"], {}).setdefault(row["group"], {})[period_key(row["period"])] = pct(row["share"])
    return tree


def coverage_table(coverage: pl.DataFrame, periods: list[str], views: tuple[str, ...] = ("uploader", "derived")) -> str:
    names = {
        "registry": "Registry organisation",
        "registry_individual": "Registry individual",
        "unlisted_namespace": "Unlisted namespace (user)",
        "no_namespace": "No namespace (unknown)",
    }
    rows = []
    for view in views:
        for source, label in names.items():
            cells = coverage.filter((pl.col("view") == view) & (pl.col("group") == source))
            share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
            rows.append([label, view, *[pct(share_in.get(p, 0.0)) for p in periods]])
    columns = ["Attributed to", "View", *map(period_label, periods)]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="ll" + "r" * len(periods))


def intermediary_variables(
    classified: pl.DataFrame, by_period: pl.DataFrame, threshold: float, min_downloads: float, planted: list[str] | None
) -> dict:
    """intermediaries.{count, threshold, min_downloads, share.<period>[, planted_found, planted_total]}."""
    flagged = set(classified.filter(pl.col("is_intermediary"))["namespace"].to_list())
    variables = {
        "count": f"{len(flagged):,}",
        "threshold": pct(threshold, 0),
        "min_downloads": f"{min_downloads:,.0f}",
        "share": {period_key(r["period"]): pct(r["share"]) for r in by_period.iter_rows(named=True)},
    }
    if planted is not None:
        variables["planted_found"] = f"{len(flagged & set(planted)):,}"
        variables["planted_total"] = f"{len(planted):,}"
    return variables


def top_intermediaries_table(classified: pl.DataFrame, rows: int = 10) -> str:
    top = classified.filter(pl.col("is_intermediary")).head(rows)
    total = classified["downloads"].sum()
    if top.is_empty():
        frame = pl.DataFrame(
            [["No namespace is flagged", "\u2013", "\u2013"]],
            schema=["Namespace", "Share of downloads", "From derivatives"],
            orient="row",
        )
        return markdown_table(frame, align="lrr")
    frame = top.select(
        pl.col("namespace").alias("Namespace"),
        pl.col("downloads")
        .map_elements(lambda v: pct(v / total, 2), return_dtype=pl.String)
        .alias("Share of downloads"),
        pl.col("derivative_share").map_elements(lambda v: pct(v), return_dtype=pl.String).alias("From derivatives"),
    )
    return markdown_table(frame, align="lrr")


def threshold_table(sensitivity: pl.DataFrame, periods: list[str]) -> str:
    rows = []
    for (threshold,), cells in sensitivity.sort("threshold").group_by("threshold", maintain_order=True):
        share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
        rows.append([pct(threshold, 0), f"{cells['namespaces'][0]:,}", *[pct(share_in.get(p, 0.0)) for p in periods]])
    columns = ["Threshold", "Namespaces", *map(period_label, periods)]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="rr" + "r" * len(periods))


def sensitivity_table_markdown(
    sensitivity: pl.DataFrame,
    alternatives: dict[str, str],
    labels: dict[str, str],
    groups: list[tuple[str, str]],
    period: str = HEADLINE_PERIOD,
) -> str:
    """Alternatives x headline (dimension, group) pairs, in one period."""
    cells = sensitivity.filter(pl.col("period") == period)
    rows = []
    for alternative, label in alternatives.items():
        share_of = {
            (r["dimension"], r["group"]): r["share"]
            for r in cells.filter(pl.col("alternative") == alternative).iter_rows(named=True)
        }
        rows.append([label, *[pct(share_of[g]) if g in share_of else "\u2013" for g in groups]])
    columns = ["Attribution", *[labels.get(g, g.capitalize()) for _, g in groups]]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    # A group no alternative has (intermediaries when the rule flags none) would be a column of dashes.
    frame = frame.select(name for name in frame.columns if not (frame[name] == "\u2013").all())
    return markdown_table(frame, align="l" + "r" * (frame.width - 1))


def counter_fall_sentence(
    falls: pl.DataFrame, shares: pl.DataFrame, labels: dict[str, str], sensitivity_table_shown: bool = True
) -> str:
    """What reading every counter fall as a revision (no downloads that week) changes: the share of the
    downloads counted after falls (`falls`, the counter-fall table) and the largest move of any period share
    between the uploader view and its rerun with those downloads booked as 0 (`shares`, the sensitivity table,
    referred to where the paper shows it)."""
    counted = falls.filter(pl.col("counted_after_fall") > 0)
    if counted.is_empty():
        return "No counter fell in these data, so the reading of a fall changes nothing."
    worst = counted.sort("share_after_fall", descending=True).row(0, named=True)
    keys = ["dimension", "group", "period"]
    moved = (
        shares.filter(pl.col("alternative") == "uploader")
        .join(shares.filter(pl.col("alternative") == FALLS_AS_REVISIONS), on=keys, suffix="_rerun")
        .with_columns((100 * (pl.col("share_rerun") - pl.col("share"))).abs().alias("moved_pp"))
        .sort("moved_pp", descending=True, nulls_last=True)
        .row(0, named=True)
    )
    return (
        "A fall could also be a revision, after which the week holds no downloads of the model; the downloads "
        f"counted after falls are at most {worst['share_after_fall'] * 100:.3f}% of a period's downloads "
        f"({period_label(worst['period'])}). Booking every one of them as 0 instead and recomputing the shares "
        f"as uploaded{' (@tbl-sensitivity shows the last year)' if sensitivity_table_shown else ''} moves no "
        "group's share of any period by more than "
        f"{moved['moved_pp']:.3f} percentage points ({labels.get(moved['group'], moved['group'])}, "
        f"{period_label(moved['period'])})."
    )
