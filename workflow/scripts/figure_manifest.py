"""Adapter: the figure list (params.figures) -> figures/manifest.json with file hashes and the commit."""

from pathlib import Path

from hubshare.figures.provenance import commit_text, figure_manifest
from hubshare.jobs.atomic import write_json
from hubshare.jobs.joblog import log_to

with log_to(snakemake.log[0]) as log:
    # Snakemake runs scripts in the workflow's working directory, against which the rules' paths resolve.
    manifest = figure_manifest(snakemake.params.figures, Path.cwd())
    write_json(manifest, snakemake.output.manifest)
    figures = manifest["figures"]
    log.info("%d figures, %s", len(figures), commit_text(figures[0]["git"]) if figures else "no figures")
