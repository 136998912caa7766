"""Source folders: strict snapshot names, every other entry ignored or refused with its reason."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubshare.sources.folder import (
    IGNORED,
    REFUSED,
    SNAPSHOT,
    FolderError,
    classify,
    date_of_name,
    list_folder,
    snapshot_folder,
)


@pytest.mark.parametrize(
    ("name", "suffix", "expected"),
    [
        ("2026-08-07.json", ".json", (SNAPSHOT, "2026-08-07")),
        ("2024-02-29.parquet", ".parquet", (SNAPSHOT, "2024-02-29")),
        ("2026-02-30.json", ".json", (REFUSED, "not a calendar date (day is out of range for month)")),
        ("2026-13-01.json", ".json", (REFUSED, "not a calendar date (month must be in 1..12)")),
        ("2026-8-9.json", ".json", (REFUSED, "not <YYYY-MM-DD>.json")),
        ("abcd-ef-gh.json", ".json", (REFUSED, "not <YYYY-MM-DD>.json")),
        ("latest.json", ".json", (REFUSED, "not <YYYY-MM-DD>.json")),
        ("2026-08-09.JSON", ".json", (REFUSED, "the extension must be lowercase '.json'")),
        ("2026-08-09.PARQUET", ".parquet", (REFUSED, "the extension must be lowercase '.parquet'")),
        (
            "2026-08-09.json.gz",
            ".json",
            (REFUSED, "'.json' followed by a further extension (compressed or renamed files are not read)"),
        ),
        ("2026_08_09.csv", ".json", (REFUSED, "not <YYYY-MM-DD>.json")),
        ("20260809", ".parquet", (REFUSED, "not <YYYY-MM-DD>.parquet")),
        ("2026-08-07.meta.yaml", ".parquet", (IGNORED, "the origin record of a snapshot, not a snapshot")),
        ("README.md", ".json", (IGNORED, "not a .json file")),
        ("truth.json", ".parquet", (IGNORED, "not a .parquet file")),
        (".DS_Store", ".json", (IGNORED, "a hidden file")),
        (".2026-08-07.json.swp", ".json", (IGNORED, "a hidden file")),
    ],
)
def test_names_are_classified_with_their_reason(name, suffix, expected):
    assert classify(name, suffix) == expected


def test_folders_are_ignored_unless_named_like_a_snapshot():
    assert classify("old", ".json", is_folder=True) == (
        IGNORED,
        "a folder; snapshots are read only from files directly in the source folder",
    )
    assert classify("2026-08-07", ".parquet", is_folder=True) == (
        REFUSED,
        "a folder; snapshots are files directly in the source folder",
    )
    assert classify("2026-08-07.json", ".json", is_folder=True)[0] == REFUSED


@given(st.dates())
def test_every_calendar_date_written_as_yyyy_mm_dd_is_a_snapshot_name(day):
    name = f"{day.year:04d}-{day.month:02d}-{day.day:02d}.json"
    assert classify(name, ".json") == (SNAPSHOT, day.isoformat())
    assert date_of_name(name, ".json") == day


def test_date_of_name_says_what_a_name_must_look_like():
    with pytest.raises(
        ValueError, match=r"'2026-02-30.json' is not a snapshot name \(not a calendar date .*<YYYY-MM-DD>.json"
    ):
        date_of_name("2026-02-30.json", ".json")


def test_listing_reads_snapshots_and_reports_every_other_entry(tmp_path):
    for name in ("2026-08-08.json", "2026-08-07.json", "README.md", ".gitkeep", "2026-08-07.meta.yaml"):
        (tmp_path / name).write_text("")
    (tmp_path / "archive").mkdir()
    listing = snapshot_folder(tmp_path, ".json")
    assert listing.dates == ("2026-08-07", "2026-08-08")
    assert [name for name, _ in listing.ignored] == [".gitkeep", "2026-08-07.meta.yaml", "README.md", "archive"]
    assert listing.refused == ()


def test_a_misnamed_snapshot_stops_the_listing_naming_every_such_file(tmp_path):
    for name in ("2026-08-07.json", "2026-8-9.json", "2026-02-30.json", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [name for name, _ in list_folder(tmp_path, ".json").refused] == ["2026-02-30.json", "2026-8-9.json"]
    with pytest.raises(FolderError) as error:
        snapshot_folder(tmp_path, ".json")
    message = str(error.value)
    assert str(tmp_path) in message and "2 file name(s)" in message and "must be named <YYYY-MM-DD>.json" in message
    assert "2026-02-30.json: not a calendar date" in message and "2026-8-9.json: not <YYYY-MM-DD>.json" in message
    assert "notes.txt" not in message


def test_a_folder_without_snapshots_or_missing_is_refused(tmp_path):
    (tmp_path / "README.md").write_text("")
    with pytest.raises(FolderError, match="holds no snapshot; a snapshot must be named <YYYY-MM-DD>.parquet"):
        snapshot_folder(tmp_path, ".parquet")
    with pytest.raises(FolderError, match="does not exist"):
        snapshot_folder(tmp_path / "absent", ".parquet")
