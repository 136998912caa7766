"""Adapter: one period's calendar-block sums, its last panel state and the model changes up to its last
snapshot -> its model table, property statistics (with their bootstrap draws), leave-top-k-out estimates,
family and namespace shares."""

from hubshare.analysis.period_tables import write_period_tables
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]):
    params = snakemake.params
    write_period_tables(
        params.window, snakemake.input, params.last_snapshot or None, params.bootstrap, snakemake.output
    )
