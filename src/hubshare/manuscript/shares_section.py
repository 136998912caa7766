"""The results on shares: groups by period, concentration, named families and namespaces,
and the download-weighted model properties."""

from __future__ import annotations

import datetime as dt

import polars as pl

from hubshare.manuscript.formatting import pct, period_key, period_label
from hubshare.manuscript.tables import markdown_table


def periods_with_data(period_shares: pl.DataFrame, periods: list[str]) -> list[str]:
    """The periods, in the given order, in which the panel counts any download."""
    totals = period_shares.group_by("period").agg(pl.col("downloads").fill_null(0).sum())
    counted = {row["period"] for row in totals.iter_rows(named=True) if row["downloads"] > 0}
    return [period for period in periods if period in counted]


def share_variables(period_shares: pl.DataFrame) -> dict:
    """share.<view>.<dimension>.<group>.<period> -> formatted percentage."""
    tree: dict = {}
    for row in period_shares.iter_rows(named=True):
        (tree.setdefault(row["view"], {}).setdefault(row["dimension"], {}).setdefault(row["group"], {}))[
            period_key(row["period"])
        ] = pct(row["share"])
    return tree


def period_table(
    period_shares: pl.DataFrame, dimension: str, labels: dict[str, str], periods: list[str], derived_column: bool = True
) -> str:
    """Groups (vocabulary order) x periods, uploader view, plus the derived view's last column (with lineage)."""
    uploader = period_shares.filter((pl.col("view") == "uploader") & (pl.col("dimension") == dimension))
    derived = period_shares.filter((pl.col("view") == "derived") & (pl.col("dimension") == dimension))
    last = periods[-1]
    rows = []
    for group, label in labels.items():
        cells = uploader.filter(pl.col("group") == group)
        if cells.is_empty() and derived.filter(pl.col("group") == group).is_empty():
            continue
        share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
        derived_last = derived.filter((pl.col("group") == group) & (pl.col("period") == last))["share"]
        rows.append(
            [label]
            + [pct(share_in.get(p, 0.0)) for p in periods]
            + ([pct(derived_last[0] if derived_last.len() else 0.0)] if derived_column else [])
        )
    columns = ["Group", *map(period_label, periods), *([f"{period_label(last)} (derived)"] if derived_column else [])]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return markdown_table(frame, align="l" + "r" * (len(columns) - 1))


def concentration_variables(concentration: pl.DataFrame, days: int = 364) -> dict:
    """Means of HHI (x10,000), Gini and top-k over the first and last year of weeks, per view."""
    tree: dict = {}
    for (view,), rows in concentration.sort("week").group_by("view", maintain_order=True):
        first = rows.filter(pl.col("week") < rows["week"].min() + dt.timedelta(days=days))
        last = rows.filter(pl.col("week") > rows["week"].max() - dt.timedelta(days=days))
        tree[view] = {
            "hhi_first": f"{first['hhi'].mean() * 10_000:,.0f}",
            "hhi_last": f"{last['hhi'].mean() * 10_000:,.0f}",
            "gini_first": f"{first['gini'].mean():.3f}",
            "gini_last": f"{last['gini'].mean():.3f}",
            "top10_first": pct(first["top10"].mean()),
            "top10_last": pct(last["top10"].mean()),
            "orgs_last": f"{last['organizations'].mean():,.0f}",
        }
    return tree


def named_share_variables(shares: pl.DataFrame, key: str, groups: dict[str, list[str]]) -> dict:
    """Combined shares of named sets (families or namespaces) per period: <name>.<period>."""
    tree: dict = {}
    for name, members in groups.items():
        for (period,), rows in shares.group_by("period"):
            total = rows.filter(pl.col(key).is_in(members))["share"].sum()
            tree.setdefault(name, {})[period_key(period)] = pct(total)
    return tree


PROPERTY_ROWS = {
    "share_quantized": "Quantized",
    "share_moe": "Mixture-of-experts",
    "share_multimodal_generation": "Multimodal generation",
    "share_training_data_disclosed": "Training data disclosed",
    "share_training_data_not_disclosed": "Training data not disclosed",
    "share_open_source": "Open source (OSI licence and data disclosed)",
    "share_open_weights": "Open weights only",
    "share_known_size": "Known parameter count",
    "mean_params": "Mean size (billion parameters)",
    "median_params": "Median size (billion parameters)",
}


def _property_cells(row: dict | None) -> tuple[str, str]:
    """(estimate, bracketed interval) of one statistic in one period; dashes where undefined."""
    if row is None or row["estimate"] is None:
        return "\u2013", ""
    if row["statistic"].endswith("_params"):
        value, low, high = (None if v is None else v / 1e9 for v in (row["estimate"], row["ci_low"], row["ci_high"]))
        return f"{value:.2f}", "" if low is None else f"[{low:.2f}, {high:.2f}]"
    interval = "" if row["ci_low"] is None else f"[{row['ci_low'] * 100:.1f}, {row['ci_high'] * 100:.1f}]"
    return pct(row["estimate"]), interval


def property_table(table: pl.DataFrame, periods: list[str], statistics: dict[str, str] = PROPERTY_ROWS) -> str:
    """The Table-1-like summary: statistics x periods, each estimate above its bootstrap interval
    (a second line per statistic keeps the columns narrow enough for the page)."""
    cells = {(r["statistic"], r["period"]): r for r in table.iter_rows(named=True)}
    rows = []
    for statistic, label in statistics.items():
        estimates, intervals = zip(*(_property_cells(cells.get((statistic, p))) for p in periods), strict=True)
        rows.append([label, *estimates])
        if any(intervals):
            rows.append(["", *intervals])
    columns = ["Download-weighted", *map(period_label, periods)]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="l" + "r" * len(periods))


def multiplier_variables(multipliers: pl.DataFrame) -> dict:
    """multiplier.<statistic>.{value, ci, first, last}."""

    def times(value):
        return "\u2013" if value is None else ("\u221e" if value == float("inf") else f"{value:.1f}x")

    return {
        row["statistic"]: {
            "value": times(row["multiplier"]),
            "ci": f"[{times(row['ci_low'])}, {times(row['ci_high'])}]",
            "first": row["first_period"],
            "last": row["last_period"],
        }
        for row in multipliers.iter_rows(named=True)
    }
