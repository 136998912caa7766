"""One week's attributed downloads summed into the small tables every later figure is built from.

Shares, coverage, the attribution-quality report and concentration need only
these sums, so they are computed once per week and a new week adds one set of
them instead of a rescan of every model-week in the history:

- `groups`: downloads per view, week, country group, developer type and
  attribution source (shares and coverage sum these);
- `concentration`: the week's HHI, Gini and top-k per view (computed over
  organisations, which do not add up across weeks, so the row itself is kept);
- `lineage`: panel downloads and model-weeks per lineage outcome;
- `namespaces`: uploader-view downloads per namespace, with the part the
  derived view credits to another organisation (the intermediary rule, the
  sensitivity table, namespace shares and the largest unlisted namespaces).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import polars as pl

from hubshare.analysis.concentration import concentration_by_week
from hubshare.attribution.intermediaries import namespace_downloads
from hubshare.contracts.panel_tables import WeekGroups, WeekLineage, WeekNamespaces
from hubshare.jobs.atomic import write_parquet

GROUP_COLUMNS = ["view", "week", "country_group", "developer_type", "attribution_source"]


@dataclass(frozen=True)
class WeekAggregates:
    groups: pl.DataFrame
    concentration: pl.DataFrame
    lineage: pl.DataFrame
    namespaces: pl.DataFrame


AGGREGATE_TABLES = [table.name for table in fields(WeekAggregates)]


def aggregate(panel: pl.DataFrame, attributed: pl.DataFrame) -> WeekAggregates:
    """The sums of one week (or of several: every table keeps the week)."""
    return WeekAggregates(
        groups=WeekGroups.validate(
            attributed.group_by(GROUP_COLUMNS).agg(pl.col("downloads").sum()).sort(GROUP_COLUMNS)
        ),
        concentration=concentration_by_week(attributed),
        lineage=WeekLineage.validate(
            panel.group_by("week", "lineage_status")
            .agg(pl.col("downloads").sum(), pl.len().cast(pl.Int64).alias("model_weeks"))
            .sort("week", "lineage_status")
        ),
        namespaces=WeekNamespaces.validate(namespace_downloads(panel, attributed)),
    )


def write_aggregates(aggregates: WeekAggregates, paths: dict[str, str | Path]) -> None:
    for table in AGGREGATE_TABLES:
        write_parquet(getattr(aggregates, table), paths[table])
