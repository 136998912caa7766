"""The capability record: field shares, independent intervals, cadence and frame, by hand."""

import datetime as dt
import re
from dataclasses import asdict

import jsonschema
import polars as pl
import pytest
from conftest import parents, write_raw
from hypothesis import given
from hypothesis import strategies as st

from hubshare.analysis.capabilities import (
    CAPABILITIES_SCHEMA,
    cadence_of,
    capabilities_file,
    capability_record,
    non_overlapping_intervals,
    sampling_frame,
)
from hubshare.jobs.atomic import write_json
from hubshare.normalize.field_presence import field_counts, namespace_count
from hubshare.normalize.snapshot import normalize_snapshot
from hubshare.panel.measures import measure_for

D = dt.date


def normalized(rows: list[dict]) -> pl.DataFrame:
    """A minimal normalized snapshot: only the columns the record reads."""
    schema = {
        "model_key": pl.String,
        "model_id": pl.String,
        "namespace": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "downloads_30d": pl.Int64,
        "downloads_all_time": pl.Int64,
        "likes": pl.Int64,
        "pipeline_tag": pl.String,
        "library_name": pl.String,
        "tags": pl.List(pl.String),
        "base_parents": pl.List(pl.String),
        "params_total": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)


def test_field_counts_by_hand():
    snapshot = normalized(
        [
            {
                "model_key": "abc",
                "model_id": "a/x",
                "namespace": "a",
                "downloads_30d": 5,
                "tags": ["t"],
                "base_parents": ["b/y"],
                "params_total": 7,
            },
            {
                "model_key": "b/y",
                "model_id": "b/y",
                "namespace": "b",
                "downloads_30d": 3,
                "downloads_all_time": 9,
                "tags": [],
                "base_parents": [],
                "pipeline_tag": "text-generation",
            },
            {"model_key": "legacy", "model_id": "legacy", "downloads_30d": None, "tags": None, "base_parents": None},
        ]
    )
    counts = field_counts(snapshot)
    assert counts["rows"] == 3
    assert counts["_id"] == 1  # only the first row's key differs from its id
    assert counts["author"] == 2 and counts["downloads"] == 2 and counts["downloadsAllTime"] == 1
    assert counts["tags"] == 1  # an empty list carries no tag
    assert counts["baseModels"] == 1 and counts["safetensors"] == 1 and counts["pipeline_tag"] == 1
    assert counts["createdAt"] == 0
    assert namespace_count(snapshot) == 2  # the legacy id has none


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ([D(2026, 8, 7)], "one snapshot"),
        ([D(2026, 8, 7), D(2026, 8, 8), D(2026, 8, 10)], "2-day"),  # gaps 1 and 2: the upper median
        ([D(2025, 1, 1), D(2025, 1, 8), D(2025, 1, 15)], "weekly"),
        ([D(2022, 2, 18), D(2022, 3, 18), D(2022, 4, 19)], "monthly"),
        ([D(2025, 1, 1), D(2025, 1, 15), D(2025, 1, 29)], "14-day"),
    ],
)
def test_cadence(dates, expected):
    assert cadence_of(dates) == expected


def test_cadence_daily():
    assert cadence_of([D(2026, 8, 7), D(2026, 8, 8), D(2026, 8, 9), D(2026, 8, 10)]) == "daily"


def test_rolling_counts_overlap_within_30_days():
    # Four daily 30-day counts: one independent interval, the 30 days up to the first snapshot.
    dates = [D(2026, 8, 7), D(2026, 8, 8), D(2026, 8, 9), D(2026, 8, 10)]
    assert non_overlapping_intervals(dates, "rolling30") == {
        "non_overlapping": 1,
        "first_day": "2026-07-09",
        "last_day": "2026-08-07",
        "span_days": 30,
    }


def test_rolling_counts_chain_greedily():
    # 28 days after the first is too close; 2022-04-19 is 60 days after it, then 2022-05-20 (31 later).
    dates = [D(2022, 2, 18), D(2022, 3, 18), D(2022, 4, 19), D(2022, 5, 20)]
    result = non_overlapping_intervals(dates, "rolling30")
    assert result["non_overlapping"] == 3
    assert result["first_day"] == "2022-01-20" and result["last_day"] == "2022-05-20"


def test_cumulative_differences_never_overlap():
    dates = [D(2025, 1, 1), D(2025, 1, 8), D(2025, 1, 15)]
    assert non_overlapping_intervals(dates, "alltime_diff") == {
        "non_overlapping": 2,
        "first_day": "2025-01-02",
        "last_day": "2025-01-15",
        "span_days": 14,
    }
    assert non_overlapping_intervals(dates[:1], "alltime_diff")["non_overlapping"] == 0


@given(st.lists(st.dates(D(2020, 1, 1), D(2026, 1, 1)), min_size=1, max_size=40, unique=True))
def test_rolling_chain_is_spaced_and_within_the_data(dates):
    result = non_overlapping_intervals(dates, "rolling30")
    assert 1 <= result["non_overlapping"] <= len(dates)
    # n counts at least 30 days apart span at least 30 n days.
    assert result["span_days"] >= 30 * result["non_overlapping"]
    assert result["last_day"] <= max(dates).isoformat()


def test_frame_from_source_or_config():
    assert sampling_frame("api-json", {})["kind"] == "list"
    assert sampling_frame("hub", None)["kind"] == "whole_hub"
    assert sampling_frame("dir", {"kind": "source", "description": ""})["kind"] == "undeclared"
    declared = sampling_frame("dir", {"kind": "list", "description": "the 10,000 most downloaded models"})
    assert declared == {"kind": "list", "description": "the 10,000 most downloaded models"}


def test_record_follows_its_schema_and_reads_lineage():
    counts = [
        {
            "rows": 2,
            "_id": 0,
            "id": 2,
            "author": 2,
            "createdAt": 2,
            "downloads": 2,
            "downloadsAllTime": 0,
            "likes": 2,
            "pipeline_tag": 1,
            "library_name": 1,
            "tags": 0,
            "baseModels": 0,
            "safetensors": 0,
        }
    ] * 2
    record = capability_record(
        source="api-json", dates=[D(2026, 8, 7), D(2026, 8, 8)], counts=counts, measure="rolling30", namespaces=2
    )
    assert record["fields"]["pipeline_tag"] == 0.5 and record["lineage"] is False and record["synthetic"] is False
    assert record["snapshots"] == {"count": 2, "first": "2026-08-07", "last": "2026-08-08", "rows": 4}
    with_parent = [dict(counts[0], baseModels=1), counts[0]]
    assert (
        capability_record(
            source="demo",
            dates=[D(2025, 1, 1), D(2025, 1, 8)],
            counts=with_parent,
            measure="alltime_diff",
            namespaces=2,
        )["lineage"]
        is True
    )
    broken = dict(record, cadence=7)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, CAPABILITIES_SCHEMA)


def test_the_record_reads_the_counts_each_normalize_job_wrote(raw_dir, tmp_path):
    """The quality records carry each snapshot's field counts and namespaces: the record built from them is the one
    the normalized snapshots give when read again, and the namespaces are the last snapshot's."""
    weeks = {
        "2021-01-06": [
            {"_id": "k1", "id": "org/model", "author": "org", "downloads": 5, "downloadsAllTime": 50, "tags": ["t"]},
            {"id": "bert-base-cased", "downloads": 3},
        ],
        "2021-01-13": [
            {"_id": "k1", "id": "org/model", "author": "org", "downloads": 6, "downloadsAllTime": 56},
            {"_id": "k2", "id": "lab/ft", "downloads": 1, "baseModels": parents("org/model")},
            {"_id": "k3", "id": "other/x", "downloads": 2, "pipeline_tag": "text-generation"},
        ],
    }
    records, frames = [], []
    for date, rows in weeks.items():
        frame, quality = normalize_snapshot(write_raw(raw_dir, date, rows), dt.date.fromisoformat(date))
        records.append(write_json(asdict(quality), tmp_path / f"{date}.json"))
        frames.append(frame)
    last = tmp_path / "last.parquet"
    frames[-1].write_parquet(last)
    build = {"dates": list(weeks), "measure": "alltime_diff", "source": "dir", "frame": None}
    record = capabilities_file(list(reversed(records)), last, build, tmp_path / "capabilities.json")
    expected = capability_record(
        source="dir",
        dates=[D(2021, 1, 6), D(2021, 1, 13)],
        counts=[field_counts(frame) for frame in frames],
        measure="alltime_diff",
        namespaces=3,
    )
    assert record == expected
    assert record["fields"]["_id"] == 0.8 and record["fields"]["author"] == 0.8 and record["lineage"] is True


def test_readme_documents_the_raw_contract():
    """The README's table of raw columns names every contract column, whether it is required, and nothing else."""
    from conftest import REPO

    from hubshare.contracts.raw_tables import RAW_COLUMNS

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### The raw contract") : text.index("Each build writes `results/capabilities.json`")]
    rows = re.findall(r"^\| `([^`]+)` \| (yes|no) \|", section, flags=re.MULTILINE)
    assert dict(rows) == {name: "yes" if required else "no" for name, (_, required) in RAW_COLUMNS.items()}


@pytest.mark.parametrize(
    ("source", "columns", "measure"),
    [
        ("dir", ["id", "downloads"], "rolling30"),
        ("dir", ["id", "downloads", "downloadsAllTime"], "alltime_diff"),
        ("demo", None, "alltime_diff"),
        ("csv", None, "rolling30"),
    ],
)
def test_auto_measure_reads_the_columns_a_folder_has(source, columns, measure):
    assert measure_for(source, "auto", columns) == measure
