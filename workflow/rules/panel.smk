# Downloads per model per week, the conservation ledger and the data-quality report.


rule build_panel:
    """Difference cumulative counts between consecutive snapshots; reconcile every download."""
    input:
        snapshots=NORMALIZED,
    output:
        panel="data/processed/panel.parquet",
        ledger=report("results/conservation_ledger.csv", caption="../report/table.rst", category="Tables"),
        measure="results/download_measure.txt",
    params:
        measure=config["measure"],
        code=library_version("panel", "rolling", "measures", "schemas"),
    log:
        "logs/build_panel.log",
    benchmark:
        "benchmarks/build_panel.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/build_panel.py"


rule quality_report:
    """Collect per-snapshot repairs and the ledger into one data-quality report."""
    input:
        snapshots=QUALITY,
        ledger=report("results/conservation_ledger.csv", caption="../report/table.rst", category="Tables"),
        attribution="results/tables/attribution_quality.json",
    output:
        json="results/data_quality.json",
        markdown="results/data_quality.md",
    params:
        code=library_version("quality"),
    log:
        "logs/quality_report.log",
    benchmark:
        "benchmarks/quality_report.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/quality_report.py"
