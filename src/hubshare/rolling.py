"""The panel's `rolling30` measure, for sources that carry only the Hub's rolling 30-day count.

Definition (stated in the paper's methods):

- The Hub's `downloads` field at snapshot t counts the downloads in the 30
  days up to t. One such count does not identify the downloads in the interval
  (t_prev, t] since the model's previous observation: the same download
  appears in every count whose window covers its day, and the count says
  nothing about how its downloads spread over the window.
- Estimator: each count is spread evenly over its 30 days, and the interval
  (t_prev, t] receives the days of the window it covers, min(t - t_prev, 30)
  of them. The estimate is count * min(t - t_prev, 30) / 30: for daily
  snapshots a thirtieth of each count, for weekly ones 7/30 of it. Where
  snapshots are closer than 30 days the windows overlap, and the rest of each
  count (the days before t_prev, already represented by earlier snapshots) is
  excluded; where they are more than 30 days apart the whole count is used and
  the days before the window are not observed at all.
- First snapshot: its counts are the downloads of the 30 days up to it, the
  first interval of the study, counted whole (unlike a cumulative count, a
  30-day count can be placed in time), so that even a single snapshot is a
  cross-section of 30 days. A model first seen later gets the days since the
  previous snapshot of the source, as if it had been observed there.
- Gaps: a model missing from some snapshots is estimated against its last
  observation; `interval_days` records the span.
- Rounding: the panel holds whole downloads. Each model's cumulative estimate
  (an exact multiple of 1/30, computed in integers) is rounded half up, and
  its model-week value is the increase of that rounded sum, so every model's
  counted total is its exact estimate rounded to the nearest download and no
  model is favoured by a rounding order. Model-weeks with zero downloads are
  not stored.

Limits: the estimate is a 30-day moving average of the true daily downloads.
It smooths (a one-day spike is spread evenly over the 30 days after it), it
lags (a new model's first downloads are credited over the following 30 days,
and a decline shows late), and it cannot locate a spike within its window.
For daily snapshots every day away from the first and last 30 days of the
study is credited exactly once, so totals over long spans are right; with
weekly snapshots a day is credited 28/30 or 35/30 of its downloads depending
on where it falls, right on average and exactly for steady downloads. Values
for a single week are estimates, never observations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from hubshare.panel import CARRIED_COLUMNS, LEDGER_SCHEMA, WEEKS_SCHEMA, PanelError, panel_rows
from hubshare.schemas import Ledger, Panel, PanelWeeks

WINDOW_DAYS = 30
MEASURE = "rolling30"
OBSERVATION_COLUMNS = ["snapshot_date", "model_key", "model_id", "namespace", "created_at", "downloads_30d"]


def rolling30_panel(observations: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (panel, ledger) from normalized-snapshot rows of one source, with the `rolling30` measure.

    The panel has the columns of `hubshare.panel.panel_rows`; the columns of
    `CARRIED_COLUMNS` present in `observations` are carried along.
    """
    missing = [name for name in OBSERVATION_COLUMNS if name not in observations.columns]
    if missing:
        raise PanelError(f"rolling30: observations lack the column(s) {missing}")
    duplicated = observations.select("snapshot_date", "model_key").is_duplicated()
    if duplicated.any():
        first = observations.filter(duplicated).row(0, named=True)
        raise PanelError(
            f"rolling30: column model_key breaks rule 'one row per model and snapshot': "
            f"{first['model_key']!r} appears more than once on {first['snapshot_date']}"
        )
    carried = [name for name in CARRIED_COLUMNS if name in observations.columns]
    # Numbered as the weekly panel numbers them: in the order of first observation.
    numbers = (
        observations.group_by("model_key")
        .agg(pl.col("snapshot_date").min())
        .sort("snapshot_date", "model_key")
        .select("model_key", pl.int_range(pl.len(), dtype=pl.UInt32).alias("model_number"))
    )
    steps = _estimate_steps(observations).join(numbers, on="model_key", how="left", maintain_order="left")
    panel = panel_rows(steps.with_columns(pl.lit(MEASURE).alias("measure")), carried).sort("week", "model_key")
    return Panel.validate(panel), Ledger.validate(_ledger(steps))


def rolling30_week_measures(panel: pl.DataFrame, dates: Sequence[str]) -> pl.DataFrame:
    """The panel's weeks as `hubshare.panel.week_measures` lists them: every one, the first included, estimated."""
    sums = panel.group_by("week").agg(pl.col("downloads").sum(), pl.len().cast(pl.Int64).alias("model_weeks"))
    weeks = pl.DataFrame(
        {"week": [dt.date.fromisoformat(d) for d in dates], "measure": [MEASURE] * len(dates)},
        schema={"week": pl.Date, "measure": pl.String},
    )
    return (
        weeks.join(sums, on="week", how="left", maintain_order="left")
        .with_columns(pl.col("downloads", "model_weeks").fill_null(0))
        .select(list(WEEKS_SCHEMA))
        .cast(WEEKS_SCHEMA)
        .pipe(PanelWeeks.validate)
    )


def _estimate_steps(observations: pl.DataFrame) -> pl.DataFrame:
    """One row per observation with a count, with its covered days, exact estimate and rounded share."""
    dates = sorted(observations.get_column("snapshot_date").unique().to_list())
    previous_snapshot = pl.DataFrame(
        {"snapshot_date": dates, "previous_snapshot": [None, *dates[:-1]]},
        schema={"snapshot_date": pl.Date, "previous_snapshot": pl.Date},
    )
    count = pl.col("downloads_30d")
    # Thirtieths of a download, so the estimate stays an exact integer until rounding.
    thirtieths = pl.col("estimate_thirtieths")
    return (
        observations.filter(count.is_not_null())
        .join(previous_snapshot, on="snapshot_date", how="left")
        # Window expressions below (shift, cum_sum) read rows in this order.
        .sort("model_key", "snapshot_date")
        .with_columns(pl.col("snapshot_date").shift(1).over("model_key").alias("previous_seen"))
        .with_columns(
            pl.when(pl.col("previous_snapshot").is_null())
            .then(pl.lit(WINDOW_DAYS))
            .otherwise((pl.col("snapshot_date") - pl.coalesce("previous_seen", "previous_snapshot")).dt.total_days())
            .cast(pl.Int32)
            .alias("interval_days"),
        )
        .with_columns(
            pl.when(pl.col("previous_snapshot").is_null())
            .then(pl.lit("first_window"))
            .when(pl.col("previous_seen").is_null())
            .then(pl.lit("first_appearance"))
            .when(pl.col("interval_days") > WINDOW_DAYS)
            .then(pl.lit("after_long_gap"))
            .otherwise(pl.lit("interval"))
            .alias("step"),
            pl.min_horizontal("interval_days", pl.lit(WINDOW_DAYS)).cast(pl.Int64).alias("covered_days"),
        )
        .with_columns((count * pl.col("covered_days")).alias("estimate_thirtieths"))
        .with_columns(
            ((thirtieths.cum_sum().over("model_key") + WINDOW_DAYS // 2) // WINDOW_DAYS).alias("rounded_cumulative"),
        )
        .with_columns(
            (
                pl.col("rounded_cumulative") - pl.col("rounded_cumulative").shift(1, fill_value=0).over("model_key")
            ).alias("counted"),
            pl.when(pl.col("step").is_in(["first_appearance", "first_window"]))
            .then(pl.lit("first_appearance"))
            .otherwise(pl.lit("increase"))
            .alias("event"),
        )
    )


def _ledger(steps: pl.DataFrame) -> pl.DataFrame:
    def line(category: str, role: str, rows: pl.DataFrame, column: str, definition: str) -> dict:
        return {
            "category": category,
            "downloads": int(rows.get_column(column).sum() or 0),
            "model_weeks": int((rows.get_column(column) > 0).sum()),
            "role": role,
            "definition": definition,
        }

    def of_step(*names: str) -> pl.DataFrame:
        return steps.filter(pl.col("step").is_in(names))

    dates = steps.get_column("snapshot_date")
    window = f"{dates.min()} to {dates.max()}" if steps.height else "no snapshots with counts"
    after_baseline = of_step("first_window", "first_appearance", "interval", "after_long_gap").with_columns(
        (pl.col("downloads_30d") - pl.col("counted")).alias("not_counted")
    )
    lines = [
        line(
            "counted_rolling30_interval",
            "counted",
            of_step("interval"),
            "counted",
            "Share of a 30-day count for the days since the model's previous observation (at most 30 days back).",
        ),
        line(
            "counted_rolling30_first_appearance",
            "counted",
            of_step("first_appearance"),
            "counted",
            "Share of a 30-day count for the days since the previous snapshot, for a model seen for the first time.",
        ),
        line(
            "counted_rolling30_after_long_gap",
            "counted",
            of_step("after_long_gap"),
            "counted",
            "Whole 30-day count of a model last seen more than 30 days earlier; the days before the window are unobserved.",
        ),
        line(
            "counted_rolling30_first_window",
            "counted",
            of_step("first_window"),
            "counted",
            "Whole 30-day counts of the first snapshot: the downloads of the 30 days up to it.",
        ),
        line(
            "excluded_rolling30_window_overlap",
            "excluded",
            after_baseline,
            "not_counted",
            "Part of each later 30-day count not assigned to its interval (days before the previous observation, "
            "represented by earlier snapshots) after rounding; not further downloads.",
        ),
        line(
            "check_sum_of_30d_counts",
            "check",
            steps,
            "downloads_30d",
            "Sum of every 30-day count observed; equals the counted and excluded lines together.",
        ),
        {
            "category": "check_unrounded_estimate",
            "downloads": int((steps.get_column("estimate_thirtieths").sum() + WINDOW_DAYS // 2) // WINDOW_DAYS),
            "model_weeks": int((steps.get_column("estimate_thirtieths") > 0).sum()),
            "role": "check",
            "definition": "Sum of the exact (fractional) estimates, rounded once; differs from counted_total only by rounding.",
        },
        line(
            "counted_total",
            "check",
            steps,
            "counted",
            f"All downloads in the panel (sum of the counted lines), rolling30 measure, snapshots {window}.",
        ),
    ]
    return pl.DataFrame(lines, schema=LEDGER_SCHEMA)


def check_rolling30_conservation(ledger: pl.DataFrame, panel_total: int) -> None:
    """Raise unless the counted lines equal the panel and counted + excluded equals every count observed."""
    by_category = dict(zip(ledger.get_column("category"), ledger.get_column("downloads"), strict=True))
    counted = sum(v for k, v in by_category.items() if k.startswith("counted_") and k != "counted_total")
    excluded = sum(v for k, v in by_category.items() if k.startswith("excluded_"))
    if counted != panel_total or counted != by_category["counted_total"]:
        raise PanelError(f"rolling30 ledger: counted lines sum to {counted} but the panel holds {panel_total}")
    if counted + excluded != by_category["check_sum_of_30d_counts"]:
        raise PanelError(
            f"rolling30 ledger: counted + excluded = {counted + excluded} "
            f"!= sum of 30-day counts {by_category['check_sum_of_30d_counts']}"
        )
