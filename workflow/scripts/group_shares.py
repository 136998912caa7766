"""Adapter: attributed downloads -> weekly, trailing-52-week and per-period shares."""

import polars as pl

from hubshare.atomic import write_csv, write_parquet
from hubshare.joblog import log_to
from hubshare.periods import parse_periods
from hubshare.shares import period_shares, period_totals, trailing_shares, weekly_shares

with log_to(snakemake.log[0]) as log:
    attributed = pl.read_parquet(snakemake.input.attributed)
    write_parquet(weekly_shares(attributed), snakemake.output.weekly)
    write_parquet(trailing_shares(attributed), snakemake.output.trailing)
    periods = parse_periods(snakemake.params.periods)
    write_csv(period_shares(attributed, periods), snakemake.output.periods)
    write_csv(period_totals(attributed, periods), snakemake.output.totals)
    log.info("shares written for %d weeks", attributed["week"].n_unique())
