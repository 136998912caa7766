"""Adapter: weekly namespace sums -> intermediaries, their share, threshold sensitivity."""

import polars as pl

from hubshare.attribution.intermediaries import RULE_COLUMNS, intermediary_tables
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    namespaces = pl.read_parquet(list(snakemake.input.namespaces), columns=RULE_COLUMNS)
    classified, shares, sensitivity = intermediary_tables(
        namespaces, parse_periods(snakemake.params.periods), snakemake.params.threshold, snakemake.params.min_downloads
    )
    write_csv(classified, snakemake.output.namespaces)
    write_csv(pl.DataFrame({"period": list(shares), "share": list(shares.values())}), snakemake.output.by_period)
    write_csv(sensitivity, snakemake.output.sensitivity)
    log.info("%d intermediaries at threshold %s", int(classified["is_intermediary"].sum()), snakemake.params.threshold)
