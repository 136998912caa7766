"""Adapter: every period's family and namespace shares -> the two tables by period."""

from hubshare.analysis.period_tables import combined_shares
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    families, namespaces = combined_shares(snakemake.input.families, snakemake.input.namespaces)
    write_csv(families, snakemake.output.families)
    write_csv(namespaces, snakemake.output.namespaces)
    log.info("%d family rows, %d namespace rows", families.height, namespaces.height)
