# The manuscript: results -> variables and tables -> rendered HTML and PDF.
import platform

from hubshare.software import installed_versions, runtime_dependencies


rule manuscript_inputs:
    """Every number and generated table the manuscript shows, plus its figures."""
    input:
        unpack(demo_inputs),
        stats="results/stats.json",
        capabilities="results/capabilities.json",
        totals="results/tables/period_totals.csv",
        contrasts="results/tables/period_contrasts.csv",
        composition="results/tables/composition.csv",
        eras="results/tables/eras.csv",
        weekly="results/tables/shares_weekly.parquet",
        periods="results/tables/shares_by_period.csv",
        concentration="results/tables/concentration_weekly.parquet",
        ledger="results/conservation_ledger.csv",
        counter_falls="results/tables/counter_fall_sensitivity.csv",
        measure="results/download_measure.txt",
        weeks="results/tables/panel_weeks.csv",
        coverage="results/tables/coverage_by_period.csv",
        intermediaries="results/tables/intermediaries.csv",
        intermediary_share="results/tables/intermediary_share_by_period.csv",
        intermediary_thresholds="results/tables/intermediary_threshold_sensitivity.csv",
        sensitivity="results/tables/attribution_sensitivity.csv",
        properties="results/tables/property_periods.csv",
        multipliers="results/tables/property_multipliers.csv",
        families="results/tables/family_shares_by_period.csv",
        namespaces="results/tables/namespace_shares_by_period.csv",
        claims="results/tables/claims_ledger.csv",
        quality="results/data_quality.json",
        vocabularies=config["attribution"]["vocabularies"],
        contested=config["attribution"]["contested"],
        figures=expand("figures/{name}.png", name=FIGURES),
        manifest="figures/manifest.json",
    output:
        variables="paper/_variables.yml",
        tables=directory("paper/_generated"),
        figures=expand("paper/figures/{name}.png", name=FIGURES),
    log:
        "logs/manuscript_inputs.log",
    benchmark:
        "benchmarks/manuscript_inputs.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("manuscript_inputs.py"),
        source=SOURCE,
        periods=config["periods"],
        snapshots=len(SNAPSHOT_DATES),
        intermediary_threshold=config["intermediaries"]["threshold"],
        intermediary_min_downloads=config["intermediaries"]["min_downloads"],
        calibration=config["stats"]["calibration"],
        eras=config["stats"]["eras"],
        headline=config["stats"]["headline_series"],
    script:
        "../scripts/manuscript_inputs.py"


rule render_paper:
    """Quarto when available, else the pandoc + Typst fallback: HTML and PDF from one source."""
    input:
        qmd="paper/index.qmd",
        project="paper/_quarto.yml",
        bibliography="paper/references.bib",
        variables="paper/_variables.yml",
        tables="paper/_generated",
        figures=expand("paper/figures/{name}.png", name=FIGURES),
        software="paper/_software.md",
    output:
        html="paper/_build/index.html",
        pdf="paper/_build/index.pdf",
    log:
        "logs/render_paper.log",
    benchmark:
        "benchmarks/render_paper.tsv"
    conda:
        "../envs/paper.yaml"
    params:
        code=script_code("render_paper.py"),
        prefer_quarto=config["paper"]["renderer"] == "auto",
    script:
        "../scripts/render_paper.py"


rule software_versions:
    """The reproducibility statement: Python and the dependencies' versions this build runs with."""
    output:
        statement="paper/_software.md",
    log:
        "logs/software_versions.log",
    benchmark:
        "benchmarks/software_versions.tsv"
    conda:
        "../envs/paper.yaml"
    params:
        code=script_code("software_versions.py"),
        # Read when the workflow is parsed, so a changed environment reruns this job and the rendering.
        python=platform.python_version(),
        versions=installed_versions(runtime_dependencies()),
    script:
        "../scripts/software_versions.py"


rule claims_ledger:
    """Every published claim: its value, ours, and a verdict computed from the results."""
    input:
        claims="data/raw/claims/published_claims.yaml",
        shares="results/tables/attribution_sensitivity.csv",
        families="results/tables/family_shares_by_period.csv",
        namespaces="results/tables/namespace_shares_by_period.csv",
        properties="results/tables/property_periods.csv",
        multipliers="results/tables/property_multipliers.csv",
        totals="results/tables/period_totals.csv",
        capabilities="results/capabilities.json",
    output:
        ledger=report("results/tables/claims_ledger.csv", caption="../report/table.rst", category="Tables"),
    log:
        "logs/claims_ledger.log",
    benchmark:
        "benchmarks/claims_ledger.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        source=SOURCE,
        code=script_code("claims_ledger.py"),
    script:
        "../scripts/claims_ledger.py"
