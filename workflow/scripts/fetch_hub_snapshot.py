"""Adapter: one listed snapshot of the Hub dataset -> its contract columns, with origin metadata."""

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.jobs.joblog import log_to
from hubshare.sources.hub import RemoteSnapshot, fetch_snapshot

with log_to(snakemake.log[0]) as log:
    hub = snakemake.params.hub
    remote = RemoteSnapshot(
        snakemake.wildcards.date, snakemake.params.path, snakemake.params.version, snakemake.params.size
    )
    metadata = fetch_snapshot(
        hub["base_url"],
        hub["revision"],
        remote,
        snakemake.output.snapshot,
        snakemake.output.metadata,
        columns=list(RAW_COLUMNS),
        token_env=hub["token_env"],
    )
    log.info("%s at %s: %s rows", metadata["url"], metadata["revision"], metadata["rows"])
