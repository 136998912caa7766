"""From normalized snapshots to downloads per model per week, one snapshot at a time.

Definitions (stated in the paper's methods):

- The downloads of model m in week t are the increase of `downloadsAllTime`
  between m's previous observation and snapshot t, keyed by the stable `_id`
  so that renames do not break a series.
- First snapshot: one measured by cumulative counts is the baseline: a
  model's cumulative count there holds downloads from before the study
  window, which cannot be placed in time, so it is excluded and the week
  books nothing. One measured by 30-day counts books each count whole, as the
  30 days up to it (`hubshare.panel.thirty_day` states that rule with the
  estimator).
- First appearance: after the first snapshot, a model's first cumulative
  count is counted in the week it appears (split in the ledger into models
  created since the previous snapshot and models first seen late).
- Counter resets: when the count falls, the counter is taken to have restarted
  from zero, so the week's downloads are the new value; the fallen amount is
  recorded as an adjustment.
- Deletions: a model that disappears keeps the downloads counted before; its
  last value stays in the ledger identity.
- Gaps: a model missing from some snapshots is differenced against its last
  observation; `interval_days` records the span.
- Model-weeks with zero downloads are not stored.
- Weeks without cumulative counts (every week of a source with only 30-day
  counts, and the Hub's own snapshots before 2025-02-26, which lack
  `downloadsAllTime`): that week's downloads are estimated from the rolling
  30-day count by the `rolling30` estimator (`hubshare.panel.thirty_day`). At the
  switch-over, a model seen before without a cumulative count gets the
  estimate once more, and its first cumulative count is excluded as its
  baseline; from then on its downloads are increases. Each row says which
  measure produced it. With `measure: rolling30` every week is estimated,
  whatever cumulative counts the snapshots carry.
- Repeats: a snapshot identical to the one before (same rows) is a repeat of
  that export, not a week without downloads. It adds no panel rows and leaves
  the state as it was, so the next snapshot's differences span both weeks.

The panel is built one snapshot at a time (`panel_week`): each week is
differenced against a *state*, every model's last observed count, when it
was seen and its running 30-day estimate, carried from week to week, so a
new snapshot costs one week of work and the history is never rebuilt. Each
week also writes its ledger lines (`hubshare.panel.ledger`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.contracts.panel_tables import Panel, PanelState
from hubshare.panel.ledger import CUMULATIVE_MEASURE, combine_ledgers, skipped_week_ledger, week_ledger
from hubshare.panel.thirty_day import MEASURE as ROLLING_MEASURE
from hubshare.panel.thirty_day import WINDOW_DAYS, estimate_thirtieths, rounded

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


OBSERVATION_COLUMNS = [
    "snapshot_date",
    "model_key",
    "model_id",
    "namespace",
    "created_at",
    "downloads_all_time",
    "downloads_30d",
    *CARRIED_COLUMNS,
]
STATE_SCHEMA = {
    "model_key": pl.String,
    "model_number": pl.UInt32,
    "last_value": pl.Int64,
    "last_seen": pl.Date,
    "rolling_thirtieths": pl.Int64,
}


def read_snapshot_observations(path: str | Path) -> pl.DataFrame:
    """The columns the panel needs from one normalized snapshot, which must hold the date its name says."""
    frame = pl.read_parquet(str(path), columns=OBSERVATION_COLUMNS)
    dates = frame.get_column("snapshot_date").unique()
    rule = "one snapshot per file, dated as named"
    if dates.len() > 1:
        raise PanelError(f"{path}: column 'snapshot_date' breaks rule '{rule}': {dates.len()} dates in one file")
    try:
        named = dt.date.fromisoformat(Path(path).stem)
    except ValueError:
        named = None
    if dates.len() == 1 and named is not None and dates[0] != named:
        raise PanelError(f"{path}: column 'snapshot_date' breaks rule '{rule}': holds {dates[0]}, named {named}")
    return frame


def read_observations(snapshot_paths: Sequence[str | Path]) -> pl.DataFrame:
    """The panel's columns from every normalized snapshot of one source, each date once."""
    if not snapshot_paths:
        raise PanelError("panel: no normalized snapshots given")
    frames, seen = [], {}
    for path in snapshot_paths:
        frame = read_snapshot_observations(path)
        for date in frame.get_column("snapshot_date").unique().to_list():
            if date in seen:
                raise PanelError(
                    f"{path}: column 'snapshot_date' breaks rule 'one snapshot per file, dated as "
                    f"named': {date} also in {seen[date]}"
                )
            seen[date] = str(path)
        frames.append(frame)
    return pl.concat(frames)


def empty_state() -> pl.DataFrame:
    return pl.DataFrame(schema=STATE_SCHEMA)


def measured(week: pl.DataFrame, measure: str) -> pl.DataFrame:
    """The week as the configured measure reads it: with `rolling30` its cumulative counts are left unread."""
    if measure == ROLLING_MEASURE:
        return week.with_columns(pl.lit(None, dtype=pl.Int64).alias("downloads_all_time"))
    return week


def panel_week(
    week: pl.DataFrame, state: pl.DataFrame, previous_snapshot: dt.date | None, skip: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One snapshot's step: (panel rows of the week, the week's ledger lines, the state after it).

    `state` holds each model's last observed cumulative count, when it was
    seen and its running 30-day estimate, over every earlier snapshot;
    `previous_snapshot` is the snapshot before this one (None for the first:
    a baseline if the week carries cumulative counts, else 30 days counted
    whole). A skipped week (`skip`: `repeat`, the same rows as the snapshot
    before, or `implausible`) books nothing and passes the state on
    unchanged. The week's columns of `CARRIED_COLUMNS` are carried along.

    Only the columns the differencing needs take part in the join; the
    week's other columns are gathered for the rows with downloads alone.
    """
    carried = [name for name in CARRIED_COLUMNS if name in week.columns]
    if skip is not None:
        empty = Panel.validate(panel_rows(_empty_steps(week, carried), carried))
        return empty, skipped_week_ledger(skip, week.height), state
    cumulative = week.get_column("downloads_all_time").is_not_null().any()
    counts = week.select("model_key", "snapshot_date", "created_at", "downloads_all_time", "downloads_30d")
    steps, unobserved = _classify_steps(counts.with_row_index("row"), state, previous_snapshot, cumulative)
    observed = steps.select(
        "model_key",
        "model_number",
        pl.col("downloads_all_time").alias("last_value"),
        pl.col("snapshot_date").alias("last_seen"),
        "rolling_thirtieths",
    )
    new_state = PanelState.validate(pl.concat([unobserved, observed]))
    counted = steps.filter(pl.col("counted") > 0)
    gathered = week.select(pl.exclude(counts.columns)).gather(counted.get_column("row"))
    panel = Panel.validate(panel_rows(pl.concat([counted, gathered], how="horizontal"), carried))
    return panel, week_ledger(steps), new_state


def _empty_steps(week: pl.DataFrame, carried: list[str]) -> pl.DataFrame:
    """No steps, with the columns `panel_rows` reads (a repeated week books nothing)."""
    columns = {
        "snapshot_date": pl.Date,
        "model_key": pl.String,
        "model_number": pl.UInt32,
        "model_id": pl.String,
        "namespace": pl.String,
        "created_at": week.schema["created_at"],
        "counted": pl.Int64,
        "interval_days": pl.Int32,
        "event": pl.String,
        "measure": pl.String,
    }
    return pl.DataFrame(schema={**columns, **{name: week.schema[name] for name in carried}})


def chain_panel(observations: pl.DataFrame, measure: str = CUMULATIVE_MEASURE) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (panel, ledger) from normalized-snapshot rows of one source: `panel_week` over every snapshot
    in date order, as the workflow's jobs run it (without the plausibility guards)."""
    if measure == CUMULATIVE_MEASURE:
        require_cumulative_counts(observations, "observations")
    state, previous = empty_state(), None
    panels, ledgers = [], []
    for (date,), week in observations.sort("snapshot_date", maintain_order=True).group_by(
        "snapshot_date", maintain_order=True
    ):
        panel, ledger, state = panel_week(measured(week, measure), state, previous)
        panels.append(panel)
        ledgers.append(ledger)
        previous = date
    panel = pl.concat(panels).sort("week", "model_key")
    return panel, combine_ledgers(ledgers, state)


def require_cumulative_counts(observations: pl.DataFrame, where: str) -> None:
    if observations.get_column("downloads_all_time").null_count() == observations.height:
        raise PanelError(
            f"panel: {where} carry no `downloadsAllTime`; the `alltime_diff` measure needs it "
            "(column downloads_all_time, rule alltime_diff); set `measure: rolling30` for sources with only "
            "30-day counts"
        )


def build_panel(
    snapshot_paths: Sequence[str | Path], measure: str = CUMULATIVE_MEASURE
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (panel, ledger) from normalized snapshot files of one source (see `chain_panel`)."""
    return chain_panel(read_observations(snapshot_paths), measure)


def panel_rows(steps: pl.DataFrame, carried: list[str]) -> pl.DataFrame:
    """The panel's columns from classified steps: model-weeks with a positive count."""
    return steps.filter(pl.col("counted") > 0).select(
        pl.col("snapshot_date").alias("week"),
        "model_key",
        "model_number",
        "model_id",
        "namespace",
        "created_at",
        pl.col("counted").alias("downloads"),
        "interval_days",
        pl.col("event").cast(pl.String),
        pl.col("measure").cast(pl.String),
        *carried,
    )


# Categories, not strings: millions of rows are classified each week.
STEPS = pl.Enum(["baseline", "first_appearance", "late_first_appearance", "increase", "counter_reset", "rolling30"])


def _classify_steps(
    counts: pl.DataFrame, state: pl.DataFrame, previous_snapshot: dt.date | None, cumulative: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(one row per observation of the week with a count, in the week's order, with the downloads it
    contributes and how; the state's rows of models not observed this week).

    `cumulative`: whether the week carries cumulative counts; without them
    every step is a 30-day estimate (in the first snapshot, of its 30 days
    whole); with them the first snapshot is the baseline.
    """
    value = pl.col("downloads_all_time")
    before = pl.col("previous_value")
    previous = pl.lit(previous_snapshot, dtype=pl.Date)
    created_since_previous = pl.col("created_at").dt.date() > previous
    first_seen = pl.col("model_number").is_null()
    new = pl.col("first_seen")
    has_count = value.is_not_null() if cumulative else pl.col("downloads_30d").is_not_null()
    # One join gives both the week's models with their previous counts and the models not seen this week.
    joined = state.rename(
        {"last_value": "previous_value", "last_seen": "previous_seen", "rolling_thirtieths": "previous_thirtieths"}
    ).join(counts.filter(has_count), on="model_key", how="full", coalesce=True)
    unobserved = (
        joined.filter(pl.col("row").is_null())
        .select(
            "model_key",
            "model_number",
            pl.col("previous_value").alias("last_value"),
            pl.col("previous_seen").alias("last_seen"),
            pl.col("previous_thirtieths").alias("rolling_thirtieths"),
        )
        .sort("model_number")
    )
    step = (
        pl.when(previous.is_null() & pl.lit(cumulative))
        .then(pl.lit("baseline", dtype=STEPS))
        .when(pl.lit(not cumulative) | (~new & before.is_null()))
        .then(pl.lit("rolling30", dtype=STEPS))
        .when(new & (created_since_previous | pl.col("created_at").is_null()))
        .then(pl.lit("first_appearance", dtype=STEPS))
        .when(new)
        .then(pl.lit("late_first_appearance", dtype=STEPS))
        .when(value >= before)
        .then(pl.lit("increase", dtype=STEPS))
        .otherwise(pl.lit("counter_reset", dtype=STEPS))
    )
    # In the first snapshot, a 30-day count covers the 30 days up to it.
    since = (pl.col("snapshot_date") - pl.coalesce("previous_seen", previous)).dt.total_days()
    interval = since.fill_null(WINDOW_DAYS)
    # Thirtieths of a download: the estimate stays an exact integer until each model's running sum is rounded.
    thirtieths_before = pl.col("previous_thirtieths").fill_null(0)
    thirtieths_after = thirtieths_before + pl.when(pl.col("step") == "rolling30").then(
        estimate_thirtieths(pl.col("downloads_30d").fill_null(0), interval)
    ).otherwise(0)
    steps = (
        joined.filter(pl.col("row").is_not_null())
        .sort("row")
        # A model seen for the first time takes the next free number (the state numbers 0..n-1).
        .with_columns(first_seen.alias("first_seen"))
        .with_columns(
            pl.col("model_number").fill_null(
                pl.lit(state.height, dtype=pl.UInt32) + pl.col("first_seen").cum_sum().cast(pl.UInt32) - 1
            )
        )
        .with_columns(step.alias("step"))
        .with_columns(thirtieths_after.alias("rolling_thirtieths"))
        .with_columns(
            pl.when(pl.col("step") == "baseline")
            .then(0)
            .when(pl.col("step") == "rolling30")
            .then(rounded(pl.col("rolling_thirtieths")) - rounded(thirtieths_before))
            .when(pl.col("step") == "increase")
            .then(value - before)
            .otherwise(value)
            .alias("counted"),
            pl.when(pl.col("step") == "counter_reset").then(before).otherwise(0).alias("dropped"),
            pl.when(pl.col("step") == "rolling30").then(before.fill_null(0)).otherwise(0).alias("set_aside"),
            pl.when(pl.col("step") == "late_first_appearance")
            .then(pl.lit("first_appearance", dtype=STEPS))
            .when((pl.col("step") == "rolling30") & new)
            .then(pl.lit("first_appearance", dtype=STEPS))
            .when(pl.col("step") == "rolling30")
            .then(pl.lit("increase", dtype=STEPS))
            .otherwise(pl.col("step"))
            .alias("event"),
            pl.when(pl.col("step") == "rolling30")
            .then(pl.lit(ROLLING_MEASURE))
            .otherwise(pl.lit(CUMULATIVE_MEASURE))
            .alias("measure"),
            interval.cast(pl.Int32).alias("interval_days"),
        )
    )
    return steps, unobserved
