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
        bootstrap=(config["properties"]["bootstrap_draws"], config["properties"]["seed"]),
        code=script_code("period_tables.py"),
    # A process of its own, not a `run:` thread: Snakemake starts a script job with one BLAS thread (its
    # `threads`), and the bootstrap's matrix products round the last bits differently with more, which the
    # Snakemake process has (as many as cores). One thread gives every machine the same draws.
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
    params:
        first_period=config["properties"]["first_period"],
        last_period=config["properties"]["last_period"],
        code=run_code(log_to, "hubshare.analysis.period_tables"),
    run:
        from hubshare.analysis.period_tables import property_periods_file

        with log_to(log[0]):
            property_periods_file(
                input.tables, input.leave_top_out, params.first_period, params.last_period, output
            )


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
    params:
        code=run_code(log_to, "hubshare.analysis.period_tables"),
    run:
        from hubshare.analysis.period_tables import family_shares_file

        with log_to(log[0]):
            family_shares_file(input.families, input.namespaces, output)
