"""Adapter: trailing shares -> stacked-area figure for one dimension."""

import json
from pathlib import Path

import polars as pl

from hubshare.analysis.capabilities import views_supported
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.figures.plots import group_share_figure, is_series, note_figure
from hubshare.figures.style import save_figure, use_style
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    use_style(Path(snakemake.input.style))
    vocabularies = load_vocabularies(snakemake.input.vocabularies)
    dimension = snakemake.params.dimension
    entries = vocabularies.country_groups if dimension == "country_group" else vocabularies.developer_types
    labels = {group: entry["label"] for group, entry in entries.items()}
    shares = pl.read_parquet(snakemake.input.trailing)
    if shares.is_empty():
        # The data span less than one trailing window: show weekly shares instead, and say so.
        log.info("no complete 52-week window; drawing weekly shares")
        shares = pl.read_parquet(snakemake.input.weekly)
    views = views_supported(json.loads(Path(snakemake.input.capabilities).read_text(encoding="utf-8")))
    figure = (
        group_share_figure(shares, dimension, labels, views=views, demo=snakemake.params.demo)
        if is_series(shares)
        else note_figure("One download interval: no series over time to draw", snakemake.params.demo)
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png)
