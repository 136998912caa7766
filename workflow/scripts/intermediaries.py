"""Adapter: weekly namespace sums -> intermediaries, their share, threshold sensitivity."""

import polars as pl

from hubshare.atomic import write_csv
from hubshare.intermediaries import (
    classify_namespaces,
    intermediary_share_by_period,
    threshold_sensitivity,
)
from hubshare.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    periods = parse_periods(snakemake.params.periods)
    namespaces = pl.read_parquet(list(snakemake.input.namespaces))
    classified = classify_namespaces(namespaces, snakemake.params.threshold, snakemake.params.min_downloads)
    flagged = classified.filter(pl.col("is_intermediary"))["namespace"].to_list()
    shares = intermediary_share_by_period(namespaces, flagged, periods)
    write_csv(classified, snakemake.output.namespaces)
    write_csv(pl.DataFrame({"period": list(shares), "share": list(shares.values())}), snakemake.output.by_period)
    write_csv(threshold_sensitivity(namespaces, periods, snakemake.params.min_downloads), snakemake.output.sensitivity)
    log.info("%d intermediaries at threshold %s", len(flagged), snakemake.params.threshold)
