"""Adapter: one period's weeks, last snapshot and departures -> its model table, property statistics (with their
bootstrap draws), leave-top-k-out estimates, family and namespace shares."""

from hubshare.analysis.period_tables import OUTPUTS, write_period_tables
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    inputs, params = snakemake.input, snakemake.params
    summary = write_period_tables(
        params.window,
        list(inputs.panel),
        list(inputs.namespaces),
        inputs.snapshot[0] if inputs.snapshot else None,
        list(inputs.departed),
        {name: inputs[name] for name in ("registry", "families", "vocabularies", "iso_codes")},
        (params.bootstrap_draws, params.seed),
        {name: snakemake.output[name] for name in OUTPUTS},
    )
    log.info(summary)
