"""Adapter: weekly shares + concentration -> results/stats.json."""

import polars as pl

from hubshare.atomic import write_json
from hubshare.joblog import log_to
from hubshare.stats_report import headline_trends

with log_to(snakemake.log[0]) as log:
    stats = headline_trends(
        pl.read_parquet(snakemake.input.weekly),
        pl.read_parquet(snakemake.input.concentration),
        snakemake.params.series,
        snakemake.params.alpha,
        snakemake.params.confidence,
    )
    write_json(stats, snakemake.output.stats)
    log.info("%d trend tests", len(stats["tests"]))
