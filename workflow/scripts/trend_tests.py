"""Adapter: weekly shares + concentration -> results/stats.json and the period-contrast table (two BY families)."""

import polars as pl

from hubshare.inference.stats_report import adjust_contrast_family, headline_contrasts, headline_trends
from hubshare.jobs.atomic import write_csv, write_json
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    weekly = pl.read_parquet(snakemake.input.weekly)
    params = snakemake.params
    stats = headline_trends(
        weekly,
        pl.read_parquet(snakemake.input.concentration),
        params.series,
        measure=params.measure,
        min_intervals=params.min_intervals,
        alpha=params.alpha,
        confidence=params.confidence,
    )
    contrasts = headline_contrasts(
        weekly,
        params.series,
        parse_periods(params.periods),
        measure=params.measure,
        duplicates=stats["duplicates"],
        confidence=params.confidence,
    )
    stats, contrasts = adjust_contrast_family(stats, contrasts, params.alpha)
    write_json(stats, snakemake.output.stats)
    write_csv(contrasts, snakemake.output.contrasts)
    log.info(
        "%d trend tests (%d not tested), %d period contrasts tested",
        len(stats["tests"]),
        len(stats["skipped"]),
        stats["contrasts"]["tested"],
    )
