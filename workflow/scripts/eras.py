"""Adapter: weekly shares -> results/tables/eras.csv."""

from hubshare.inference.era_report import eras_file
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    table, reason = eras_file(
        snakemake.input.weekly,
        params.series,
        parse_periods(params.periods),
        params.settings,
        params.measure,
        snakemake.output.table,
    )
    if reason:
        log.info("no eras: %s", reason)
    else:
        log.info("%d era rows", table.height)
