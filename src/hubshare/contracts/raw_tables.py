"""Contracts of the raw snapshots (the columns read from the Hub's `models.parquet`) and of the
snapshots as normalized."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from hubshare.contracts.base import UTC_MICROS, Contract

BASE_MODELS_DTYPE = pl.Struct(
    {
        "models": pl.List(pl.Struct({"_id": pl.String, "id": pl.String})),
        "relation": pl.String,
    }
)
SAFETENSORS_DTYPE = pl.Struct(
    {
        "parameters": pl.List(pl.Struct({"dtype": pl.String, "count": pl.Int64})),
        "total": pl.Int64,
    }
)


# The raw contract: the Hub's own `models.parquet` columns that the pipeline
# reads. `required` columns must exist in every snapshot; optional ones are
# filled with nulls when a source does not carry them.
RAW_COLUMNS: dict[str, tuple[pl.DataType, bool]] = {
    "_id": (pl.String, False),
    "id": (pl.String, True),
    "author": (pl.String, False),
    "createdAt": (UTC_MICROS, False),
    "downloads": (pl.Int64, True),
    "downloadsAllTime": (pl.Int64, False),
    "likes": (pl.Int64, False),
    "pipeline_tag": (pl.String, False),
    "library_name": (pl.String, False),
    "tags": (pl.List(pl.String), False),
    "baseModels": (BASE_MODELS_DTYPE, False),
    "safetensors": (SAFETENSORS_DTYPE, False),
}

RELATIONS = ["finetune", "adapter", "quantized", "merge"]
# The normalized columns a period's model table is made of: a model's properties and family are read from these
# alone, so a model whose row keeps them keeps its properties (see `hubshare.attribution.model_changes`).
MODEL_METADATA_COLUMNS = [
    "model_id",
    "namespace",
    "pipeline_tag",
    "library_name",
    "tags",
    "base_relation",
    "params_total",
]
LINEAGE_STATUSES = ["own_root", "resolved", "missing_parent", "cycle"]


class RawSnapshot(Contract):
    """One weekly snapshot in the raw contract (the Hub's `models.parquet`)."""

    # pandera ignores fields whose names start with "_", hence the alias.
    hub_object_id: str = pa.Field(
        alias="_id", nullable=True, required=False, description="Stable Hub object id; survives renames."
    )
    id: str = pa.Field(nullable=False, description="Model id `namespace/name` (or a legacy id without namespace).")
    author: str = pa.Field(nullable=True, required=False, description="Namespace that owns the model.")
    createdAt: UTC_MICROS = pa.Field(
        nullable=True, required=False, description="Creation time of the model repository (UTC)."
    )
    downloads: pl.Int64 = pa.Field(nullable=True, description="Rolling 30-day download count at snapshot time.")
    downloadsAllTime: pl.Int64 = pa.Field(
        nullable=True, required=False, description="Cumulative download count at snapshot time."
    )
    likes: pl.Int64 = pa.Field(nullable=True, required=False, description="Number of likes.")
    pipeline_tag: str = pa.Field(
        nullable=True, required=False, description="Task of the model, e.g. `text-generation`."
    )
    library_name: str = pa.Field(nullable=True, required=False, description="Library the model is meant for.")

    class Config:
        strict = False  # unknown extra columns are allowed and counted, not fatal


class NormalizedSnapshot(Contract):
    """`data/processed/snapshots/{date}.parquet`: one validated snapshot, one row per model."""

    snapshot_date: pl.Date = pa.Field(nullable=False, description="Date of the snapshot.")
    model_key: str = pa.Field(
        nullable=False, distinct_values=True, description="Panel key: `_id` when present, else `id`."
    )
    model_id: str = pa.Field(nullable=False, description="Model id at this snapshot.")
    namespace: str = pa.Field(nullable=True, description="Namespace (part of the id before `/`); null for legacy ids.")
    created_at: UTC_MICROS = pa.Field(nullable=True, description="Creation time (UTC).")
    downloads_all_time: pl.Int64 = pa.Field(
        nullable=True, ge=0, description="Cumulative downloads; null when the source lacks it."
    )
    downloads_30d: pl.Int64 = pa.Field(nullable=True, ge=0, description="Rolling 30-day downloads.")
    likes: pl.Int64 = pa.Field(nullable=True, description="Likes.")
    pipeline_tag: str = pa.Field(nullable=True, description="Task tag.")
    library_name: str = pa.Field(nullable=True, description="Library name.")
    tags: pl.List(pl.String) = pa.Field(nullable=True, description="Hub tags.")
    base_relation: str = pa.Field(
        nullable=True,
        isin=RELATIONS,
        description="Relation to the base model(s): finetune, adapter, quantized or merge.",
    )
    base_parents: pl.List(pl.String) = pa.Field(nullable=True, description="Ids of the declared base models.")
    params_total: pl.Int64 = pa.Field(nullable=True, ge=0, description="Total parameters from `safetensors.total`.")
    lineage_status: str = pa.Field(
        nullable=False, isin=LINEAGE_STATUSES, description="Outcome of the walk to the root of the base-model tree."
    )
    lineage_roots: pl.List(pl.Struct({"root_id": pl.String, "weight": pl.Float64})) = pa.Field(
        nullable=True,
        description="Root model ids of the base-model tree with the share of this model's downloads each root receives (merges split equally); null for a model that is its own root (`own_root`: the model itself, weight 1).",
    )
    lineage_root_first: str = pa.Field(
        nullable=True,
        description="Root reached by always following the first declared parent; null for a model that is its own root.",
    )
    metadata_hash: pl.UInt64 = pa.Field(
        nullable=False,
        description="64-bit hash of the row's `model_id`, `namespace`, `pipeline_tag`, `library_name`, `tags`, `base_relation` and `params_total`, the columns a model's properties and family are read from: a model whose hash is the same in the snapshot before keeps its properties (`model_changes`).",
    )
