"""Adapter: weekly sums by group and by namespace + intermediaries + the panel's counter falls -> headline shares
under every alternative."""

from hubshare.attribution.sensitivity import sensitivity_file
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    table = sensitivity_file(snakemake.input, parse_periods(snakemake.params.periods), snakemake.output.table)
    log.info("%d sensitivity rows", table.height)
