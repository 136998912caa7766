# Model properties (size, quantization, MoE, modality, licence, training data), families, and their trends.


rule departed_models:
    # One job per snapshot: the library called directly (see normalize_snapshot).
    """The models the snapshot before this one had and this one lacks, with their last rows."""
    input:
        previous=previous_normalized,
        snapshot=str(PROCESSED_SNAPSHOTS / "{date}.parquet"),
    output:
        departed=DEPARTED_WEEK,
    log:
        "logs/departed_models/{date}.log",
    benchmark:
        "benchmarks/departed_models/{date}.tsv"
    wildcard_constraints:
        date=r"\d{4}-\d{2}-\d{2}",
    params:
        code=run_code(departed_models_file),
    run:
        departed_models_file(input.previous, input.snapshot, output.departed, log[0])


rule model_table:
    """Each model's latest metadata (the newest snapshot, else its latest departure), its properties and its family."""
    input:
        newest=NORMALIZED[-1],
        departed=DEPARTED,
        registry=config["attribution"]["registry"],
        families=config["attribution"]["families"],
        vocabularies=config["attribution"]["vocabularies"],
        iso_codes=config["attribution"]["iso_codes"],
    output:
        models=MODELS_TABLE,
    log:
        "logs/model_table.log",
    benchmark:
        "benchmarks/model_table.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        code=script_code("model_table.py"),
    script:
        "../scripts/model_table.py"


rule property_periods:
    """Download-weighted property shares and sizes per period, with cluster bootstrap intervals, multipliers and a leave-top-k-out check."""
    input:
        panel=PANEL_WEEKS,
        models=MODELS_TABLE,
    output:
        table=report(PROPERTY_PERIODS, caption="../report/table.rst", category="Tables"),
        multipliers=report(PROPERTY_MULTIPLIERS, caption="../report/table.rst", category="Tables"),
        leave_top_out="results/tables/property_leave_top_out.csv",
    log:
        "logs/property_periods.log",
    benchmark:
        "benchmarks/property_periods.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        periods=config["periods"],
        settings=config["properties"],
        code=script_code("property_periods.py"),
    script:
        "../scripts/property_periods.py"


rule family_shares:
    """Shares of downloads by model family and by namespace, per period."""
    input:
        panel=PANEL_WEEKS,
        models=MODELS_TABLE,
        namespaces=AGGREGATES["namespaces"],
    output:
        families=FAMILY_SHARES,
        namespaces=NAMESPACE_SHARES,
    log:
        "logs/family_shares.log",
    benchmark:
        "benchmarks/family_shares.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        periods=config["periods"],
        code=script_code("family_shares.py"),
    script:
        "../scripts/family_shares.py"
