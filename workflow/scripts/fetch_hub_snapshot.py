"""Adapter: one snapshot date -> the Hub's weekly snapshot, projected to the raw contract, with origin metadata."""

from hubshare.joblog import log_to
from hubshare.schemas import RAW_COLUMNS
from hubshare.sources.hub import fetch_snapshot, snapshot_url

with log_to(snakemake.log[0]) as log:
    hub = snakemake.params.hub
    url = snapshot_url(hub["base_url"], hub["path_pattern"], snakemake.wildcards.date)
    metadata = fetch_snapshot(
        url,
        snakemake.output.snapshot,
        snakemake.output.metadata,
        columns=list(RAW_COLUMNS),
        token_env=hub["token_env"],
        transfer=hub["transfer"],
        retries=hub["retries"],
        snapshot_date=snakemake.wildcards.date,
    )
    log.info("%s: %s rows, %s transfer", url, metadata["rows"], metadata["transfer"])
