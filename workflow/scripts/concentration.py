"""Adapter: attributed downloads -> weekly concentration over organisations."""

import polars as pl

from hubshare.atomic import write_parquet
from hubshare.concentration import concentration_by_week
from hubshare.joblog import log_to

with log_to(snakemake.log[0]) as log:
    table = concentration_by_week(pl.read_parquet(snakemake.input.attributed))
    write_parquet(table, snakemake.output.weekly)
    log.info("concentration for %d view-weeks", table.height)
