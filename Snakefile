# Who gets the downloads of open models on the Hugging Face Hub:
# raw weekly snapshots -> panel -> attribution -> shares and concentration ->
# trend tests -> figures -> manuscript (paper/_build/index.html and index.pdf).
from snakemake.utils import min_version, validate

from hubshare.contracts.config_check import check_config

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")
# Formats and references between keys, checked before any job runs.
check_config(config, "workflow/schemas/config.schema.yaml", config["attribution"]["vocabularies"])


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/source.smk"
include: "workflow/rules/normalize.smk"
include: "workflow/rules/panel.smk"
include: "workflow/rules/attribution.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/intermediaries.smk"
include: "workflow/rules/properties.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/docs.smk"


rule all:
    default_target: True
    input:
        PAPER_HTML,
        PAPER_PDF,
        FIGURE_MANIFEST,
        DATA_DICTIONARY,
