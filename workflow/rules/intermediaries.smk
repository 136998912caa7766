# Intermediaries found by a stated rule, and headline shares under every attribution alternative.


rule intermediaries:
    """Flag namespaces that mostly redistribute other developers' models; threshold sensitivity."""
    input:
        blocks=block_tables("namespaces"),
    output:
        namespaces=INTERMEDIARIES_TABLE,
        by_period=INTERMEDIARY_SHARE,
        sensitivity=INTERMEDIARY_THRESHOLDS,
    log:
        "logs/intermediaries.log",
    benchmark:
        "benchmarks/intermediaries.tsv"
    params:
        code=run_code(log_to, "hubshare.attribution.intermediaries"),
        settings={"blocks": list(BLOCKS), "periods": parse_periods(config["periods"]), **config["intermediaries"]},
    run:
        from hubshare.attribution.intermediaries import intermediaries_file

        with log_to(log[0]):
            intermediaries_file(input.blocks, params.settings, output)


rule attribution_sensitivity:
    """Headline shares as uploaded, derived (two rules), with intermediaries apart and with counter falls read as revisions."""
    input:
        groups=AGGREGATES["groups"],
        namespaces=block_tables("namespaces"),
        falls=block_tables("falls"),
        intermediaries=INTERMEDIARIES_TABLE,
        contested=config["attribution"]["contested"],
    output:
        table=report(ATTRIBUTION_SENSITIVITY, caption="../report/table.rst", category="Tables"),
    log:
        "logs/attribution_sensitivity.log",
    benchmark:
        "benchmarks/attribution_sensitivity.tsv"
    params:
        code=run_code(log_to, "hubshare.attribution.sensitivity"),
        settings={"blocks": list(BLOCKS), "periods": parse_periods(config["periods"])},
    run:
        from hubshare.attribution.sensitivity import sensitivity_file

        with log_to(log[0]):
            sensitivity_file(input, params.settings, output.table)
