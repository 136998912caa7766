# Raw snapshots: the demo simulator writes them; the `dir` source reads an existing folder and records
# each file's first reading.

if IS_DEMO:

    rule simulate_demo:
        """Seeded simulator of the Hub: weekly snapshots in the raw contract, origin metadata, planted truth."""
        input:
            registry=config["attribution"]["registry"],
            legacy_ids=config["attribution"]["legacy_ids"],
            vocabularies=config["attribution"]["vocabularies"],
            iso_codes=config["attribution"]["iso_codes"],
        output:
            snapshots=expand(str(RAW_DIR / "{date}.parquet"), date=SNAPSHOT_DATES),
            metadata=expand(str(RAW_DIR / "{date}.meta.yaml"), date=SNAPSHOT_DATES),
            truth=str(RAW_DIR / "truth.json"),
        log:
            "logs/simulate_demo.log",
        benchmark:
            "benchmarks/simulate_demo.tsv"
        conda:
            "../envs/analysis.yaml"
        params:
            code=script_code("simulate_demo.py"),
            settings=config["demo"],
        script:
            "../scripts/simulate_demo.py"


if SOURCE == "dir":

    rule record_dir_snapshot:
        # `ancient`: a file edited later must not trigger a new record; normalize refuses it instead.
        """Record a `dir` snapshot's size and sha256 at its first reading; every later use is checked against it."""
        input:
            snapshot=ancient(Path(config["dir_source"]["path"]) / "{date}.parquet"),
        output:
            metadata=str(RAW_DIR / "{date}.meta.yaml"),
        log:
            "logs/record_dir_snapshot/{date}.log",
        benchmark:
            "benchmarks/record_dir_snapshot/{date}.tsv"
        wildcard_constraints:
            date=r"\d{4}-\d{2}-\d{2}",
        params:
            code=run_code(record_first_reading),
        run:
            record_first_reading(input.snapshot, output.metadata, wildcards.date, log[0])


if SOURCE == "api-json":

    rule convert_api_json:
        """One dump of the Hub models API -> one raw snapshot in the contract, with origin metadata."""
        input:
            dump=str(Path(config["api_json"]["path"]) / "{date}.json"),
        output:
            snapshot=str(RAW_DIR / "{date}.parquet"),
            metadata=str(RAW_DIR / "{date}.meta.yaml"),
        log:
            "logs/convert_api_json/{date}.log",
        benchmark:
            "benchmarks/convert_api_json/{date}.tsv"
        wildcard_constraints:
            date=r"\d{4}-\d{2}-\d{2}",
        conda:
            "../envs/analysis.yaml"
        params:
            code=script_code("convert_api_json.py"),
        script:
            "../scripts/convert_api_json.py"


if SOURCE == "csv":

    rule convert_csv_counts:
        """One CSV file of 30-day download counts -> one raw snapshot in the contract, with origin metadata."""
        input:
            counts=lambda wildcards: Path(config["csv_source"]["path"])
            / f"{wildcards.date}{config['csv_source']['suffix']}",
        output:
            snapshot=str(RAW_DIR / "{date}.parquet"),
            metadata=str(RAW_DIR / "{date}.meta.yaml"),
        log:
            "logs/convert_csv_counts/{date}.log",
        benchmark:
            "benchmarks/convert_csv_counts/{date}.tsv"
        wildcard_constraints:
            date=r"\d{4}-\d{2}-\d{2}",
        conda:
            "../envs/analysis.yaml"
        params:
            code=script_code("convert_csv_counts.py"),
        script:
            "../scripts/convert_csv_counts.py"


if SOURCE == "hub":

    rule fetch_hub_snapshot:
        """One listed weekly Hub snapshot, projected to the raw contract: only the contract's columns travel."""
        output:
            snapshot=str(RAW_DIR / "{date}.parquet"),
            metadata=str(RAW_DIR / "{date}.meta.yaml"),
        log:
            "logs/fetch_hub_snapshot/{date}.log",
        benchmark:
            "benchmarks/fetch_hub_snapshot/{date}.tsv"
        wildcard_constraints:
            date=r"\d{4}-\d{2}-\d{2}",
        retries: config["hub"]["retries"]
        conda:
            "../envs/analysis.yaml"
        params:
            hub=config["hub"],
            # The file's own version: a job reruns when its file changes, not when the dataset gains a week.
            path=lambda wildcards: HUB_LISTING.snapshots[wildcards.date].path,
            version=lambda wildcards: HUB_LISTING.snapshots[wildcards.date].version,
            size=lambda wildcards: HUB_LISTING.snapshots[wildcards.date].size,
            code=script_code("fetch_hub_snapshot.py"),
        script:
            "../scripts/fetch_hub_snapshot.py"
