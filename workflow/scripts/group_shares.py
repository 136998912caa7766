"""Adapter: the weeks' group sums (and panel rows, for model counts) -> weekly, trailing-52-week and per-period shares."""

import polars as pl

from hubshare.analysis.shares import period_shares, period_totals, trailing_shares, weekly_shares
from hubshare.jobs.atomic import write_csv, write_parquet
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    groups = pl.read_parquet(list(snakemake.input.groups))
    write_parquet(weekly_shares(groups), snakemake.output.weekly)
    write_parquet(trailing_shares(groups), snakemake.output.trailing)
    periods = parse_periods(snakemake.params.periods)
    write_csv(period_shares(groups, periods), snakemake.output.periods)
    panel = pl.read_parquet(list(snakemake.input.panel), columns=["week", "model_number", "downloads"])
    write_csv(period_totals(panel, periods), snakemake.output.totals)
    log.info("shares written for %d weeks", groups["week"].n_unique())
