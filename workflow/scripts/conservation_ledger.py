"""Adapter: the weeks' ledger lines + the last panel state -> the study's conservation ledger, checked, and each week's measure."""

import polars as pl

from hubshare.atomic import write_csv, write_text
from hubshare.joblog import log_to
from hubshare.panel import LEDGER_SCHEMA, check_conservation, combine_ledgers, measure_summary, week_measures

with log_to(snakemake.log[0]) as log:
    weeks = [pl.read_csv(path, schema=LEDGER_SCHEMA) for path in snakemake.input.weeks]
    ledger = combine_ledgers(weeks, pl.read_parquet(snakemake.input.state))
    # The panel summed on its own, not the ledger's lines: a week whose rows and lines disagree stops here.
    panel_total = int(pl.scan_parquet(snakemake.input.panels).select(pl.col("downloads").sum()).collect().item() or 0)
    check_conservation(ledger, panel_total)
    counted = panel_total
    measures = week_measures(snakemake.params.dates, weeks)
    write_csv(ledger, snakemake.output.ledger)
    write_csv(measures, snakemake.output.weeks)
    write_text(measure_summary(measures) + "\n", snakemake.output.measure)
    log.info("ledger of %d weeks balances: %d downloads counted", len(weeks), counted)
