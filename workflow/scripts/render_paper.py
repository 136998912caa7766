"""Adapter: manuscript project -> paper/_build/index.html and index.pdf."""

from pathlib import Path

from hubshare.jobs.joblog import log_to
from hubshare.manuscript.render import render_manuscript

with log_to(snakemake.log[0]) as log:
    outputs = render_manuscript(
        Path(snakemake.input.qmd).parent,
        Path(snakemake.input.variables),
        Path(snakemake.output.html).parent,
        prefer_quarto=snakemake.params.prefer_quarto,
    )
    log.info("rendered %s", ", ".join(str(p) for p in outputs.values()))
