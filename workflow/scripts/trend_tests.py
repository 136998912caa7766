"""Adapter: weekly shares + concentration -> results/stats.json and the period-contrast table (two BY families)."""

from hubshare.inference.stats_report import trend_tests_file
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    settings = {
        "headline_series": params.series,
        "alpha": params.alpha,
        "confidence": params.confidence,
        "min_intervals": params.min_intervals,
    }
    stats, _ = trend_tests_file(
        snakemake.input.weekly,
        snakemake.input.concentration,
        settings,
        parse_periods(params.periods),
        params.measure,
        {"stats": snakemake.output.stats, "contrasts": snakemake.output.contrasts},
    )
    log.info(
        "%d trend tests (%d not tested), %d period contrasts tested",
        len(stats["tests"]),
        len(stats["skipped"]),
        stats["contrasts"]["tested"],
    )
