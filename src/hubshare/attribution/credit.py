"""Credit every panel download to an organisation, a country group and a developer type.

Views:
- `uploader`: the namespace that hosts the model in that week;
- `derived`: the namespace of the root of the model's base-model tree, merges
  split equally among parents (see `hubshare.normalize.lineage`); a model without
  recorded roots is its own root;
- `derived_first_parent`: the same walk following only the first parent.

Namespace to organisation: the registry, matched case-insensitively (the Hub
treats namespaces so). A legacy id without a namespace resolves through the
legacy-id table; one missing from that table is its own namespace. A
namespace absent from the registry is an unaffiliated user and is its own
organisation. A download without a model id is `unknown`.
"""

from __future__ import annotations

import polars as pl

from hubshare.attribution.vocabularies import UNAFFILIATED, UNKNOWN
from hubshare.contracts.panel_tables import Attributed

VIEWS = ["uploader", "derived", "derived_first_parent"]


def namespace_of(model_id: pl.Expr, legacy_ids: pl.DataFrame) -> pl.Expr:
    """Namespace of a model id: the prefix before `/`, else the legacy-id owner, else the id itself
    (a legacy id missing from the table is its own, unlisted namespace; null only without an id)."""
    # Legacy ids match ignoring case, as the Hub resolves them.
    legacy = dict(
        zip(legacy_ids.get_column("model_id").str.to_lowercase(), legacy_ids.get_column("namespace"), strict=True)
    )
    slash = model_id.str.find("/", literal=True)
    # Only the few ids without a namespace are lowercased and looked up: a when/then
    # would lowercase every id, and splitting into lists costs twice the slicing.
    bare = pl.when(slash.is_null()).then(model_id)
    return pl.coalesce(
        model_id.str.head(slash),
        bare.str.to_lowercase().replace_strict(legacy, default=None, return_dtype=pl.String),
        bare,
    )


def credited_rows(panel: pl.DataFrame, legacy_ids: pl.DataFrame) -> pl.DataFrame:
    """Rows (week, view, model_key, model_number, attributed_namespace, downloads) for every view."""
    base = panel.select(
        "week",
        "model_key",
        "model_number",
        "model_id",
        "namespace",
        "downloads",
        "lineage_roots",
        "lineage_root_first",
    )
    uploader = base.select(
        "week",
        pl.lit("uploader").alias("view"),
        "model_key",
        "model_number",
        pl.coalesce("namespace", namespace_of(pl.col("model_id"), legacy_ids)).alias("attributed_namespace"),
        pl.col("downloads").cast(pl.Float64),
    )
    derived = (
        base.explode("lineage_roots")
        .unnest("lineage_roots")
        .select(
            "week",
            pl.lit("derived").alias("view"),
            "model_key",
            "model_number",
            namespace_of(pl.coalesce("root_id", "model_id"), legacy_ids).alias("attributed_namespace"),
            (pl.col("downloads") * pl.col("weight").fill_null(1.0)).alias("downloads"),
        )
    )
    first_parent = base.select(
        "week",
        pl.lit("derived_first_parent").alias("view"),
        "model_key",
        "model_number",
        namespace_of(pl.coalesce("lineage_root_first", "model_id"), legacy_ids).alias("attributed_namespace"),
        pl.col("downloads").cast(pl.Float64),
    )
    return pl.concat([uploader, derived, first_parent])


def attribute(panel: pl.DataFrame, registry: pl.DataFrame, legacy_ids: pl.DataFrame) -> pl.DataFrame:
    """The `Attributed` table: every panel download credited once per view."""
    lookup = registry.select(
        pl.col("namespace").str.to_lowercase().alias("namespace_key"),
        "organization",
        "country_code",
        "country_group",
        "developer_type",
    )
    credited = credited_rows(panel, legacy_ids).with_columns(
        pl.col("attributed_namespace").str.to_lowercase().alias("namespace_key")
    )
    # Rows stay in the panel's order within each view, which is already deterministic:
    # sorting millions of string keys would cost more than the rest of the step.
    joined = credited.join(lookup, on="namespace_key", how="left", maintain_order="left")
    listed = pl.col("organization").is_not_null()
    has_namespace = pl.col("attributed_namespace").is_not_null()
    attributed = joined.select(
        "week",
        "view",
        "model_key",
        "model_number",
        "attributed_namespace",
        pl.when(listed)
        .then(pl.col("organization"))
        .when(has_namespace)
        .then(pl.col("attributed_namespace"))
        .otherwise(pl.lit(UNKNOWN))
        .alias("organization"),
        "country_code",
        pl.when(listed)
        .then(pl.col("country_group"))
        .when(has_namespace)
        .then(pl.lit(UNAFFILIATED))
        .otherwise(pl.lit(UNKNOWN))
        .alias("country_group"),
        pl.when(listed)
        .then(pl.col("developer_type"))
        .when(has_namespace)
        .then(pl.lit(UNAFFILIATED))
        .otherwise(pl.lit(UNKNOWN))
        .alias("developer_type"),
        pl.when(listed)
        .then(pl.lit("registry"))
        .when(has_namespace)
        .then(pl.lit("unlisted_namespace"))
        .otherwise(pl.lit("no_namespace"))
        .alias("attribution_source"),
        "downloads",
    )
    return Attributed.validate(attributed)


def with_coverage_route(groups: pl.DataFrame) -> pl.DataFrame:
    """The weeks' group sums with `coverage_route`: the attribution source, with the registry's
    individuals (listed namespaces of unaffiliated users) apart from its organisations."""
    individual = (pl.col("attribution_source") == "registry") & (pl.col("developer_type") == UNAFFILIATED)
    return groups.with_columns(
        pl.when(individual)
        .then(pl.lit("registry_individual"))
        .otherwise(pl.col("attribution_source"))
        .alias("coverage_route")
    )


def attribution_quality(groups: pl.DataFrame, lineage: pl.DataFrame, namespaces: pl.LazyFrame) -> dict:
    """Downloads by attribution source per view, by lineage outcome, and the largest unlisted namespaces.

    The arguments are the weeks' `groups`, `lineage` and `namespaces` sums
    (`hubshare.attribution.aggregates`). `namespaces` is lazy because at Hub scale it holds
    millions of (week, namespace) rows of which the report needs three columns
    of the unlisted ones: scanning them keeps the job's memory to the sums.
    """
    by_source = (
        groups.group_by("view", "attribution_source").agg(pl.col("downloads").sum()).sort("view", "attribution_source")
    )
    by_lineage = lineage.group_by("lineage_status").agg(pl.col("downloads").sum(), pl.col("model_weeks").sum())
    largest_unlisted = (
        namespaces.filter(pl.col("attribution_source") == "unlisted_namespace")
        .group_by("namespace")
        .agg(pl.col("downloads").sum())
        .sort(["downloads", "namespace"], descending=[True, False])
        .head(25)
        .collect()
    )
    return {
        "downloads_by_source": {
            view: {row["attribution_source"]: row["downloads"] for row in rows.iter_rows(named=True)}
            for (view,), rows in by_source.group_by("view", maintain_order=True)
        },
        "lineage": {
            row["lineage_status"]: {"downloads": int(row["downloads"]), "model_weeks": int(row["model_weeks"])}
            for row in by_lineage.sort("lineage_status").iter_rows(named=True)
        },
        "unlisted_namespaces_top": [
            {"namespace": row["namespace"], "downloads": row["downloads"]}
            for row in largest_unlisted.iter_rows(named=True)
        ],
    }
