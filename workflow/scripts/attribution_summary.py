"""Adapter: the weeks' sums -> coverage per period and the attribution-quality report."""

from hubshare.aggregates import AGGREGATE_TABLES, read_aggregates
from hubshare.atomic import write_csv, write_json
from hubshare.attribution import attribution_quality
from hubshare.joblog import log_to
from hubshare.periods import parse_periods
from hubshare.shares import period_shares

with log_to(snakemake.log[0]) as log:
    aggregates = read_aggregates({table: snakemake.input[table] for table in AGGREGATE_TABLES})
    coverage = period_shares(aggregates.groups, parse_periods(snakemake.params.periods), dimensions=["attribution_source"])
    write_csv(coverage, snakemake.output.coverage)
    write_json(attribution_quality(aggregates), snakemake.output.quality)
    log.info("coverage and attribution quality over %d weeks", aggregates.groups["week"].n_unique())
