"""The model table: each model's last row, from the newest snapshot and the weekly departures."""

import datetime as dt
from itertools import pairwise

import polars as pl
import pytest
from conftest import write_raw

from hubshare.attribution.model_table import latest_models, model_table
from hubshare.attribution.weekly import departed_models_file
from hubshare.contracts.raw_tables import DepartedModels
from hubshare.normalize.snapshot import normalize_snapshot

DATES = ["2024-01-03", "2024-01-10", "2024-01-17", "2024-01-24"]
OLD = dt.date(2023, 1, 1)


def row(key, pipeline_tag, **changes):
    base = {
        "_id": key,
        "id": f"org/{key}",
        "author": "org",
        "createdAt": OLD,
        "downloads": 1,
        "downloadsAllTime": 10,
        "pipeline_tag": pipeline_tag,
    }
    return {**base, **changes}


# Which models each snapshot lists, and the pipeline tag it records for them:
# a stays and changes its tag; b leaves after the second; c misses the second and
# comes back; d leaves, comes back with another tag and leaves again.
SNAPSHOTS = {
    "2024-01-03": [row("a", "t1"), row("b", "t1"), row("c", "t1"), row("d", "t1")],
    "2024-01-10": [row("a", "t2"), row("b", "t2")],
    "2024-01-17": [row("a", "t3"), row("c", "t3"), row("d", "t3")],
    "2024-01-24": [row("a", "t4"), row("c", "t4")],
}


@pytest.fixture
def built(tmp_path):
    """Normalized snapshots and the departure file of every snapshot but the first."""
    normalized, departed = [], []
    for date, rows in SNAPSHOTS.items():
        raw = write_raw(tmp_path, f"raw-{date}", rows)
        frame, _ = normalize_snapshot(raw, dt.date.fromisoformat(date))
        normalized.append(tmp_path / f"{date}.parquet")
        frame.write_parquet(normalized[-1])
    for previous, current in pairwise(normalized):
        departed.append(tmp_path / f"departed-{current.stem}.parquet")
        departed_models_file(previous, current, departed[-1], tmp_path / f"{current.stem}.log")
    return normalized, departed


def test_departures_are_the_previous_rows_the_next_snapshot_lacks(built):
    _, departed = built
    keys = [sorted(pl.read_parquet(p)["model_key"]) for p in departed]
    assert keys == [["c", "d"], ["b"], ["d"]]
    second = pl.read_parquet(departed[1])
    DepartedModels.validate(second)
    assert second["pipeline_tag"].to_list() == ["t2"] and second["snapshot_date"].to_list() == [dt.date(2024, 1, 10)]


def test_each_model_gets_its_last_row(built):
    normalized, departed = built
    latest = latest_models(normalized[-1], departed)
    got = {r["model_key"]: (r["pipeline_tag"], r["snapshot_date"].isoformat()) for r in latest.iter_rows(named=True)}
    assert got == {
        "a": ("t4", "2024-01-24"),
        "b": ("t2", "2024-01-10"),
        "c": ("t4", "2024-01-24"),  # back in the newest snapshot: its departure is not its last row
        "d": ("t3", "2024-01-17"),  # left twice: the later departure
    }


def test_the_same_as_the_last_row_over_every_snapshot(built):
    normalized, departed = built
    every_row = pl.concat([pl.read_parquet(p) for p in normalized]).sort("snapshot_date").group_by("model_key").last()
    expected = every_row.select(latest_models(normalized[-1], departed).columns).sort("model_key")
    assert latest_models(normalized[-1], departed).equals(expected)


def test_a_single_snapshot_is_its_own_table(built):
    normalized, _ = built
    assert latest_models(normalized[0], [])["model_key"].to_list() == ["a", "b", "c", "d"]


def test_model_table_keeps_departed_models_with_last_seen_and_family(built):
    normalized, departed = built
    families = pl.DataFrame({"family": ["Bee"], "pattern": ["^b$"], "priority": [1]})
    table = model_table(normalized[-1], departed, families)
    got = {r["model_key"]: (r["last_seen"].isoformat(), r["family"]) for r in table.iter_rows(named=True)}
    assert got == {
        "a": ("2024-01-24", None),
        "b": ("2024-01-10", "Bee"),
        "c": ("2024-01-24", None),
        "d": ("2024-01-17", None),
    }


def test_a_period_table_is_its_snapshots_as_of_its_last_one(built):
    """Periods of the first two and of the last two snapshots: each sees its models as its own snapshots declare
    them; d keeps 't1' in the first although it later says 't3', and b (gone by then) is not in the second."""
    normalized, departed = built
    first = latest_models(normalized[1], departed[:1])  # snapshots 1-2, departures dated 2
    second = latest_models(normalized[3], departed[2:])  # snapshots 3-4, departures dated 4
    assert {r["model_key"]: r["pipeline_tag"] for r in first.iter_rows(named=True)} == {
        "a": "t2",
        "b": "t2",
        "c": "t1",
        "d": "t1",
    }
    # Every model listed in the period's snapshots is there, with its latest row in the period.
    in_second = pl.concat([pl.read_parquet(p) for p in normalized[2:]]).sort("snapshot_date").group_by("model_key")
    expected = in_second.last().select(second.columns).sort("model_key")
    assert second.equals(expected)


def test_a_period_without_snapshots_has_an_empty_table_of_the_same_columns(built):
    normalized, departed = built
    families = pl.DataFrame({"family": ["Bee"], "pattern": ["^b$"], "priority": [1]})
    empty, full = model_table(None, [], families), model_table(normalized[-1], departed, families)
    assert empty.is_empty() and empty.schema == full.schema
