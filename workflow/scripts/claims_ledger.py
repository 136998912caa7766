"""Adapter: published claims + results tables -> the claims ledger."""

import json
from pathlib import Path

from hubshare.claims.ledger import DataWindow, claims_ledger
from hubshare.claims.metrics import ClaimInputs
from hubshare.claims.validation import load_claims
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.periods import read_results_csv

with log_to(snakemake.log[0]) as log:
    inputs = snakemake.input
    tables = ClaimInputs(
        period_shares=read_results_csv(inputs.shares).rename({"alternative": "view"}),
        family_shares=read_results_csv(inputs.families),
        namespace_shares=read_results_csv(inputs.namespaces),
        property_periods=read_results_csv(inputs.properties),
        property_multipliers=read_results_csv(inputs.multipliers),
        totals=read_results_csv(inputs.totals),
    )
    capabilities = json.loads(Path(inputs.capabilities).read_text(encoding="utf-8"))
    window = DataWindow.of_build(capabilities, snakemake.params.periods)
    ledger = claims_ledger(
        load_claims(inputs.claims, inputs.claims_schema), tables, snakemake.params.source, capabilities["frame"], window
    )
    write_csv(ledger, snakemake.output.ledger)
    log.info("verdicts: %s", dict(ledger["verdict"].value_counts().iter_rows()))
