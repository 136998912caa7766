"""Adapter: one CSV file of download counts -> raw snapshot + origin metadata."""

from hubshare.jobs.joblog import log_to
from hubshare.sources.csv_counts import convert_csv_counts

with log_to(snakemake.log[0]) as log:
    metadata = convert_csv_counts(
        snakemake.input.counts, snakemake.output.snapshot, snakemake.output.metadata, snakemake.wildcards.date
    )
    log.info("%s rows from %s", metadata["rows"], snakemake.input.counts)
