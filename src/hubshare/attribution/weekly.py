"""File-to-file steps of the per-week jobs: a week's panel rows, then its attribution and sums.

Each function reads one week's inputs and writes that week's outputs
atomically, so the workflow runs one job per snapshot and a new snapshot adds
one job of each kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from hubshare.attribution.aggregates import aggregate, write_aggregates
from hubshare.attribution.credit import attribute
from hubshare.attribution.registry import load_iso_codes, load_legacy_ids, load_registry
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.jobs.atomic import read_json, write_csv, write_json, write_parquet, write_text
from hubshare.jobs.loaded_once import loaded_once
from hubshare.panel.ledger import CUMULATIVE_MEASURE, guard_counts
from hubshare.panel.model_weeks import (
    STATE_SCHEMA,
    PanelError,
    empty_state,
    measured,
    panel_week,
    read_snapshot_observations,
)
from hubshare.panel.plausibility import DEFAULTS as PLAUSIBILITY_DEFAULTS
from hubshare.panel.plausibility import BookedHistory, implausible


def panel_week_file(
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    previous_snapshot: str | None,
    log: str | Path,
    plausibility: dict | None = None,
    measure: str = CUMULATIVE_MEASURE,
) -> None:
    """Difference one normalized snapshot against the state after the snapshot before it.

    `inputs`: `snapshot` (the normalized snapshot) and, after the first week,
    `state` (what the week before left) and `history` (the booked weeks);
    `quality` and `previous_quality` (the two snapshots' normalize records)
    tell a repeat (the same rows as the snapshot before) and a lost identity
    column. `outputs`: `panel`, `state`, `ledger` and `history`.
    `plausibility` (`hubshare.panel.plausibility`'s settings) tells an implausible
    week, which is left out or stops the run; the guards read every week
    after the first, by whichever measure it was booked. `measure` is the
    panel's configured measure (`rolling30` leaves cumulative counts unread).
    """
    snapshot, state, history = inputs["snapshot"], inputs.get("state"), inputs.get("history")
    quality, previous_quality = inputs.get("quality"), inputs.get("previous_quality")
    week = measured(read_snapshot_observations(snapshot), measure)
    if (state is None) != (previous_snapshot is None):
        raise PanelError(f"{snapshot}: a state goes with a previous snapshot date, and only with one")
    records = (read_json(quality), read_json(previous_quality)) if quality and previous_quality else None
    if records:
        require_identity_kept(snapshot, *records)
    before = empty_state() if state is None else pl.read_parquet(str(state)).cast(STATE_SCHEMA)
    previous = None if previous_snapshot is None else dt.date.fromisoformat(previous_snapshot)
    booked = BookedHistory(**read_json(history)) if history else BookedHistory()
    settings = {**PLAUSIBILITY_DEFAULTS, **(plausibility or {})}
    date = week.get_column("snapshot_date")[0]
    skip = "repeat" if records and records[0]["content_fingerprint"] == records[1]["content_fingerprint"] else None
    panel, ledger, after = panel_week(week, before, previous, skip)
    counted = int(ledger.filter(pl.col("role") == "counted").get_column("downloads").sum())
    largest = int(panel.get_column("downloads").max() or 0)
    reason = (
        None
        if skip or previous is None
        else implausible(date, counted, *guard_counts(ledger), booked, settings, largest)
    )
    if reason and settings["action"] == "error":
        cumulative = week.get_column("downloads_all_time").is_not_null().any()
        raise PanelError(
            f"{snapshot}: column '{'downloads_all_time' if cumulative else 'downloads_30d'}' breaks rule "
            "'plausible week' (step panel): "
            f"{reason}; set plausibility.action to exclude to leave such weeks out"
        )
    if reason:
        skip = "implausible"
        panel, ledger, after = panel_week(week, before, previous, skip)
    else:
        booked = booked if skip else booked.booked(date, counted, settings["history_weeks"])
    write_parquet(panel, outputs["panel"], statistics=False)
    write_parquet(after, outputs["state"], statistics=False)
    write_csv(ledger, outputs["ledger"])
    if outputs.get("history") is not None:
        write_json(booked.to_dict(), outputs["history"])
    status = {
        None: f"{counted} downloads",
        "repeat": f"a repeat of {previous_snapshot}: nothing booked",
        "implausible": f"implausible, left out: {reason}",
    }[skip]
    write_text(
        f"{snapshot}: {week.height} observations, {panel.height} model-weeks with downloads, "
        f"{status}; state holds {after.height} models\n",
        log,
    )


def require_identity_kept(snapshot: str | Path, record: dict, previous: dict) -> None:
    """Stop when the stable `_id` that keyed the week before vanishes: every model would look new."""
    before, now = previous.get("rows_with_object_id", 0), record.get("rows_with_object_id", 0)
    if before and now < 0.5 * before * record["rows_out"] / max(previous["rows_out"], 1):
        raise PanelError(
            f"{snapshot}: column '_id' breaks rule 'identity column kept' (step panel): {now:,} of "
            f"{record['rows_out']:,} rows carry the stable `_id`, against {before:,} of {previous['rows_out']:,} "
            f"in the snapshot before ({previous['snapshot_date']}); keyed by `id` instead, every model would "
            "be booked as new"
        )


@loaded_once
def load_attribution_tables(
    registry: str | Path, legacy_ids: str | Path, vocabularies: str | Path, iso_codes: str | Path
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(registry, legacy ids), validated; loaded once per process while the files are unchanged."""
    table = load_registry(registry, load_vocabularies(vocabularies), load_iso_codes(iso_codes))
    return table, load_legacy_ids(legacy_ids, table)


def attribute_week_file(
    panel: str | Path,
    tables: dict[str, str | Path],
    attributed_out: str | Path,
    aggregates_out: dict[str, str | Path],
    log: str | Path,
) -> None:
    """Credit one week's downloads (every view) and sum them into the week's aggregates."""
    registry, legacy_ids = load_attribution_tables(
        tables["registry"], tables["legacy_ids"], tables["vocabularies"], tables["iso_codes"]
    )
    rows = pl.read_parquet(str(panel))
    attributed = attribute(rows, registry, legacy_ids)
    write_parquet(attributed, attributed_out, statistics=False)
    write_aggregates(aggregate(rows, attributed), aggregates_out)
    write_text(f"{panel}: {rows.height} model-weeks -> {attributed.height} attributed rows\n", log)
