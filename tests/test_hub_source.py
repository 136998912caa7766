"""The `hub` source on files in the real dataset's shape: listing, projected reads, every documented form."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import traceback
from types import SimpleNamespace

import polars as pl
import pytest
import yaml
from hub_shape import CREATION_FLOOR, UTC, model_row, write_mirror, write_snapshot

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.jobs.atomic import sha256_file
from hubshare.normalize.snapshot import SnapshotError, normalize_snapshot
from hubshare.sources import hub
from hubshare.sources.errors import FetchError

COLUMNS = list(RAW_COLUMNS)
TOKEN = "hf_NotARealTokenButSecret123"
EARLY, CARD, ALLTIME, LINEAGE = (dt.date(2024, 7, 24), dt.date(2024, 10, 2), dt.date(2025, 2, 26), dt.date(2025, 6, 4))


def models(alltime: bool) -> list[dict]:
    created = dt.datetime(2024, 5, 1, tzinfo=UTC)
    return [
        model_row("a1", "meta-llama/Llama-3-8B", created, 900, 5000 if alltime else None, bf16=8_000_000_000),
        model_row(
            "a2",
            "someone/llama-gguf",
            created,
            90,
            400 if alltime else None,
            parent="meta-llama/Llama-3-8B",
            relation="quantized",
        ),
        model_row(
            "a3", "google-bert/bert-base-uncased", CREATION_FLOOR, 500, 9000 if alltime else None, bf16=110_000_000
        ),
    ]


@pytest.fixture
def mirror(tmp_path):
    snapshots = {date: models(date >= ALLTIME) for date in (EARLY, CARD, ALLTIME, LINEAGE)}
    return write_mirror(tmp_path / "mirror", snapshots)


def test_listing_finds_the_real_layout_and_reports_what_it_ignores(mirror):
    listing = hub.list_snapshots(str(mirror), "main", hub.DEFAULT_PATTERN, start="2024-07-24")
    assert sorted(listing.snapshots) == [d.isoformat() for d in (EARLY, CARD, ALLTIME, LINEAGE)]
    assert listing.snapshots["2024-07-24"].path == "models/2024-07-24/models.parquet"
    assert {"README.md", ".gitattributes", "datasets/2024-07-24/datasets.parquet"} <= set(listing.ignored)
    assert listing.revision == "main"
    bounded = hub.list_snapshots(mirror.as_uri(), "main", hub.DEFAULT_PATTERN, start="2024-08-01", end="2025-03-01")
    assert sorted(bounded.snapshots) == ["2024-10-02", "2025-02-26"]
    assert "dated outside" in bounded.ignored["models/2024-07-24/models.parquet"]


@pytest.mark.parametrize(("name", "rule"), [("2024-7-31", "snapshot path"), ("2024-02-30", "snapshot date")])
def test_a_snapshot_file_outside_the_layout_is_an_error(mirror, name, rule):
    shutil.copy(
        mirror / "models/2024-07-24/models.parquet",
        (mirror / "models" / name).mkdir() or mirror / "models" / name / "models.parquet",
    )
    with pytest.raises(FetchError, match=rule):
        hub.list_snapshots(str(mirror), "main")


def test_a_repeated_file_is_found_in_the_listing(mirror):
    repeat = mirror / "models" / "2024-10-09" / "models.parquet"
    repeat.parent.mkdir()
    shutil.copy2(mirror / "models/2024-10-02/models.parquet", repeat)
    assert hub.list_snapshots(str(mirror), "main").repeats() == ["2024-10-09"]


def fetch(mirror, tmp_path, date: dt.date):
    listing = hub.list_snapshots(str(mirror), "v1")
    target = tmp_path / "raw" / f"{date}.parquet"
    meta = hub.fetch_snapshot(
        str(mirror),
        "v1",
        listing.snapshots[date.isoformat()],
        target,
        tmp_path / "raw" / f"{date}.meta.yaml",
        columns=COLUMNS,
    )
    return target, meta


def test_only_the_contract_columns_land_with_their_origin(mirror, tmp_path):
    target, meta = fetch(mirror, tmp_path, LINEAGE)
    frame = pl.read_parquet(target)
    assert set(frame.columns) == set(COLUMNS) and frame.height == 3
    assert "siblings" in meta["remote_columns"] and "siblings" not in frame.columns
    assert (meta["rows"], meta["sha256"], meta["bytes"]) == (3, sha256_file(target), target.stat().st_size)
    assert meta["revision"] == "v1" and meta["url"].endswith("models/2025-06-04/models.parquet")
    assert meta["license"] == "ODbL-1.0" and meta["snapshot_date"] == "2025-06-04"
    assert "2025-06-10" in meta["stands_for"]
    assert yaml.safe_load((tmp_path / "raw/2025-06-04.meta.yaml").read_text()) == meta
    early, _ = fetch(mirror, tmp_path, EARLY)
    assert "downloadsAllTime" not in pl.read_parquet_schema(early) and "baseModels" not in pl.read_parquet_schema(early)


def test_a_file_changed_since_the_listing_is_refused(mirror, tmp_path):
    listing = hub.list_snapshots(str(mirror), "main")
    write_snapshot(mirror / "models/2024-07-24/models.parquet", EARLY, models(False)[:1])
    with pytest.raises(FetchError, match="listed version"):
        hub.fetch_snapshot(
            str(mirror),
            "main",
            listing.snapshots["2024-07-24"],
            tmp_path / "s.parquet",
            tmp_path / "s.meta.yaml",
            columns=COLUMNS,
        )
    assert not (tmp_path / "s.parquet").exists()


@pytest.mark.parametrize(
    ("damage", "column", "rule"),
    [
        (lambda p: p.write_bytes(b"not parquet at all"), "*", "readable parquet"),
        (lambda p: pl.read_parquet(p).drop("downloads").write_parquet(p), "downloads", "required column"),
    ],
)
def test_a_bad_file_is_refused_naming_file_column_and_rule(mirror, tmp_path, damage, column, rule):
    damage(mirror / "models/2024-07-24/models.parquet")
    with pytest.raises(FetchError, match=re.escape(f"column '{column}' breaks rule '{rule}'")) as error:
        fetch(mirror, tmp_path, EARLY)
    assert "models/2024-07-24/models.parquet" in str(error.value)
    assert not (tmp_path / "raw" / "2024-07-24.parquet").exists()


@pytest.mark.parametrize("date", [EARLY, CARD, ALLTIME, LINEAGE])
@pytest.mark.parametrize("parameters_as_map", [False, True])
@pytest.mark.parametrize("relation_first", [False, True])
def test_every_era_and_form_normalizes(tmp_path, date, parameters_as_map, relation_first):
    path = write_snapshot(tmp_path / "raw.parquet", date, models(date >= ALLTIME), parameters_as_map, relation_first)
    frame, quality = normalize_snapshot(path, date, capture_lag_days=hub.CAPTURE_LAG_DAYS)
    rows = {row["model_id"]: row for row in frame.iter_rows(named=True)}
    assert rows["meta-llama/Llama-3-8B"]["params_total"] == 8_000_001_000
    assert rows["someone/llama-gguf"]["base_parents"] == ["meta-llama/Llama-3-8B"]
    assert rows["someone/llama-gguf"]["base_relation"] == "quantized"
    assert rows["someone/llama-gguf"]["lineage_status"] == "resolved"
    assert quality.lineage_sources == (
        {"baseModels": 1, "tags": 0} if date >= LINEAGE else {"baseModels": 0, "tags": 1}
    )
    assert quality.created_at_hub_floor == 1
    assert rows["google-bert/bert-base-uncased"]["created_at"] == CREATION_FLOOR
    assert (rows["meta-llama/Llama-3-8B"]["downloads_all_time"] is None) == (date < ALLTIME)


def test_a_model_created_after_the_folder_date_but_before_the_capture_keeps_its_date(tmp_path):
    created = dt.datetime.combine(EARLY + dt.timedelta(days=5), dt.time(9), tzinfo=UTC)
    path = write_snapshot(tmp_path / "raw.parquet", EARLY, [model_row("n1", "new/model", created, 5)])
    frame, quality = normalize_snapshot(path, EARLY, capture_lag_days=hub.CAPTURE_LAG_DAYS)
    assert frame.get_column("created_at").to_list() == [created]
    assert quality.repairs.get("created_after_snapshot_set_null", 0) == 0
    _, without_lag = normalize_snapshot(path, EARLY)
    assert without_lag.repairs["created_after_snapshot_set_null"] == 1


def test_a_snapshot_in_no_documented_form_stops_with_what_was_found_and_accepted(tmp_path):
    path = write_snapshot(tmp_path / "raw.parquet", LINEAGE, models(True))
    renamed = pl.read_parquet(path).with_columns(pl.col("baseModels").struct.rename_fields(["parents", "relation"]))
    renamed.write_parquet(path)
    with pytest.raises(SnapshotError, match=r"column 'baseModels' breaks rule 'column type'.*found.*parents.*accepted"):
        normalize_snapshot(path, LINEAGE)


def test_the_hub_location_is_pinned_to_a_commit_with_a_token_from_the_environment(monkeypatch, caplog):
    import huggingface_hub

    seen = {}

    class FakeApi:
        def __init__(self, token=None):
            seen["api_token"] = token

        def repo_info(self, repo, repo_type, revision):
            seen["repo"] = (repo, repo_type, revision)
            return SimpleNamespace(sha="c0ffee")

    class FakeFileSystem:
        def __init__(self, token=None):
            seen["fs_token"] = token

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setattr(huggingface_hub, "HfFileSystem", FakeFileSystem)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG)
    _, root, commit = hub.open_location(hub.DEFAULT_LOCATION, "main")
    assert (root, commit) == ("datasets/hfmlsoc/hub_weekly_snapshots@c0ffee", "c0ffee")
    assert seen == {"api_token": TOKEN, "repo": ("hfmlsoc/hub_weekly_snapshots", "dataset", "main"), "fs_token": TOKEN}
    assert hub.file_url(hub.DEFAULT_LOCATION, "c0ffee", "models/2025-01-01/models.parquet") == (
        "https://huggingface.co/datasets/hfmlsoc/hub_weekly_snapshots/blob/c0ffee/models/2025-01-01/models.parquet"
    )
    assert TOKEN not in caplog.text
    with pytest.raises(ValueError, match="hf://datasets"):
        hub.open_location("hf://models/x", "main")


def test_a_missing_location_is_a_clear_error(tmp_path):
    with pytest.raises(FetchError, match="no such dataset or folder") as error:
        hub.list_snapshots(str(tmp_path / "nowhere"), "main")
    assert "nowhere" in "".join(traceback.format_exception(error.value))
