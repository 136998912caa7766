"""Adapter: weekly shares + eras table -> the eras figure."""

import json
from pathlib import Path

import polars as pl

from hubshare.analysis.capabilities import views_supported
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.figures.eras import era_figure
from hubshare.figures.plots import is_series, note_figure
from hubshare.figures.style import save_figure, use_style
from hubshare.inference.era_table import read_eras, skipped_reason
from hubshare.jobs.joblog import log_to
from hubshare.periods import consecutive_periods, parse_periods

with log_to(snakemake.log[0]):
    use_style(Path(snakemake.input.style))
    vocabularies = load_vocabularies(snakemake.input.vocabularies)
    labels = {
        group: entry["label"]
        for group, entry in {**vocabularies.country_groups, **vocabularies.developer_types}.items()
    }
    weekly = pl.read_parquet(snakemake.input.weekly)
    eras = read_eras(snakemake.input.eras)
    reason = skipped_reason(weekly, snakemake.params.min_segment_weeks)
    figure = (
        era_figure(
            weekly,
            eras,
            snakemake.params.series,
            labels,
            consecutive_periods(parse_periods(snakemake.params.periods)),
            demo=snakemake.params.demo,
            note="No eras: too few weeks" if reason else None,
            views=views_supported(json.loads(Path(snakemake.input.capabilities).read_text(encoding="utf-8"))),
        )
        if is_series(weekly)
        else note_figure("One download interval: no series over time to draw", snakemake.params.demo)
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png)
