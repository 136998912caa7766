"""Contracts of the panel (downloads per model and interval), its ledger and state, the model table
of each period, and the attributed downloads."""

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
from hubshare.contracts.base import UTC_MICROS, Contract

DOWNLOAD_MEASURES = ["alltime_diff", "rolling30"]


class PeriodModels(Contract):
    """`data/processed/periods/<period>/models.parquet`: every model a period's snapshots list, with its metadata, properties and family as the period's last snapshot listing it declares them."""

    model_key: str = pa.Field(nullable=False, distinct_values=True, description="Panel key (`_id`, else `id`).")
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


class ListedModels(PeriodModels):
    """`data/processed/model_changes/<date>/listed.parquet`: the models the snapshot of `<date>` lists for the first time, again after an absence, or with changed metadata (`metadata_hash`), with their properties and family as that snapshot declares them; `last_seen` is `<date>`. The first snapshot lists every model."""


class DepartedModels(Contract):
    """`data/processed/model_changes/<date>/departed.parquet`: the models the snapshot before `<date>` lists and `<date>` does not."""

    model_key: str = pa.Field(nullable=False, distinct_values=True, description="Panel key (`_id`, else `id`).")
    last_seen: pl.Date = pa.Field(
        nullable=False, description="Date of the snapshot before `<date>`, which lists the model."
    )


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

    model_key: str = pa.Field(nullable=False, distinct_values=True, description="Panel key (`_id`, else `id`).")
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
    model_number: pl.UInt32 = pa.Field(
        nullable=False, description="The model's number (see the panel): what sums over many weeks group by."
    )
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
