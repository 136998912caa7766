"""Adapter: truth.json + recovered period shares -> recovery table."""

import json

import polars as pl

from hubshare.atomic import write_csv
from hubshare.joblog import log_to
from hubshare.recovery import recovery_table

with log_to(snakemake.log[0]) as log:
    with open(snakemake.input.truth, encoding="utf-8") as handle:
        truth = json.load(handle)
    table = recovery_table(truth, pl.read_csv(snakemake.input.periods, schema_overrides={"period": pl.String}))
    write_csv(table, snakemake.output.table)
    log.info("largest absolute error: %.3f pp", table["error_pp"].abs().max())
