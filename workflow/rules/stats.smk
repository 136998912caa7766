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
    params:
        code=run_code(log_to, "hubshare.inference.stats_report"),
        settings={
            "headline_series": config["stats"]["headline_series"],
            "alpha": config["stats"]["alpha"],
            "confidence": config["stats"]["confidence"],
            "min_intervals": config["stats"]["min_intervals"],
        },
        periods=parse_periods(config["periods"]),
        measure=PANEL_MEASURE,
    run:
        from hubshare.inference.stats_report import trend_tests_file

        with log_to(log[0]):
            trend_tests_file(
                input.weekly,
                input.concentration,
                params.settings,
                params.periods,
                params.measure,
                output,
            )


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
    params:
        code=run_code(log_to, "hubshare.inference.model_trends"),
        settings={
            "measure": PANEL_MEASURE,
            "min_intervals": config["stats"]["min_intervals"],
            "alpha": config["stats"]["alpha"],
            "confidence": config["stats"]["confidence"],
        },
    run:
        from hubshare.inference.model_trends import model_trends_file

        with log_to(log[0]):
            model_trends_file(input.panel, input.capabilities, params.settings, output)


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
    params:
        code=run_code(log_to, "hubshare.inference.era_report"),
        series=config["stats"]["headline_series"],
        periods=parse_periods(config["periods"]),
        settings=config["stats"]["eras"],
        measure=PANEL_MEASURE,
    run:
        from hubshare.inference.era_report import eras_file

        with log_to(log[0]):
            eras_file(
                input.weekly,
                params.series,
                params.periods,
                params.settings,
                params.measure,
                output.table,
            )


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
    params:
        code=run_code(log_to, "hubshare.panel.counter_falls"),
        periods=parse_periods(config["periods"]),
    run:
        from hubshare.panel.counter_falls import counter_fall_sensitivity_file

        with log_to(log[0]):
            counter_fall_sensitivity_file(input.panel, params.periods, output.table)


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
