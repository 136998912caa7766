"""Adapter: the weeks' sums -> coverage per period and the attribution-quality report."""

from hubshare.attribution.summary import attribution_summary_file
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    weeks = attribution_summary_file(snakemake.input, parse_periods(snakemake.params.periods), snakemake.output)
    log.info("coverage and attribution quality over %d weeks", weeks)
