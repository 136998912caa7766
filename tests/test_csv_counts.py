"""The csv source: per-date files of 30-day counts in the raw contract, with named errors."""

import datetime as dt

import pytest
import yaml

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.normalize.snapshot import normalize_snapshot
from hubshare.sources.csv_counts import CsvSourceError, convert_csv_counts, counts_frame


def test_model_urls_become_ids_and_the_rest_is_null(tmp_path):
    path = tmp_path / "2022-02-18_hf.csv"
    path.write_text(
        "model_url,downloads,organization,model_name,date\n"
        "https://huggingface.co/KBLab/bert,6,KBLab,bert,2022-02-18\n"
        "https://huggingface.co/KB/wav2vec,1356,KB,wav2vec,2022-02-18\n"
    )
    frame = counts_frame(path)
    assert frame.columns == list(RAW_COLUMNS)
    assert frame["id"].to_list() == ["KBLab/bert", "KB/wav2vec"] and frame["downloads"].to_list() == [6, 1356]
    assert frame["createdAt"].null_count() == 2 and frame["downloadsAllTime"].null_count() == 2
    meta = convert_csv_counts(path, tmp_path / "out.parquet", tmp_path / "out.meta.yaml", "2022-02-18")
    assert meta["rows"] == 2 and meta["download_measure"] == "rolling30" and meta["converted_from"] == path.name
    assert yaml.safe_load((tmp_path / "out.meta.yaml").read_text())["sha256"] == meta["sha256"]
    normalized, _ = normalize_snapshot(tmp_path / "out.parquet", dt.date(2022, 2, 18))
    assert normalized["namespace"].to_list() == ["KBLab", "KB"]


def test_contract_columns_are_read_by_name(tmp_path):
    path = tmp_path / "2024-01-01.csv"
    path.write_text("id,downloads,likes,createdAt,extra\na/b,5,2,2023-05-01T00:00:00Z,x\n")
    frame = counts_frame(path)
    assert frame["likes"].to_list() == [2]
    assert frame["createdAt"].to_list() == [dt.datetime(2023, 5, 1, tzinfo=dt.UTC)]


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("name,downloads\na/b,5\n", "'id'"),
        ("id,count\na/b,5\n", "'downloads'"),
        ("id,downloads\na/b,five\n", "wrong type"),
    ],
)
def test_bad_files_name_the_file_and_column(tmp_path, text, column):
    path = tmp_path / "2024-01-01.csv"
    path.write_text(text)
    with pytest.raises(CsvSourceError, match=column) as error:
        counts_frame(path)
    assert str(path) in str(error.value)
