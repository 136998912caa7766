"""Adapter: weekly sums by group and by namespace + intermediaries + the panel's counter falls -> headline shares
under every alternative."""

import polars as pl

from hubshare.attribution.sensitivity import CONTESTED_COLUMNS, sensitivity_table
from hubshare.contracts.curated_csv import read_curated_csv
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.panel.counter_falls import counted_after_falls
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    intermediaries = pl.read_csv(snakemake.input.intermediaries).filter(pl.col("is_intermediary"))["namespace"]
    table = sensitivity_table(
        pl.read_parquet(list(snakemake.input.groups)),
        pl.read_parquet(list(snakemake.input.namespaces)),
        intermediaries.to_list(),
        parse_periods(snakemake.params.periods),
        read_curated_csv(snakemake.input.contested, CONTESTED_COLUMNS, ValueError),
        counted_after_falls(list(snakemake.input.panel)),
    )
    write_csv(table, snakemake.output.table)
    log.info("%d sensitivity rows", table.height)
