"""Adapter: one period's weeks and the model changes up to its last snapshot -> its model table, property
statistics (with their bootstrap draws), leave-top-k-out estimates, family and namespace shares."""

from hubshare.analysis.period_tables import OUTPUTS, write_period_tables
from hubshare.attribution.model_changes import CHANGES
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    inputs, params = snakemake.input, snakemake.params
    summary = write_period_tables(
        params.window,
        list(inputs.panel),
        list(inputs.namespaces),
        {change: list(inputs[change]) for change in CHANGES},
        params.last_snapshot or None,
        (params.bootstrap_draws, params.seed),
        {name: snakemake.output[name] for name in OUTPUTS},
    )
    log.info(summary)
