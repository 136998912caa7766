"""Weekly sums summed again over calendar blocks (`calendar_blocks`), a file per block.

A job that sums over many weeks (every week, or a period's) reads a block's
sums in place of its weeks' rows: about a third of the rows at Hub scale,
and a block's file is written once, when its month is over, since a new week
changes only its own block. The sums are in fixed point
(`hubshare.analysis.exact_sums`), so the blocks' sums add up to the same bits
as the rows themselves, whatever the blocks; files keep them as 38-digit
decimals (`FIXED_POINT_COLUMN`), which every Parquet reader reads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.exact_sums import from_fixed_point, to_fixed_point
from hubshare.analysis.shares import DIMENSIONS
from hubshare.contracts.block_tables import (
    FIXED_POINT_COLUMN,
    CreditedBlock,
    FallsBlock,
    NamespaceBlock,
    PanelBlock,
)
from hubshare.jobs.atomic import write_parquet
from hubshare.panel.counter_falls import counted_after_falls

log = logging.getLogger(__name__)

BLOCK_TABLES = ("credited", "namespaces", "panel", "falls")
CREDITED_KEYS = ["view", "model_number", *DIMENSIONS]
NAMESPACE_KEYS = ["namespace", "organization", "attribution_source", *DIMENSIONS]
NAMESPACE_SUMS = ["downloads", "derivative_downloads"]


def calendar_blocks(dates: Sequence[str], periods: dict[str, tuple[dt.date, dt.date]]) -> dict[str, list[str]]:
    """Snapshot dates (ISO) in blocks: calendar months, cut again where a period starts or ends; each block by
    its first day (ISO), in date order.

    A block lies wholly inside or wholly outside every period, so a period's
    sums are the sums of the blocks whose first day is inside it. A month's
    blocks hold the same snapshots once the next month has begun, so sums kept
    a block at a time are summed once: a new week changes only its own block.
    """
    cuts = sorted(
        {start for start, _ in periods.values()} | {end + dt.timedelta(days=1) for _, end in periods.values()}
    )
    blocks: dict[str, list[str]] = {}
    for text in sorted(dates):
        date = dt.date.fromisoformat(text)
        first = date.replace(day=1)
        first = max([first, *(cut for cut in cuts if first < cut <= date)])
        blocks.setdefault(first.isoformat(), []).append(text)
    return blocks


def credited_sums(attributed: pl.LazyFrame) -> pl.DataFrame:
    """`CREDITED_KEYS, downloads`: attributed rows summed by view, model and the groups they are credited to,
    in fixed point (`Int128`)."""
    return _summed(attributed, CREDITED_KEYS, [to_fixed_point("downloads")])


def namespace_sums(namespaces: pl.LazyFrame) -> pl.DataFrame:
    """`NAMESPACE_KEYS, downloads, derivative_downloads`: weekly namespace sums (`WeekNamespaces`) summed by
    namespace, organisation, attribution source and group, in fixed point (`Int128`)."""
    return _summed(namespaces, NAMESPACE_KEYS, [to_fixed_point(name) for name in NAMESPACE_SUMS])


def panel_sums(panel: pl.LazyFrame) -> pl.DataFrame:
    """`model_number, downloads`: panel rows summed by model (whole downloads, exact in `Int64`)."""
    return _summed(panel, ["model_number"], [pl.col("downloads")])


def _summed(rows: pl.LazyFrame, keys: list[str], values: list[pl.Expr]) -> pl.DataFrame:
    """`values` summed by `keys`, sorted by them (so that a block's file has the same bytes every time)."""
    return (
        rows.select(*keys, *values)
        .group_by(keys)
        .agg(pl.exclude(keys).sum())
        .sort(keys, nulls_last=True)
        .collect(engine="streaming")
    )


def block_sums_file(inputs: Mapping[str, Sequence[str | Path]], outputs: Mapping[str, str | Path]) -> None:
    """File-to-file form: one block's weeks (`inputs`: `attributed` rows, `namespaces` sums and `panel` rows,
    a file per week) -> its `CreditedBlock`, `NamespaceBlock`, `PanelBlock` and `FallsBlock` tables (`outputs`:
    `credited`, `namespaces`, `panel`, `falls`)."""
    tables = {
        "credited": (CreditedBlock, credited_sums(_scan(inputs["attributed"]))),
        "namespaces": (NamespaceBlock, namespace_sums(_scan(inputs["namespaces"]))),
        "panel": (PanelBlock, panel_sums(_scan(inputs["panel"]))),
        "falls": (FallsBlock, counted_after_falls(_scan(inputs["panel"]), ["namespace"])),
    }
    for name in BLOCK_TABLES:
        contract, sums = tables[name]
        write_parquet(contract.validate(sums.with_columns(pl.col(pl.Int128).cast(FIXED_POINT_COLUMN))), outputs[name])
    log.info(
        "%d weeks: %d model-group sums, %d namespace sums, %d models' panel sums, %d namespaces with falls",
        len(inputs["attributed"]),
        *(tables[name][1].height for name in BLOCK_TABLES),
    )


def _scan(paths: Sequence[str | Path]) -> pl.LazyFrame:
    return pl.scan_parquet([str(path) for path in paths])


def blocks_inside(
    days: Iterable[str], start: dt.date | str | None = None, end: dt.date | str | None = None
) -> list[str]:
    """The blocks (by first day, ISO) that start between `start` and `end`, inclusive (None: no bound). A block
    lies wholly inside or outside every configured period, so these are a period's blocks."""
    low, high = (None if bound is None else str(bound) for bound in (start, end))
    return [day for day in days if (low is None or low <= day) and (high is None or day <= high)]


def scan_blocks(
    blocks: Mapping[str, str | Path], start: dt.date | None = None, end: dt.date | None = None
) -> pl.LazyFrame:
    """The sums of the blocks (each block's file by its first day) that start between `start` and `end`
    (`blocks_inside`), with that day as `week` and the sums back in `Int128`."""
    scans = [
        pl.scan_parquet(str(blocks[first])).with_columns(pl.lit(dt.date.fromisoformat(first)).alias("week"))
        for first in blocks_inside(blocks, start, end)
    ]
    if not scans:
        raise ValueError(f"no calendar block starts between {start} and {end}")
    return pl.concat(scans).with_columns(pl.col(pl.Decimal).cast(pl.Int128))


def period_panel(blocks: Sequence[str | Path], state: str | Path | None, week: dt.date) -> pl.DataFrame:
    """`week, model_key, downloads`, sorted: one period's panel downloads by model, from the panel sums of the
    blocks inside it (`PanelBlock`), keyed through the panel state of its last snapshot (`state`, which numbers
    every model the panel has counted), each row dated `week` (a day inside the period).

    Panel downloads are whole numbers, so these are the sums of the period's weekly rows in any grouping.
    """
    if not blocks:
        return pl.DataFrame(schema={"week": pl.Date, "model_key": pl.String, "downloads": pl.Int64})
    summed = _scan(blocks).group_by("model_number").agg(pl.col("downloads").sum())
    keys = pl.scan_parquet(str(state)).select("model_number", "model_key")
    return (
        summed.join(keys, on="model_number", how="left")
        .select(pl.lit(week).alias("week"), "model_key", "downloads")
        .sort("week", "model_key")
        .collect(engine="streaming")
    )


def period_namespaces(blocks: Sequence[str | Path], week: dt.date) -> pl.DataFrame:
    """`week, NAMESPACE_KEYS, downloads`: one period's namespace sums from the blocks inside it
    (`NamespaceBlock`), as floats, each row dated `week` (a day inside the period). The
    uploader view's downloads are whole numbers, exact as floats, so their sums are the weekly rows' sums."""
    columns = {"week": pl.Date, **dict.fromkeys(NAMESPACE_KEYS, pl.String), "downloads": pl.Float64}
    if not blocks:
        return pl.DataFrame(schema=columns)
    rows = _scan(blocks).select(pl.lit(week).alias("week"), *NAMESPACE_KEYS, from_fixed_point("downloads"))
    return rows.collect().cast(columns)
