# Intermediaries found by a stated rule, and headline shares under every attribution alternative.


rule intermediaries:
    """Flag namespaces that mostly redistribute other developers' models; threshold sensitivity."""
    input:
        namespaces=AGGREGATES["namespaces"],
    output:
        namespaces=INTERMEDIARIES_TABLE,
        by_period=INTERMEDIARY_SHARE,
        sensitivity=INTERMEDIARY_THRESHOLDS,
    log:
        "logs/intermediaries.log",
    benchmark:
        "benchmarks/intermediaries.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("intermediaries.py"),
        periods=config["periods"],
        threshold=config["intermediaries"]["threshold"],
        min_downloads=config["intermediaries"]["min_downloads"],
    script:
        "../scripts/intermediaries.py"


rule attribution_sensitivity:
    """Headline shares as uploaded, derived (two rules), with intermediaries apart and with counter falls read as revisions."""
    input:
        groups=AGGREGATES["groups"],
        namespaces=AGGREGATES["namespaces"],
        panel=PANEL_WEEKS,
        intermediaries=INTERMEDIARIES_TABLE,
        contested=config["attribution"]["contested"],
    output:
        table=report(ATTRIBUTION_SENSITIVITY, caption="../report/table.rst", category="Tables"),
    log:
        "logs/attribution_sensitivity.log",
    benchmark:
        "benchmarks/attribution_sensitivity.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("attribution_sensitivity.py"),
        periods=config["periods"],
    script:
        "../scripts/attribution_sensitivity.py"
