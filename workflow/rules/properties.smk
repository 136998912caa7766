# Model properties (size, quantization, MoE, modality, licence, training data), families, and their trends.


rule model_changes:
    # One job per snapshot: the library called directly (see normalize_snapshot).
    """The models this snapshot lists with new metadata (with their properties and family), and those it no longer lists."""
    input:
        unpack(previous_normalized),
        snapshot=str(PROCESSED_SNAPSHOTS / "{date}.parquet"),
        registry=config["attribution"]["registry"],
        families=config["attribution"]["families"],
        vocabularies=config["attribution"]["vocabularies"],
        iso_codes=config["attribution"]["iso_codes"],
    output:
        listed=MODEL_CHANGES.replace("{change}", "listed"),
        departed=MODEL_CHANGES.replace("{change}", "departed"),
    log:
        "logs/model_changes/{date}.log",
    benchmark:
        "benchmarks/model_changes/{date}.tsv"
    wildcard_constraints:
        date=r"\d{4}-\d{2}-\d{2}",
    resources:
        mem_mb=job_memory_mb("model_changes"),
    params:
        code=run_code(model_changes_file),
    run:
        model_changes_file(
            input.snapshot,
            input.get("previous"),
            {name: input[name] for name in ("registry", "families", "vocabularies", "iso_codes")},
            output,
            log[0],
        )


rule period_tables:
    """One period's model table (as of its last snapshot), property shares with their bootstrap draws, leave-top-k-out, family and namespace shares, from that period's weeks alone."""
    input:
        unpack(period_inputs),
    output:
        models=f"{PERIOD_FOLDER}/models.parquet",
        properties=f"{PERIOD_FOLDER}/properties.parquet",
        leave_top_out=f"{PERIOD_FOLDER}/leave_top_out.parquet",
        families=f"{PERIOD_FOLDER}/families.parquet",
        namespaces=f"{PERIOD_FOLDER}/namespaces.parquet",
    log:
        "logs/period_tables/{period}.log",
    benchmark:
        "benchmarks/period_tables/{period}.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        # This period's window alone: a closed period's job never reruns because another period moved.
        window=lambda wildcards: PERIODS[wildcards.period],
        last_snapshot=period_last_snapshot,
        bootstrap_draws=config["properties"]["bootstrap_draws"],
        seed=config["properties"]["seed"],
        code=script_code("period_tables.py"),
    script:
        "../scripts/period_tables.py"


rule property_periods:
    """Download-weighted property shares and sizes per period, with cluster bootstrap intervals, multipliers and a leave-top-k-out check."""
    input:
        tables=expand(f"{PERIOD_FOLDER}/properties.parquet", period=PERIODS),
        leave_top_out=expand(f"{PERIOD_FOLDER}/leave_top_out.parquet", period=PERIODS),
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
        first_period=config["properties"]["first_period"],
        last_period=config["properties"]["last_period"],
        code=script_code("property_periods.py"),
    script:
        "../scripts/property_periods.py"


rule family_shares:
    """Shares of downloads by model family and by namespace, per period."""
    input:
        families=expand(f"{PERIOD_FOLDER}/families.parquet", period=PERIODS),
        namespaces=expand(f"{PERIOD_FOLDER}/namespaces.parquet", period=PERIODS),
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
        code=script_code("family_shares.py"),
    script:
        "../scripts/family_shares.py"
