"""Adapter: the pandera table contracts -> docs/data_dictionary.md."""

from hubshare.contracts.data_dictionary import data_dictionary_markdown, schema_models
from hubshare.jobs.atomic import write_text
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    write_text(data_dictionary_markdown(), snakemake.output.markdown)
    log.info("documented %d table contracts", len(schema_models()))
