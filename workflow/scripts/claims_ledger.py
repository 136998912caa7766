"""Adapter: published claims + results tables -> the claims ledger."""

import polars as pl

from hubshare.atomic import write_csv
from hubshare.claims import ClaimInputs, claims_ledger, load_claims
from hubshare.joblog import log_to


def read(path):
    return pl.read_csv(path, schema_overrides={"period": pl.String, "first_period": pl.String,
                                               "last_period": pl.String})


with log_to(snakemake.log[0]) as log:
    inputs = snakemake.input
    tables = ClaimInputs(
        period_shares=read(inputs.shares).rename({"alternative": "view"}),
        family_shares=read(inputs.families),
        namespace_shares=read(inputs.namespaces),
        property_periods=read(inputs.properties),
        property_multipliers=read(inputs.multipliers),
        totals=read(inputs.totals),
    )
    ledger = claims_ledger(load_claims(inputs.claims), tables, snakemake.params.source)
    write_csv(ledger, snakemake.output.ledger)
    log.info("verdicts: %s", dict(ledger["verdict"].value_counts().iter_rows()))
