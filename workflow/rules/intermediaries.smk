# Intermediaries found by a stated rule, and headline shares under every attribution alternative.


rule intermediaries:
    """Flag namespaces that mostly redistribute other developers' models; threshold sensitivity."""
    input:
        namespaces=AGGREGATES["namespaces"],
    output:
        namespaces="results/tables/intermediaries.csv",
        by_period="results/tables/intermediary_share_by_period.csv",
        sensitivity="results/tables/intermediary_threshold_sensitivity.csv",
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
        intermediaries="results/tables/intermediaries.csv",
        contested=config["attribution"]["contested"],
    output:
        table=report("results/tables/attribution_sensitivity.csv", caption="../report/table.rst", category="Tables"),
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
