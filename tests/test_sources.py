"""Sources: Hub models-API dumps converted to the raw contract (the `hub` source: test_hub_source.py)."""

import datetime as dt
import json

import polars as pl
import pytest
import yaml

from conftest import REAL_SAMPLES
from hubshare.atomic import sha256_file
from hubshare.normalize import normalize_snapshot, normalize_snapshot_file
from hubshare.rolling import check_rolling30_conservation, rolling30_panel
from hubshare.schemas import RAW_COLUMNS
from hubshare.sources.api_json import DumpError, convert_api_json

API_DUMPS = REAL_SAMPLES / "hub-api-json"
UTC = dt.timezone.utc


# --- api-json -----------------------------------------------------------------------------------

def dump(**changes) -> dict:
    content = {
        "date": "2026-08-07",
        "fetched_at": "2026-08-07T21:41:45+09:00",
        "source": "huggingface.co/api/models",
        "models": [
            {"id": "org/big", "likes": 7, "downloads": 1200, "pipeline_tag": "text-generation",
             "library_name": "transformers", "createdAt": "2025-01-20T03:46:07.000Z", "lastModified": None},
            {"id": "gpt2", "likes": 3, "downloads": 45, "pipeline_tag": None,
             "library_name": None, "createdAt": "2019-02-19T11:00:00+02:00", "lastModified": None},
            {"id": "user/new", "downloads": 0},
        ],
    }
    content.update(changes)
    return content


def write_dump(tmp_path, content) -> tuple:
    source = tmp_path / "2026-08-07.json"
    source.write_text(json.dumps(content), encoding="utf-8")
    return source, tmp_path / "raw" / "2026-08-07.parquet", tmp_path / "raw" / "2026-08-07.meta.yaml"


def test_dump_becomes_a_raw_contract_snapshot(tmp_path):
    source, parquet, meta_path = write_dump(tmp_path, dump())
    meta = convert_api_json(source, parquet, meta_path)
    frame = pl.read_parquet(parquet)
    assert frame.schema == pl.Schema({name: dtype for name, (dtype, _) in RAW_COLUMNS.items()})
    assert frame["id"].to_list() == ["org/big", "gpt2", "user/new"]
    assert frame["author"].to_list() == ["org", None, "user"]
    assert frame["downloads"].to_list() == [1200, 45, 0]
    assert frame["likes"].to_list() == [7, 3, None]
    assert frame["createdAt"].to_list() == [
        dt.datetime(2025, 1, 20, 3, 46, 7, tzinfo=UTC), dt.datetime(2019, 2, 19, 9, 0, tzinfo=UTC), None
    ]
    assert frame["tags"].to_list() == [[], [], []]
    assert frame["downloadsAllTime"].null_count() == frame["_id"].null_count() == 3
    assert yaml.safe_load(meta_path.read_text()) == meta
    assert meta["sha256"] == sha256_file(parquet)
    assert (meta["rows"], meta["snapshot_date"], meta["source"]) == (3, "2026-08-07", "api-json")
    assert meta["date_accessed"] == "2026-08-07T21:41:45+09:00"
    assert meta["download_measure"] == "rolling30"
    assert meta["license"] == "no licence declared; facts with attribution"
    assert meta["url"] == "https://huggingface.co/api/models"
    normalized, quality = normalize_snapshot(parquet, dt.date(2026, 8, 7))
    assert normalized["downloads_30d"].sum() == 1245
    assert quality.rows_out == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"models": None}, "models"),
        ({"date": "07/08/2026"}, "date"),
        ({"fetched_at": "yesterday"}, "fetched_at"),
        ({"models": [{"downloads": 3}]}, "models[0].id"),
        ({"models": [{"id": "a/b", "downloads": "12"}]}, "models[0].downloads"),
        ({"models": [{"id": "a/b", "downloads": 1.5}]}, "models[0].downloads"),
        ({"models": [{"id": "a/b", "downloads": True}]}, "models[0].downloads"),
        ({"models": [{"id": "a/b", "likes": 2**64}]}, "models[0].likes"),
        ({"models": [{"id": "a/b", "createdAt": "soon"}]}, "models[0].createdAt"),
    ],
)
def test_malformed_dump_names_file_and_field_and_writes_nothing(tmp_path, change, field):
    content = dump(**change)
    if change.get("models") is None and "models" in change:
        del content["models"]
    source, parquet, meta_path = write_dump(tmp_path, content)
    with pytest.raises(DumpError) as error:
        convert_api_json(source, parquet, meta_path)
    assert isinstance(error.value, ValueError)
    assert str(source) in str(error.value) and f"'{field}'" in str(error.value)
    assert not parquet.exists() and not meta_path.exists()


def test_invalid_json_is_refused(tmp_path):
    source = tmp_path / "broken.json"
    source.write_text('{"models": [', encoding="utf-8")
    with pytest.raises(DumpError, match="broken.json"):
        convert_api_json(source, tmp_path / "x.parquet", tmp_path / "x.meta.yaml")


real = pytest.mark.skipif(not API_DUMPS.is_dir(), reason="../shared/real-samples/hub-api-json is absent")


@pytest.mark.real
@real
def test_real_dumps_convert_without_loss(tmp_path):
    normalized = []
    total = 0
    for source in sorted(API_DUMPS.glob("*.json")):
        models = json.loads(source.read_text(encoding="utf-8"))["models"]
        date = source.stem
        parquet = tmp_path / "raw" / f"{date}.parquet"
        meta = convert_api_json(source, parquet, tmp_path / "raw" / f"{date}.meta.yaml")
        frame = pl.read_parquet(parquet)
        assert frame.height == meta["rows"] == len(models)
        assert frame["id"].null_count() == 0
        assert frame["downloads"].sum() == sum(model["downloads"] for model in models)
        total += frame["downloads"].sum()
        out = tmp_path / "norm" / f"{date}.parquet"
        normalize_snapshot_file(parquet, out, tmp_path / "q" / f"{date}.json", date, tmp_path / "log" / f"{date}.log")
        normalized.append(out)
    assert len(normalized) >= 2
    panel, ledger = rolling30_panel(pl.read_parquet(normalized))
    check_rolling30_conservation(ledger, int(panel["downloads"].sum()))
    lines = dict(zip(ledger["category"], ledger["downloads"], strict=True))
    assert lines["check_sum_of_30d_counts"] == total
