"""Adapter: the weeks' sums -> coverage per period and the attribution-quality report."""

import polars as pl

from hubshare.analysis.shares import period_shares
from hubshare.attribution.credit import attribution_quality, with_coverage_route
from hubshare.jobs.atomic import write_csv, write_json
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    groups = pl.read_parquet(list(snakemake.input.groups))
    coverage = period_shares(
        with_coverage_route(groups), parse_periods(snakemake.params.periods), dimensions=["coverage_route"]
    )
    write_csv(coverage, snakemake.output.coverage)
    quality = attribution_quality(
        groups, pl.read_parquet(list(snakemake.input.lineage)), pl.scan_parquet(list(snakemake.input.namespaces))
    )
    write_json(quality, snakemake.output.quality)
    log.info("coverage and attribution quality over %d weeks", groups["week"].n_unique())
