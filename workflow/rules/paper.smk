# The manuscript: results -> variables and tables -> rendered HTML and PDF.
import platform

from hubshare.jobs.software import installed_versions, runtime_dependencies


rule manuscript_inputs:
    """Every number and generated table the manuscript shows, plus its figures."""
    input:
        unpack(demo_inputs),
        stats=STATS_JSON,
        capabilities=CAPABILITIES,
        totals=PERIOD_TOTALS,
        contrasts=PERIOD_CONTRASTS,
        composition=COMPOSITION,
        model_trends=MODEL_TRENDS,
        eras=ERAS_TABLE,
        weekly=SHARES_WEEKLY,
        periods=SHARES_BY_PERIOD,
        concentration=CONCENTRATION_WEEKLY,
        ledger=CONSERVATION_LEDGER,
        counter_falls=COUNTER_FALL_SENSITIVITY,
        weeks=PANEL_WEEKS_TABLE,
        coverage=COVERAGE_BY_PERIOD,
        intermediaries=INTERMEDIARIES_TABLE,
        intermediary_share=INTERMEDIARY_SHARE,
        intermediary_thresholds=INTERMEDIARY_THRESHOLDS,
        sensitivity=ATTRIBUTION_SENSITIVITY,
        properties=PROPERTY_PERIODS,
        multipliers=PROPERTY_MULTIPLIERS,
        families=FAMILY_SHARES,
        namespaces=NAMESPACE_SHARES,
        claims=CLAIMS_LEDGER,
        quality=DATA_QUALITY,
        vocabularies=config["attribution"]["vocabularies"],
        contested=config["attribution"]["contested"],
        figures=expand("figures/{name}.png", name=FIGURES),
        manifest=FIGURE_MANIFEST,
    output:
        variables=PAPER_VARIABLES,
        tables=directory(PAPER_GENERATED),
        figures=expand(PAPER_FIGURE, name=FIGURES),
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
        headline_series=config["stats"]["headline_series"],
        sensitivity_rows=config["paper"]["sensitivity_rows"],
        named_families=config["paper"]["named_families"],
        named_namespaces=config["paper"]["named_namespaces"],
    script:
        "../scripts/manuscript_inputs.py"


rule render_paper:
    """Quarto when available, else the pandoc + Typst fallback: HTML and PDF from one source."""
    input:
        qmd="paper/index.qmd",
        project="paper/_quarto.yml",
        bibliography="paper/references.bib",
        variables=PAPER_VARIABLES,
        tables=PAPER_GENERATED,
        figures=expand(PAPER_FIGURE, name=FIGURES),
        software=PAPER_SOFTWARE,
    output:
        html=PAPER_HTML,
        pdf=PAPER_PDF,
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
        statement=PAPER_SOFTWARE,
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
        claims_schema="workflow/schemas/claims.schema.yaml",
        shares=ATTRIBUTION_SENSITIVITY,
        families=FAMILY_SHARES,
        namespaces=NAMESPACE_SHARES,
        properties=PROPERTY_PERIODS,
        multipliers=PROPERTY_MULTIPLIERS,
        totals=PERIOD_TOTALS,
        capabilities=CAPABILITIES,
    output:
        ledger=report(CLAIMS_LEDGER, caption="../report/table.rst", category="Tables"),
    log:
        "logs/claims_ledger.log",
    benchmark:
        "benchmarks/claims_ledger.tsv"
    params:
        source=SOURCE,
        # The claims' windows are compared with these (resolved from the data where given as last days).
        periods=config["periods"],
        code=run_code(log_to, "hubshare.claims.ledger"),
    run:
        from hubshare.claims.ledger import claims_ledger_file

        with log_to(log[0]):
            claims_ledger_file(input, params.source, params.periods, output.ledger)
