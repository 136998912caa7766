"""Adapter: the versions this build ran with (rule params) -> the paper's reproducibility statement."""

from hubshare.jobs.atomic import write_text
from hubshare.jobs.joblog import log_to
from hubshare.jobs.software import software_statement

with log_to(snakemake.log[0]) as log:
    write_text(software_statement(snakemake.params.python, snakemake.params.versions), snakemake.output.statement)
    log.info("listed Python %s and %d distributions", snakemake.params.python, len(snakemake.params.versions))
