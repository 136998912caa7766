"""Adapter: demo settings + registry -> raw snapshots, origin metadata, truth."""

from pathlib import Path

from hubshare.attribution.registry import load_iso_codes, load_legacy_ids, load_registry
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.demo import simulate_demo
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    vocabularies = load_vocabularies(snakemake.input.vocabularies)
    registry = load_registry(snakemake.input.registry, vocabularies, load_iso_codes(snakemake.input.iso_codes))
    legacy_ids = load_legacy_ids(snakemake.input.legacy_ids, registry)
    written = simulate_demo(snakemake.params.settings, registry, legacy_ids, Path(snakemake.output.truth).parent)
    log.info("wrote %d files", len(written))
