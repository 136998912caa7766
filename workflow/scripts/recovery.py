"""Adapter: truth.json + recovered period shares -> recovery table."""

import json

from hubshare.demo.recovery import recovery_table
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.periods import read_results_csv

with log_to(snakemake.log[0]) as log:
    with open(snakemake.input.truth, encoding="utf-8") as handle:
        truth = json.load(handle)
    table = recovery_table(truth, read_results_csv(snakemake.input.periods))
    write_csv(table, snakemake.output.table)
    log.info("largest absolute error: %.3f pp", table["error_pp"].abs().max())
