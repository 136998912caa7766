"""Adapter: property period table -> the model-properties figure."""

from pathlib import Path

import polars as pl

from hubshare.figures.properties import property_figure
from hubshare.figures.style import save_figure, use_style
from hubshare.jobs.joblog import log_to
from hubshare.periods import read_results_csv

with log_to(snakemake.log[0]):
    use_style(Path(snakemake.input.style))
    table = read_results_csv(snakemake.input.table)
    with_data = set(table.filter(pl.col("downloads") > 0)["period"].to_list())
    named = [p["name"] for p in snakemake.params.periods if p["name"] in with_data]
    # The calendar periods tell the story; the overlapping last-year window only when nothing else has data.
    periods = [p for p in named if p != "last_year"] or named
    save_figure(property_figure(table, periods, demo=snakemake.params.demo), snakemake.output.pdf, snakemake.output.png)
