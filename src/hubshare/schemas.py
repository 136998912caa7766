"""Data contracts: one pandera.polars schema per table the pipeline writes.

The same classes validate at run time (in the library functions that produce
the tables) and in the tests. `docs/data_dictionary.md` is generated from the
field descriptions here, so a column described here is a column documented.
"""

from __future__ import annotations

import polars as pl
import pandera.polars as pa

UTC_MICROS = pl.Datetime(time_unit="us", time_zone="UTC")

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
    "createdAt": (UTC_MICROS, True),
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
LINEAGE_STATUSES = ["own_root", "resolved", "missing_parent", "cycle"]
DOWNLOAD_MEASURES = ["alltime_diff", "rolling30"]


class RawSnapshot(pa.DataFrameModel):
    """One weekly snapshot in the raw contract (the Hub's `models.parquet`)."""

    # pandera ignores fields whose names start with "_", hence the alias.
    hub_object_id: str = pa.Field(alias="_id", nullable=True, required=False, description="Stable Hub object id; survives renames.")
    id: str = pa.Field(nullable=False, description="Model id `namespace/name` (or a legacy id without namespace).")
    author: str = pa.Field(nullable=True, required=False, description="Namespace that owns the model.")
    createdAt: UTC_MICROS = pa.Field(nullable=True, description="Creation time of the model repository (UTC).")
    downloads: pl.Int64 = pa.Field(nullable=True, description="Rolling 30-day download count at snapshot time.")
    downloadsAllTime: pl.Int64 = pa.Field(nullable=True, required=False, description="Cumulative download count at snapshot time.")
    likes: pl.Int64 = pa.Field(nullable=True, required=False, description="Number of likes.")
    pipeline_tag: str = pa.Field(nullable=True, required=False, description="Task of the model, e.g. `text-generation`.")
    library_name: str = pa.Field(nullable=True, required=False, description="Library the model is meant for.")

    class Config:
        strict = False  # unknown extra columns are allowed and counted, not fatal
        coerce = False


class NormalizedSnapshot(pa.DataFrameModel):
    """`data/processed/snapshots/{date}.parquet`: one validated snapshot, one row per model."""

    snapshot_date: pl.Date = pa.Field(nullable=False, description="Date of the snapshot.")
    model_key: str = pa.Field(nullable=False, unique=True, description="Panel key: `_id` when present, else `id`.")
    model_id: str = pa.Field(nullable=False, description="Model id at this snapshot.")
    namespace: str = pa.Field(nullable=True, description="Namespace (part of the id before `/`); null for legacy ids.")
    created_at: UTC_MICROS = pa.Field(nullable=True, description="Creation time (UTC).")
    downloads_all_time: pl.Int64 = pa.Field(nullable=True, ge=0, description="Cumulative downloads; null when the source lacks it.")
    downloads_30d: pl.Int64 = pa.Field(nullable=True, ge=0, description="Rolling 30-day downloads.")
    likes: pl.Int64 = pa.Field(nullable=True, description="Likes.")
    pipeline_tag: str = pa.Field(nullable=True, description="Task tag.")
    library_name: str = pa.Field(nullable=True, description="Library name.")
    tags: pl.List(pl.String) = pa.Field(nullable=True, description="Hub tags.")
    base_relation: str = pa.Field(nullable=True, isin=RELATIONS, description="Relation to the base model(s): finetune, adapter, quantized or merge.")
    base_parents: pl.List(pl.String) = pa.Field(nullable=True, description="Ids of the declared base models.")
    params_total: pl.Int64 = pa.Field(nullable=True, ge=0, description="Total parameters from `safetensors.total`.")
    lineage_status: str = pa.Field(nullable=False, isin=LINEAGE_STATUSES, description="Outcome of the walk to the root of the base-model tree.")
    lineage_roots: pl.List(pl.Struct({"root_id": pl.String, "weight": pl.Float64})) = pa.Field(
        nullable=False, description="Root model ids of the base-model tree with the share of this model's downloads each root receives (merges split equally)."
    )
    lineage_root_first: str = pa.Field(nullable=False, description="Root reached by always following the first declared parent.")

    class Config:
        strict = True
        coerce = False


class Panel(pa.DataFrameModel):
    """`data/processed/panel.parquet`: downloads per model per week (rows with zero downloads omitted)."""

    week: pl.Date = pa.Field(nullable=False, description="Snapshot date closing the interval in which the downloads happened.")
    model_key: str = pa.Field(nullable=False, description="Panel key (`_id`, else `id`).")
    model_id: str = pa.Field(nullable=False, description="Model id at the closing snapshot.")
    namespace: str = pa.Field(nullable=True, description="Namespace at the closing snapshot.")
    created_at: UTC_MICROS = pa.Field(nullable=True, description="Creation time (UTC).")
    downloads: pl.Int64 = pa.Field(nullable=False, gt=0, description="Downloads counted in this model-week.")
    interval_days: pl.Int32 = pa.Field(nullable=False, gt=0, description="Days since the previous snapshot (7 for a regular week).")
    event: str = pa.Field(
        nullable=False,
        isin=["increase", "first_appearance", "counter_reset"],
        description="How the count arose: increase over the previous snapshot, first appearance of a new model, or the value after a counter reset.",
    )
    measure: str = pa.Field(nullable=False, isin=DOWNLOAD_MEASURES, description="Download measure used.")

    class Config:
        strict = False  # model properties carried along for later stages
        coerce = False


class Ledger(pa.DataFrameModel):
    """`results/conservation_ledger.csv`: where every observed download went."""

    category: str = pa.Field(nullable=False, unique=True, description="Ledger line.")
    downloads: pl.Int64 = pa.Field(nullable=False, description="Downloads in this line.")
    models: pl.Int64 = pa.Field(nullable=False, ge=0, description="Distinct models contributing.")
    role: str = pa.Field(nullable=False, isin=["counted", "excluded", "adjustment", "check"], description="counted: in the panel; excluded: observed but not in any model-week; adjustment: counter drops; check: identity terms.")
    definition: str = pa.Field(nullable=False, description="What the line means.")


class Attributed(pa.DataFrameModel):
    """`data/processed/attributed.parquet`: panel downloads attributed to organisations, per view."""

    week: pl.Date = pa.Field(nullable=False, description="Week (snapshot date).")
    view: str = pa.Field(nullable=False, isin=["uploader", "derived", "derived_first_parent"], description="Attribution view.")
    model_key: str = pa.Field(nullable=False, description="Panel key of the model whose downloads these are.")
    attributed_namespace: str = pa.Field(nullable=True, description="Namespace credited (uploader, or developer of the root model).")
    organization: str = pa.Field(nullable=False, description="Organisation credited; the namespace itself for unaffiliated users.")
    country_code: str = pa.Field(nullable=True, description="ISO 3166-1 alpha-2 code of the organisation.")
    country_group: str = pa.Field(nullable=False, description="Country group (vocabularies.yaml).")
    developer_type: str = pa.Field(nullable=False, description="Developer type (vocabularies.yaml).")
    attribution_source: str = pa.Field(nullable=False, isin=["registry", "unlisted_namespace", "no_namespace"], description="How the organisation was found.")
    downloads: pl.Float64 = pa.Field(nullable=False, ge=0, description="Downloads credited (fractional where merges split).")

    class Config:
        strict = False
        coerce = False


class GroupShares(pa.DataFrameModel):
    """`results/tables/shares_weekly.parquet` and `shares_trailing52.parquet`."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(nullable=False, isin=["country_group", "developer_type", "organization"], description="Grouping dimension.")
    group: str = pa.Field(nullable=False, description="Group value.")
    week: pl.Date = pa.Field(nullable=False, description="Week (end of the trailing window for trailing tables).")
    downloads: pl.Float64 = pa.Field(nullable=False, ge=0, description="Downloads of the group in the week or window.")
    share: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of all downloads in the week or window.")


class Concentration(pa.DataFrameModel):
    """`results/tables/concentration_weekly.parquet`: concentration over organisations."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    week: pl.Date = pa.Field(nullable=False, description="Week.")
    organizations: pl.Int64 = pa.Field(nullable=False, ge=0, description="Organisations with downloads that week.")
    hhi: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Herfindahl-Hirschman index (sum of squared shares, 0-1).")
    gini: pl.Float64 = pa.Field(nullable=False, ge=0, le=1, description="Gini coefficient of downloads across organisations with downloads.")
    top1: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the largest organisation.")
    top5: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the five largest.")
    top10: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the ten largest.")
