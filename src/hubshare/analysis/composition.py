"""Share changes of a list split into entry, exit and change among the models listed throughout.

When the input lists chosen models (the most downloaded of each day, one
organisation's models) rather than the whole Hub, a group's share moves when
models enter or leave the list as well as when downloads move among the
models listed. Between a first and a last window, each group's change of
share is split exactly into three parts by the dynamic Olley-Pakes
decomposition with entry and exit of Melitz and Polanec (2015, RAND Journal
of Economics 46(2), 362-375), with the group's share of downloads in place of
productivity and each model's downloads in place of a firm's market share.

Models are stayers (downloads in both windows), entrants (in the last window
only) or leavers (in the first only). With S_t the group's share of all
downloads in window t (1 first, 2 last), S_S,t its share of the stayers'
downloads, S_E its share of the entrants' (window 2) and S_L of the leavers'
(window 1), and w_E, w_L the entrants' share of all downloads in window 2 and
the leavers' in window 1, S_1 = S_S,1 + w_L (S_L - S_S,1) and
S_2 = S_S,2 + w_E (S_E - S_S,2), so that exactly

    S_2 - S_1 = (S_S,2 - S_S,1) + w_E (S_E - S_S,2) + w_L (S_S,1 - S_L).

The first part is the change among stayers (the group's share with the
denominator restricted to them); entrants raise the group's share as far as
they carry more of it than the stayers do in the last window, and leavers as
far as they carried less of it than the stayers in the first. Entrants and
leavers are measured against the stayers of the same window, not against the
whole list, which is what keeps a composition effect from being booked as a
change among stayers (Melitz and Polanec's point against earlier
decompositions). Without stayers, S_S is taken as 0 (the parts then read 0,
S_E and -S_L).

A model's part of a group is the part of its downloads the view credits to
the group (fractional where merges split), so a model whose credit changes
between the windows moves the stayers' part. A model is in a window when the
panel credits it with downloads there: a listed model without downloads adds
nothing to either window's shares.

The windows are those of the period contrasts: the first and the last of the
consecutive calendar periods that hold downloads; when fewer than two do, the
first and the last non-overlapping download intervals (each a single
snapshot's interval); with fewer than two of those, no comparison.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from hubshare.analysis.block_sums import CREDITED_KEYS, scan_blocks
from hubshare.analysis.exact_sums import from_fixed_point, to_fixed_point
from hubshare.analysis.shares import DIMENSIONS
from hubshare.attribution.credit import VIEWS
from hubshare.contracts.result_tables import Composition
from hubshare.inference.stats_report import independent_weeks
from hubshare.jobs.atomic import write_csv
from hubshare.periods import consecutive_periods, parse_periods

log = logging.getLogger(__name__)

STATUSES = ("stayer", "entrant", "leaver")


@dataclass(frozen=True)
class Window:
    """The snapshots (by date) whose download intervals a window sums."""

    name: str  # a period's name, or the snapshot date closing the one interval
    kind: str  # "period" or "interval"
    start: dt.date
    end: dt.date


def comparison_windows(
    weeks: Sequence[dt.date], periods: dict[str, tuple[dt.date, dt.date]], measure: str
) -> tuple[Window, Window] | None:
    """The first and last window to compare (see the module docstring); `weeks`: the snapshots with downloads."""
    held = [
        Window(name, "period", start, end)
        for name, (start, end) in consecutive_periods(periods).items()
        if any(start <= week <= end for week in weeks)
    ]
    if len(held) >= 2:
        return held[0], held[-1]
    intervals = independent_weeks(pl.Series("week", sorted(set(weeks)), dtype=pl.Date), measure).to_list()
    if len(intervals) < 2:
        return None
    first, last = intervals[0], intervals[-1]
    return Window(first.isoformat(), "interval", first, first), Window(last.isoformat(), "interval", last, last)


def rows_in_window(attributed: pl.LazyFrame, window: Window) -> pl.LazyFrame:
    """`view, model_number, <dimensions>, downloads` (fixed point): the attributed rows of the window's weeks."""
    in_window = attributed.filter(pl.col("week").is_between(window.start, window.end))
    return in_window.select(*CREDITED_KEYS, to_fixed_point("downloads"))


def window_rows(window: Window, blocks: Mapping[str, str | Path], attributed: pl.LazyFrame) -> pl.LazyFrame:
    """Rows whose sum is the window's, as `rows_in_window` gives: a period's calendar blocks (`blocks`: each
    block's `CreditedBlock` file by the block's first day; a period holds the blocks that start in it), or an
    interval's attributed week."""
    if window.kind == "interval":
        return rows_in_window(attributed, window)
    return scan_blocks(blocks, window.start, window.end).select(*CREDITED_KEYS, "downloads")


def credited_in_windows(
    first: pl.LazyFrame, last: pl.LazyFrame, dimensions: Sequence[str] = DIMENSIONS
) -> pl.DataFrame:
    """`view, dimension, group, model_number, window ('first'/'last'), downloads` from each window's rows
    (`window_rows`): a model's downloads in a window summed by the groups of every dimension the view credits
    them to (so a model credited to two developer types in one country has two rows for that country).

    One view at a time (one pass over every view held twice the memory and took longer), summed in fixed point,
    so the sums are the same bits in any order.
    """
    # The window is a flag while the rows are summed, and named once they are.
    tagged = pl.concat([first.with_columns(in_last=pl.lit(False)), last.with_columns(in_last=pl.lit(True))])
    credited = []
    for view in VIEWS:
        by_model = (
            tagged.filter(pl.col("view") == view)
            .group_by("model_number", "in_last", *dimensions)
            .agg(pl.col("downloads").sum())
            .collect(engine="streaming")
        )
        credited.extend(
            by_model.select(
                pl.lit(view).alias("view"),
                pl.lit(dimension).alias("dimension"),
                pl.col(dimension).alias("group"),
                "model_number",
                pl.when("in_last").then(pl.lit("last")).otherwise(pl.lit("first")).alias("window"),
                from_fixed_point("downloads"),
            )
            for dimension in dimensions
        )
    return pl.concat(credited)


# The four sums of the decomposition, each by status and window.
SUMS = {
    "stayer_downloads_first": ("stayer", "first"),
    "stayer_downloads_last": ("stayer", "last"),
    "entrant_downloads": ("entrant", "last"),
    "leaver_downloads": ("leaver", "first"),
}
STATUS_SUMS = {"group": pl.String, "status": pl.String, "window": pl.String, "downloads": pl.Int128}


def _status_sums(credited: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """One view and dimension's fixed-point downloads by group, model status and window, and its models by status.

    A model is in a window when it has downloads there (downloads are never negative). Models are counted by
    number in arrays (the panel numbers them 0, 1, 2, ...): grouping millions of rows by model took seconds at
    Hub scale.
    """
    numbers = credited.get_column("model_number").to_numpy()
    held = credited.get_column("downloads").to_numpy() > 0
    first = (credited.get_column("window") == "first").to_numpy()
    size = int(numbers.max()) + 1
    in_first = np.bincount(numbers[held & first], minlength=size) > 0
    in_last = np.bincount(numbers[held & ~first], minlength=size) > 0
    # Each model's status as an index into STATUSES; len(STATUSES) for a model in neither window.
    status = np.select([in_first & in_last, in_last, in_first], [0, 1, 2], default=len(STATUSES)).astype(np.uint8)
    sums = (
        credited.with_columns(pl.Series("status", status[numbers]), to_fixed_point("downloads"))
        .filter(pl.col("status") < len(STATUSES))
        .group_by("group", "status", "window")
        .agg(pl.col("downloads").sum())
        .with_columns(pl.col("status").replace_strict(dict(enumerate(STATUSES)), return_dtype=pl.String))
    )
    models = np.bincount(status, minlength=len(STATUSES) + 1)
    return sums, {f"{name}s": int(models[index]) for index, name in enumerate(STATUSES)}


def decompose_share_change(credited: pl.DataFrame) -> pl.DataFrame:
    """Each group's share change, first to last window, in stayers', entrants' and leavers' parts (points).

    `credited`: `view, dimension, group, model_number, window, downloads`
    (window `first` or `last`). Every view and dimension must hold downloads
    in both windows. Shares are fractions; the parts and the change
    percentage points. Sums are exact (in fixed point), then rounded once.
    """
    by_status, models = [pl.DataFrame(schema={"view": pl.String, "dimension": pl.String, **STATUS_SUMS})], []
    # Every sum below is exact and the table is sorted at the end, so the parts' order is free: not keeping it
    # splits millions of rows about three times faster.
    parts = credited.partition_by("view", "dimension", as_dict=True, maintain_order=False)
    for (view, dimension), part in parts.items():
        sums, counts = _status_sums(part)
        by_status.append(sums.select(pl.lit(view).alias("view"), pl.lit(dimension).alias("dimension"), *STATUS_SUMS))
        models.append({"view": view, "dimension": dimension, **counts})
    status_sums = pl.concat(by_status)
    keys = ["view", "dimension", "group"]
    groups = status_sums.select(keys).unique()
    for name, (status, window) in SUMS.items():
        picked = status_sums.filter((pl.col("status") == status) & (pl.col("window") == window))
        groups = groups.join(picked.select(*keys, pl.col("downloads").alias(name)), on=keys, how="left")
    groups = groups.with_columns(pl.col(*SUMS).fill_null(0))
    model_counts = pl.DataFrame(
        models, schema={"view": pl.String, "dimension": pl.String, **{f"{s}s": pl.Int64 for s in STATUSES}}
    )
    totals = (
        groups.group_by("view", "dimension")
        .agg(pl.col(*SUMS).sum())
        .join(model_counts, on=["view", "dimension"])
        .with_columns(from_fixed_point(pl.col(name)) for name in SUMS)
    )
    groups = groups.select(*keys, *(from_fixed_point(pl.col(name)).alias(f"group_{name}") for name in SUMS))
    empty = totals.filter(
        (pl.col("stayer_downloads_first") + pl.col("leaver_downloads") == 0)
        | (pl.col("stayer_downloads_last") + pl.col("entrant_downloads") == 0)
    )
    if empty.height:
        raise ValueError(f"composition: a window holds no downloads in view {empty['view'][0]!r}")

    def ratio(numerator: str, denominator: str) -> pl.Expr:
        return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator)).otherwise(0.0)

    first_total = pl.col("stayer_downloads_first") + pl.col("leaver_downloads")
    last_total = pl.col("stayer_downloads_last") + pl.col("entrant_downloads")
    table = (
        groups.join(totals, on=["view", "dimension"])
        .with_columns(
            ((pl.col("group_stayer_downloads_first") + pl.col("group_leaver_downloads")) / first_total).alias(
                "share_first"
            ),
            ((pl.col("group_stayer_downloads_last") + pl.col("group_entrant_downloads")) / last_total).alias(
                "share_last"
            ),
            ratio("group_stayer_downloads_first", "stayer_downloads_first").alias("stayers_share_first"),
            ratio("group_stayer_downloads_last", "stayer_downloads_last").alias("stayers_share_last"),
        )
        .with_columns(
            (100 * (pl.col("share_last") - pl.col("share_first"))).alias("change_pp"),
            (100 * (pl.col("stayers_share_last") - pl.col("stayers_share_first"))).alias("stayers_pp"),
            # w_E (S_E - S_S,2) and w_L (S_S,1 - S_L), written without dividing by the entrants' or leavers' total.
            (
                100
                * (pl.col("group_entrant_downloads") - pl.col("entrant_downloads") * pl.col("stayers_share_last"))
                / last_total
            ).alias("entrants_pp"),
            (
                100
                * (pl.col("leaver_downloads") * pl.col("stayers_share_first") - pl.col("group_leaver_downloads"))
                / first_total
            ).alias("leavers_pp"),
        )
    )
    # Sums taken in different orders can put a share a few ulps past 1, or a part past 100 points, bounds the
    # exact arithmetic keeps; the clip moves nothing by more than that rounding.
    bounded = table.with_columns(
        pl.col("share_first", "share_last", "stayers_share_first", "stayers_share_last").clip(0.0, 1.0),
        pl.col("change_pp", "stayers_pp", "entrants_pp", "leavers_pp").clip(-100.0, 100.0),
    )
    return bounded.select(
        "view",
        "dimension",
        "group",
        "share_first",
        "share_last",
        "change_pp",
        "stayers_pp",
        "entrants_pp",
        "leavers_pp",
        "stayers_share_first",
        "stayers_share_last",
        *(f"{status}s" for status in STATUSES),
        *SUMS,
    ).sort("view", "dimension", "group")


def composition_table(
    attributed: pl.LazyFrame, periods: dict[str, tuple[dt.date, dt.date]], measure: str
) -> pl.DataFrame:
    """The decomposition between the build's first and last window (no rows when it has fewer than two)."""
    windows = comparison_windows(weeks_held(attributed), periods, measure)
    return window_composition(windows, *(rows_in_window(attributed, window) for window in windows or ()))


def weeks_held(attributed: pl.LazyFrame) -> list[dt.date]:
    """The weeks the attributed rows hold."""
    return attributed.select(pl.col("week").unique()).collect().get_column("week").to_list()


def window_composition(windows: tuple[Window, Window] | None, *rows: pl.LazyFrame) -> pl.DataFrame:
    """The `Composition` table between the windows, from each window's rows (none without windows)."""
    if windows is None:
        return Composition.validate(pl.DataFrame(schema=COMPOSITION_COLUMNS))
    first, last = windows
    parts = decompose_share_change(credited_in_windows(*rows))
    table = parts.with_columns(
        pl.lit(first.kind).alias("window_kind"),
        pl.lit(first.name).alias("first_period"),
        pl.lit(last.name).alias("last_period"),
    )
    return Composition.validate(table.select(list(COMPOSITION_COLUMNS)).cast(COMPOSITION_COLUMNS))


COMPOSITION_COLUMNS = {
    "view": pl.String,
    "dimension": pl.String,
    "group": pl.String,
    "window_kind": pl.String,
    "first_period": pl.String,
    "last_period": pl.String,
    "share_first": pl.Float64,
    "share_last": pl.Float64,
    "change_pp": pl.Float64,
    "stayers_pp": pl.Float64,
    "entrants_pp": pl.Float64,
    "leavers_pp": pl.Float64,
    "stayers_share_first": pl.Float64,
    "stayers_share_last": pl.Float64,
    "stayers": pl.Int64,
    "entrants": pl.Int64,
    "leavers": pl.Int64,
    "stayer_downloads_first": pl.Float64,
    "stayer_downloads_last": pl.Float64,
    "entrant_downloads": pl.Float64,
    "leaver_downloads": pl.Float64,
}


def composition_file(inputs: Mapping[str, Sequence[str | Path]], settings: Mapping, output: str | Path) -> pl.DataFrame:
    """File-to-file form: `inputs["blocks"]`, the calendar blocks' `CreditedBlock` sums (whose first days are
    `settings["blocks"]`, in the same order), and `inputs["attributed"]`, the weeks' attributed rows ->
    `results/tables/composition.csv`; `settings`: also the configured `periods` and the panel's `measure`.

    A period window sums its blocks, so only the open month's block is summed again when a week is added; the
    attributed weeks are read for the weeks they hold, and for an interval window's one week.
    """
    blocks = dict(zip(settings["blocks"], inputs["blocks"], strict=True))
    scan = pl.scan_parquet([str(path) for path in inputs["attributed"]])
    windows = comparison_windows(weeks_held(scan), parse_periods(settings["periods"]), settings["measure"])
    table = window_composition(windows, *(window_rows(window, blocks, scan) for window in windows or ()))
    write_csv(table, output)
    if table.height:
        row = table.row(0, named=True)
        log.info(
            "%s to %s: %d stayers, %d entrants, %d leavers",
            row["first_period"],
            row["last_period"],
            row["stayers"],
            row["entrants"],
            row["leavers"],
        )
    else:
        log.info("fewer than two windows to compare: no rows")
    return table
