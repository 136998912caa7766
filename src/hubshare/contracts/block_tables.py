"""Contracts of the sums kept a calendar block at a time (`hubshare.analysis.block_sums`)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from hubshare.contracts.base import Contract

# Sums of downloads in whole 2^-48ths (`hubshare.analysis.exact_sums`): a decimal of 38 digits holds them exactly
# and, unlike a 128-bit integer, every Parquet reader reads it.
FIXED_POINT_COLUMN = pl.Decimal(38, 0)


class CreditedBlock(Contract):
    """`data/processed/blocks/<first day>/credited.parquet`: one calendar block's attributed downloads summed
    by view, model and group (a block: the snapshots of one month, cut again where a period starts or ends)."""

    view: str = pa.Field(
        nullable=False, isin=["uploader", "derived", "derived_first_parent"], description="Attribution view."
    )
    model_number: pl.UInt32 = pa.Field(nullable=False, description="The model's number (see the panel).")
    country_group: str = pa.Field(nullable=False, description="Country group (vocabularies.yaml).")
    developer_type: str = pa.Field(nullable=False, description="Developer type (vocabularies.yaml).")
    downloads: FIXED_POINT_COLUMN = pa.Field(
        nullable=False, ge=0, description="Downloads credited in the block's weeks, in whole 2^-48ths (exact)."
    )


class NamespaceBlock(Contract):
    """`data/processed/blocks/<first day>/namespaces.parquet`: one calendar block's weekly namespace sums
    (`WeekNamespaces`) summed by namespace."""

    namespace: str = pa.Field(nullable=True, description="Uploader namespace (null where none could be found).")
    organization: str = pa.Field(nullable=False, description="Organisation credited in the uploader view.")
    attribution_source: str = pa.Field(
        nullable=False,
        isin=["registry", "unlisted_namespace", "no_namespace"],
        description="How the organisation was found.",
    )
    country_group: str = pa.Field(nullable=False, description="Country group (or unaffiliated_user, unknown).")
    developer_type: str = pa.Field(nullable=False, description="Developer type (or unaffiliated_user, unknown).")
    downloads: FIXED_POINT_COLUMN = pa.Field(
        nullable=False, ge=0, description="Downloads in the block's weeks, in whole 2^-48ths (exact)."
    )
    derivative_downloads: FIXED_POINT_COLUMN = pa.Field(
        nullable=False, ge=0, description="Of which credited elsewhere by the derived view, in whole 2^-48ths."
    )


class PanelBlock(Contract):
    """`data/processed/blocks/<first day>/panel.parquet`: one calendar block's panel downloads summed by model."""

    model_number: pl.UInt32 = pa.Field(
        nullable=False,
        distinct_values=True,
        description="The model's number (see the panel): its key in the panel state.",
    )
    downloads: pl.Int64 = pa.Field(nullable=False, gt=0, description="Downloads counted in the block's weeks.")


class FallsBlock(Contract):
    """`data/processed/blocks/<first day>/falls.parquet`: the downloads one calendar block's panel counted
    after falls of a cumulative counter (`event = counter_reset`), by namespace (no rows without falls)."""

    namespace: str = pa.Field(nullable=True, distinct_values=True, description="Namespace at the closing snapshot.")
    after_fall: pl.Int64 = pa.Field(nullable=False, gt=0, description="Downloads counted after the falls.")
