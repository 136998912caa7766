# Every download credited to an organisation, country group and developer type, per view.


rule attribute_week:
    # One job per snapshot: the library called directly (see normalize_snapshot).
    """Credit one week's downloads through the curated registry (every view) and sum them by group."""
    input:
        panel=PANEL_WEEK,
        registry=config["attribution"]["registry"],
        legacy_ids=config["attribution"]["legacy_ids"],
        vocabularies=config["attribution"]["vocabularies"],
        iso_codes=config["attribution"]["iso_codes"],
    output:
        **{table: AGGREGATE_WEEK.replace("{table}", table) for table in AGGREGATE_TABLES},
        attributed=ATTRIBUTED_WEEK,
    log:
        "logs/attribute_week/{date}.log",
    benchmark:
        "benchmarks/attribute_week/{date}.tsv"
    wildcard_constraints:
        date=r"\d{4}-\d{2}-\d{2}",
    resources:
        mem_mb=job_memory_mb("attribute_week"),
    params:
        code=run_code(attribute_week_file),
    run:
        attribute_week_file(
            input.panel,
            {name: input[name] for name in ("registry", "legacy_ids", "vocabularies", "iso_codes")},
            output.attributed,
            {table: output[table] for table in AGGREGATE_TABLES},
            log[0],
        )


rule attribution_summary:
    """Coverage per period and the attribution-quality report, from the weekly sums."""
    input:
        groups=AGGREGATES["groups"],
        lineage=AGGREGATES["lineage"],
        namespaces=AGGREGATES["namespaces"],
    output:
        coverage=report(COVERAGE_BY_PERIOD, caption="../report/table.rst", category="Tables"),
        quality=ATTRIBUTION_QUALITY,
    log:
        "logs/attribution_summary.log",
    benchmark:
        "benchmarks/attribution_summary.tsv"
    params:
        code=run_code(log_to, "hubshare.attribution.summary"),
        periods=parse_periods(config["periods"]),
    run:
        from hubshare.attribution.summary import attribution_summary_file

        with log_to(log[0]):
            attribution_summary_file(input, params.periods, output)
