"""Data contracts: one pandera.polars schema per table the pipeline writes.

The same classes validate at run time (in the library functions that produce
the tables) and in the tests. `docs/data_dictionary.md` is generated from the
field descriptions here, so a column described here is a column documented.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from hubshare.analysis.properties import (
    LICENSE_CLASSES,
    OPEN_SOURCE,
    OPEN_WEIGHTS,
    PARAMS_SOURCES,
    TRANSPARENCY_LEVELS,
)
from hubshare.normalize.distinct import all_distinct

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


def distinct_values(data: pa.PolarsData) -> bool | pl.LazyFrame:
    """pandera's `unique=True` for key columns of millions of rows, in a fraction of its time.

    Passes in one pass over hashes; only when values repeat are the repeating
    rows listed as failure cases.
    """
    if all_distinct(data.lazyframe.select(data.key).collect().to_series()):
        return True
    return data.lazyframe.select(~pl.col(data.key).is_duplicated())


class Contract(pa.DataFrameModel):
    """The one configuration every table's schema shares (a schema that differs says why).

    strict: a column the schema does not list is an error, so every column
    written is a column documented; coerce: never, a wrong type is an error
    upstream, not something to convert silently.
    """

    class Config:
        strict = True
        coerce = False


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
LINEAGE_STATUSES = ["own_root", "resolved", "missing_parent", "cycle"]
DOWNLOAD_MEASURES = ["alltime_diff", "rolling30"]


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
    model_key: str = pa.Field(nullable=False, description="Panel key: `_id` when present, else `id`.")
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

    @pa.check("model_key", name="distinct_values", error="unique")
    def _model_key_distinct(cls, data: pa.PolarsData) -> bool | pl.LazyFrame:
        return distinct_values(data)


class DepartedModels(NormalizedSnapshot):
    """`data/processed/departed/<date>.parquet`: the models of the snapshot before `<date>` that `<date>` lacks, with their rows from that earlier snapshot (the last rows the model table reads for models no longer listed)."""


class PeriodModels(Contract):
    """`data/processed/periods/<period>/models.parquet`: every model a period's snapshots list, with its metadata, properties and family as the period's last snapshot listing it declares them."""

    model_key: str = pa.Field(nullable=False, unique=True, description="Panel key (`_id`, else `id`).")
    model_id: str = pa.Field(nullable=False, description="Model id in the model's last snapshot of the period.")
    namespace: str = pa.Field(nullable=True, description="Namespace in that snapshot.")
    last_seen: pl.Date = pa.Field(nullable=False, description="Date of that snapshot.")
    params: pl.Int64 = pa.Field(nullable=True, gt=0, description="Parameter count, from `params_source`.")
    params_source: str = pa.Field(
        nullable=False, isin=list(PARAMS_SOURCES), description="Where the count comes from (`none`: unknown)."
    )
    is_quantized: bool = pa.Field(nullable=False, description="Quantized weights (tags, relation or name).")
    is_moe: bool = pa.Field(nullable=False, description="Mixture of experts (architecture tags or name).")
    input_modality: str = pa.Field(nullable=True, description="Input modality from the pipeline tag.")
    output_modality: str = pa.Field(nullable=True, description="Output modality from the pipeline tag.")
    is_multimodal_generation: bool = pa.Field(
        nullable=False, description="The output is generated images, audio, video, 3D or several media."
    )
    license_class: str = pa.Field(nullable=False, isin=list(LICENSE_CLASSES), description="Licence class.")
    training_data_transparency: str = pa.Field(
        nullable=False, isin=list(TRANSPARENCY_LEVELS), description="Whether training data is named (a `dataset:` tag)."
    )
    training_data_disclosed: bool = pa.Field(nullable=False, description="`training_data_transparency` is disclosed.")
    openness: str = pa.Field(
        nullable=False, isin=[OPEN_SOURCE, OPEN_WEIGHTS], description="Open source or open weights."
    )
    family: str = pa.Field(nullable=True, description="Model family from the curated family list (null: none).")


class Panel(Contract):
    """`data/processed/panel/<date>.parquet`: downloads per model in the week closing at that snapshot (rows with zero downloads omitted)."""

    week: pl.Date = pa.Field(
        nullable=False, description="Snapshot date closing the interval in which the downloads happened."
    )
    model_key: str = pa.Field(nullable=False, description="Panel key (`_id`, else `id`).")
    model_number: pl.UInt32 = pa.Field(
        nullable=False,
        description="The model's number in this build: models are numbered 0, 1, 2, ... in the order they are first observed, and keep their number. Counting distinct models over many weeks reads these instead of the keys.",
    )
    model_id: str = pa.Field(nullable=False, description="Model id at the closing snapshot.")
    namespace: str = pa.Field(nullable=True, description="Namespace at the closing snapshot.")
    created_at: UTC_MICROS = pa.Field(nullable=True, description="Creation time (UTC).")
    downloads: pl.Int64 = pa.Field(nullable=False, gt=0, description="Downloads counted in this model-week.")
    interval_days: pl.Int32 = pa.Field(
        nullable=False, gt=0, description="Days since the previous snapshot (7 for a regular week)."
    )
    event: str = pa.Field(
        nullable=False,
        isin=["increase", "first_appearance", "counter_reset"],
        description="How the count arose: increase over the previous snapshot, first appearance of a new model, or the value after a counter reset.",
    )
    measure: str = pa.Field(nullable=False, isin=DOWNLOAD_MEASURES, description="Download measure used.")

    class Config:
        strict = False  # model properties carried along for later stages


class Ledger(Contract):
    """`results/conservation_ledger.csv`: where every observed download went."""

    category: str = pa.Field(nullable=False, unique=True, description="Ledger line.")
    downloads: pl.Int64 = pa.Field(nullable=False, description="Downloads in this line.")
    model_weeks: pl.Int64 = pa.Field(
        nullable=False, ge=0, description="Model-weeks (one model in one snapshot) contributing a positive amount."
    )
    role: str = pa.Field(
        nullable=False,
        isin=["counted", "excluded", "adjustment", "check"],
        description="counted: in the panel; excluded: observed but not in any model-week; adjustment: counter drops; check: identity terms.",
    )
    definition: str = pa.Field(nullable=False, description="What the line means.")


class PanelWeeks(Contract):
    """`results/tables/panel_weeks.csv`: which download measure booked each snapshot's week."""

    week: pl.Date = pa.Field(nullable=False, unique=True, description="Snapshot date closing the week.")
    measure: str = pa.Field(
        nullable=False,
        isin=["baseline", "alltime_diff", "rolling30", "switch", "repeat", "implausible"],
        description="baseline: a first snapshot of cumulative counts (nothing booked); alltime_diff: increases of the cumulative count; rolling30: estimates from 30-day counts (a first snapshot of 30-day counts books its 30 days whole); switch: the first cumulative counts after estimates (their models estimated once more, the counts their baselines); repeat: the same rows as the snapshot before; implausible: refused by the plausibility guards (both book nothing, and the next week spans them).",
    )
    downloads: pl.Int64 = pa.Field(nullable=False, ge=0, description="Downloads booked in the week.")
    model_weeks: pl.Int64 = pa.Field(nullable=False, ge=0, description="Model-weeks with downloads booked.")


class PanelState(Contract):
    """`data/processed/panel_state/<date>.parquet`: every model's last observed cumulative count and running 30-day estimate up to that snapshot."""

    model_key: str = pa.Field(nullable=False, description="Panel key (`_id`, else `id`).")
    model_number: pl.UInt32 = pa.Field(
        nullable=False,
        description="The model's number (see the panel); the numbers are 0 to the number of rows minus 1.",
    )
    last_value: pl.Int64 = pa.Field(
        nullable=True,
        ge=0,
        description="Last observed `downloadsAllTime` (deleted models keep theirs); null when the model's last observation had none (its downloads were estimated from the 30-day count).",
    )
    last_seen: pl.Date = pa.Field(nullable=False, description="Snapshot date of that observation.")
    rolling_thirtieths: pl.Int64 = pa.Field(
        nullable=False,
        ge=0,
        description="Running sum, in thirtieths of a download, of the model's 30-day estimates (weeks without cumulative counts); each week's estimate is the increase of its rounded value.",
    )

    @pa.check("model_key", name="distinct_values", error="unique")
    def _model_key_distinct(cls, data: pa.PolarsData) -> bool | pl.LazyFrame:
        return distinct_values(data)

    @pa.check("model_number", name="numbers_0_to_n_minus_1", error="the numbers 0 to rows - 1, each once")
    def _model_numbers_dense(cls, data: pa.PolarsData) -> bool:
        # Distinct non-negative integers whose largest is rows - 1 are exactly 0..rows - 1.
        numbers = data.lazyframe.select(data.key).collect().to_series()
        return numbers.is_empty() or (numbers.max() == numbers.len() - 1 and numbers.n_unique() == numbers.len())


class WeekGroups(Contract):
    """`data/processed/aggregates/<date>/groups.parquet`: a week's attributed downloads summed by group, per view."""

    view: str = pa.Field(
        nullable=False, isin=["uploader", "derived", "derived_first_parent"], description="Attribution view."
    )
    week: pl.Date = pa.Field(nullable=False, description="Week (snapshot date).")
    country_group: str = pa.Field(nullable=False, description="Country group (or unaffiliated_user, unknown).")
    developer_type: str = pa.Field(nullable=False, description="Developer type (or unaffiliated_user, unknown).")
    attribution_source: str = pa.Field(
        nullable=False,
        isin=["registry", "unlisted_namespace", "no_namespace"],
        description="How the organisation was found.",
    )
    downloads: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Downloads credited (fractional where merges split them)."
    )


class WeekLineage(Contract):
    """`data/processed/aggregates/<date>/lineage.parquet`: a week's panel downloads by base-model lineage outcome."""

    week: pl.Date = pa.Field(nullable=False, description="Week (snapshot date).")
    lineage_status: str = pa.Field(
        nullable=False,
        isin=["own_root", "resolved", "missing_parent", "cycle"],
        description="Outcome of the walk to the root.",
    )
    downloads: pl.Int64 = pa.Field(nullable=False, ge=0, description="Downloads of the models with that outcome.")
    model_weeks: pl.Int64 = pa.Field(nullable=False, ge=0, description="Their model-weeks.")


class WeekNamespaces(Contract):
    """`data/processed/aggregates/<date>/namespaces.parquet`: a week's uploader-view downloads per namespace and organisation."""

    week: pl.Date = pa.Field(nullable=False, description="Week (snapshot date).")
    namespace: str = pa.Field(nullable=True, description="Uploader namespace (null where none could be found).")
    organization: str = pa.Field(nullable=False, description="Organisation credited in the uploader view.")
    country_group: str = pa.Field(nullable=False, description="Country group (or unaffiliated_user, unknown).")
    developer_type: str = pa.Field(nullable=False, description="Developer type (or unaffiliated_user, unknown).")
    attribution_source: str = pa.Field(
        nullable=False,
        isin=["registry", "unlisted_namespace", "no_namespace"],
        description="How the organisation was found.",
    )
    downloads: pl.Float64 = pa.Field(nullable=False, ge=0, description="Downloads in the week.")
    derivative_downloads: pl.Float64 = pa.Field(
        nullable=False,
        ge=0,
        description="The part of them that the derived view credits to another organisation, for models with a derivative base relation (see `hubshare.attribution.intermediaries`).",
    )


class Attributed(Contract):
    """`data/processed/attributed.parquet`: panel downloads attributed to organisations, per view."""

    week: pl.Date = pa.Field(nullable=False, description="Week (snapshot date).")
    view: str = pa.Field(
        nullable=False, isin=["uploader", "derived", "derived_first_parent"], description="Attribution view."
    )
    model_key: str = pa.Field(nullable=False, description="Panel key of the model whose downloads these are.")
    attributed_namespace: str = pa.Field(
        nullable=True, description="Namespace credited (uploader, or developer of the root model)."
    )
    organization: str = pa.Field(
        nullable=False, description="Organisation credited; the namespace itself for unaffiliated users."
    )
    country_code: str = pa.Field(nullable=True, description="ISO 3166-1 alpha-2 code of the organisation.")
    country_group: str = pa.Field(nullable=False, description="Country group (vocabularies.yaml).")
    developer_type: str = pa.Field(nullable=False, description="Developer type (vocabularies.yaml).")
    attribution_source: str = pa.Field(
        nullable=False,
        isin=["registry", "unlisted_namespace", "no_namespace"],
        description="How the organisation was found.",
    )
    downloads: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Downloads credited (fractional where merges split)."
    )


class GroupShares(Contract):
    """`results/tables/shares_weekly.parquet` and `shares_trailing52.parquet`."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type", "organization"], description="Grouping dimension."
    )
    group: str = pa.Field(nullable=False, description="Group value.")
    week: pl.Date = pa.Field(nullable=False, description="Week (end of the trailing window for trailing tables).")
    downloads: pl.Float64 = pa.Field(nullable=False, ge=0, description="Downloads of the group in the week or window.")
    share: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Share of all downloads in the week or window."
    )


class Concentration(Contract):
    """`results/tables/concentration_weekly.parquet`: concentration over organisations (each week's rows also in `data/processed/aggregates/<date>/concentration.parquet`)."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    week: pl.Date = pa.Field(nullable=False, description="Week.")
    organizations: pl.Int64 = pa.Field(nullable=False, ge=0, description="Organisations with downloads that week.")
    hhi: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Herfindahl-Hirschman index (sum of squared shares, 0-1)."
    )
    gini: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1, description="Gini coefficient of downloads across organisations with downloads."
    )
    top1: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the largest organisation.")
    top5: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the five largest.")
    top10: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the ten largest.")


class PeriodContrasts(Contract):
    """`results/tables/period_contrasts.csv`: difference of mean weekly share between two periods, per headline series and view."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type"], description="Grouping dimension of the series."
    )
    group: str = pa.Field(nullable=False, description="Group whose weekly share is compared.")
    contrast: str = pa.Field(nullable=False, description="`<second period> vs <first period>`.")
    first_period: str = pa.Field(nullable=False, description="Earlier period of the contrast.")
    second_period: str = pa.Field(nullable=False, description="Later period of the contrast.")
    weeks_first: pl.Int64 = pa.Field(nullable=False, ge=0, description="Weeks of data in the first period.")
    weeks_second: pl.Int64 = pa.Field(nullable=False, ge=0, description="Weeks of data in the second period.")
    estimate_logit: pl.Float64 = pa.Field(
        nullable=True,
        description="Mean empirical logit share in the second period minus the first (the test's scale); null when not tested.",
    )
    ci_low_logit: pl.Float64 = pa.Field(
        nullable=True, description="Lower confidence bound of the difference on the logit scale."
    )
    ci_high_logit: pl.Float64 = pa.Field(
        nullable=True, description="Upper confidence bound of the difference on the logit scale."
    )
    estimate_pp: pl.Float64 = pa.Field(
        nullable=True,
        ge=-100,
        le=100,
        description="The logit difference carried to percentage points at the first period's level; null when not tested.",
    )
    ci_low: pl.Float64 = pa.Field(nullable=True, description="Lower confidence bound carried to percentage points.")
    ci_high: pl.Float64 = pa.Field(nullable=True, description="Upper confidence bound carried to percentage points.")
    confidence: pl.Float64 = pa.Field(nullable=False, gt=0, lt=1, description="Confidence level of the interval.")
    p_value: pl.Float64 = pa.Field(
        nullable=True,
        ge=0,
        le=1,
        description="Monte Carlo p-value of the test on the empirical logit share (AR(1) noise, simulated null).",
    )
    persistence: pl.Float64 = pa.Field(
        nullable=True,
        ge=0,
        le=1,
        description="Persistence plugged into the standard error: the larger of the lag-1 autocorrelation and the fourth root of the lag-4 one, around each period's line, made median-unbiased.",
    )
    null_model: str = pa.Field(
        nullable=True,
        description="The null model the test was read at: the least favourable of the confidence set of null models (AR(1) at a persistence, a random walk, or fractional noise).",
    )
    note: str = pa.Field(nullable=True, description="Empty when tested; otherwise why the contrast was not tested.")
    p_adjusted: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="Benjamini-Yekutieli adjusted p-value over the contrasts tested."
    )
    significant: bool = pa.Field(nullable=True, description="Rejected at the family's false discovery rate.")


class Composition(Contract):
    """`results/tables/composition.csv`: each group's change of share between the first and the last window, split into the change among the models in both windows (stayers), entrants and leavers (`hubshare.analysis.composition`; no rows when the build has fewer than two windows)."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type"], description="Grouping dimension."
    )
    group: str = pa.Field(nullable=False, description="Group whose share changes.")
    window_kind: str = pa.Field(
        nullable=False,
        isin=["period", "interval"],
        description="`period`: the first and last calendar periods with downloads; `interval`: the first and last non-overlapping download intervals.",
    )
    first_period: str = pa.Field(
        nullable=False, description="First window: a period's name, or the snapshot date closing the interval."
    )
    last_period: str = pa.Field(
        nullable=False, description="Last window: a period's name, or the snapshot date closing the interval."
    )
    share_first: pl.Float64 = pa.Field(nullable=False, ge=0, le=1, description="Group's share in the first window.")
    share_last: pl.Float64 = pa.Field(nullable=False, ge=0, le=1, description="Group's share in the last window.")
    change_pp: pl.Float64 = pa.Field(
        nullable=False, ge=-100, le=100, description="Change of share, last minus first, in percentage points."
    )
    stayers_pp: pl.Float64 = pa.Field(
        nullable=False,
        ge=-100,
        le=100,
        description="Part of the change among stayers: the change of the group's share of the stayers' downloads (points).",
    )
    entrants_pp: pl.Float64 = pa.Field(
        nullable=False,
        ge=-100,
        le=100,
        description="Part of entrants: their share of the last window's downloads times their group share minus the stayers' (points).",
    )
    leavers_pp: pl.Float64 = pa.Field(
        nullable=False,
        ge=-100,
        le=100,
        description="Part of leavers: their share of the first window's downloads times the stayers' group share minus theirs (points).",
    )
    stayers_share_first: pl.Float64 = pa.Field(
        nullable=False,
        ge=0,
        le=1,
        description="Group's share of the stayers' downloads in the first window (0 without stayers).",
    )
    stayers_share_last: pl.Float64 = pa.Field(
        nullable=False,
        ge=0,
        le=1,
        description="Group's share of the stayers' downloads in the last window (0 without stayers).",
    )
    stayers: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models with downloads in both windows.")
    entrants: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models with downloads in the last window only.")
    leavers: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models with downloads in the first window only.")
    stayer_downloads_first: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Stayers' downloads in the first window (all groups)."
    )
    stayer_downloads_last: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Stayers' downloads in the last window (all groups)."
    )
    entrant_downloads: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Entrants' downloads in the last window (all groups)."
    )
    leaver_downloads: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Leavers' downloads in the first window (all groups)."
    )


class ModelSeries(Contract):
    """`results/tables/model_series.csv`: series below the level of groups, one value per non-overlapping download interval: namespace shares, concentration among models and the downloads per 30 days, over all models and over the models present throughout (`hubshare.analysis.model_series`)."""

    variant: str = pa.Field(
        nullable=False,
        isin=["all", "throughout"],
        description="`all`: every model with downloads in the interval; `throughout`: the models with downloads in every non-overlapping interval.",
    )
    week: pl.Date = pa.Field(nullable=False, description="Snapshot date closing the interval.")
    series: str = pa.Field(
        nullable=False,
        isin=["namespace_share", "hhi", "top_model_share", "effective_models", "downloads"],
        description="What `value` measures (see the module docstring).",
    )
    subject: str = pa.Field(nullable=False, description="The namespace of a `namespace_share`; empty otherwise.")
    value: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Share (0-1), HHI (0-1), number of models, or downloads per 30 days."
    )
    downloads: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="The namespace's downloads per 30 days (namespace shares only)."
    )
    total: pl.Float64 = pa.Field(nullable=False, gt=0, description="Downloads per 30 days of the variant's models.")
    models: pl.Int64 = pa.Field(nullable=False, gt=0, description="Models in the variant over the whole series.")


class ModelTrends(Contract):
    """`results/tables/model_trends.csv`: trend tests of the series below the level of groups on their non-overlapping intervals, one Benjamini-Yekutieli family (`hubshare.inference.model_trends`); a series not tested says why and has no slope."""

    variant: str = pa.Field(nullable=False, isin=["all", "throughout"], description="Models the series covers.")
    series: str = pa.Field(
        nullable=False,
        isin=["namespace_share", "hhi", "top_model_share", "downloads"],
        description="Series (as in `model_series.csv`; the effective number of models, 1 / HHI, is tested as the HHI).",
    )
    subject: str = pa.Field(nullable=False, description="The namespace of a `namespace_share`; empty otherwise.")
    n_intervals: pl.Int64 = pa.Field(nullable=False, ge=0, description="Non-overlapping intervals in the series.")
    models: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models the variant covers.")
    first_year: pl.Float64 = pa.Field(
        nullable=True, description="Mean value over the first 52 weeks (null when the series spans under two years)."
    )
    last_year: pl.Float64 = pa.Field(nullable=True, description="Mean value over the last 52 weeks (idem).")
    estimate: pl.Float64 = pa.Field(nullable=True, description="Trend per year in `unit` (null when not tested).")
    ci_low: pl.Float64 = pa.Field(nullable=True, description="Lower bound of the trend's confidence interval.")
    ci_high: pl.Float64 = pa.Field(nullable=True, description="Upper bound of the trend's confidence interval.")
    unit: str = pa.Field(
        nullable=False,
        isin=["percentage points", "HHI", "percent", ""],
        description="Unit of the trend: percentage points of share, HHI units (0-1) or percent growth, per year.",
    )
    p_value: pl.Float64 = pa.Field(nullable=True, ge=0, le=1, description="Robust trend test's Monte Carlo p-value.")
    p_adjusted: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="Benjamini-Yekutieli adjusted p-value across the tested series."
    )
    significant: bool = pa.Field(nullable=True, description="Rejected at the family's false discovery rate.")
    note: str = pa.Field(nullable=False, description="Empty when tested; otherwise why the series is not tested.")


class Eras(Contract):
    """`results/tables/eras.csv`: eras (change-point segments) of the headline weekly shares, alone and jointly."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type"], description="Grouping dimension of the series."
    )
    group: str = pa.Field(nullable=False, description="Group whose weekly share the era describes.")
    fit: str = pa.Field(
        nullable=False,
        isin=["single", "joint"],
        description="`single`: the series segmented alone; `joint`: the dimension's headline series segmented together (shared boundaries).",
    )
    era: pl.Int64 = pa.Field(nullable=False, ge=1, description="Era number, from 1 in time order.")
    start: pl.Date = pa.Field(nullable=False, description="First week of the era.")
    end: pl.Date = pa.Field(nullable=False, description="Last week of the era.")
    weeks: pl.Int64 = pa.Field(nullable=False, ge=1, description="Weekly observations in the era.")
    mean_share: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Mean weekly share in the era.")
    fitted_start_share: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Share fitted by the era's line (logit scale) at its first week."
    )
    fitted_end_share: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Share fitted by the era's line at its last week."
    )
    start_low: pl.Date = pa.Field(
        nullable=True,
        description="Earliest start of the era in the boundary's 95% set (profile likelihood ratio, Hansen 2000); null for the first era.",
    )
    start_high: pl.Date = pa.Field(
        nullable=True, description="Latest start of the era in that set; null for the first era."
    )
    nearest_period_boundary: pl.Date = pa.Field(
        nullable=True,
        description="Start of the calendar period nearest to the era's start; null for the first era or without period boundaries.",
    )
    distance_weeks: pl.Float64 = pa.Field(
        nullable=True, description="Era start minus that period start, in weeks (negative: the era starts earlier)."
    )


class Calibration(Contract):
    """`results/tables/calibration.csv` (demo source only): size of every test under every noise scenario, and power and coverage on the planted series."""

    series: str = pa.Field(
        nullable=False,
        description="`flat` for size rows (noise alone); otherwise the expected weekly series of truth.json.",
    )
    scenario: str = pa.Field(
        nullable=False,
        description="Noise kind of `hubshare.inference.noise` (size rows), or `planted_trend` (the expected series plus AR(1) 0.8 noise).",
    )
    test: str = pa.Field(
        nullable=False,
        isin=["robust_trend", "fixed_b", "mann_kendall", "period_contrast", "eras"],
        description="Robust trend test, fixed-b regression alone, pre-whitened Mann-Kendall, period contrast (the paper's primary test), or eras (at least one boundary found).",
    )
    contrast: str = pa.Field(
        nullable=True, description="The contrast (`<second> vs <first>`) for period-contrast rows; null otherwise."
    )
    replicates: pl.Int64 = pa.Field(nullable=False, ge=1, description="Noisy replicates.")
    rejection_rate: pl.Float64 = pa.Field(
        nullable=False,
        ge=0,
        le=1,
        description="Share of replicates in which the test rejects at alpha (for eras: finds a boundary): false-positive rate on size rows, power on planted rows.",
    )
    mc_standard_error: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Monte Carlo standard error of the rate."
    )
    within_band: bool = pa.Field(
        nullable=True, description="Size rows: the rate lies within 2.5-7.5% (for a nominal 5%); null on planted rows."
    )
    planted_effect: pl.Float64 = pa.Field(
        nullable=True,
        description="Planted rows: OLS slope of the planted logit share per year (trend) or planted difference of period means of the logit share (contrast).",
    )
    mean_effect: pl.Float64 = pa.Field(nullable=True, description="Mean estimate over the replicates, same scale.")
    coverage: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="Share of replicates whose confidence interval holds the planted effect."
    )


def empty_frame(model: type[pa.DataFrameModel], columns: list[str] | None = None) -> pl.DataFrame:
    """A frame with no rows in the columns (all, or those named) and types of a schema: a period without data."""
    schema = model.to_schema().columns
    return pl.DataFrame(schema={c: schema[c].dtype.type for c in (columns or list(schema))})
