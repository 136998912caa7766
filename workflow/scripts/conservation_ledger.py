"""Adapter: the weeks' ledger lines + the last panel state -> the study's conservation ledger, checked, and each week's measure."""

import polars as pl

from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.panel.ledger import (
    LEDGER_SCHEMA,
    check_conservation,
    combine_ledgers,
    panel_totals,
    week_measures,
)

with log_to(snakemake.log[0]) as log:
    weeks = [pl.read_csv(path, schema=LEDGER_SCHEMA) for path in snakemake.input.weeks]
    ledger = combine_ledgers(weeks, pl.read_parquet(snakemake.input.state))
    # The panel files summed on their own, not the ledger's lines: a week whose rows and lines disagree stops here.
    totals = panel_totals(pl.scan_parquet(snakemake.input.panels))
    check_conservation(ledger, totals)
    measures = week_measures(snakemake.params.dates, weeks)
    write_csv(ledger, snakemake.output.ledger)
    write_csv(measures, snakemake.output.weeks)
    log.info("ledger of %d weeks balances: %s downloads counted by measure", len(weeks), totals)
