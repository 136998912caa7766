"""Adapter: each week's concentration rows -> the weekly concentration table."""

import polars as pl

from hubshare.atomic import write_parquet
from hubshare.joblog import log_to
from hubshare.schemas import Concentration

with log_to(snakemake.log[0]) as log:
    table = Concentration.validate(pl.read_parquet(list(snakemake.input.weeks)).sort("view", "week"))
    write_parquet(table, snakemake.output.weekly)
    log.info("concentration for %d view-weeks", table.height)
