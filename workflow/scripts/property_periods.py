"""Adapter: every period's property statistics (with their bootstrap draws) -> the period table, the multipliers
(log scale) and the leave-top-k-out table."""

from hubshare.analysis.period_tables import combined_properties
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    table, ratios, left_out = combined_properties(
        snakemake.input.tables,
        snakemake.input.leave_top_out,
        snakemake.params.first_period,
        snakemake.params.last_period,
    )
    write_csv(table, snakemake.output.table)
    write_csv(ratios, snakemake.output.multipliers)
    write_csv(left_out, snakemake.output.leave_top_out)
    log.info("%d period statistics, %d multipliers", table.height, ratios.height)
