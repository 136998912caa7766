"""Adapter: normalized snapshots -> panel + conservation ledger (checked exactly)."""

from hubshare.atomic import write_csv, write_parquet
from hubshare.joblog import log_to
from hubshare.panel import build_panel, check_conservation

with log_to(snakemake.log[0]) as log:
    panel, ledger = build_panel(snakemake.input.snapshots)
    check_conservation(ledger, int(panel.get_column("downloads").sum()))
    write_parquet(panel, snakemake.output.panel)
    write_csv(ledger, snakemake.output.ledger)
    log.info("panel: %d model-weeks, %d downloads; ledger balances", panel.height, panel["downloads"].sum())
