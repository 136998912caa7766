"""Adapter: the panel's weeks -> series below the level of groups and their trend tests (two results tables)."""

from hubshare.analysis.model_series import model_series_file
from hubshare.inference.model_trends import model_trends
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    series = model_series_file(
        list(snakemake.input.panel), params.measure, snakemake.input.capabilities, snakemake.output.series
    )
    trends = model_trends(series, min_intervals=params.min_intervals, alpha=params.alpha, confidence=params.confidence)
    write_csv(trends, snakemake.output.trends)
    log.info(
        "%d series values; %d series tested, %d not",
        series.height,
        trends["p_value"].is_not_null().sum(),
        trends["p_value"].is_null().sum(),
    )
