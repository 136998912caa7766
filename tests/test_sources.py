"""Sources: Hub models-API dumps converted to the raw contract (the `hub` source: test_hub_source.py)."""

import datetime as dt
import json

import polars as pl
import pytest
import yaml
from conftest import REAL_SAMPLES

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.jobs.atomic import sha256_file
from hubshare.normalize.snapshot import normalize_snapshot, normalize_snapshot_file
from hubshare.panel.ledger import check_conservation, panel_totals
from hubshare.panel.model_weeks import build_panel
from hubshare.sources.api_json import DumpError, convert_api_json

API_DUMPS = REAL_SAMPLES / "hub-api-json"
UTC = dt.UTC


# --- api-json -----------------------------------------------------------------------------------


def dump(**changes) -> dict:
    content = {
        "date": "2026-08-07",
        "fetched_at": "2026-08-07T21:41:45+09:00",
        "source": "huggingface.co/api/models",
        "models": [
            {
                "id": "org/big",
                "likes": 7,
                "downloads": 1200,
                "pipeline_tag": "text-generation",
                "library_name": "transformers",
                "createdAt": "2025-01-20T03:46:07.000Z",
                "lastModified": None,
            },
            {
                "id": "gpt2",
                "likes": 3,
                "downloads": 45,
                "pipeline_tag": None,
                "library_name": None,
                "createdAt": "2019-02-19T11:00:00+02:00",
                "lastModified": None,
            },
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
    assert frame["downloads"].to_list() == [1200, 45, 0]
    assert frame["likes"].to_list() == [7, 3, None]
    assert frame["createdAt"].to_list() == [
        dt.datetime(2025, 1, 20, 3, 46, 7, tzinfo=UTC),
        dt.datetime(2019, 2, 19, 9, 0, tzinfo=UTC),
        None,
    ]
    # Fields the dump does not carry stay null: normalize takes the namespace from the id and counts it.
    for absent in ("_id", "author", "downloadsAllTime", "tags", "baseModels", "safetensors"):
        assert frame[absent].null_count() == 3, absent
    assert yaml.safe_load(meta_path.read_text()) == meta
    assert meta["sha256"] == sha256_file(parquet)
    assert (meta["rows"], meta["snapshot_date"], meta["source"], meta["dump_form"]) == (
        3,
        "2026-08-07",
        "api-json",
        "wrapped",
    )
    assert meta["date_accessed"] == "2026-08-07T21:41:45+09:00"
    assert meta["download_measure"] == "rolling30"
    assert meta["license"] == "no licence declared; facts with attribution"
    assert meta["url"] == "https://huggingface.co/api/models"
    assert meta["contract_fields_carried"] == ["id", "createdAt", "downloads", "likes", "pipeline_tag", "library_name"]
    assert meta["fields_not_read"] == ["lastModified"]
    normalized, quality = normalize_snapshot(parquet, dt.date(2026, 8, 7))
    assert normalized["downloads_30d"].sum() == 1245
    assert normalized["namespace"].to_list() == ["org", None, "user"]
    assert quality.rows_out == 3 and quality.repairs["author_missing_namespace_from_id"] == 2


def api_model(**changes) -> dict:
    """One model object with the keys huggingface_hub's `ModelInfo.__init__` reads from
    `GET /api/models?full=true&expand[]=...` (plus `_id` and `modelId`, which it keeps as they come)."""
    model = {
        "_id": "66aab1f4c3d2e1f0a9b8c7d6",
        "id": "org/big-instruct",
        "modelId": "org/big-instruct",
        "author": "org",
        "sha": "0123456789abcdef0123456789abcdef01234567",
        "createdAt": "2024-07-31T21:13:44.000Z",
        "lastModified": "2025-01-02T10:00:00.000Z",
        "private": False,
        "gated": "manual",
        "disabled": False,
        "downloads": 1200,
        "downloadsAllTime": 98765,
        "likes": 7,
        "library_name": "transformers",
        "tags": ["transformers", "safetensors", "text-generation", "base_model:finetune:org/big", "license:apache-2.0"],
        "pipeline_tag": "text-generation",
        "trendingScore": 3,
        "cardData": {"license": "apache-2.0", "base_model": "org/big"},
        "config": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
        "transformersInfo": {"auto_model": "AutoModelForCausalLM", "pipeline_tag": "text-generation"},
        "siblings": [{"rfilename": "config.json"}, {"rfilename": "model.safetensors"}],
        "spaces": [],
        "safetensors": {"parameters": {"BF16": 8030261248, "F32": 1024}, "total": 8030262272},
        "baseModels": {"relation": "finetune", "models": [{"id": "org/big", "_id": "65f0a1b2c3d4e5f6a7b8c9d0"}]},
        "usedStorage": 16060556376,
    }
    model.update(changes)
    return model


def test_the_apis_own_array_answer_keeps_every_contract_field(tmp_path):
    base = api_model(
        _id="65f0a1b2c3d4e5f6a7b8c9d0",
        id="org/big",
        modelId="org/big",
        downloadsAllTime=500,
        baseModels=None,
        safetensors={"parameters": {"BF16": 8030261248}, "total": 8030261248},
    )
    legacy = {"_id": "621ffdc036468d709f174338", "id": "gpt2", "downloads": 45, "likes": 3, "tags": []}
    source, parquet, meta_path = write_dump(tmp_path, [api_model(), base, legacy])
    meta = convert_api_json(source, parquet, meta_path)
    frame = pl.read_parquet(parquet)
    assert frame.schema == pl.Schema({name: dtype for name, (dtype, _) in RAW_COLUMNS.items()})
    first = frame.row(0, named=True)
    assert first == {
        "_id": "66aab1f4c3d2e1f0a9b8c7d6",
        "id": "org/big-instruct",
        "author": "org",
        "createdAt": dt.datetime(2024, 7, 31, 21, 13, 44, tzinfo=UTC),
        "downloads": 1200,
        "downloadsAllTime": 98765,
        "likes": 7,
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "tags": ["transformers", "safetensors", "text-generation", "base_model:finetune:org/big", "license:apache-2.0"],
        "baseModels": {"models": [{"_id": "65f0a1b2c3d4e5f6a7b8c9d0", "id": "org/big"}], "relation": "finetune"},
        "safetensors": {
            "parameters": [{"dtype": "BF16", "count": 8030261248}, {"dtype": "F32", "count": 1024}],
            "total": 8030262272,
        },
    }
    assert frame["downloadsAllTime"].to_list() == [98765, 500, None]
    assert frame["author"].to_list() == ["org", "org", None]
    assert (meta["dump_form"], meta["snapshot_date"], meta["date_accessed"]) == ("array", "2026-08-07", "2026-08-07")
    assert "file name" in meta["snapshot_stands_for"]
    assert meta["contract_fields_carried"] == list(RAW_COLUMNS)
    assert meta["fields_not_read"] == [
        "cardData",
        "config",
        "disabled",
        "gated",
        "lastModified",
        "modelId",
        "private",
        "sha",
        "siblings",
        "spaces",
        "transformersInfo",
        "trendingScore",
        "usedStorage",
    ]
    assert meta["download_measure"] == "alltime_diff"
    normalized, _ = normalize_snapshot(parquet, dt.date(2026, 8, 7))
    rows = {row["model_id"]: row for row in normalized.iter_rows(named=True)}
    assert rows["org/big-instruct"]["model_key"] == "66aab1f4c3d2e1f0a9b8c7d6"
    assert (rows["org/big-instruct"]["base_parents"], rows["org/big-instruct"]["base_relation"]) == (
        ["org/big"],
        "finetune",
    )
    assert rows["org/big-instruct"]["lineage_status"] == "resolved"
    assert rows["org/big-instruct"]["params_total"] == 8030262272
    assert rows["gpt2"]["downloads_all_time"] is None and rows["gpt2"]["tags"] == []


def test_base_models_as_a_list_of_ids_keep_the_parents_without_a_relation(tmp_path):
    source, parquet, meta_path = write_dump(tmp_path, [api_model(baseModels=["org/big", "org/other"])])
    convert_api_json(source, parquet, meta_path)
    assert pl.read_parquet(parquet)["baseModels"].to_list() == [
        {"models": [{"_id": None, "id": "org/big"}, {"_id": None, "id": "org/other"}], "relation": None}
    ]


@pytest.mark.parametrize(
    ("change", "field", "accepted"),
    [
        (
            {"safetensors": {"parameters": [{"dtype": "BF16", "count": 5}], "total": 5}},
            "safetensors.parameters",
            "{<dtype>: <integer>",
        ),
        (
            {"safetensors": {"parameters": {"BF16": "5"}, "total": 5}},
            "safetensors.parameters.BF16",
            "{<dtype>: <integer>",
        ),
        ({"safetensors": {"parameters": {"BF16": 5}}}, "safetensors.total", "found it missing"),
        (
            {"safetensors": {"parameters": {"BF16": 5}, "total": 5, "sharded": True}},
            "safetensors.sharded",
            "found an unknown key",
        ),
        ({"safetensors": 5}, "safetensors", "found 5"),
        (
            {"baseModels": {"parents": [{"id": "org/big"}], "relation": "finetune"}},
            "baseModels.models",
            "found it missing",
        ),
        (
            {"baseModels": {"models": [{"_id": "x"}], "relation": "finetune"}},
            "baseModels.models[0].id",
            '"relation": <string>',
        ),
        (
            {"baseModels": {"models": [{"id": "org/big", "name": "big"}], "relation": "merge"}},
            "baseModels.models[0].name",
            "unknown key",
        ),
        ({"baseModels": {"models": [], "relation": 1}}, "baseModels.relation", "found 1"),
        ({"baseModels": "org/big"}, "baseModels", "a list of model ids"),
        ({"tags": "gguf,text-generation"}, "tags", "a list of strings"),
        ({"tags": ["gguf", 7]}, "tags[1]", "found 7"),
        ({"_id": ""}, "_id", "a non-empty string"),
        ({"author": 12}, "author", "a string or null"),
        ({"downloadsAllTime": 2**63}, "downloadsAllTime", "a 64-bit integer"),
        ({"id": None}, "id", "found it missing or null"),
    ],
)
def test_model_fields_of_another_form_are_refused_with_the_index_field_and_accepted_form(
    tmp_path, change, field, accepted
):
    source, parquet, meta_path = write_dump(tmp_path, [api_model(id="org/first"), api_model(**change)])
    with pytest.raises(DumpError) as error:
        convert_api_json(source, parquet, meta_path)
    assert error.value.field == f"models[1].{field}"
    assert (
        str(source) in str(error.value) and f"'models[1].{field}'" in str(error.value) and accepted in str(error.value)
    )
    assert not parquet.exists() and not meta_path.exists()


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
        ({"models": ["a/b"]}, "models[0]"),
        ({"count": 3}, "count"),
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
    source = tmp_path / "2026-08-07.json"
    source.write_text('{"models": [', encoding="utf-8")
    with pytest.raises(DumpError, match="2026-08-07.json: field '\\*' is not valid UTF-8 JSON"):
        convert_api_json(source, tmp_path / "x.parquet", tmp_path / "x.meta.yaml")


@pytest.mark.parametrize("content", ['"models"', "3", "null"])
def test_json_that_is_neither_array_nor_object_is_refused(tmp_path, content):
    source = tmp_path / "2026-08-07.json"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(DumpError, match="must be a JSON array of model objects or an object"):
        convert_api_json(source, tmp_path / "x.parquet", tmp_path / "x.meta.yaml")


@pytest.mark.parametrize("name", ["broken.json", "2026-8-7.json", "2026-08-07.JSON"])
def test_dump_whose_file_name_is_no_date_is_refused(tmp_path, name):
    source = tmp_path / name
    source.write_text(json.dumps(dump()), encoding="utf-8")
    with pytest.raises(DumpError, match="field 'file name' .* must be <YYYY-MM-DD>.json"):
        convert_api_json(source, tmp_path / "x.parquet", tmp_path / "x.meta.yaml")


real = pytest.mark.skipif(not API_DUMPS.is_dir(), reason="../shared/real-samples/hub-api-json is absent")


@pytest.mark.real
@real
def test_real_dumps_convert_without_loss(tmp_path):
    normalized, totals = [], []
    for source in sorted(API_DUMPS.glob("*.json")):
        models = json.loads(source.read_text(encoding="utf-8"))["models"]
        date = source.stem
        parquet = tmp_path / "raw" / f"{date}.parquet"
        meta = convert_api_json(source, parquet, tmp_path / "raw" / f"{date}.meta.yaml")
        frame = pl.read_parquet(parquet)
        assert frame.height == meta["rows"] == len(models)
        assert frame["id"].null_count() == 0
        assert frame["downloads"].sum() == sum(model["downloads"] for model in models)
        totals.append(frame["downloads"].sum())
        out = tmp_path / "norm" / f"{date}.parquet"
        normalize_snapshot_file(parquet, out, tmp_path / "q" / f"{date}.json", date, tmp_path / "log" / f"{date}.log")
        normalized.append(out)
    assert len(normalized) >= 2
    panel, ledger = build_panel(normalized, "rolling30")
    check_conservation(ledger, panel_totals(panel))
    # The first dump's 30-day counts are booked whole, every one of them.
    first = panel.filter(pl.col("week") == pl.col("week").min())
    assert first["downloads"].sum() == totals[0] and first["interval_days"].unique().to_list() == [30]
