# One rule per figure; every figure as vector PDF and PNG in one shared style.


rule fig_country_groups:
    """Trailing-52-week download shares by country group, uploader and derived views."""
    input:
        trailing="results/tables/shares_trailing52.parquet",
        vocabularies=config["attribution"]["vocabularies"],
        style="workflow/matplotlibrc",
    output:
        pdf="figures/country_groups.pdf",
        png="figures/country_groups.png",
    params:
        dimension="country_group",
        demo=IS_DEMO,
    log:
        "logs/figures/country_groups.log",
    benchmark:
        "benchmarks/figures/country_groups.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/fig_group_shares.py"


rule fig_developer_types:
    """Trailing-52-week download shares by developer type, uploader and derived views."""
    input:
        trailing="results/tables/shares_trailing52.parquet",
        vocabularies=config["attribution"]["vocabularies"],
        style="workflow/matplotlibrc",
    output:
        pdf="figures/developer_types.pdf",
        png="figures/developer_types.png",
    params:
        dimension="developer_type",
        demo=IS_DEMO,
    log:
        "logs/figures/developer_types.log",
    benchmark:
        "benchmarks/figures/developer_types.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/fig_group_shares.py"


rule fig_concentration:
    """HHI, Gini and top-10 share of downloads over organisations, by week."""
    input:
        concentration="results/tables/concentration_weekly.parquet",
        style="workflow/matplotlibrc",
    output:
        pdf="figures/concentration.pdf",
        png="figures/concentration.png",
    params:
        demo=IS_DEMO,
    log:
        "logs/figures/concentration.log",
    benchmark:
        "benchmarks/figures/concentration.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/fig_concentration.py"
