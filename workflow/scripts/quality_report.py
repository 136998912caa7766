"""Adapter: per-snapshot quality records + ledger + attribution outcomes -> data-quality report."""

import json

import polars as pl

from hubshare.jobs.atomic import write_json, write_text
from hubshare.jobs.joblog import log_to
from hubshare.panel.quality import quality_markdown, quality_report


def read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


with log_to(snakemake.log[0]) as log:
    report = quality_report(
        [read_json(p) for p in snakemake.input.snapshots],
        pl.read_csv(snakemake.input.ledger),
        read_json(snakemake.input.attribution),
        pl.read_csv(snakemake.input.weeks, try_parse_dates=True),
    )
    write_json(report, snakemake.output.json)
    write_text(quality_markdown(report), snakemake.output.markdown)
    log.info("%d repairs over %d snapshots", report["repairs_total"], report["snapshots"]["count"])
