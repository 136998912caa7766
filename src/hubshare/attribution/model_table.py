"""One row per model: its metadata, properties and family as of a period's end.

A model's properties in a period are those its snapshots in that period
declare: the last snapshot of the period in which it appears, so a model
deleted during the period keeps the properties it had, and a later week never
changes a closed period's table. A model's family is read from that
snapshot's id (see `hubshare.attribution.families`).

The table is put together from the weekly model changes up to the period's
last snapshot (`hubshare.attribution.model_changes`): each model's latest
listed version is its row in the last snapshot that lists it. A model is
still listed at the period's last snapshot unless it departed after that
version; a model that departed is in the period when the snapshot it was
last seen in is inside the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.contracts.base import empty_frame
from hubshare.contracts.panel_tables import DepartedModels, PeriodModels


def model_table(
    listed: Sequence[str | Path],
    departed: Sequence[str | Path],
    first_day: dt.date,
    last_snapshot: dt.date | None,
) -> pl.DataFrame:
    """The `PeriodModels` table of the period that starts on `first_day` and whose last snapshot is
    `last_snapshot` (None: the period has none, and the table is empty).

    `listed`, `departed`: the `ListedModels` and `DepartedModels` files of every snapshot up to the last.
    """
    if last_snapshot is None or not listed:
        return empty_frame(PeriodModels)
    # A model has at most one version a snapshot, so its latest is the one last listed. Sorting once by key and
    # date both finds it and orders the table, in about half the time of a window maximum and a sort.
    latest = (
        pl.read_parquet([str(p) for p in listed])
        .sort("model_key", "last_seen")
        .unique("model_key", keep="last", maintain_order=True)
    )
    departures = (
        (pl.read_parquet([str(p) for p in departed]) if departed else empty_frame(DepartedModels))
        .group_by("model_key")
        .agg(pl.col("last_seen").max().alias("departed_after"))
    )
    departed_after = pl.col("departed_after")
    still_listed = departed_after.is_null() | (pl.col("last_seen") > departed_after)
    return PeriodModels.validate(
        latest.join(departures, on="model_key", how="left", maintain_order="left")
        .filter(still_listed | (departed_after >= first_day))
        .with_columns(pl.when(still_listed).then(pl.lit(last_snapshot)).otherwise(departed_after).alias("last_seen"))
        .drop("departed_after")
    )
