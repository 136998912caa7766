# Shared definitions: which snapshots exist for the configured source.
import math
from pathlib import Path

from snakemake.logging import logger

from hubshare.attribution.aggregates import AGGREGATE_TABLES
from hubshare.contracts.config_check import check_periods_hold_data
from hubshare.jobs.code_version import code_version, module_path
from hubshare.jobs.joblog import log_to
from hubshare.demo import snapshot_dates as demo_snapshot_dates
from hubshare.panel.measures import measure_for, snapshot_columns
from hubshare.normalize.snapshot import normalize_snapshot_file
from hubshare.periods import parse_periods, period_slug, periods_from_data
from hubshare.sources.first_reading import record_first_reading
from hubshare.sources.folder import FolderError, snapshot_folder
from hubshare.sources.hub import CAPTURE_LAG_DAYS, list_snapshots
from hubshare.attribution.model_changes import CHANGES, model_changes_file
from hubshare.attribution.weekly import attribute_week_file, panel_week_file
from hubshare.analysis.block_sums import BLOCK_TABLES, blocks_inside, calendar_blocks
from hubshare.analysis.study_weeks import concentration_file, conservation_ledger_file, group_shares_file

# Output paths that several rules or the targets name, each spelled once, here.
SHARES_WEEKLY = "results/tables/shares_weekly.parquet"
SHARES_TRAILING52 = "results/tables/shares_trailing52.parquet"
SHARES_BY_PERIOD = "results/tables/shares_by_period.csv"
CONCENTRATION_WEEKLY = "results/tables/concentration_weekly.parquet"
PERIOD_TOTALS = "results/tables/period_totals.csv"
COMPOSITION = "results/tables/composition.csv"
MODEL_SERIES = "results/tables/model_series.csv"
MODEL_TRENDS = "results/tables/model_trends.csv"
COVERAGE_BY_PERIOD = "results/tables/coverage_by_period.csv"
ATTRIBUTION_QUALITY = "results/tables/attribution_quality.json"
CAPABILITIES = "results/capabilities.json"
# One folder of tables per period (`period_tables`).
PERIOD_FOLDER = "data/processed/periods/{period}"
PROPERTY_PERIODS = "results/tables/property_periods.csv"
PROPERTY_MULTIPLIERS = "results/tables/property_multipliers.csv"
NAMESPACE_SHARES = "results/tables/namespace_shares_by_period.csv"
FAMILY_SHARES = "results/tables/family_shares_by_period.csv"
INTERMEDIARIES_TABLE = "results/tables/intermediaries.csv"
INTERMEDIARY_SHARE = "results/tables/intermediary_share_by_period.csv"
INTERMEDIARY_THRESHOLDS = "results/tables/intermediary_threshold_sensitivity.csv"
ATTRIBUTION_SENSITIVITY = "results/tables/attribution_sensitivity.csv"
STATS_JSON = "results/stats.json"
ERAS_TABLE = "results/tables/eras.csv"
PERIOD_CONTRASTS = "results/tables/period_contrasts.csv"
COUNTER_FALL_SENSITIVITY = "results/tables/counter_fall_sensitivity.csv"
RECOVERY = "results/tables/recovery.csv"
CALIBRATION = "results/tables/calibration.csv"
BOOTSTRAP_CALIBRATION = "results/tables/bootstrap_calibration.csv"
CLAIMS_LEDGER = "results/tables/claims_ledger.csv"
FIGURE_MANIFEST = "figures/manifest.json"
PAPER_VARIABLES = "paper/_variables.yml"
PAPER_SOFTWARE = "paper/_software.md"
PAPER_GENERATED = "paper/_generated"
PAPER_FIGURE = "paper/figures/{name}.png"
PAPER_HTML = "paper/_build/index.html"
PAPER_PDF = "paper/_build/index.pdf"
DATA_DICTIONARY = "docs/data_dictionary.md"
# Written by panel.smk, which still spells them itself.
PANEL_WEEK = "data/processed/panel/{date}.parquet"
AGGREGATE_WEEK = "data/processed/aggregates/{date}/{table}.parquet"
PANEL_STATE = "data/processed/panel_state/{date}.parquet"
PANEL_HISTORY = "data/processed/panel_state/{date}.history.json"
PANEL_LEDGER = "data/processed/panel_ledger/{date}.csv"
QUALITY_SNAPSHOT = "results/quality/snapshots/{date}.json"
MODEL_CHANGES = "data/processed/model_changes/{date}/{change}.parquet"
ATTRIBUTED_WEEK = "data/processed/attributed/{date}.parquet"
# One folder of sums per calendar block (`block_sums`), named by the block's first day.
BLOCK_FILES = {table: f"data/processed/blocks/{{block}}/{table}.parquet" for table in BLOCK_TABLES}
PANEL_WEEKS_TABLE = "results/tables/panel_weeks.csv"
CONSERVATION_LEDGER = "results/conservation_ledger.csv"
DATA_QUALITY = "results/data_quality.json"

SOURCE = config["source"]
RAW_DIR = Path(config["raw_dir"]) / SOURCE
PROCESSED_SNAPSHOTS = Path("data/processed/snapshots") / SOURCE


SOURCE_FOLDERS = {
    "dir": (config["dir_source"]["path"], ".parquet"),
    "api-json": (config["api_json"]["path"], ".json"),
    "csv": (config["csv_source"]["path"], config["csv_source"]["suffix"]),
}


def _source_dates():
    if SOURCE == "demo":
        return [d.isoformat() for d in demo_snapshot_dates(config["demo"])]
    if SOURCE == "hub":
        return sorted(HUB_LISTING.snapshots)
    folder, suffix = SOURCE_FOLDERS[SOURCE]
    try:
        listing = snapshot_folder(folder, suffix)
    except FolderError as error:
        raise WorkflowError(f"source '{SOURCE}': {error}") from None
    for name, reason in listing.ignored:
        logger.warning(f"source '{SOURCE}': {Path(folder) / name} is not read: {reason}")
    return list(listing.dates)


# The dates the dataset itself lists at the configured revision (hub source only).
HUB_LISTING = (
    list_snapshots(
        config["hub"]["base_url"],
        config["hub"]["revision"],
        config["hub"]["path_pattern"],
        config["hub"]["start"],
        None if config["hub"]["end"] == "latest" else config["hub"]["end"],
        config["hub"]["token_env"],
    )
    if SOURCE == "hub"
    else None
)
SNAPSHOT_DATES = _source_dates()
# Days between a snapshot's date and the state of the Hub it shows.
SNAPSHOT_CAPTURE_LAG_DAYS = CAPTURE_LAG_DAYS if SOURCE == "hub" else 0
# Periods given as the last N days of the data become dates once the snapshots are known; every rule reads these.
config["periods"] = periods_from_data(config["periods"], SNAPSHOT_DATES)
check_periods_hold_data(config["periods"], SNAPSHOT_DATES)
IS_DEMO = SOURCE == "demo"


def raw_snapshot(wildcards):
    """The raw file and its origin record (checked before use; a `dir` snapshot's is written at its first reading)."""
    folder = Path(config["dir_source"]["path"]) if SOURCE == "dir" else RAW_DIR
    return {"snapshot": folder / f"{wildcards.date}.parquet", "meta": RAW_DIR / f"{wildcards.date}.meta.yaml"}


QUALITY = expand(QUALITY_SNAPSHOT, date=SNAPSHOT_DATES)
# A folder of snapshots says by its newest file whether it carries cumulative counts.
PANEL_MEASURE = measure_for(
    SOURCE,
    config["measure"],
    snapshot_columns(Path(config["dir_source"]["path"]) / f"{SNAPSHOT_DATES[-1]}.parquet") if SOURCE == "dir" else None,
)
PANEL_WEEKS = expand(PANEL_WEEK, date=SNAPSHOT_DATES)
AGGREGATES = {table: expand(AGGREGATE_WEEK, date=SNAPSHOT_DATES, table=table) for table in AGGREGATE_TABLES}


# Each period by the name of its folder under data/processed/periods/.
PERIODS = {period_slug(p["name"]): p for p in config["periods"]}


# The snapshots in calendar blocks (months, cut where a period starts or ends), by each block's first day: a
# sum over many weeks kept a block at a time is summed again only for the block a new week falls in.
BLOCKS = calendar_blocks(SNAPSHOT_DATES, parse_periods(config["periods"]))


def block_weeks(wildcards):
    """What one calendar block's sums read: its weeks' attributed rows, namespace sums and panel rows."""
    dates = BLOCKS[wildcards.block]
    return {
        "attributed": expand(ATTRIBUTED_WEEK, date=dates),
        "namespaces": expand(AGGREGATE_WEEK, date=dates, table="namespaces"),
        "panel": expand(PANEL_WEEK, date=dates),
    }


def block_tables(table):
    """Every calendar block's `table`, in the order of `BLOCKS`."""
    return expand(BLOCK_FILES[table], block=BLOCKS)


def period_dates(wildcards):
    """The snapshot dates inside one period's window."""
    window = PERIODS[wildcards.period]
    return [d for d in SNAPSHOT_DATES if str(window["start"]) <= d <= str(window["end"])]


def period_inputs(wildcards):
    """What one period's tables read: the sums of the calendar blocks inside it, the panel state of its last
    snapshot, and the model changes of every snapshot up to that one."""
    dates = period_dates(wildcards)
    window = PERIODS[wildcards.period]
    inside = blocks_inside(BLOCKS, window["start"], window["end"])
    up_to_last = SNAPSHOT_DATES[: SNAPSHOT_DATES.index(dates[-1]) + 1] if dates else []
    return {
        **{table: expand(BLOCK_FILES[table], block=inside) for table in ("panel", "namespaces")},
        "state": expand(PANEL_STATE, date=dates[-1:]),
        **{change: expand(MODEL_CHANGES, date=up_to_last, change=change) for change in CHANGES},
    }


def period_last_snapshot(wildcards):
    """The date of one period's last snapshot ('' for a period without one)."""
    dates = period_dates(wildcards)
    return dates[-1] if dates else ""


def previous_snapshot_date(wildcards):
    """The snapshot before this one ('' for the first)."""
    index = SNAPSHOT_DATES.index(wildcards.date)
    return SNAPSHOT_DATES[index - 1] if index else ""


def previous_normalized(wildcards):
    """The snapshot before this one, as `previous` (none for the first)."""
    previous = previous_snapshot_date(wildcards)
    return {"previous": str(PROCESSED_SNAPSHOTS / f"{previous}.parquet")} if previous else {}


def previous_panel_state(wildcards):
    """The state the week before left, the booked weeks' history, and that week's normalize record."""
    previous = previous_snapshot_date(wildcards)
    if not previous:
        return {}
    return {
        "state": PANEL_STATE.format(date=previous),
        "history": PANEL_HISTORY.format(date=previous),
        "previous_quality": f"results/quality/snapshots/{previous}.json",
    }


FIGURES = ["country_groups", "developer_types", "concentration", "properties", "eras"]


def demo_inputs(wildcards):
    """Planted truth, its recovery and the calibration study, which exist only for the demo source."""
    if IS_DEMO:
        return {
            "truth": str(RAW_DIR / "truth.json"),
            "recovery": RECOVERY,
            "calibration": CALIBRATION,
            "bootstrap_calibration": BOOTSTRAP_CALIBRATION,
        }
    return {}


def script_code(script):
    """Hash of the library code a rule's script reaches through its imports; as a param, editing it reruns the rule."""
    return code_version([Path(workflow.basedir) / "workflow" / "scripts" / script])


def run_code(*calls):
    """Hash of the library code a `run:` block's library calls reach (their modules and what those import).

    `calls`: the functions it calls, or the dotted names of the modules it imports inside the block (those that
    import scipy, say, which every parse of the workflow would pay for if the Snakefile imported them)."""
    return code_version([module_path(call if isinstance(call, str) else call.__module__) for call in calls])


# Peak memory of each Hub-scale weekly job per MB of the input that sets its size (its process's peak
# less the interpreter's, each job alone, at the last snapshot of bench/generate.py's 2,000,000 x 60: a
# 192 MB raw file, 2.7 million models; bench/README.md). With the default profile's `mem_mb` budget these
# let two weekly jobs run at once only where both fit; on demo data every job asks Snakemake's floor.
MEMORY_PER_INPUT_MB = {
    "normalize_snapshot": ("snapshot", 15),
    "panel_week": ("snapshot", 11),
    "attribute_week": ("panel", 35),
    # A week describes the models with new metadata (3.9 MB a MB at the last snapshot), the first snapshot every
    # model, a slice at a time (5.0 MB a MB when that is all 2.7 million; 6.4 for the first snapshot's 1.1 million,
    # below the floor of 1,000 MB).
    "model_changes": ("snapshot", 6),
}


def job_memory_mb(rule_name):
    """The `mem_mb` a weekly job asks for: the size of the input that sets it times the rule's factor, at
    least 1,000 MB. Before that input exists (a dry run) the floor; Snakemake asks again before the job
    starts, when it does."""
    input_name, per_input_mb = MEMORY_PER_INPUT_MB[rule_name]

    def estimate(wildcards, input):
        path = Path(input[input_name])
        size_mb = path.stat().st_size / 2**20 if path.exists() else 0
        return max(1000, math.ceil(per_input_mb * size_mb))

    return estimate
