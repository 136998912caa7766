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
- Weeks without cumulative counts (the Hub's own snapshots lack
  `downloadsAllTime` before 2025-02-26): that week's downloads are estimated
  from the rolling 30-day count (`hubshare.rolling`'s estimator: the count
  times the days since the model's previous observation, at most 30, over
  30, rounded on each model's running sum). At the switch-over, a model seen
  before without a cumulative count gets the estimate once more, and its
  first cumulative count is excluded as its baseline; from then on its
  downloads are increases. Each row says which measure produced it.
- Repeats: a snapshot identical to the one before (same rows) is a repeat of
  that export, not a week without downloads. It adds no panel rows and leaves
  the state as it was, so the next snapshot's differences span both weeks.

The panel is built one snapshot at a time (`panel_week`): each week is
differenced against a *state*, every model's last observed count and when it
was seen, carried from week to week, so a new snapshot costs one week of
work and the history is never rebuilt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hubshare.schemas import Ledger, Panel, PanelState, PanelWeeks

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
WINDOW_DAYS = 30
LEDGER_SCHEMA = {
    "category": pl.String,
    "downloads": pl.Int64,
    "model_weeks": pl.Int64,
    "role": pl.String,
    "definition": pl.String,
}
# (category, role, step whose rows make the line, column summed, definition), in ledger order.
WEEK_LINES = [
    (
        "counted_increase",
        "counted",
        "increase",
        "counted",
        "Increase of the cumulative count over the model's previous observation.",
    ),
    (
        "counted_first_appearance_new",
        "counted",
        "first_appearance",
        "counted",
        "Cumulative count of a model created since the previous snapshot, at its first appearance.",
    ),
    (
        "counted_first_appearance_late",
        "counted",
        "late_first_appearance",
        "counted",
        "Cumulative count of a model created earlier but first seen in this snapshot.",
    ),
    (
        "counted_after_counter_reset",
        "counted",
        "counter_reset",
        "counted",
        "Value after a fall of the cumulative count (counter restarted from zero).",
    ),
    (
        "excluded_baseline_before_window",
        "excluded",
        "baseline",
        "downloads_all_time",
        "Cumulative count in the first snapshot: downloads before the study window.",
    ),
    (
        "adjustment_counter_reset_drop",
        "adjustment",
        "counter_reset",
        "dropped",
        "Cumulative count lost when a counter fell; not downloads, but needed for the identity.",
    ),
    (
        "counted_rolling30_estimate",
        "counted",
        "rolling30",
        "counted",
        "Estimate from the rolling 30-day count, for weeks (or models) without a previous cumulative count.",
    ),
    (
        "excluded_baseline_at_measure_switch",
        "excluded",
        "rolling30",
        "downloads_all_time",
        "First cumulative count of a model seen before only without one: downloads before the switch-over.",
    ),
    (
        "adjustment_cumulative_count_set_aside",
        "adjustment",
        "rolling30",
        "set_aside",
        "Last cumulative count of a model estimated from its 30-day count in a week without cumulative counts.",
    ),
]
LEDGER_COLUMNS = sorted({column for *_, column, _ in WEEK_LINES})
# Lines outside the cumulative identity: estimates from 30-day counts.
ESTIMATED_LINES = ("counted_rolling30_estimate",)
# Weeks that book nothing, with why: the state passes on unchanged and the next difference spans them.
SKIPPED_LINES = {
    "repeat": (
        "repeat_of_previous_snapshot",
        "excluded",
        "A snapshot identical to the one before: no downloads booked; the next difference spans both weeks.",
    ),
    "implausible": (
        "excluded_implausible_week",
        "excluded",
        "A week the plausibility guards refused (data-quality report): no downloads booked; the next "
        "difference spans it.",
    ),
}
# Counts the plausibility guards read, per week (check lines outside every identity).
GUARD_LINES = {
    "with_previous": ("check_models_with_previous_count", "Models whose count could be compared with a previous one."),
    "falling": ("check_models_with_falling_count", "Models whose cumulative count fell."),
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


def panel_week(
    week: pl.DataFrame, state: pl.DataFrame, previous_snapshot: dt.date | None, skip: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One snapshot's step: (panel rows of the week, the week's ledger lines, the state after it).

    `state` holds each model's last observed cumulative count, when it was
    seen and its running 30-day estimate, over every earlier snapshot;
    `previous_snapshot` is the snapshot before this one (None for the first,
    whose counts are the baseline). A skipped week (`skip`: `repeat`, the same
    rows as the snapshot before, or `implausible`) books nothing and passes
    the state on unchanged.

    Only the columns the differencing needs take part in the join; the
    week's other columns are gathered for the rows with downloads alone.
    """
    if skip is not None:
        lines = _week_ledger(pl.DataFrame(schema={"step": STEPS, **{name: pl.Int64 for name in LEDGER_COLUMNS}}))
        category, role, definition = SKIPPED_LINES[skip]
        skipped = pl.DataFrame(
            [
                {
                    "category": category,
                    "downloads": 0,
                    "model_weeks": week.height,
                    "role": role,
                    "definition": definition,
                }
            ],
            schema=LEDGER_SCHEMA,
        )
        empty = Panel.validate(panel_rows(_empty_steps(week), CARRIED_COLUMNS))
        return empty, pl.concat([lines, skipped]), state
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
    carried = week.select(pl.exclude(counts.columns)).gather(counted.get_column("row"))
    panel = Panel.validate(panel_rows(pl.concat([counted, carried], how="horizontal"), CARRIED_COLUMNS))
    return panel, _week_ledger(steps), new_state


def _empty_steps(week: pl.DataFrame) -> pl.DataFrame:
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
    return pl.DataFrame(schema={**columns, **{name: week.schema[name] for name in CARRIED_COLUMNS}})


def alltime_panel(observations: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (panel, ledger) from normalized-snapshot rows, differencing `downloadsAllTime` week by week."""
    require_cumulative_counts(observations, "observations")
    state, previous = empty_state(), None
    panels, ledgers = [], []
    for (date,), week in observations.sort("snapshot_date").group_by("snapshot_date", maintain_order=True):
        panel, ledger, state = panel_week(week, state, previous)
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


def build_panel(snapshot_paths: Sequence[str | Path]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (panel, ledger) from normalized snapshot files of one source, by the `alltime_diff` measure."""
    return alltime_panel(read_observations(snapshot_paths))


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
    every step after the baseline is a 30-day estimate.
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
        pl.when(previous.is_null())
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
    interval = (pl.col("snapshot_date") - pl.coalesce("previous_seen", previous, "snapshot_date")).dt.total_days()
    # Thirtieths of a download: the estimate stays an exact integer until each model's running sum is rounded.
    thirtieths_before = pl.col("previous_thirtieths").fill_null(0)
    thirtieths_after = thirtieths_before + pl.when(pl.col("step") == "rolling30").then(
        pl.col("downloads_30d").fill_null(0) * pl.min_horizontal(interval, pl.lit(WINDOW_DAYS))
    ).otherwise(0)
    rounded = lambda thirtieths: (thirtieths + WINDOW_DAYS // 2) // WINDOW_DAYS  # noqa: E731 - half up
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
            .then(pl.lit("rolling30"))
            .otherwise(pl.lit("alltime_diff"))
            .alias("measure"),
            interval.cast(pl.Int32).alias("interval_days"),
        )
    )
    return steps, unobserved


def _week_ledger(steps: pl.DataFrame) -> pl.DataFrame:
    """The week's counted, excluded and adjustment lines (downloads and the model-weeks behind them), and the
    counts the plausibility guards read."""
    lines = []
    for category, role, step, column, definition in WEEK_LINES:
        values = steps.filter(pl.col("step") == step).get_column(column)
        lines.append(
            {
                "category": category,
                "downloads": int(values.sum() or 0),
                "model_weeks": int((values > 0).sum()),
                "role": role,
                "definition": definition,
            }
        )
    compared = steps.get_column("step").is_in(["increase", "counter_reset"])
    counts = {"with_previous": int(compared.sum()), "falling": int((steps.get_column("step") == "counter_reset").sum())}
    for key, (category, definition) in GUARD_LINES.items():
        lines.append(
            {
                "category": category,
                "downloads": 0,
                "model_weeks": counts[key],
                "role": "check",
                "definition": definition,
            }
        )
    return pl.DataFrame(lines, schema=LEDGER_SCHEMA)


def guard_counts(week_ledger: pl.DataFrame) -> tuple[int, int]:
    """(models whose count fell, models with a previous count) from one week's ledger."""
    counts = dict(zip(week_ledger["category"], week_ledger["model_weeks"], strict=True))
    return counts[GUARD_LINES["falling"][0]], counts[GUARD_LINES["with_previous"][0]]


def combine_ledgers(week_ledgers: Sequence[pl.DataFrame], final_state: pl.DataFrame) -> pl.DataFrame:
    """The whole study's ledger: the weeks' lines summed, and the identity's check lines."""
    lines = (
        pl.concat(week_ledgers)
        .group_by("category", "role", "definition", maintain_order=True)
        .agg(pl.col("downloads").sum(), pl.col("model_weeks").sum())
        .select(*LEDGER_SCHEMA)
    )
    counted = lines.filter(pl.col("role") == "counted")
    last_values = final_state.get_column("last_value")
    checks = pl.DataFrame(
        [
            {
                "category": "check_sum_of_last_values",
                "downloads": int(last_values.sum() or 0),
                "model_weeks": int((last_values > 0).sum()),
                "role": "check",
                "definition": "Sum over models of the last observed cumulative count (deleted models included); "
                "model-weeks: one, the last, per model with a positive count.",
            },
            {
                "category": "counted_total",
                "downloads": int(counted.get_column("downloads").sum()),
                "model_weeks": int(counted.get_column("model_weeks").sum()),
                "role": "check",
                "definition": "All downloads in the panel (sum of the counted lines).",
            },
        ],
        schema=LEDGER_SCHEMA,
    )
    return Ledger.validate(pl.concat([lines, checks]))


def check_conservation(ledger: pl.DataFrame, panel_total: int) -> None:
    """Raise unless counted + excluded - adjustments equals the sum of last values, exactly."""
    by_category = dict(zip(ledger.get_column("category"), ledger.get_column("downloads"), strict=True))
    counted = sum(v for k, v in by_category.items() if k.startswith("counted_") and k != "counted_total")
    estimated = sum(by_category.get(k, 0) for k in ESTIMATED_LINES)
    excluded = sum(v for k, v in by_category.items() if k.startswith("excluded_"))
    adjustments = sum(v for k, v in by_category.items() if k.startswith("adjustment_"))
    if counted != panel_total or counted != by_category["counted_total"]:
        raise PanelError(f"ledger: counted lines sum to {counted} but the panel holds {panel_total}")
    observed = counted - estimated
    if observed + excluded - adjustments != by_category["check_sum_of_last_values"]:
        raise PanelError(
            "ledger: counted (without 30-day estimates) + excluded - adjustments = "
            f"{observed + excluded - adjustments} != sum of last values {by_category['check_sum_of_last_values']}"
        )


WEEKS_SCHEMA = {"week": pl.Date, "measure": pl.String, "downloads": pl.Int64, "model_weeks": pl.Int64}


def week_measures(dates: Sequence[str], week_ledgers: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Which measure booked each week: baseline (the first), alltime_diff, rolling30, switch (a first cumulative
    count after estimates), or a skipped week (repeat, implausible)."""
    rows = []
    for index, (date, lines) in enumerate(zip(dates, week_ledgers, strict=True)):
        by_category = {row["category"]: row for row in lines.iter_rows(named=True)}
        counted = [row for row in lines.iter_rows(named=True) if row["role"] == "counted"]
        estimated = sum(by_category[name]["model_weeks"] for name in ESTIMATED_LINES if name in by_category)
        switched = by_category.get("excluded_baseline_at_measure_switch", {}).get("model_weeks", 0)
        skipped = [name for name, (category, *_) in SKIPPED_LINES.items() if category in by_category]
        if skipped:
            measure = skipped[0]
        elif index == 0:
            measure = "baseline"
        elif switched:
            measure = "switch"
        else:
            measure = "rolling30" if estimated else "alltime_diff"
        rows.append(
            {
                "week": dt.date.fromisoformat(date),
                "measure": measure,
                "downloads": sum(row["downloads"] for row in counted),
                "model_weeks": sum(row["model_weeks"] for row in counted),
            }
        )
    return PanelWeeks.validate(pl.DataFrame(rows, schema=WEEKS_SCHEMA))


def measure_summary(weeks: pl.DataFrame) -> str:
    """`alltime_diff`, `rolling30`, or `mixed` when some weeks were estimated from 30-day counts and others not."""
    used = set(weeks.filter(~pl.col("measure").is_in(["baseline", *SKIPPED_LINES])).get_column("measure").to_list())
    if used <= {"alltime_diff"}:
        return "alltime_diff"
    return "rolling30" if used == {"rolling30"} else "mixed"


def split_weeks(panel: pl.DataFrame, dates: Sequence[str]) -> list[pl.DataFrame]:
    """The panel's rows of each snapshot date, in the order given; a date without downloads gets no rows."""
    weeks = {week: rows for (week,), rows in panel.partition_by("week", as_dict=True, maintain_order=True).items()}
    outside = set(weeks) - {dt.date.fromisoformat(d) for d in dates}
    if outside:
        raise PanelError(f"panel: rows for weeks {sorted(outside)} that are not snapshot dates")
    return [weeks.get(dt.date.fromisoformat(d), panel.clear()) for d in dates]
