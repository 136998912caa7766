"""The model table: each model's last row in a period, put together from the weekly model changes."""

import datetime as dt
from itertools import pairwise
from unittest import mock

import polars as pl
import pytest
from conftest import REPO, write_raw

from hubshare.attribution import model_changes as model_changes_module
from hubshare.attribution.model_changes import described_models, model_changes, model_changes_file
from hubshare.attribution.model_table import model_table
from hubshare.contracts.panel_tables import DepartedModels, ListedModels
from hubshare.normalize.snapshot import normalize_snapshot

DATES = ["2024-01-03", "2024-01-10", "2024-01-17", "2024-01-24"]
OLD = dt.date(2023, 1, 1)
ATTRIBUTION = REPO / "data" / "raw" / "attribution"
FAMILIES = pl.DataFrame({"family": ["Bee"], "pattern": ["^b$"], "priority": [1]})


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
# comes back; d leaves, comes back with another tag and leaves again; e stays as it
# is while its downloads grow; f is renamed in the third.
SNAPSHOTS = {
    "2024-01-03": [row("a", "t1"), row("b", "t1"), row("c", "t1"), row("d", "t1"), row("e", "t0"), row("f", "t0")],
    "2024-01-10": [row("a", "t2"), row("b", "t2"), row("e", "t0", downloadsAllTime=20), row("f", "t0")],
    "2024-01-17": [
        row("a", "t3"),
        row("c", "t3"),
        row("d", "t3"),
        row("e", "t0", downloadsAllTime=30),
        row("f", "t0", id="org/f-renamed"),
    ],
    "2024-01-24": [
        row("a", "t4"),
        row("c", "t4"),
        row("e", "t0", downloadsAllTime=40),
        row("f", "t0", id="org/f-renamed"),
    ],
}


@pytest.fixture
def built(tmp_path):
    """Normalized snapshots and each snapshot's model changes (listed and departed files)."""
    normalized = []
    for date, rows in SNAPSHOTS.items():
        raw = write_raw(tmp_path, f"raw-{date}", rows)
        frame, _ = normalize_snapshot(raw, dt.date.fromisoformat(date))
        normalized.append(tmp_path / f"{date}.parquet")
        frame.write_parquet(normalized[-1])
    changes = {"listed": [], "departed": []}
    for previous, current in pairwise([None, *normalized]):
        for change, frame in zip(changes, model_changes(current, previous, FAMILIES), strict=True):
            changes[change].append(tmp_path / f"{change}-{current.stem}.parquet")
            frame.write_parquet(changes[change][-1])
    return normalized, changes


def test_the_job_writes_both_files_with_families_from_the_curated_list(built, tmp_path):
    normalized, changes = built
    attribution = {
        "registry": ATTRIBUTION / "organizations.csv",
        "vocabularies": ATTRIBUTION / "vocabularies.yaml",
        "iso_codes": ATTRIBUTION / "iso3166_alpha2.csv",
        "families": ATTRIBUTION / "model_families.csv",
    }
    outputs = {change: tmp_path / "job" / f"{change}.parquet" for change in changes}
    model_changes_file(normalized[2], normalized[1], attribution, outputs, tmp_path / "job.log")
    listed = pl.read_parquet(outputs["listed"])
    assert listed.drop("family").equals(pl.read_parquet(changes["listed"][2]).drop("family"))
    assert pl.read_parquet(outputs["departed"]).equals(pl.read_parquet(changes["departed"][2]))
    assert "4 models listed with new metadata, 1 departed" in (tmp_path / "job.log").read_text()


def test_a_snapshot_lists_new_returning_and_changed_models_only(built):
    _, changes = built
    listed = [sorted(pl.read_parquet(p)["model_key"]) for p in changes["listed"]]
    # e's downloads grow every week, which is not a change of its metadata; f's rename is.
    assert listed == [["a", "b", "c", "d", "e", "f"], ["a", "b"], ["a", "c", "d", "f"], ["a", "c"]]
    for path in changes["listed"]:
        ListedModels.validate(pl.read_parquet(path))
    third = pl.read_parquet(changes["listed"][2])
    assert set(third["last_seen"]) == {dt.date(2024, 1, 17)}
    assert dict(third.select("model_key", "model_id").iter_rows())["f"] == "org/f-renamed"


@pytest.mark.parametrize("slice_rows", [1, 2, 5])
def test_slices_of_any_size_describe_the_same_models(built, slice_rows):
    """The rows are read and described a slice at a time (so that a first snapshot, which lists every model, needs
    no more memory for its size than a later week): any slice size gives the same tables, first snapshot and later."""
    normalized, changes = built
    with mock.patch.object(model_changes_module, "DESCRIBED_ROWS", slice_rows):
        for index, (previous, current) in enumerate(pairwise([None, *normalized])):
            listed, departed = model_changes(current, previous, FAMILIES)
            assert listed.equals(pl.read_parquet(changes["listed"][index]))
            assert departed.equals(pl.read_parquet(changes["departed"][index]))


def test_departures_are_the_models_the_snapshot_before_lists_and_this_one_does_not(built):
    _, changes = built
    departed = [pl.read_parquet(p) for p in changes["departed"]]
    assert [sorted(frame["model_key"]) for frame in departed] == [[], ["c", "d"], ["b"], ["d"]]
    for frame in departed:
        DepartedModels.validate(frame)
    assert departed[2]["last_seen"].to_list() == [dt.date(2024, 1, 10)]


def expected_table(normalized, first, last):
    """Each model's last row over the period's snapshots, described: the table built the slow way."""
    rows = pl.concat([pl.read_parquet(p) for p in normalized[first : last + 1]])
    return described_models(rows.sort("snapshot_date").group_by("model_key").last(), FAMILIES).sort("model_key")


def table(changes, first, last):
    first_day, last_day = (dt.date.fromisoformat(DATES[i]) for i in (first, last))
    return model_table(changes["listed"][: last + 1], changes["departed"][: last + 1], first_day, last_day)


@pytest.mark.parametrize(("first", "last"), [(0, 3), (0, 1), (2, 3), (1, 2), (3, 3), (0, 0)])
def test_the_table_is_each_models_last_row_in_the_period(built, first, last):
    """Whatever the period, the changes give what reading every one of its snapshots gives."""
    normalized, changes = built
    assert table(changes, first, last).equals(expected_table(normalized, first, last))


def test_model_table_keeps_departed_models_with_last_seen_and_family(built):
    _, changes = built
    got = {
        r["model_key"]: (r["last_seen"].isoformat(), r["family"]) for r in table(changes, 0, 3).iter_rows(named=True)
    }
    assert got == {
        "a": ("2024-01-24", None),
        "b": ("2024-01-10", "Bee"),
        "c": ("2024-01-24", None),  # back in the newest snapshot: its departure is not its last row
        "d": ("2024-01-17", None),  # left twice: the later departure
        "e": ("2024-01-24", None),  # listed once, in the first snapshot, and never left
        "f": ("2024-01-24", None),
    }


def test_a_period_table_is_its_snapshots_as_of_its_last_one(built):
    """Periods of the first two and of the last two snapshots: each sees its models as its own snapshots declare
    them; d keeps 't1' in the first although it later says 't3', and b (gone by then) is not in the second."""
    _, changes = built
    first, second = table(changes, 0, 1), table(changes, 2, 3)
    assert dict(first.select("model_key", "model_id").iter_rows())["f"] == "org/f"
    assert set(first["model_key"]) == {"a", "b", "c", "d", "e", "f"}
    assert set(second["model_key"]) == {"a", "c", "d", "e", "f"}
    assert dict(second.select("model_key", "last_seen").iter_rows())["d"] == dt.date(2024, 1, 17)


def test_a_period_without_snapshots_has_an_empty_table_of_the_same_columns(built):
    _, changes = built
    empty = model_table([], [], dt.date(2024, 1, 1), None)
    assert empty.is_empty() and empty.schema == table(changes, 0, 3).schema


def test_a_changed_value_in_any_metadata_column_lists_the_model_again(tmp_path):
    """Each column the properties are read from, changed alone, makes a new version."""
    first = row("a", "t1", library_name="lib", tags=["x"])
    changed = [
        {"id": "org/b"},
        {"pipeline_tag": "t2"},
        {"library_name": "other"},
        {"tags": ["y"]},
        {"tags": None},
        {"safetensors": {"parameters": [{"dtype": "F16", "count": 7}], "total": 7}},
        {"tags": ["x", "base_model:finetune:org/base"]},
    ]
    paths = []
    for index, change in enumerate([{}, *changed]):
        raw = write_raw(tmp_path, f"raw-{index}", [{**first, **change}])
        frame, _ = normalize_snapshot(raw, dt.date(2024, 1, 3))
        paths.append(tmp_path / f"{index}.parquet")
        frame.write_parquet(paths[-1])
    unchanged, _ = model_changes(paths[0], paths[0], FAMILIES)
    assert unchanged.is_empty()
    for path in paths[1:]:
        listed, departed = model_changes(path, paths[0], FAMILIES)
        assert listed["model_key"].to_list() == ["a"] and departed.is_empty(), path
