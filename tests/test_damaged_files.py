"""Damaged raw files (tests/bad_inputs/README.md, "Damaged files"): bytes flipped in a page, in the footer, a
file cut short. Each is built from what real writers put on disk (pyarrow's and polars' defaults, pyarrow
with page checksums) and must end in a `SnapshotError` naming the file, the column and the rule, in a
counted repair, or, where no check can see it, in a documented limit that the landing record covers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from hubshare.normalize.snapshot import SnapshotError, normalize_snapshot, normalize_snapshot_file
from hubshare.sources.first_reading import record_first_reading

DATE = "2024-01-03"
# Enough models, with repeated counts, that the writers' dictionary pages and compression do real work.
MODELS = 400


def counts() -> list[int]:
    return [1000 * (i % 9 + 1) for i in range(MODELS)]


def snapshot() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_id": [f"k{i}" for i in range(MODELS)],
            "id": [f"org{i % 5}/model-{i}" for i in range(MODELS)],
            "createdAt": [dt.datetime(2023, 1, 1, tzinfo=dt.UTC)] * MODELS,
            "downloads": [i % 7 for i in range(MODELS)],
            "downloadsAllTime": counts(),
        }
    )


def written(folder, writer: str, **options):
    path = folder / f"{DATE}.parquet"
    if writer == "polars":
        snapshot().write_parquet(path)
    else:
        pq.write_table(snapshot().to_arrow(), path, **options)
    return path


def column_chunk(path, column: str) -> tuple[int, int]:
    """(first byte, size) of a column's chunk in the first row group: its pages, headers included."""
    parquet = pq.ParquetFile(path)
    chunk = parquet.metadata.row_group(0).column(parquet.schema_arrow.names.index(column))
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    return start, chunk.total_compressed_size


def flip(path, position: int, mask: int = 0xFF) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= mask
    path.write_bytes(bytes(data))


def refused(path) -> SnapshotError:
    with pytest.raises(SnapshotError) as error:
        normalize_snapshot(path, dt.date.fromisoformat(DATE))
    assert str(path) in str(error.value)
    return error.value


@pytest.mark.parametrize(
    ("writer", "options", "found"),
    [
        ("pyarrow", {"compression": "snappy"}, "snappy"),
        ("polars", {}, "zstd"),
    ],
    ids=["pyarrow-snappy", "polars-zstd"],
)
def test_a_flip_inside_a_compressed_page_is_refused_naming_the_column(raw_dir, writer, options, found):
    path = written(raw_dir, writer, **options)
    start, size = column_chunk(path, "downloadsAllTime")
    flip(path, start + size - 1)  # in the compressed stream of the data page (dictionary indices)
    error = refused(path)
    assert (error.column, error.rule) == ("downloadsAllTime", "decodable column data")
    assert found in str(error).lower()


def test_a_flip_in_an_uncompressed_page_with_a_checksum_is_refused(raw_dir):
    path = written(raw_dir, "pyarrow", compression="none", use_dictionary=False, write_page_checksum=True)
    start, size = column_chunk(path, "downloadsAllTime")
    flip(path, start + size - 8, mask=0x01)  # the lowest bit of the last model's count
    # Read without the check, the page gives a wrong count: the check is what stops it.
    assert pq.read_table(path)["downloadsAllTime"].to_pylist()[-1] == counts()[-1] ^ 1
    error = refused(path)
    assert (error.column, error.rule) == ("downloadsAllTime", "decodable column data")
    assert "CRC checksum verification failed" in str(error)


@pytest.mark.parametrize(
    ("position", "rule"),
    [(-1, "readable parquet"), (-6, "readable parquet")],
    ids=["magic", "footer-length"],
)
def test_a_flip_in_the_footer_frame_is_refused(raw_dir, position, rule):
    path = written(raw_dir, "pyarrow")
    flip(path, path.stat().st_size + position)
    assert (refused(path).column, refused(path).rule) == ("*", rule)


def test_a_file_cut_short_is_refused(raw_dir):
    path = written(raw_dir, "pyarrow")
    path.write_bytes(path.read_bytes()[:-100])
    assert refused(path).rule == "readable parquet"


def test_a_flip_in_a_counts_high_byte_breaks_the_physical_bound(raw_dir):
    path = written(raw_dir, "pyarrow", compression="none", use_dictionary=False)
    start, size = column_chunk(path, "downloadsAllTime")
    flip(path, start + size - 2, mask=0x01)  # the last count's 7th byte: 2**48 more
    error = refused(path)
    assert (error.column, error.rule) == ("downloadsAllTime", "physical bound")


def test_a_flip_in_a_counts_sign_byte_is_set_null_and_counted(raw_dir):
    path = written(raw_dir, "pyarrow", compression="none", use_dictionary=False)
    start, size = column_chunk(path, "downloadsAllTime")
    flip(path, start + size - 1, mask=0x80)  # the sign bit of the last count
    frame, quality = normalize_snapshot(path, dt.date.fromisoformat(DATE))
    assert quality.repairs["negative_downloadsAllTime_set_null"] == 1
    assert frame["downloads_all_time"].null_count() == 1


def test_a_low_byte_flip_without_a_checksum_reads_as_a_plausible_count(raw_dir, tmp_path):
    """The limit: no check inside the file sees it. Only the landing record does, once the file was recorded."""
    path = written(raw_dir, "pyarrow", compression="none", use_dictionary=False)
    meta = raw_dir / f"{DATE}.meta.yaml"
    record_first_reading(path, meta, DATE, tmp_path / "record.log")
    start, size = column_chunk(path, "downloadsAllTime")
    _, clean = normalize_snapshot(path, dt.date.fromisoformat(DATE))
    flip(path, start + size - 8, mask=0x01)
    frame, quality = normalize_snapshot(path, dt.date.fromisoformat(DATE))
    assert frame["downloads_all_time"].to_list()[-1] == counts()[-1] ^ 1
    assert quality.repairs == clean.repairs
    with pytest.raises(SnapshotError, match="'landed checksum'") as error:
        normalize_snapshot_file(
            path, tmp_path / "t.parquet", tmp_path / "q.json", DATE, tmp_path / "log", meta_path=meta
        )
    assert yaml.safe_load(meta.read_text())["sha256"] in str(error.value)


@pytest.mark.parametrize("column", ["_id", "createdAt", "downloadsAllTime"])
def test_a_flip_in_an_optional_columns_name_is_refused_not_read_as_absent(raw_dir, column):
    """Page checksums do not cover the footer: a renamed optional column would be read as missing."""
    path = written(raw_dir, "pyarrow", write_page_checksum=True)
    data = path.read_bytes()
    footer = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    flip(path, data.index(column.encode(), footer) + 1, mask=0x20)  # one letter's case, in the schema
    error = refused(path)
    assert (error.column, error.rule) == (column, "column name")


def test_a_time_zone_that_names_none_is_refused(raw_dir):
    """What a flipped bit in the footer's stored arrow schema can give (bench/flipped_bytes.py found it)."""
    path = raw_dir / f"{DATE}.parquet"
    table = snapshot().to_arrow()
    created = table["createdAt"].cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz="UT3"))
    pq.write_table(table.set_column(table.schema.get_field_index("createdAt"), "createdAt", created), path)
    error = refused(path)
    assert error.rule == "readable parquet" and "UT3" in str(error)


@pytest.mark.parametrize(
    ("name", "misspelt"), [("downloadsAllTime", "DownloadsAllTime"), ("_id", "_iD"), ("likes", "lykes")]
)
def test_a_misspelt_contract_column_is_refused(raw_dir, name, misspelt):
    path = raw_dir / f"{DATE}.parquet"
    snapshot().with_columns(pl.lit(3).alias("likes")).rename({name: misspelt}).write_parquet(path)
    error = refused(path)
    assert (error.column, error.rule) == (name, "column name") and repr(misspelt) in str(error)
