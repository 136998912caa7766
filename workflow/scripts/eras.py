"""Adapter: weekly shares -> results/tables/eras.csv."""

import polars as pl

from hubshare.inference.era_report import era_table, skipped_reason
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    weekly = pl.read_parquet(snakemake.input.weekly)
    settings = snakemake.params.settings
    table = era_table(
        weekly, snakemake.params.series, parse_periods(snakemake.params.periods), settings, snakemake.params.measure
    )
    write_csv(table, snakemake.output.table)
    reason = skipped_reason(weekly, settings["min_segment_weeks"])
    if reason:
        log.info("no eras: %s", reason)
    else:
        log.info("%d era rows", table.height)
