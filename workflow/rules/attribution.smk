# Every download credited to an organisation, country group and developer type, per view.


rule attribute_downloads:
    """Uploader and derived (base-model root) attribution through the curated registry."""
    input:
        panel="data/processed/panel.parquet",
        registry=config["attribution"]["registry"],
        legacy_ids=config["attribution"]["legacy_ids"],
        vocabularies=config["attribution"]["vocabularies"],
        iso_codes=config["attribution"]["iso_codes"],
    output:
        attributed="data/processed/attributed.parquet",
        coverage=report("results/tables/coverage_by_period.csv", caption="../report/table.rst", category="Tables"),
        quality="results/tables/attribution_quality.json",
    params:
        code=library_version("attribution", "registry", "shares", "schemas"),
        periods=config["periods"],
    log:
        "logs/attribute_downloads.log",
    benchmark:
        "benchmarks/attribute_downloads.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/attribute_downloads.py"
