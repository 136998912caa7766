"""Adapter: weekly namespace sums -> intermediaries, their share, threshold sensitivity."""

from hubshare.attribution.intermediaries import intermediaries_file
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    classified = intermediaries_file(
        snakemake.input.namespaces,
        parse_periods(params.periods),
        params.threshold,
        params.min_downloads,
        snakemake.output,
    )
    log.info("%d intermediaries at threshold %s", int(classified["is_intermediary"].sum()), params.threshold)
