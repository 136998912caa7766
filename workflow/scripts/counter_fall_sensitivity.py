"""Adapter: the weekly panel -> how much reading counter falls as revisions could move the period shares."""

from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.panel.counter_falls import counter_fall_sensitivity
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    table = counter_fall_sensitivity(list(snakemake.input.panel), parse_periods(snakemake.params.periods))
    write_csv(table, snakemake.output.table)
    log.info("largest bound on a share's shift: %s pp", table["max_share_shift_pp"].max())
