"""Adapter: normalized snapshots -> rolling30 panel, one file per week, and its ledger (checked exactly)."""

from hubshare.atomic import write_csv, write_parquet, write_text
from hubshare.joblog import log_to
from hubshare.panel import read_observations, split_weeks
from hubshare.rolling import check_rolling30_conservation, rolling30_panel, rolling30_week_measures

with log_to(snakemake.log[0]) as log:
    panel, ledger = rolling30_panel(read_observations(snakemake.input.snapshots))
    check_rolling30_conservation(ledger, int(panel.get_column("downloads").sum()))
    for week, path in zip(split_weeks(panel, snakemake.params.dates), snakemake.output.panels, strict=True):
        write_parquet(week, path)
    write_csv(ledger, snakemake.output.ledger)
    write_csv(rolling30_week_measures(panel, snakemake.params.dates), snakemake.output.weeks)
    write_text("rolling30\n", snakemake.output.measure)
    log.info("rolling30 panel: %d model-weeks, %d downloads; ledger balances", panel.height, panel["downloads"].sum())
