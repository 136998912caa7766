"""What a build's input can support: the capability record (`results/capabilities.json`).

The paper's sections, tables and claims depend on what the input carries: a
derived view needs declared base models, trends need several independent
download intervals, property rows need the fields they read. This record says
what the input has, measured on the normalized snapshots, so that the paper
can keep what the data support and say what they lack.

Download intervals are independent when they do not overlap: the increases of
the cumulative count between consecutive snapshots never do, while rolling
30-day counts overlap unless their snapshots are at least 30 days apart (the
record counts the longest chain of such counts, taken greedily from the first).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path

import jsonschema
import polars as pl

from hubshare.jobs.atomic import read_json, write_json
from hubshare.normalize.field_presence import FIELD_PRESENCE, namespace_count

log = logging.getLogger(__name__)

ROLLING_DAYS = 30
# Below this many namespaces, shares describe a handful of accounts, not an ecosystem.
MIN_NAMESPACES = 20
FRAME_KINDS = {
    "whole_hub": "every model the Hub lists",
    "list": "a list of models chosen by the source, such as the most downloaded, not the whole Hub",
    "undeclared": "not declared by the source",
}
# What each source covers unless its configuration says otherwise.
SOURCE_FRAMES = {
    "demo": ("whole_hub", "every model of the simulated Hub"),
    "hub": ("whole_hub", "every public model of the Hub, as the weekly snapshot lists it"),
    "api-json": ("list", "the models one call of the Hub models API returned"),
    "csv": ("list", "the models listed in the source's files"),
    "dir": ("undeclared", "the models in the snapshot files, which do not say how they were chosen"),
}

CAPABILITIES_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "capabilities.json",
    "description": "What the build's input carries, and so what the paper can report.",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "source",
        "synthetic",
        "snapshots",
        "cadence",
        "fields",
        "lineage",
        "download_measure",
        "intervals",
        "frame",
        "namespaces",
    ],
    "properties": {
        "source": {"type": "string", "description": "The configured source (`demo`, `hub`, `dir`, `api-json`, `csv`)."},
        "synthetic": {
            "type": "boolean",
            "description": "True when the data come from the demo's simulator, not the Hub.",
        },
        "snapshots": {
            "type": "object",
            "additionalProperties": False,
            "required": ["count", "first", "last", "rows"],
            "description": "The normalized snapshots read.",
            "properties": {
                "count": {"type": "integer", "minimum": 1, "description": "Number of snapshots."},
                "first": {"type": "string", "format": "date", "description": "Date of the first snapshot."},
                "last": {"type": "string", "format": "date", "description": "Date of the last snapshot."},
                "rows": {"type": "integer", "minimum": 0, "description": "Model rows over all snapshots."},
            },
        },
        "cadence": {
            "type": "string",
            "description": "Usual spacing of the snapshots: `daily`, `weekly`, `monthly`, `<N>-day`, or `one snapshot`.",
        },
        "fields": {
            "type": "object",
            "additionalProperties": False,
            "required": list(FIELD_PRESENCE),
            "description": "Share of model rows (over all snapshots) that carry each column of the raw contract "
            "(`tags`: a non-empty list; `baseModels`: at least one declared parent; "
            "`safetensors`: a total parameter count; `author`: a namespace from it or the id).",
            "properties": {
                name: {"type": "number", "minimum": 0, "maximum": 1, "description": f"Share of rows carrying `{name}`."}
                for name in FIELD_PRESENCE
            },
        },
        "namespaces": {
            "type": "integer",
            "minimum": 0,
            "description": "Distinct namespaces in the last snapshot (shares of an ecosystem need many).",
        },
        "lineage": {
            "type": "boolean",
            "description": "Whether any model declares a base model (the derived view needs it).",
        },
        "download_measure": {
            "type": "string",
            "enum": ["alltime_diff", "rolling30"],
            "description": "How the panel counts downloads (see the panel's ledger).",
        },
        "intervals": {
            "type": "object",
            "additionalProperties": False,
            "required": ["non_overlapping", "first_day", "last_day", "span_days"],
            "description": "Non-overlapping download intervals the snapshots give: differences of the cumulative "
            "count between consecutive snapshots, or 30-day counts at least 30 days apart.",
            "properties": {
                "non_overlapping": {"type": "integer", "minimum": 0, "description": "Number of such intervals."},
                "first_day": {"type": ["string", "null"], "format": "date", "description": "First day they cover."},
                "last_day": {"type": ["string", "null"], "format": "date", "description": "Last day they cover."},
                "span_days": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Days from first_day to last_day, inclusive.",
                },
            },
        },
        "frame": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "description"],
            "description": "The sampling frame: which models the snapshots list.",
            "properties": {
                "kind": {
                    "type": "string",
                    "enum": list(FRAME_KINDS),
                    "description": "`whole_hub`, `list` (a top-N or other selection) or `undeclared`.",
                },
                "description": {
                    "type": "string",
                    "description": "The frame in words, from the source or its configuration.",
                },
            },
        },
    },
}


def cadence_of(dates: Sequence[dt.date]) -> str:
    """The usual spacing of the snapshots, in words."""
    if len(dates) < 2:
        return "one snapshot"
    gaps = sorted((later - earlier).days for earlier, later in pairwise(dates))
    days = gaps[len(gaps) // 2]
    if days == 1:
        return "daily"
    if days == 7:
        return "weekly"
    if 27 <= days <= 33:  # calendar months, run a day or two early or late
        return "monthly"
    return f"{days}-day"


def non_overlapping_intervals(dates: Sequence[dt.date], measure: str) -> dict:
    """How many independent download intervals the snapshots give, and the days they cover."""
    dates = sorted(dates)
    if measure == "alltime_diff":
        count = len(dates) - 1
        first, last = (dates[0] + dt.timedelta(days=1), dates[-1]) if count else (None, None)
    else:
        chain = [dates[0]]
        for date in dates[1:]:
            if (date - chain[-1]).days >= ROLLING_DAYS:
                chain.append(date)
        count = len(chain)
        first, last = chain[0] - dt.timedelta(days=ROLLING_DAYS - 1), chain[-1]
    return {
        "non_overlapping": count,
        "first_day": first and first.isoformat(),
        "last_day": last and last.isoformat(),
        "span_days": (last - first).days + 1 if count else 0,
    }


def sampling_frame(source: str, configured: dict | None) -> dict:
    """The frame the configuration declares, else the one the source implies."""
    kind, description = SOURCE_FRAMES[source]
    configured = configured or {}
    declared = configured.get("kind", "source")
    return {
        "kind": kind if declared == "source" else declared,
        "description": configured.get("description") or description,
    }


def capability_record(
    *,
    source: str,
    dates: Sequence[dt.date],
    counts: Sequence[dict[str, int]],
    measure: str,
    namespaces: int,
    frame: dict | None = None,
) -> dict:
    """The capability record of one build, checked against `CAPABILITIES_SCHEMA`."""
    dates = sorted(dates)
    rows = sum(count["rows"] for count in counts)
    fields = {name: round(sum(c[name] for c in counts) / rows, 6) if rows else 0.0 for name in FIELD_PRESENCE}
    record = {
        "source": source,
        "synthetic": source == "demo",
        "snapshots": {"count": len(dates), "first": dates[0].isoformat(), "last": dates[-1].isoformat(), "rows": rows},
        "cadence": cadence_of(dates),
        "fields": fields,
        "namespaces": namespaces,
        "lineage": fields["baseModels"] > 0,
        "download_measure": measure,
        "intervals": non_overlapping_intervals(dates, measure),
        "frame": sampling_frame(source, frame),
    }
    jsonschema.validate(record, CAPABILITIES_SCHEMA)
    return record


def views_supported(record: dict) -> tuple[str, ...]:
    """The attribution views worth showing: the derived view only where models declare base models."""
    return ("uploader", "derived") if record["lineage"] else ("uploader",)


def capabilities_file(
    quality_records: Sequence[str | Path], last_snapshot: str | Path, build: Mapping, output: str | Path
) -> dict:
    """File-to-file form: the snapshots' quality records (which hold their field counts) and the last normalized
    snapshot (its namespaces) -> `capabilities.json`.

    `build`: the snapshot `dates` (ISO days), the panel's `measure`, the `source` and its sampling `frame`.
    """
    records = sorted((read_json(path) for path in quality_records), key=lambda record: record["snapshot_date"])
    record = capability_record(
        source=build["source"],
        dates=[dt.date.fromisoformat(d) for d in build["dates"]],
        counts=[record["fields"] for record in records],
        measure=build["measure"],
        frame=build["frame"],
        namespaces=namespace_count(pl.read_parquet(last_snapshot, columns=["namespace"])),
    )
    write_json(record, output)
    log.info("capabilities: %s", record)
    return record
