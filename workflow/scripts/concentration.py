"""Adapter: each week's concentration rows -> the weekly concentration table."""

import polars as pl

from hubshare.contracts.result_tables import Concentration
from hubshare.jobs.atomic import write_parquet
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    table = Concentration.validate(pl.read_parquet(list(snakemake.input.weeks)).sort("view", "week"))
    write_parquet(table, snakemake.output.weekly)
    log.info("concentration for %d view-weeks", table.height)
