"""Adapter: panel (summed over runs of weeks in the same periods) + model properties -> period table (cluster
bootstrap), multipliers (log scale) and the leave-top-k-out estimates (bootstrap draws dropped)."""

import polars as pl

from hubshare.atomic import write_csv
from hubshare.joblog import log_to
from hubshare.periods import panel_summed_by_period_runs, parse_periods
from hubshare.property_periods import LEFT_OUT, leave_top_out, multipliers, property_period_table, with_clusters

with log_to(snakemake.log[0]) as log:
    settings = snakemake.params.settings
    periods = parse_periods(snakemake.params.periods)
    panel = panel_summed_by_period_runs(list(snakemake.input.panel), periods)
    joined = with_clusters(panel.join(pl.read_parquet(snakemake.input.models), on="model_key", how="left"))
    table = property_period_table(
        joined, periods, settings["bootstrap_draws"], settings["seed"], cluster_column="cluster"
    )
    ratios = multipliers(table, settings["first_period"], settings["last_period"])
    write_csv(table.drop("draws"), snakemake.output.table)
    write_csv(ratios, snakemake.output.multipliers)
    write_csv(leave_top_out(joined, periods, LEFT_OUT, cluster_column="cluster"), snakemake.output.leave_top_out)
    log.info(
        "%d period statistics, %d multipliers, %d clusters",
        table.height,
        ratios.height,
        joined.get_column("cluster").n_unique(),
    )
