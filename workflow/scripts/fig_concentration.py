"""Adapter: weekly concentration -> HHI / Gini / top-10 figure."""

import json
from pathlib import Path

import polars as pl

from hubshare.analysis.capabilities import views_supported
from hubshare.figures.plots import concentration_figure, is_series, note_figure
from hubshare.figures.style import save_figure, use_style
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]):
    use_style(Path(snakemake.input.style))
    views = views_supported(json.loads(Path(snakemake.input.capabilities).read_text(encoding="utf-8")))
    concentration = pl.read_parquet(snakemake.input.concentration)
    figure = (
        concentration_figure(concentration, views=views, demo=snakemake.params.demo)
        if is_series(concentration)
        else note_figure("One download interval: no series over time to draw", snakemake.params.demo)
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png)
