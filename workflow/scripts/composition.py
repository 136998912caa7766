"""Adapter: the weeks' attributed rows -> results/tables/composition.csv (share changes: stayers, entrants, leavers)."""

from hubshare.analysis.composition import composition_file
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    table = composition_file(
        list(snakemake.input.attributed), snakemake.params.periods, snakemake.params.measure, snakemake.output.table
    )
    if table.height:
        row = table.row(0, named=True)
        log.info(
            "%s to %s: %d stayers, %d entrants, %d leavers",
            row["first_period"],
            row["last_period"],
            row["stayers"],
            row["entrants"],
            row["leavers"],
        )
    else:
        log.info("fewer than two windows to compare: no rows")
