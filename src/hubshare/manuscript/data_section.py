"""The data section: the conservation ledger's variables, paragraph and table."""

from __future__ import annotations

import polars as pl

from hubshare.manuscript.formatting import big_number
from hubshare.manuscript.tables import markdown_table


def ledger_variables(ledger: pl.DataFrame) -> dict:
    values = dict(zip(ledger["category"], ledger["downloads"], strict=True))
    model_weeks = dict(zip(ledger["category"], ledger["model_weeks"], strict=True))
    return {
        "counted": big_number(values["counted_total"]),
        "counted_exact": f"{values['counted_total']:,}",
        "model_weeks_counted": f"{model_weeks['counted_total']:,}",
    }


# The rules the 30-day estimate adds to the ledger's text (hubshare.panel.thirty_day states them).
FIRST_WINDOW = (
    "; the first snapshot's counts are the 30 days up to it, counted whole (unlike a cumulative count, a "
    "30-day count can be placed in time)"
)


ROUNDED_IDENTITY = (
    "the sum over models of each model's running estimate rounded to whole downloads, so that every model "
    "is credited its exact estimate to the nearest download"
)


def ledger_section(ledger: pl.DataFrame, measure: str, weeks: pl.DataFrame) -> str:
    """The data section's reconciliation paragraph and table, for the measure(s) the panel used.

    `weeks` (week, measure) says which measure booked each snapshot's week,
    where the switch-over from 30-day estimates to cumulative differences
    lies, and which snapshots repeated the one before.
    """
    values = dict(zip(ledger["category"], ledger["downloads"], strict=True))
    model_weeks = dict(zip(ledger["category"], ledger["model_weeks"], strict=True))
    counted = f"{values['counted_total']:,}"

    def cumulative_identity() -> str:
        before_window = values["excluded_baseline_before_window"]
        return (
            (
                f"the {big_number(before_window)} downloads already accumulated before the first snapshot, "
                if before_window
                else "the baselines, "
            )
            + f"minus the counts lost in {model_weeks['adjustment_counter_reset_drop']:,} "
            "counter falls, equal the sum of every model's last observed cumulative count"
        )

    if measure == "alltime_diff":
        text = (
            f"@tbl-ledger reconciles every download: the {counted} downloads in the panel, plus "
            f"{cumulative_identity()}; the identity balances exactly, and the workflow stops if it does not."
        )
    elif measure == "mixed":
        switch = weeks.filter(pl.col("measure") == "switch").get_column("week")
        estimated = values.get("counted_rolling30_estimate", 0)
        text = (
            "The earlier snapshots carry only the rolling 30-day count, so the downloads of those weeks are "
            "estimated from it: each count is spread evenly over its 30 days and an interval receives the days "
            "it covers (count x min(days since the model's previous observation, 30) / 30), a smoothed and "
            f"lagged estimate{FIRST_WINDOW if weeks.get_column('measure')[0] == 'rolling30' else ''}. "
            f"Cumulative counts start on {switch.min() if switch.len() else 'no date'}; from "
            "that snapshot on, downloads are increases of the cumulative count, and each model's first "
            f"cumulative count is its baseline ({big_number(values['excluded_baseline_at_measure_switch'])} "
            f"downloads, excluded). Of the {counted} downloads in the panel, {estimated:,} are such estimates; "
            f"they equal {ROUNDED_IDENTITY}. @tbl-ledger reconciles the rest: the counted increases, plus "
            f"{cumulative_identity()}; both identities balance exactly, and the workflow stops if one does not."
        )
    else:
        text = (
            "These snapshots carry only the rolling 30-day count, so the downloads of each interval are estimated: each "
            "count is spread evenly over its 30 days and an interval receives the days it covers "
            "(count x min(days since the model's previous observation, 30) / 30); a model first seen after the "
            f"first snapshot receives the days since the snapshot before{FIRST_WINDOW}. The estimate smooths and "
            "lags: a one-day spike is spread over the following 30 days, and a single interval's value is an "
            f"estimate, not an observation. @tbl-ledger reconciles it: the {counted} estimated downloads "
            f"in the panel, summed from its own files, equal {ROUNDED_IDENTITY}; the identity balances exactly, "
            "and the workflow stops if it does not."
        )
    repeats = weeks.filter(pl.col("measure") == "repeat").get_column("week").to_list()
    if repeats:
        text += (
            f" {len(repeats)} snapshot{'s' if len(repeats) > 1 else ''} ({', '.join(map(str, repeats))}) "
            f"repeat{'' if len(repeats) > 1 else 's'} the one before row for row: the source's export did not "
            "change that week, so no downloads are booked there and the next snapshot's differences span both "
            "weeks."
        )
    return (
        text
        + "\n\n"
        + ledger_table(ledger, measure)
        + "\n: Conservation ledger. Counted lines are in the panel; excluded lines were observed but "
        "belong to no interval; adjustments are counter falls; check lines state the identity. {#tbl-ledger}\n"
    )


# Lines that only some inputs use: shown when they hold something.
OPTIONAL_LEDGER_LINES = (
    "counted_rolling30_estimate",
    "check_sum_of_rounded_estimates",
    "excluded_baseline_at_measure_switch",
    "adjustment_cumulative_count_set_aside",
    "repeat_of_previous_snapshot",
)


def ledger_table(ledger: pl.DataFrame, measure: str) -> str:
    """The ledger's lines for the paper; with only 30-day estimates, the cumulative identity's empty lines go."""
    optional = (
        pl.col("category") != "counted_total"
        if measure == "rolling30"
        else pl.col("category").is_in(OPTIONAL_LEDGER_LINES)
    )
    unused = optional & (pl.col("downloads") == 0) & (pl.col("model_weeks") == 0)
    frame = ledger.filter(~unused).select(
        pl.col("category").alias("Line"),
        pl.col("role").alias("Role"),
        pl.col("downloads").map_elements(lambda v: f"{v:,}", return_dtype=pl.String).alias("Downloads"),
        pl.col("model_weeks").map_elements(lambda v: f"{v:,}", return_dtype=pl.String).alias("Model-intervals"),
    )
    return markdown_table(frame, align="llrr")
