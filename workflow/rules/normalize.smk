# One job per snapshot: project, type, repair (counted), validate, resolve lineage.


rule normalize_snapshot:
    # Hundreds of per-snapshot jobs: a `run:` block calls the library directly,
    # with no script file to load and no workflow object to pass. The default
    # profile runs such jobs as threads of the Snakemake process (a job in a
    # process of its own would first import polars and pandera, about a second);
    # on a cluster each is a process (bench/README.md).
    """Validate one raw snapshot against the raw contract and resolve its base-model roots."""
    input:
        unpack(raw_snapshot),
    output:
        table=str(PROCESSED_SNAPSHOTS / "{date}.parquet"),
        quality=QUALITY_SNAPSHOT,
    log:
        "logs/normalize/{date}.log",
    benchmark:
        "benchmarks/normalize/{date}.tsv"
    wildcard_constraints:
        date=r"\d{4}-\d{2}-\d{2}",
    resources:
        mem_mb=job_memory_mb("normalize_snapshot"),
    params:
        capture_lag_days=SNAPSHOT_CAPTURE_LAG_DAYS,
        code=run_code(normalize_snapshot_file),
    run:
        normalize_snapshot_file(
            input.snapshot,
            output.table,
            output.quality,
            wildcards.date,
            log[0],
            params.capture_lag_days,
            input.get("meta"),
        )


rule capabilities:
    """What the input carries (fields, lineage, independent intervals, cadence, frame): what the paper can report."""
    input:
        # Each normalize job counts its snapshot's fields into its quality record: the snapshots are not read again.
        records=QUALITY,
        last_snapshot=str(PROCESSED_SNAPSHOTS / f"{SNAPSHOT_DATES[-1]}.parquet"),
    output:
        record=CAPABILITIES,
    log:
        "logs/capabilities.log",
    benchmark:
        "benchmarks/capabilities.tsv"
    params:
        build={
            "dates": SNAPSHOT_DATES,
            "measure": PANEL_MEASURE,
            "source": SOURCE,
            "frame": config["frame"],
        },
        code=run_code(log_to, "hubshare.analysis.capabilities"),
    run:
        from hubshare.analysis.capabilities import capabilities_file

        with log_to(log[0]):
            capabilities_file(input.records, input.last_snapshot, params.build, output.record)
