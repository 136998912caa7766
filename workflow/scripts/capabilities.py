"""Adapter: the snapshots' quality records -> results/capabilities.json (what the input can support)."""

from hubshare.analysis.capabilities import capabilities_file
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    record = capabilities_file(
        snakemake.input.records,
        snakemake.input.last_snapshot,
        snakemake.params.dates,
        snakemake.params.measure,
        snakemake.params.source,
        snakemake.params.frame,
        snakemake.output.record,
    )
    log.info("capabilities: %s", record)
