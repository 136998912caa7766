"""Adapter: newest normalized snapshot + departures + families -> one row per model with properties and family."""

from hubshare.atomic import write_parquet
from hubshare.families import load_families
from hubshare.joblog import log_to
from hubshare.model_table import model_table
from hubshare.registry import load_iso_codes, load_registry, load_vocabularies

with log_to(snakemake.log[0]) as log:
    vocabularies = load_vocabularies(snakemake.input.vocabularies)
    registry = load_registry(snakemake.input.registry, vocabularies, load_iso_codes(snakemake.input.iso_codes))
    table = model_table(
        snakemake.input.newest, list(snakemake.input.departed), load_families(snakemake.input.families, registry)
    )
    write_parquet(table, snakemake.output.models)
    log.info("%d models, %d with a family", table.height, table["family"].is_not_null().sum())
