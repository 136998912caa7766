# Trend tests, period contrasts and eras of the headline series; on demo data, planted-versus-recovered checks.


rule trend_tests:
    """Headline trends and period contrasts on non-overlapping intervals, each a Benjamini-Yekutieli family."""
    input:
        weekly=SHARES_WEEKLY,
        concentration=CONCENTRATION_WEEKLY,
    output:
        stats=STATS_JSON,
        contrasts=report(PERIOD_CONTRASTS, caption="../report/table.rst", category="Tables"),
    log:
        "logs/trend_tests.log",
    benchmark:
        "benchmarks/trend_tests.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("trend_tests.py"),
        series=config["stats"]["headline_series"],
        periods=config["periods"],
        alpha=config["stats"]["alpha"],
        confidence=config["stats"]["confidence"],
        measure=PANEL_MEASURE,
        min_intervals=config["stats"]["min_intervals"],
    script:
        "../scripts/trend_tests.py"


rule model_series:
    """Namespace shares, concentration among models and the level of downloads on non-overlapping intervals, tested."""
    input:
        panel=PANEL_WEEKS,
        capabilities=CAPABILITIES,
    output:
        series=MODEL_SERIES,
        trends=report(MODEL_TRENDS, caption="../report/table.rst", category="Tables"),
    log:
        "logs/model_series.log",
    benchmark:
        "benchmarks/model_series.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("model_series.py"),
        measure=PANEL_MEASURE,
        min_intervals=config["stats"]["min_intervals"],
        alpha=config["stats"]["alpha"],
        confidence=config["stats"]["confidence"],
    script:
        "../scripts/model_series.py"


rule eras:
    """Change points (eras) of the headline weekly shares, alone and jointly, against the paper's periods."""
    input:
        weekly=SHARES_WEEKLY,
    output:
        table=report(ERAS_TABLE, caption="../report/table.rst", category="Tables"),
    log:
        "logs/eras.log",
    benchmark:
        "benchmarks/eras.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("eras.py"),
        series=config["stats"]["headline_series"],
        periods=config["periods"],
        settings=config["stats"]["eras"],
        measure=PANEL_MEASURE,
    script:
        "../scripts/eras.py"


rule counter_fall_sensitivity:
    """Downloads counted after counter falls per period, and the most that reading them as revisions could move a share."""
    input:
        panel=PANEL_WEEKS,
    output:
        table=COUNTER_FALL_SENSITIVITY,
    log:
        "logs/counter_fall_sensitivity.log",
    benchmark:
        "benchmarks/counter_fall_sensitivity.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("counter_fall_sensitivity.py"),
        periods=config["periods"],
    script:
        "../scripts/counter_fall_sensitivity.py"


if IS_DEMO:

    rule calibration:
        """Size of every test under eight kinds of noise; power and coverage on noisy copies of the expected series."""
        input:
            truth=str(RAW_DIR / "truth.json"),
        output:
            table=CALIBRATION,
        log:
            "logs/calibration.log",
        benchmark:
            "benchmarks/calibration.tsv"
        conda:
            "../envs/analysis.yaml"
        params:
            code=script_code("calibration.py"),
            alpha=config["stats"]["alpha"],
            confidence=config["stats"]["confidence"],
            settings=config["stats"]["calibration"],
            periods=config["periods"],
            eras=config["stats"]["eras"],
        script:
            "../scripts/calibration.py"

    rule bootstrap_calibration:
        """Coverage of the property intervals (models or clusters resampled) in a simulator of heavy-tailed clustered downloads."""
        output:
            table=BOOTSTRAP_CALIBRATION,
        log:
            "logs/bootstrap_calibration.log",
        benchmark:
            "benchmarks/bootstrap_calibration.tsv"
        conda:
            "../envs/analysis.yaml"
        params:
            code=script_code("bootstrap_calibration.py"),
            replicates=config["stats"]["calibration"]["bootstrap_replicates"],
            seed=config["stats"]["calibration"]["seed"],
        script:
            "../scripts/bootstrap_calibration.py"

    rule recovery:
        """Planted (truth.json) versus recovered period shares, per view, dimension and group."""
        input:
            truth=str(RAW_DIR / "truth.json"),
            periods=SHARES_BY_PERIOD,
        output:
            table=RECOVERY,
        log:
            "logs/recovery.log",
        benchmark:
            "benchmarks/recovery.tsv"
        conda:
            "../envs/analysis.yaml"
        params:
            code=script_code("recovery.py"),
        script:
            "../scripts/recovery.py"
