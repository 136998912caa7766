"""Normalizing one snapshot: rejection with file/column/rule named, and counted repairs."""

import datetime as dt

import polars as pl
import pytest
from conftest import parents, raw_frame, write_raw

from hubshare.contracts.raw_tables import NormalizedSnapshot
from hubshare.normalize.snapshot import SnapshotError, normalize_snapshot

DATE = dt.date(2021, 1, 6)
OLD = dt.date(2020, 1, 1)


def ok_row(**changes):
    row = {"_id": "k1", "id": "org/model", "author": "org", "createdAt": OLD, "downloads": 5, "downloadsAllTime": 50}
    row.update(changes)
    return row


def test_valid_snapshot_passes_the_contract(raw_dir):
    path = write_raw(raw_dir, "2021-01-06", [ok_row(), ok_row(_id="k2", id="org/ft", baseModels=parents("org/model"))])
    frame, quality = normalize_snapshot(path, DATE)
    NormalizedSnapshot.validate(frame)
    assert quality.rows_in == quality.rows_out == 2
    assert frame.filter(pl.col("model_key") == "k2")["lineage_root_first"].to_list() == ["org/model"]


def test_missing_required_column_names_file_column_and_rule(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).drop("downloads").write_parquet(path)
    with pytest.raises(SnapshotError) as error:
        normalize_snapshot(path, DATE)
    message = str(error.value)
    assert str(path) in message and "'downloads'" in message and "required column" in message


def test_ids_and_30_day_counts_alone_are_a_snapshot(raw_dir):
    """The smallest input the contract takes: a cross-section of model ids and 30-day downloads."""
    path = raw_dir / "2021-01-06.parquet"
    pl.DataFrame({"id": ["a/b", "bert-base-cased"], "downloads": [5, 7]}).write_parquet(path)
    frame, quality = normalize_snapshot(path, DATE)
    assert frame["downloads_30d"].to_list() == [5, 7] and frame["created_at"].null_count() == 2
    assert "createdAt" in quality.absent_optional_columns


def test_wrong_type_is_refused(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).with_columns(pl.lit("many").alias("downloadsAllTime")).write_parquet(path)
    with pytest.raises(SnapshotError, match="'downloadsAllTime' breaks rule 'column type'"):
        normalize_snapshot(path, DATE)


def test_corrupt_file_is_refused(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).write_parquet(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(SnapshotError, match="readable parquet"):
        normalize_snapshot(path, DATE)


def test_empty_snapshot_is_refused(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).clear().write_parquet(path)
    with pytest.raises(SnapshotError, match="non-empty snapshot"):
        normalize_snapshot(path, DATE)


def test_repairs_are_counted(raw_dir):
    rows = [
        ok_row(),
        ok_row(downloadsAllTime=70),  # duplicate key: the higher count is kept
        ok_row(_id="k2", id="org/neg", downloads=-3),
        ok_row(_id="k3", id="org/future", createdAt=dt.date(2030, 1, 1)),
        ok_row(_id="k4", id="org/noauthor", author=None),
    ]
    path = write_raw(raw_dir, "2021-01-06", rows)
    frame, quality = normalize_snapshot(path, DATE)
    assert quality.repairs["duplicate_model_rows_removed"] == 1
    assert quality.repairs["negative_downloads_set_null"] == 1
    assert quality.repairs["created_after_snapshot_set_null"] == 1
    assert quality.repairs["author_missing_namespace_from_id"] == 1
    assert frame.filter(pl.col("model_key") == "k1")["downloads_all_time"].to_list() == [70]
    assert frame.filter(pl.col("model_key") == "k4")["namespace"].to_list() == ["org"]
    assert frame.height == 4


def test_extra_columns_are_reported_not_fatal(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).with_columns(pl.lit(1.5).alias("trendingScore")).write_parquet(path)
    _, quality = normalize_snapshot(path, DATE)
    assert quality.extra_columns == ["trendingScore"]


def test_legacy_id_has_no_namespace(raw_dir):
    path = write_raw(raw_dir, "2021-01-06", [ok_row(id="bert-base-uncased", author=None)])
    frame, _ = normalize_snapshot(path, DATE)
    assert frame["namespace"].to_list() == [None]
