"""Snapshot files in the shape public code describes for `hfmlsoc/hub_weekly_snapshots`.

Written with pyarrow directly, not with the project's own writer, from what
public readers of the dataset and the Hub API's client (`huggingface_hub`'s
`ModelInfo`) say about the real files:

- layout `models/<YYYY-MM-DD>/models.parquet` beside `datasets/<date>/...`
  and `spaces/<date>/...`, plus the repository's README and .gitattributes;
- camelCase API columns, many the pipeline never reads (`siblings`, `config`
  and `cardData` as JSON text, `gguf`, `transformersInfo`, `gated`, ...),
  and `modelId` in 2024 files;
- schema eras: no `downloadsAllTime` before 2025-02-26, no `cardData` or
  `trendingScore` before about 2024-10, no `baseModels` before mid 2025
  (lineage only in `base_model:` tags then);
- `safetensors.parameters` keyed by dtype (a struct of dtype fields, or a
  map), `baseModels` as `{models: [{_id, id}], relation}` in either order;
- creation times never before 2022-03-02T23:29:04Z.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

UTC = dt.UTC
CREATION_FLOOR = dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
ALLTIME_FROM = dt.date(2025, 2, 26)
CARD_DATA_FROM = dt.date(2024, 10, 2)
BASE_MODELS_FROM = dt.date(2025, 6, 4)

SIBLINGS = pa.list_(pa.struct([("rfilename", pa.string())]))
TRANSFORMERS_INFO = pa.struct([("auto_model", pa.string()), ("pipeline_tag", pa.string())])
GGUF = pa.struct([("total", pa.int64()), ("architecture", pa.string())])
PARENT = pa.struct([("_id", pa.string()), ("id", pa.string())])


def _schema(date: dt.date, parameters_as_map: bool, relation_first: bool) -> pa.Schema:
    parameters = (
        pa.map_(pa.string(), pa.int64())
        if parameters_as_map
        else pa.struct([("BF16", pa.int64()), ("F32", pa.int64())])
    )
    fields = [
        ("_id", pa.string()),
        ("id", pa.string()),
        ("author", pa.string()),
        ("sha", pa.string()),
        ("createdAt", pa.timestamp("ms", tz="UTC") if date < ALLTIME_FROM else pa.timestamp("ns")),
        ("lastModified", pa.timestamp("ms", tz="UTC")),
        ("private", pa.bool_()),
        ("gated", pa.string()),
        ("disabled", pa.bool_()),
        ("downloads", pa.int64()),
    ]
    if date >= ALLTIME_FROM:
        fields.append(("downloadsAllTime", pa.int64()))
    fields += [
        ("likes", pa.int64()),
        ("library_name", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("pipeline_tag", pa.string()),
        ("siblings", SIBLINGS),
        ("config", pa.string()),
        ("transformersInfo", TRANSFORMERS_INFO),
        ("gguf", GGUF),
        ("safetensors", pa.struct([("parameters", parameters), ("total", pa.int64())])),
    ]
    if date < dt.date(2025, 1, 1):
        fields.append(("modelId", pa.string()))
    if date >= CARD_DATA_FROM:
        fields += [("cardData", pa.string()), ("trendingScore", pa.float64())]
    if date >= BASE_MODELS_FROM:
        inner = [("relation", pa.string()), ("models", pa.list_(PARENT))]
        fields.append(("baseModels", pa.struct(inner if relation_first else inner[::-1])))
    return pa.schema(fields)


def model_row(
    object_id: str,
    model_id: str,
    created: dt.datetime,
    downloads: int,
    alltime: int | None = None,
    parent: str | None = None,
    relation: str | None = None,
    bf16: int | None = None,
) -> dict:
    """One model as the API describes it; `parent` goes to tags always and to baseModels where it exists."""
    tags = ["transformers", "safetensors", "license:apache-2.0"]
    if parent:
        tags += [f"base_model:{parent}", f"base_model:{relation}:{parent}"]
    return {
        "_id": object_id,
        "id": model_id,
        "author": model_id.split("/")[0],
        "sha": "0" * 40,
        "createdAt": created,
        "lastModified": created,
        "private": False,
        "gated": "False",
        "disabled": False,
        "downloads": downloads,
        "downloadsAllTime": alltime,
        "likes": 3,
        "library_name": "transformers",
        "tags": tags,
        "pipeline_tag": "text-generation",
        "siblings": [{"rfilename": "config.json"}, {"rfilename": "model.safetensors"}],
        "config": json.dumps({"architectures": ["LlamaForCausalLM"]}),
        "transformersInfo": {"auto_model": "AutoModelForCausalLM", "pipeline_tag": "text-generation"},
        "gguf": None,
        "modelId": model_id,
        "cardData": json.dumps({"license": "apache-2.0"}),
        "trendingScore": 0.5,
        "safetensors": None if bf16 is None else {"parameters": {"BF16": bf16, "F32": 1000}, "total": bf16 + 1000},
        "baseModels": None
        if parent is None
        else {"models": [{"_id": f"id-{parent}", "id": parent}], "relation": relation},
        "_parent": parent,
    }


def write_snapshot(
    path: Path, date: dt.date, models: list[dict], parameters_as_map: bool = False, relation_first: bool = False
) -> Path:
    schema = _schema(date, parameters_as_map, relation_first)
    rows = []
    for model in models:
        row = {name: model.get(name) for name in schema.names}
        if parameters_as_map and row["safetensors"] is not None:
            row["safetensors"] = {**row["safetensors"], "parameters": list(row["safetensors"]["parameters"].items())}
        if isinstance(row.get("createdAt"), dt.datetime) and schema.field("createdAt").type.tz is None:
            row["createdAt"] = row["createdAt"].astimezone(UTC).replace(tzinfo=None)
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def write_mirror(root: Path, snapshots: dict[dt.date, list[dict]], **options) -> Path:
    """A mirror of the dataset repository: README, .gitattributes, datasets/ and spaces/ beside models/."""
    (root / "README.md").parent.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text("---\nlicense: odbl\n---\n# Hub weekly snapshots\n")
    (root / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
    for date, models in snapshots.items():
        write_snapshot(root / "models" / date.isoformat() / "models.parquet", date, models, **options)
        for item in ("datasets", "spaces"):
            folder = root / item / date.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table({"id": ["x/y"], "downloads": [1]}), folder / f"{item}.parquet")
    return root
