"""From normalized snapshots to downloads per model per week, with a conservation ledger.

Definitions (stated in the paper's methods):

- The downloads of model m in week t are the increase of `downloadsAllTime`
  between m's previous observation and snapshot t, keyed by the stable `_id`
  so that renames do not break a series.
- First appearance: in the first snapshot, a model's cumulative count holds
  downloads from before the study window; it is excluded as the baseline.
  After that, a model's first cumulative count is counted in the week it
  appears (split in the ledger into models created since the previous
  snapshot and models first seen late).
- Counter resets: when the count falls, the counter is taken to have restarted
  from zero, so the week's downloads are the new value; the fallen amount is
  recorded as an adjustment.
- Deletions: a model that disappears keeps the downloads counted before; its
  last value stays in the ledger identity.
- Gaps: a model missing from some snapshots is differenced against its last
  observation; `interval_days` records the span.
- Model-weeks with zero downloads are not stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.schemas import Ledger, Panel

CARRIED_COLUMNS = [
    "pipeline_tag",
    "library_name",
    "base_relation",
    "params_total",
    "lineage_status",
    "lineage_roots",
    "lineage_root_first",
]


class PanelError(ValueError):
    pass


def read_observations(snapshot_paths: Sequence[str | Path]) -> pl.DataFrame:
    """The columns the panel needs from every normalized snapshot of one source."""
    if not snapshot_paths:
        raise PanelError("panel: no normalized snapshots given")
    check_snapshot_dates(snapshot_paths)
    return (
        pl.scan_parquet([str(p) for p in snapshot_paths])
        .select(
            "snapshot_date", "model_key", "model_id", "namespace", "created_at", "downloads_all_time",
            "downloads_30d", *CARRIED_COLUMNS,
        )
        .collect()
    )


def build_panel(snapshot_paths: Sequence[str | Path]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (panel, ledger) from normalized snapshot files of one source, by the `alltime_diff` measure."""
    return alltime_panel(read_observations(snapshot_paths))


def alltime_panel(observations: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (panel, ledger) from normalized-snapshot rows, differencing `downloadsAllTime`."""
    if observations.get_column("downloads_all_time").null_count() == observations.height:
        raise PanelError(
            "panel: no snapshot carries `downloadsAllTime`; the `alltime_diff` measure needs it "
            "(column downloads_all_time, rule alltime_diff)"
        )
    dates = sorted(observations.get_column("snapshot_date").unique().to_list())
    steps = _classify_steps(observations, dates)
    panel = (
        panel_rows(steps, "alltime_diff", CARRIED_COLUMNS)
        .sort("week", "model_key")
    )
    return Panel.validate(panel), Ledger.validate(_ledger(steps, observations))


def panel_rows(steps: pl.DataFrame, measure: str, carried: list[str]) -> pl.DataFrame:
    """The panel's columns from classified steps: model-weeks with a positive count."""
    return steps.filter(pl.col("counted") > 0).select(
        pl.col("snapshot_date").alias("week"),
        "model_key",
        "model_id",
        "namespace",
        "created_at",
        pl.col("counted").alias("downloads"),
        "interval_days",
        "event",
        pl.lit(measure).alias("measure"),
        *carried,
    )


def check_snapshot_dates(snapshot_paths: Sequence[str | Path]) -> None:
    """Each file holds one snapshot date, the one its name says (when named by date), and no date twice."""
    seen: dict[dt.date, str] = {}
    for path in snapshot_paths:
        dates = pl.scan_parquet(str(path)).select(pl.col("snapshot_date").unique()).collect()["snapshot_date"]
        rule = "one snapshot per file, dated as named"
        if dates.len() != 1:
            raise PanelError(f"{path}: column 'snapshot_date' breaks rule '{rule}': {dates.len()} dates in one file")
        date = dates[0]
        try:
            named = dt.date.fromisoformat(Path(path).stem)
        except ValueError:
            named = date
        if named != date:
            raise PanelError(f"{path}: column 'snapshot_date' breaks rule '{rule}': holds {date}, named {named}")
        if date in seen:
            raise PanelError(f"{path}: column 'snapshot_date' breaks rule '{rule}': {date} also in {seen[date]}")
        seen[date] = str(path)


def _classify_steps(observations: pl.DataFrame, dates: list[dt.date]) -> pl.DataFrame:
    """One row per observation with the downloads it contributes and how."""
    previous_snapshot = pl.DataFrame(
        {"snapshot_date": dates, "previous_snapshot": [None, *dates[:-1]]},
        schema={"snapshot_date": pl.Date, "previous_snapshot": pl.Date},
    )
    value = pl.col("downloads_all_time")
    before = pl.col("previous_value")
    created_since_previous = pl.col("created_at").dt.date() > pl.col("previous_snapshot")
    return (
        observations.filter(value.is_not_null())
        .sort("model_key", "snapshot_date")
        .with_columns(
            value.shift(1).over("model_key").alias("previous_value"),
            pl.col("snapshot_date").shift(1).over("model_key").alias("previous_seen"),
        )
        .join(previous_snapshot, on="snapshot_date", how="left")
        .with_columns(
            pl.when(pl.col("previous_snapshot").is_null())
            .then(pl.lit("baseline"))
            .when(before.is_null() & (created_since_previous | pl.col("created_at").is_null()))
            .then(pl.lit("first_appearance"))
            .when(before.is_null())
            .then(pl.lit("late_first_appearance"))
            .when(value >= before)
            .then(pl.lit("increase"))
            .otherwise(pl.lit("counter_reset"))
            .alias("step"),
        )
        .with_columns(
            pl.when(pl.col("step") == "baseline")
            .then(0)
            .when(pl.col("step") == "increase")
            .then(value - before)
            .otherwise(value)
            .alias("counted"),
            pl.when(pl.col("step") == "counter_reset").then(before).otherwise(0).alias("dropped"),
            pl.when(pl.col("step") == "late_first_appearance")
            .then(pl.lit("first_appearance"))
            .otherwise(pl.col("step"))
            .alias("event"),
            (pl.col("snapshot_date") - pl.coalesce("previous_seen", "previous_snapshot", "snapshot_date"))
            .dt.total_days()
            .cast(pl.Int32)
            .alias("interval_days"),
        )
    )


def _ledger(steps: pl.DataFrame, observations: pl.DataFrame) -> pl.DataFrame:
    def line(category: str, role: str, rows: pl.DataFrame, column: str, definition: str) -> dict:
        return {
            "category": category,
            "downloads": int(rows.get_column(column).sum() or 0),
            "models": rows.filter(pl.col(column) > 0).get_column("model_key").n_unique(),
            "role": role,
            "definition": definition,
        }

    by_step = {step: steps.filter(pl.col("step") == step) for step in steps.get_column("step").unique().to_list()}
    empty = steps.clear()
    baseline = by_step.get("baseline", empty).with_columns(pl.col("downloads_all_time").alias("baseline"))
    last_values = (
        observations.filter(pl.col("downloads_all_time").is_not_null())
        .sort("snapshot_date")
        .group_by("model_key")
        .agg(pl.col("downloads_all_time").last())
    )
    lines = [
        line("counted_increase", "counted", by_step.get("increase", empty), "counted",
             "Increase of the cumulative count over the model's previous observation."),
        line("counted_first_appearance_new", "counted", by_step.get("first_appearance", empty), "counted",
             "Cumulative count of a model created since the previous snapshot, at its first appearance."),
        line("counted_first_appearance_late", "counted", by_step.get("late_first_appearance", empty), "counted",
             "Cumulative count of a model created earlier but first seen in this snapshot."),
        line("counted_after_counter_reset", "counted", by_step.get("counter_reset", empty), "counted",
             "Value after a fall of the cumulative count (counter restarted from zero)."),
        line("excluded_baseline_before_window", "excluded", baseline, "baseline",
             "Cumulative count in the first snapshot: downloads before the study window."),
        line("adjustment_counter_reset_drop", "adjustment", by_step.get("counter_reset", empty), "dropped",
             "Cumulative count lost when a counter fell; not downloads, but needed for the identity."),
        line("check_sum_of_last_values", "check", last_values, "downloads_all_time",
             "Sum over models of the last observed cumulative count (deleted models included)."),
    ]
    ledger = pl.DataFrame(lines, schema={"category": pl.String, "downloads": pl.Int64, "models": pl.Int64,
                                         "role": pl.String, "definition": pl.String})
    counted = ledger.filter(pl.col("role") == "counted").get_column("downloads").sum()
    lines.append({
        "category": "counted_total",
        "downloads": int(counted),
        "models": steps.filter(pl.col("counted") > 0).get_column("model_key").n_unique(),
        "role": "check",
        "definition": "All downloads in the panel (sum of the counted lines).",
    })
    return pl.DataFrame(lines, schema=ledger.schema)


def check_conservation(ledger: pl.DataFrame, panel_total: int) -> None:
    """Raise unless counted + excluded - adjustments equals the sum of last values, exactly."""
    by_category = dict(zip(ledger.get_column("category"), ledger.get_column("downloads"), strict=True))
    counted = sum(v for k, v in by_category.items() if k.startswith("counted_") and k != "counted_total")
    excluded = sum(v for k, v in by_category.items() if k.startswith("excluded_"))
    adjustments = sum(v for k, v in by_category.items() if k.startswith("adjustment_"))
    if counted != panel_total or counted != by_category["counted_total"]:
        raise PanelError(f"ledger: counted lines sum to {counted} but the panel holds {panel_total}")
    if counted + excluded - adjustments != by_category["check_sum_of_last_values"]:
        raise PanelError(
            "ledger: counted + excluded - adjustments = "
            f"{counted + excluded - adjustments} != sum of last values {by_category['check_sum_of_last_values']}"
        )
