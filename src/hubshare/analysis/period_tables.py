"""One period's tables, from that period's weeks alone (the workflow's `period_tables` job).

A period's model table is its models as of its last snapshot (`model_table`,
from the weekly model changes up to that snapshot), and its property
statistics, leave-top-k-out estimates, family and namespace shares read only
the panel and namespace sums of the calendar blocks inside its window
(`hubshare.analysis.block_sums`). So a closed period's inputs never change
when weeks are added, and its job does not run again; only the periods whose
window holds a new week do, and they read a block's sums where they read
its weeks before (about a third of the rows at Hub scale).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.block_sums import period_namespaces, period_panel
from hubshare.analysis.property_periods import LEFT_OUT, multipliers, property_tables, with_clusters
from hubshare.attribution.family_shares import family_shares, namespace_shares
from hubshare.attribution.model_table import model_table
from hubshare.jobs.atomic import write_csv, write_parquet
from hubshare.periods import parse_periods

log = logging.getLogger(__name__)

OUTPUTS = ("models", "properties", "leave_top_out", "families", "namespaces")


def write_period_tables(
    window: dict,
    inputs: Mapping[str, Sequence[str | Path]],
    last_snapshot: str | None,
    bootstrap: tuple[int, int],
    outputs: Mapping[str, str | Path],
) -> None:
    """Write the period's five tables (`OUTPUTS`).

    `window`: the period (`name`, `start`, `end`); `inputs`: the `panel` and
    `namespaces` sums of the calendar blocks inside it, the panel `state` of
    its last snapshot (none without data), and the `listed` and `departed`
    model-change files of every snapshot up to that one, whose date is
    `last_snapshot` (None without data); `bootstrap`: (draws, seed).
    """
    period = parse_periods([window])
    first_day, _ = period[str(window["name"])]
    last = dt.date.fromisoformat(last_snapshot) if last_snapshot else None
    models = model_table(list(inputs["listed"]), list(inputs["departed"]), first_day, last)
    # Every row dated the period's first day: the tables read a row's date only to place it in the period.
    summed = period_panel(list(inputs["panel"]), next(iter(inputs["state"]), None), first_day)
    joined = with_clusters(summed.join(models, on="model_key", how="left"))
    properties, left_out = property_tables(joined, period, *bootstrap, LEFT_OUT, cluster_column="cluster")
    tables = {
        "models": models,
        "properties": properties,
        "leave_top_out": left_out,
        "families": family_shares(summed, models, period),
        "namespaces": namespace_shares(period_namespaces(list(inputs["namespaces"]), first_day), period),
    }
    for name in OUTPUTS:
        write_parquet(tables[name], outputs[name])
    log.info(
        "period %s: %d calendar blocks, %d models, %d clusters",
        window["name"],
        len(inputs["panel"]),
        models.height,
        joined.get_column("cluster").n_unique(),
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


def property_periods_file(
    properties: Sequence[str | Path],
    left_out: Sequence[str | Path],
    first_period: str,
    last_period: str,
    outputs: Mapping[str, str | Path],
) -> None:
    """File-to-file form of `combined_properties` (`outputs`: `table`, `multipliers`, `leave_top_out`)."""
    table, ratios, leave_out = combined_properties(properties, left_out, first_period, last_period)
    write_csv(table, outputs["table"])
    write_csv(ratios, outputs["multipliers"])
    write_csv(leave_out, outputs["leave_top_out"])
    log.info("%d period statistics, %d multipliers", table.height, ratios.height)


def family_shares_file(
    families: Sequence[str | Path], namespaces: Sequence[str | Path], outputs: Mapping[str, str | Path]
) -> None:
    """File-to-file form of `combined_shares` (`outputs`: `families`, `namespaces`)."""
    family_table, namespace_table = combined_shares(families, namespaces)
    write_csv(family_table, outputs["families"])
    write_csv(namespace_table, outputs["namespaces"])
    log.info("%d family rows, %d namespace rows", family_table.height, namespace_table.height)
