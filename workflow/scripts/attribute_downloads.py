"""Adapter: panel + registry -> attributed downloads, coverage per period, attribution quality."""

import polars as pl

from hubshare.atomic import write_csv, write_json, write_parquet
from hubshare.attribution import attribute, attribution_quality
from hubshare.joblog import log_to
from hubshare.periods import parse_periods
from hubshare.registry import load_iso_codes, load_legacy_ids, load_registry, load_vocabularies
from hubshare.shares import period_shares

with log_to(snakemake.log[0]) as log:
    vocabularies = load_vocabularies(snakemake.input.vocabularies)
    registry = load_registry(snakemake.input.registry, vocabularies, load_iso_codes(snakemake.input.iso_codes))
    legacy_ids = load_legacy_ids(snakemake.input.legacy_ids, registry)
    panel = pl.read_parquet(snakemake.input.panel)
    attributed = attribute(panel, registry, legacy_ids)
    coverage = period_shares(attributed, parse_periods(snakemake.params.periods), dimensions=["attribution_source"])
    write_parquet(attributed, snakemake.output.attributed)
    write_csv(coverage, snakemake.output.coverage)
    write_json(attribution_quality(panel, attributed), snakemake.output.quality)
    log.info("attributed %d rows from %d panel rows", attributed.height, panel.height)
