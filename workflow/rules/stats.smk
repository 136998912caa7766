# Trend tests for the headline series; on demo data, planted-versus-recovered checks.


rule trend_tests:
    """Headline share and concentration trends with effect sizes, intervals and adjusted p-values."""
    input:
        weekly="results/tables/shares_weekly.parquet",
        concentration="results/tables/concentration_weekly.parquet",
    output:
        stats="results/stats.json",
    params:
        code=library_version("trends", "stats_report"),
        series=config["stats"]["headline_series"],
        alpha=config["stats"]["alpha"],
        confidence=config["stats"]["confidence"],
    log:
        "logs/trend_tests.log",
    benchmark:
        "benchmarks/trend_tests.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/trend_tests.py"


if IS_DEMO:

    rule calibration:
        """False-positive rate and power of the trend tests on noisy copies of the planted series."""
        input:
            truth=str(RAW_DIR / "truth.json"),
        output:
            table="results/tables/calibration.csv",
        params:
            code=library_version("calibration", "trends"),
            alpha=config["stats"]["alpha"],
            settings=config["stats"]["calibration"],
        log:
            "logs/calibration.log",
        benchmark:
            "benchmarks/calibration.tsv"
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/calibration.py"

    rule recovery:
        """Planted (truth.json) versus recovered period shares, per view, dimension and group."""
        input:
            truth=str(RAW_DIR / "truth.json"),
            periods="results/tables/shares_by_period.csv",
        output:
            table="results/tables/recovery.csv",
        params:
            code=library_version("recovery"),
        log:
            "logs/recovery.log",
        benchmark:
            "benchmarks/recovery.tsv"
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/recovery.py"
