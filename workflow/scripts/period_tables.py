"""Adapter: one period's weeks, last snapshot and departures -> its model table, property statistics (with their
bootstrap draws), leave-top-k-out estimates, family and namespace shares."""

import polars as pl

from hubshare.atomic import write_parquet
from hubshare.families import load_families
from hubshare.family_shares import family_shares, namespace_shares
from hubshare.joblog import log_to
from hubshare.model_table import model_table
from hubshare.periods import panel_summed_by_period_runs, parse_periods
from hubshare.property_periods import LEFT_OUT, leave_top_out, property_period_table, with_clusters
from hubshare.registry import load_iso_codes, load_registry, load_vocabularies
from hubshare.schemas import WeekNamespaces, empty_frame

with log_to(snakemake.log[0]) as log:
    inputs, params = snakemake.input, snakemake.params
    period = parse_periods([params.window])
    vocabularies = load_vocabularies(inputs.vocabularies)
    registry = load_registry(inputs.registry, vocabularies, load_iso_codes(inputs.iso_codes))
    last_snapshot = inputs.snapshot[0] if inputs.snapshot else None
    models = model_table(last_snapshot, list(inputs.departed), load_families(inputs.families, registry))
    panel = panel_summed_by_period_runs(list(inputs.panel), period)
    joined = with_clusters(panel.join(models, on="model_key", how="left"))
    properties = property_period_table(joined, period, params.bootstrap_draws, params.seed, cluster_column="cluster")
    write_parquet(models, snakemake.output.models)
    write_parquet(properties, snakemake.output.properties)
    write_parquet(leave_top_out(joined, period, LEFT_OUT, cluster_column="cluster"), snakemake.output.leave_top_out)
    write_parquet(family_shares(panel, models, period), snakemake.output.families)
    namespaces = pl.read_parquet(list(inputs.namespaces)) if inputs.namespaces else empty_frame(WeekNamespaces)
    write_parquet(namespace_shares(namespaces, period), snakemake.output.namespaces)
    log.info(
        "period %s: %d snapshots, %d models, %d clusters",
        params.window["name"],
        len(inputs.panel),
        models.height,
        joined.get_column("cluster").n_unique(),
    )
