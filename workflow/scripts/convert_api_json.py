"""Adapter: a Hub models-API dump -> raw snapshot + origin metadata."""

from hubshare.jobs.joblog import log_to
from hubshare.sources.api_json import convert_api_json

with log_to(snakemake.log[0]) as log:
    metadata = convert_api_json(snakemake.input.dump, snakemake.output.snapshot, snakemake.output.metadata)
    log.info(
        "%s rows from %s (%s form); duplicate id rows removed: %s; fields not read: %s",
        metadata["rows"],
        snakemake.input.dump,
        metadata["dump_form"],
        metadata["duplicate_id_rows_removed"],
        ", ".join(metadata["fields_not_read"]) or "none",
    )
