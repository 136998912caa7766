"""Adapter: (no input) -> coverage of the property intervals in the clustered heavy-tailed simulator."""

from hubshare.inference.bootstrap_calibration import (
    CLUSTERS,
    DRAWS,
    MODELS_PER_CLUSTER,
    TAIL_INDICES,
    bootstrap_coverage,
)
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    table = bootstrap_coverage(
        TAIL_INDICES,
        replicates=snakemake.params.replicates,
        n_boot=DRAWS,
        clusters=CLUSTERS,
        models_per_cluster=MODELS_PER_CLUSTER,
        seed=snakemake.params.seed,
    )
    write_csv(table, snakemake.output.table)
    log.info("%d coverage rows", table.height)
