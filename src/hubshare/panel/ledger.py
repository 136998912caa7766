"""The conservation ledger: where every observed download went, week by week and over the study.

Each week's job writes the week's lines (`week_ledger`): the downloads it
counted, by the rule that counted them, what it saw but excluded, and the
adjustments the cumulative identity needs. The study's ledger
(`combine_ledgers`) sums the weeks' lines and adds the identities' terms,
read from the last panel state. `check_conservation` sets the counted lines
against the panel files summed on their own, measure by measure, and checks
one identity per measure:

- `alltime_diff`: the counted increases and first counts, plus the excluded
  baselines, minus the counts lost in counter falls and the cumulative counts
  set aside, equal the sum over models of the last observed cumulative count.
- `rolling30`: the estimates equal the sum over models of each model's
  running estimate (carried in the state in thirtieths of a download) rounded
  half up: every model is credited its exact estimate to the nearest
  download, whichever weeks the rounding fell in.

A week whose panel rows and ledger lines disagree, a week lost or booked
twice, or a week differenced against another week's state breaks one of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl

from hubshare.contracts.panel_tables import Ledger, PanelWeeks
from hubshare.panel.thirty_day import MEASURE as ROLLING_MEASURE
from hubshare.panel.thirty_day import rounded

CUMULATIVE_MEASURE = "alltime_diff"
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
# Counted lines of the `rolling30` measure (estimates from 30-day counts); the other counted lines are `alltime_diff`.
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


class ConservationError(ValueError):
    """The ledger does not balance against the panel or its identity."""


def week_ledger(steps: pl.DataFrame) -> pl.DataFrame:
    """The week's counted, excluded and adjustment lines (downloads and the model-weeks behind them), and the
    counts the plausibility guards read, from its classified steps (`step` and the `LEDGER_COLUMNS`)."""
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


def skipped_week_ledger(skip: str, observations: int) -> pl.DataFrame:
    """The lines of a week that books nothing (`skip`: a key of `SKIPPED_LINES`): every line at zero, and the
    line that says why, with the week's observations."""
    steps = pl.DataFrame(schema={"step": pl.String, **{name: pl.Int64 for name in LEDGER_COLUMNS}})
    category, role, definition = SKIPPED_LINES[skip]
    skipped = pl.DataFrame(
        [{"category": category, "downloads": 0, "model_weeks": observations, "role": role, "definition": definition}],
        schema=LEDGER_SCHEMA,
    )
    return pl.concat([week_ledger(steps), skipped])


def guard_counts(week_lines: pl.DataFrame) -> tuple[int, int]:
    """(models whose count fell, models with a previous count) from one week's ledger."""
    counts = dict(zip(week_lines["category"], week_lines["model_weeks"], strict=True))
    return counts[GUARD_LINES["falling"][0]], counts[GUARD_LINES["with_previous"][0]]


def combine_ledgers(week_ledgers: Sequence[pl.DataFrame], final_state: pl.DataFrame) -> pl.DataFrame:
    """The whole study's ledger: the weeks' lines summed, and the identities' check lines from the last state."""
    lines = (
        pl.concat(week_ledgers)
        .group_by("category", "role", "definition", maintain_order=True)
        .agg(pl.col("downloads").sum(), pl.col("model_weeks").sum())
        .select(*LEDGER_SCHEMA)
    )
    counted = lines.filter(pl.col("role") == "counted")
    last_values = final_state.get_column("last_value")
    estimates = rounded(final_state.get_column("rolling_thirtieths"))
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
                "category": "check_sum_of_rounded_estimates",
                "downloads": int(estimates.sum() or 0),
                "model_weeks": int((estimates > 0).sum()),
                "role": "check",
                "definition": "Sum over models of each model's running 30-day estimate, rounded half up to whole "
                "downloads; model-weeks: one per model with a positive estimate.",
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


def panel_totals(panel: pl.DataFrame | pl.LazyFrame) -> dict[str, int]:
    """The panel's downloads summed by measure, read from the panel rows alone."""
    sums = panel.lazy().group_by("measure").agg(pl.col("downloads").sum()).collect()
    return {measure: int(total) for measure, total in sums.iter_rows()}


def check_conservation(ledger: pl.DataFrame, totals: Mapping[str, int]) -> None:
    """Raise unless each measure's counted lines equal the panel's downloads of that measure (`totals`, from
    `panel_totals`) and both identities balance exactly (see the module docstring)."""
    by_category = dict(zip(ledger.get_column("category"), ledger.get_column("downloads"), strict=True))
    counted = {CUMULATIVE_MEASURE: 0, ROLLING_MEASURE: 0}
    for category, downloads in by_category.items():
        if category.startswith("counted_") and category != "counted_total":
            counted[ROLLING_MEASURE if category in ESTIMATED_LINES else CUMULATIVE_MEASURE] += downloads
    unknown = set(totals) - set(counted)
    if unknown:
        raise ConservationError(f"ledger: the panel holds rows of unknown measure(s) {sorted(unknown)}")
    for measure, lines in counted.items():
        if lines != totals.get(measure, 0):
            raise ConservationError(
                f"ledger: the {measure} counted lines sum to {lines} but the panel holds {totals.get(measure, 0)}"
            )
    if sum(counted.values()) != by_category["counted_total"]:
        raise ConservationError(
            f"ledger: counted lines sum to {sum(counted.values())} but counted_total says {by_category['counted_total']}"
        )
    excluded = sum(v for k, v in by_category.items() if k.startswith("excluded_"))
    adjustments = sum(v for k, v in by_category.items() if k.startswith("adjustment_"))
    cumulative = counted[CUMULATIVE_MEASURE] + excluded - adjustments
    if cumulative != by_category["check_sum_of_last_values"]:
        raise ConservationError(
            "ledger: counted (without 30-day estimates) + excluded - adjustments = "
            f"{cumulative} != sum of last values {by_category['check_sum_of_last_values']}"
        )
    if counted[ROLLING_MEASURE] != by_category["check_sum_of_rounded_estimates"]:
        raise ConservationError(
            f"ledger: 30-day estimates counted {counted[ROLLING_MEASURE]} != sum of every model's rounded running "
            f"estimate {by_category['check_sum_of_rounded_estimates']}"
        )


WEEKS_SCHEMA = {"week": pl.Date, "measure": pl.String, "downloads": pl.Int64, "model_weeks": pl.Int64}


def week_measures(dates: Sequence[str], week_ledgers: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Which measure booked each week: baseline (a first snapshot of cumulative counts), alltime_diff, rolling30
    (a first snapshot of 30-day counts included), switch (a first cumulative count after estimates), or a
    skipped week (repeat, implausible)."""
    rows = []
    for index, (date, lines) in enumerate(zip(dates, week_ledgers, strict=True)):
        by_category = {row["category"]: row for row in lines.iter_rows(named=True)}
        counted = [row for row in lines.iter_rows(named=True) if row["role"] == "counted"]
        estimated = sum(by_category[name]["model_weeks"] for name in ESTIMATED_LINES if name in by_category)
        switched = by_category.get("excluded_baseline_at_measure_switch", {}).get("model_weeks", 0)
        skipped = [name for name, (category, *_) in SKIPPED_LINES.items() if category in by_category]
        if skipped:
            measure = skipped[0]
        elif index == 0 and not estimated:
            measure = "baseline"
        elif switched:
            measure = "switch"
        else:
            measure = ROLLING_MEASURE if estimated else CUMULATIVE_MEASURE
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
    if used <= {CUMULATIVE_MEASURE}:
        return CUMULATIVE_MEASURE
    return ROLLING_MEASURE if used == {ROLLING_MEASURE} else "mixed"
