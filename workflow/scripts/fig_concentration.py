"""Adapter: weekly concentration -> HHI / Gini / top-10 figure."""

from pathlib import Path

import polars as pl

from hubshare.figures.plots import concentration_figure
from hubshare.figures.style import save_figure, use_style
from hubshare.joblog import log_to

with log_to(snakemake.log[0]):
    use_style(Path(snakemake.input.style))
    figure = concentration_figure(pl.read_parquet(snakemake.input.concentration), demo=snakemake.params.demo)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png)
