"""One period's tables, from that period's weeks alone (the workflow's `period_tables` job).

A period's model table is its models as of its last snapshot (`model_table`,
from the weekly model changes up to that snapshot), and its property
statistics, leave-top-k-out estimates, family and namespace shares read only
the panel weeks and weekly namespace sums inside its window. So a closed
period's inputs never change when weeks are added, and its job does not run
again; only the periods whose window holds a new week do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.property_periods import LEFT_OUT, multipliers, property_tables, with_clusters
from hubshare.attribution.family_shares import family_shares, namespace_shares
from hubshare.attribution.model_table import model_table
from hubshare.contracts.base import empty_frame
from hubshare.contracts.panel_tables import WeekNamespaces
from hubshare.jobs.atomic import write_parquet
from hubshare.periods import panel_summed_by_period_runs, parse_periods

OUTPUTS = ("models", "properties", "leave_top_out", "families", "namespaces")


def write_period_tables(
    window: dict,
    panel: Sequence[str | Path],
    namespaces: Sequence[str | Path],
    changes: dict[str, Sequence[str | Path]],
    last_snapshot: str | None,
    bootstrap: tuple[int, int],
    outputs: dict[str, str | Path],
) -> str:
    """Write the period's five tables (`OUTPUTS`) and return a line for the log.

    `window`: the period (`name`, `start`, `end`); `panel`, `namespaces`: its
    weeks' panel files and namespace sums; `changes`: the `listed` and
    `departed` model-change files of every snapshot up to its last, whose date
    is `last_snapshot` (None without data); `bootstrap`: (draws, seed).
    """
    period = parse_periods([window])
    first_day, _ = period[str(window["name"])]
    last = dt.date.fromisoformat(last_snapshot) if last_snapshot else None
    models = model_table(changes["listed"], changes["departed"], first_day, last)
    summed = panel_summed_by_period_runs(list(panel), period)
    joined = with_clusters(summed.join(models, on="model_key", how="left"))
    weekly_namespaces = pl.read_parquet(list(namespaces)) if namespaces else empty_frame(WeekNamespaces)
    properties, left_out = property_tables(joined, period, *bootstrap, LEFT_OUT, cluster_column="cluster")
    tables = {
        "models": models,
        "properties": properties,
        "leave_top_out": left_out,
        "families": family_shares(summed, models, period),
        "namespaces": namespace_shares(weekly_namespaces, period),
    }
    for name in OUTPUTS:
        write_parquet(tables[name], outputs[name])
    return (
        f"period {window['name']}: {len(panel)} weeks, {models.height} models, "
        f"{joined.get_column('cluster').n_unique()} clusters"
    )


def combined_properties(
    properties: Sequence[str | Path], left_out: Sequence[str | Path], first_period: str, last_period: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The periods' property statistics (draws dropped), the multipliers between the first and last period
    (draw by draw) and the leave-top-k-out estimates (each k across the periods, in the order given)."""
    table = pl.concat([pl.read_parquet(path) for path in properties])
    ratios = multipliers(table, first_period, last_period)
    leave_out = pl.concat([pl.read_parquet(path) for path in left_out]).sort("left_out", maintain_order=True)
    return table.drop("draws"), ratios, leave_out


def combined_shares(
    families: Sequence[str | Path], namespaces: Sequence[str | Path]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The periods' family shares and namespace shares, each one table sorted by period."""
    return (
        pl.concat([pl.read_parquet(path) for path in families]).sort("period", "family"),
        pl.concat([pl.read_parquet(path) for path in namespaces]).sort("period", "namespace"),
    )
