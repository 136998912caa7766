"""Adapter: the weeks' ledger lines + the last panel state -> the study's conservation ledger, checked."""

import polars as pl

from hubshare.atomic import write_csv, write_text
from hubshare.joblog import log_to
from hubshare.panel import LEDGER_SCHEMA, check_conservation, combine_ledgers

with log_to(snakemake.log[0]) as log:
    weeks = [pl.read_csv(path, schema=LEDGER_SCHEMA) for path in snakemake.input.weeks]
    ledger = combine_ledgers(weeks, pl.read_parquet(snakemake.input.state))
    counted = int(ledger.filter(pl.col("category") == "counted_total").get_column("downloads").item())
    # Each week was checked against its own panel rows, so the counted total is the panel's.
    check_conservation(ledger, counted)
    write_csv(ledger, snakemake.output.ledger)
    write_text("alltime_diff\n", snakemake.output.measure)
    log.info("ledger of %d weeks balances: %d downloads counted", len(weeks), counted)
