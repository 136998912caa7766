# Downloads per model per week, the conservation ledger and the data-quality report.
#
# Every snapshot is one job, differenced against the state the job before it
# left (each model's last count and running 30-day estimate), whatever the
# measure, so a new snapshot adds one job and the plausibility guards read
# every week.


rule panel_week:
    # A chain of hundreds of small jobs: the library called directly (see normalize_snapshot).
    """Difference one snapshot's cumulative counts against the models' last observed counts (30-day estimates where a week has none)."""
    input:
        unpack(previous_panel_state),
        snapshot=str(PROCESSED_SNAPSHOTS / "{date}.parquet"),
        quality=QUALITY_SNAPSHOT,
    output:
        panel=PANEL_WEEK,
        state=PANEL_STATE,
        history=PANEL_HISTORY,
        ledger=PANEL_LEDGER,
    log:
        "logs/panel_week/{date}.log",
    benchmark:
        "benchmarks/panel_week/{date}.tsv"
    wildcard_constraints:
        date=r"\d{4}-\d{2}-\d{2}",
    resources:
        mem_mb=job_memory_mb("panel_week"),
    params:
        previous=previous_snapshot_date,
        plausibility=config["plausibility"],
        measure=PANEL_MEASURE,
        code=run_code(panel_week_file),
    run:
        panel_week_file(
            input,
            output,
            params.previous or None,
            log[0],
            params.plausibility,
            params.measure,
        )


rule conservation_ledger:
    # Reruns with every new week: the library called directly (see normalize_snapshot).
    """Sum the weeks' ledger lines and check them against the panel files and the last state."""
    input:
        weeks=expand(PANEL_LEDGER, date=SNAPSHOT_DATES),
        panels=PANEL_WEEKS,
        state=PANEL_STATE.format(date=SNAPSHOT_DATES[-1]),
    output:
        ledger=report(CONSERVATION_LEDGER, caption="../report/table.rst", category="Tables"),
        weeks=PANEL_WEEKS_TABLE,
    log:
        "logs/conservation_ledger.log",
    benchmark:
        "benchmarks/conservation_ledger.tsv"
    params:
        dates=SNAPSHOT_DATES,
        code=run_code(conservation_ledger_file),
    run:
        conservation_ledger_file(input.weeks, input.panels, input.state, params.dates, output, log[0])


rule quality_report:
    """Collect per-snapshot repairs and the ledger into one data-quality report."""
    input:
        snapshots=QUALITY,
        ledger=report(CONSERVATION_LEDGER, caption="../report/table.rst", category="Tables"),
        weeks=PANEL_WEEKS_TABLE,
        attribution=ATTRIBUTION_QUALITY,
    output:
        json=DATA_QUALITY,
        markdown="results/data_quality.md",
    log:
        "logs/quality_report.log",
    benchmark:
        "benchmarks/quality_report.tsv"
    params:
        code=run_code(log_to, "hubshare.panel.quality"),
    run:
        from hubshare.panel.quality import quality_report_file

        with log_to(log[0]):
            quality_report_file(input.snapshots, input.ledger, input.attribution, input.weeks, output)
