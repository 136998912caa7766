"""Adapter: every period's property statistics (with their bootstrap draws) -> the period table, the multipliers
(log scale) and the leave-top-k-out table."""

import polars as pl

from hubshare.atomic import write_csv
from hubshare.joblog import log_to
from hubshare.property_periods import multipliers

with log_to(snakemake.log[0]) as log:
    table = pl.concat([pl.read_parquet(path) for path in snakemake.input.tables])
    ratios = multipliers(table, snakemake.params.first_period, snakemake.params.last_period)
    left_out = pl.concat([pl.read_parquet(path) for path in snakemake.input.leave_top_out])
    write_csv(table.drop("draws"), snakemake.output.table)
    write_csv(ratios, snakemake.output.multipliers)
    # Each k across the periods, periods in configuration order.
    write_csv(left_out.sort("left_out", maintain_order=True), snakemake.output.leave_top_out)
    log.info("%d period statistics, %d multipliers", table.height, ratios.height)
