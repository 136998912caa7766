"""Adapter: normalized snapshots -> panel + conservation ledger (checked exactly) + the measure used."""

from hubshare.atomic import write_csv, write_parquet, write_text
from hubshare.joblog import log_to
from hubshare.measures import build_download_panel, check_ledger

with log_to(snakemake.log[0]) as log:
    panel, ledger, measure = build_download_panel(snakemake.input.snapshots, snakemake.params.measure)
    check_ledger(ledger, int(panel.get_column("downloads").sum()), measure)
    write_parquet(panel, snakemake.output.panel)
    write_csv(ledger, snakemake.output.ledger)
    write_text(measure + "\n", snakemake.output.measure)
    log.info("panel (%s): %d model-weeks, %d downloads; ledger balances", measure, panel.height, panel["downloads"].sum())
