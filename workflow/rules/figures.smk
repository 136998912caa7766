# One rule per figure; every figure as vector PDF and PNG in one shared style.


# The two group-share figures differ only in the dimension they draw.
GROUP_SHARE_FIGURES = {"country_groups": "country_group", "developer_types": "developer_type"}


rule fig_group_shares:
    """Trailing-52-week download shares of one dimension (country group or developer type), per view."""
    input:
        trailing=SHARES_TRAILING52,
        weekly=SHARES_WEEKLY,
        capabilities=CAPABILITIES,
        vocabularies=config["attribution"]["vocabularies"],
        style="workflow/matplotlibrc",
    output:
        pdf="figures/{figure}.pdf",
        png=report("figures/{figure}.png", caption="../report/figure.rst", category="Figures"),
    log:
        "logs/figures/{figure}.log",
    benchmark:
        "benchmarks/figures/{figure}.tsv"
    wildcard_constraints:
        figure="|".join(GROUP_SHARE_FIGURES),
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("fig_group_shares.py"),
        dimension=lambda wildcards: GROUP_SHARE_FIGURES[wildcards.figure],
        demo=IS_DEMO,
    script:
        "../scripts/fig_group_shares.py"


rule fig_concentration:
    """HHI, Gini and top-10 share of downloads over organisations, by week."""
    input:
        concentration=CONCENTRATION_WEEKLY,
        capabilities=CAPABILITIES,
        style="workflow/matplotlibrc",
    output:
        pdf="figures/concentration.pdf",
        png=report("figures/concentration.png", caption="../report/figure.rst", category="Figures"),
    log:
        "logs/figures/concentration.log",
    benchmark:
        "benchmarks/figures/concentration.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("fig_concentration.py"),
        demo=IS_DEMO,
    script:
        "../scripts/fig_concentration.py"


rule fig_properties:
    """Download-weighted model properties and sizes by period, with bootstrap intervals."""
    input:
        table=PROPERTY_PERIODS,
        style="workflow/matplotlibrc",
    output:
        pdf="figures/properties.pdf",
        png=report("figures/properties.png", caption="../report/figure.rst", category="Figures"),
    log:
        "logs/figures/properties.log",
    benchmark:
        "benchmarks/figures/properties.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        demo=IS_DEMO,
        periods=config["periods"],
        code=script_code("fig_properties.py"),
    script:
        "../scripts/fig_properties.py"


rule fig_eras:
    """Headline weekly shares with their eras (joint change points) against the paper's periods."""
    input:
        weekly=SHARES_WEEKLY,
        eras=ERAS_TABLE,
        vocabularies=config["attribution"]["vocabularies"],
        capabilities=CAPABILITIES,
        style="workflow/matplotlibrc",
    output:
        pdf="figures/eras.pdf",
        png=report("figures/eras.png", caption="../report/figure.rst", category="Figures"),
    log:
        "logs/figures/eras.log",
    benchmark:
        "benchmarks/figures/eras.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        demo=IS_DEMO,
        periods=config["periods"],
        series=config["stats"]["headline_series"],
        min_segment_weeks=config["stats"]["eras"]["min_segment_weeks"],
        code=script_code("fig_eras.py"),
    script:
        "../scripts/fig_eras.py"


FIGURE_SCRIPTS = {
    **{name: ("fig_group_shares", "workflow/scripts/fig_group_shares.py") for name in GROUP_SHARE_FIGURES},
    "concentration": ("fig_concentration", "workflow/scripts/fig_concentration.py"),
    "properties": ("fig_properties", "workflow/scripts/fig_properties.py"),
    "eras": ("fig_eras", "workflow/scripts/fig_eras.py"),
}
FIGURE_ENTRIES = [
    {
        "name": name,
        "rule": rule_name,
        "script": script,
        "inputs": [str(path) for path in getattr(rules, rule_name).input],
        "outputs": [str(path).replace("{figure}", name) for path in getattr(rules, rule_name).output],
    }
    for name, (rule_name, script) in FIGURE_SCRIPTS.items()
]


rule figure_manifest:
    """figures/manifest.json: each figure with its rule, script, input hashes, file hashes and commit."""
    input:
        files=[path for entry in FIGURE_ENTRIES for path in entry["outputs"]],
        sources=[path for entry in FIGURE_ENTRIES for path in entry["inputs"] + [entry["script"]]],
    output:
        manifest=FIGURE_MANIFEST,
    log:
        "logs/figures/manifest.log",
    benchmark:
        "benchmarks/figures/manifest.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        figures=FIGURE_ENTRIES,
        code=script_code("figure_manifest.py"),
    script:
        "../scripts/figure_manifest.py"
