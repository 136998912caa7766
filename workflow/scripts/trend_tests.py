"""Adapter: weekly shares + concentration -> results/stats.json and the period-contrast table (one BH family)."""

import polars as pl

from hubshare.atomic import write_csv, write_json
from hubshare.joblog import log_to
from hubshare.periods import parse_periods
from hubshare.stats_report import adjust_joint_family, headline_contrasts, headline_trends

with log_to(snakemake.log[0]) as log:
    weekly = pl.read_parquet(snakemake.input.weekly)
    params = snakemake.params
    stats = headline_trends(
        weekly, pl.read_parquet(snakemake.input.concentration), params.series, params.alpha, params.confidence
    )
    contrasts = headline_contrasts(weekly, params.series, parse_periods(params.periods), params.confidence)
    stats, contrasts = adjust_joint_family(stats, contrasts, params.alpha)
    write_json(stats, snakemake.output.stats)
    write_csv(contrasts, snakemake.output.contrasts)
    log.info("%d trend tests, %d period contrasts tested", len(stats["tests"]), stats["family"]["period_contrasts"])
