"""Adapter: panel (summed over runs of weeks in the same periods) + model table + weekly namespace sums -> family and namespace shares by period."""

import polars as pl

from hubshare.atomic import write_csv
from hubshare.family_shares import family_shares, namespace_shares
from hubshare.joblog import log_to
from hubshare.periods import panel_summed_by_period_runs, parse_periods

with log_to(snakemake.log[0]) as log:
    periods = parse_periods(snakemake.params.periods)
    panel = panel_summed_by_period_runs(list(snakemake.input.panel), periods)
    families = family_shares(panel, pl.read_parquet(snakemake.input.models), periods)
    namespaces = namespace_shares(pl.read_parquet(list(snakemake.input.namespaces)), periods)
    write_csv(families, snakemake.output.families)
    write_csv(namespaces, snakemake.output.namespaces)
    log.info("%d family rows, %d namespace rows", families.height, namespaces.height)
