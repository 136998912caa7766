"""Adapter: every period's family and namespace shares -> the two tables by period."""

import polars as pl

from hubshare.atomic import write_csv
from hubshare.joblog import log_to

with log_to(snakemake.log[0]) as log:
    families = pl.concat([pl.read_parquet(p) for p in snakemake.input.families]).sort("period", "family")
    namespaces = pl.concat([pl.read_parquet(p) for p in snakemake.input.namespaces]).sort("period", "namespace")
    write_csv(families, snakemake.output.families)
    write_csv(namespaces, snakemake.output.namespaces)
    log.info("%d family rows, %d namespace rows", families.height, namespaces.height)
