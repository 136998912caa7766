"""Adapter: every period's family and namespace shares -> the two tables by period."""

from hubshare.atomic import write_csv
from hubshare.joblog import log_to
from hubshare.period_tables import combined_shares

with log_to(snakemake.log[0]) as log:
    families, namespaces = combined_shares(snakemake.input.families, snakemake.input.namespaces)
    write_csv(families, snakemake.output.families)
    write_csv(namespaces, snakemake.output.namespaces)
    log.info("%d family rows, %d namespace rows", families.height, namespaces.height)
