"""One benchmark stage per process: `python bench/stages.py <stage> --data RAW --work WORK --result JSON`.

`run.py` starts each stage in its own process so that the peak RSS of one
stage is not the peak of an earlier one. The stage writes its wall time,
CPU time, peak RSS (`ru_maxrss` of the stage process and of the worker
processes it waited for) and what it produced to the `--result` file.

The chain stages do what the workflow's jobs do, with the same library
functions and the same outputs: `normalize` is `normalize_snapshot_file` per
snapshot (`--workers` jobs at a time, as `--cores 2` runs two, each job a
thread of the stage's one process, as the workflow's default profile runs its
`run:` jobs); `panel` is the chain of `panel_week` jobs (each week differenced
against the state the week before left) and the `conservation_ledger` job;
`attribution` is `attribute_week` per week (the same way) and
`attribution_summary`; `shares` is the `group_shares` job and `concentration`
the `concentration` job, both reading the weekly sums. `model_changes` is
`model_changes_file` per snapshot (the same way). `history` runs the jobs over periods and over the whole
history, in the workflow's order: `period_tables` for every period, the
`property_periods` and `family_shares` jobs that combine them,
`intermediaries`, `attribution_sensitivity`, `capabilities`, `composition`,
`model_series`, `trend_tests`, `eras` and `counter_fall_sensitivity`: every
job a new week re-runs but the figures, the quality report (a few small
files), the claims and the paper. `new_week` is everything a
new snapshot re-runs after its normalize job: its `panel_week`,
`attribute_week` and `model_changes` jobs, every job that combines the
weeks, the `period_tables` of the periods whose window holds it (closed
periods are not run again) and the jobs over the whole history of weekly sums.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import polars as pl
import yaml
from baselines import INPUT_COLUMNS, duckdb_metrics, pandas_metrics
from snakemake.utils import validate

from hubshare.analysis.block_sums import BLOCK_TABLES, block_sums_file, blocks_inside, calendar_blocks
from hubshare.analysis.capabilities import capabilities_file
from hubshare.analysis.composition import composition_file
from hubshare.analysis.period_tables import OUTPUTS as PERIOD_OUTPUTS
from hubshare.analysis.period_tables import family_shares_file, property_periods_file, write_period_tables
from hubshare.analysis.study_weeks import concentration_file, conservation_ledger_file, group_shares_file
from hubshare.attribution.aggregates import AGGREGATE_TABLES
from hubshare.attribution.intermediaries import intermediaries_file
from hubshare.attribution.model_changes import CHANGES, model_changes_file
from hubshare.attribution.sensitivity import sensitivity_file
from hubshare.attribution.summary import attribution_summary_file
from hubshare.attribution.weekly import (
    attribute_week_file,
    load_attribution_tables,
    panel_week_file,
)
from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.inference.era_report import eras_file
from hubshare.inference.model_trends import model_trends_file
from hubshare.inference.stats_report import trend_tests_file
from hubshare.normalize.snapshot import normalize_snapshot_file
from hubshare.panel.counter_falls import counter_fall_sensitivity_file
from hubshare.panel.ledger import CUMULATIVE_MEASURE
from hubshare.panel.model_weeks import OBSERVATION_COLUMNS
from hubshare.periods import parse_periods, period_slug, periods_from_data

REPO = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
# With the schema's defaults filled in, as the workflow's configuration is.
validate(CONFIG, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))


def snapshot_dates(data: Path) -> list[str]:
    return [entry["date"] for entry in json.loads((data / "manifest.json").read_text())["snapshots"]]


def normalized_paths(data: Path, work: Path) -> list[Path]:
    return [work / "normalized" / f"{date}.parquet" for date in snapshot_dates(data)]


def peak_rss_bytes() -> int:
    """Largest resident set of this process or of any child it has waited for (Linux reports KiB)."""
    return 1024 * max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )


def cpu_seconds() -> float:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def load_attribution_inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The committed registry and legacy-id table, through the loaders the workflow uses."""
    files = attribution_files()
    return load_attribution_tables(files["registry"], files["legacy_ids"], files["vocabularies"], files["iso_codes"])


def attribution_files() -> dict[str, Path]:
    return {key: REPO / path for key, path in CONFIG["attribution"].items()}


def normalize_job(raw: Path, work: Path, date: str) -> dict:
    started = time.perf_counter()
    normalize_snapshot_file(
        raw,
        work / "normalized" / f"{date}.parquet",
        work / "quality" / f"{date}.json",
        date,
        work / "logs" / "normalize" / f"{date}.log",
    )
    return {"seconds": time.perf_counter() - started}


def in_pool(workers: int, job: Callable, arguments: list[tuple]) -> list:
    # Threads of this process, as the workflow's default profile runs its weekly `run:` jobs: no job
    # pays a process start and the library's imports, and the stage's peak is that of jobs sharing one heap.
    with ThreadPoolExecutor(workers) as pool:
        return [future.result() for future in [pool.submit(job, *args) for args in arguments]]


def timing(seconds: list[float]) -> dict:
    return {"min": min(seconds), "median": statistics.median(seconds), "max": max(seconds)}


def normalize(data: Path, work: Path, workers: int) -> dict:
    done = in_pool(workers, normalize_job, [(data / f"{date}.parquet", work, date) for date in snapshot_dates(data)])
    return {"workers": workers, "jobs": len(done), "job_seconds": timing([job["seconds"] for job in done])}


def normalize_newest(data: Path, work: Path) -> dict:
    """The one normalize job a new weekly snapshot adds, run alone: the newest snapshot into a scratch folder."""
    date = snapshot_dates(data)[-1]
    normalize_snapshot_file(
        data / f"{date}.parquet",
        work / "incremental" / f"{date}.parquet",
        work / "incremental" / f"{date}.json",
        date,
        work / "incremental" / f"{date}.log",
    )
    return {"snapshot": date}


def panel_week_job(work: Path, out: Path, date: str, previous: str | None) -> float:
    started = time.perf_counter()
    inputs = {"snapshot": work / "normalized" / f"{date}.parquet"}
    if previous is not None:
        inputs["state"] = work / "panel_state" / f"{previous}.parquet"
    outputs = {
        "panel": out / "panel" / f"{date}.parquet",
        "state": out / "panel_state" / f"{date}.parquet",
        "ledger": out / "panel_ledger" / f"{date}.csv",
    }
    panel_week_file(inputs, outputs, previous, out / "logs" / "panel_week" / f"{date}.log")
    return time.perf_counter() - started


def combine_ledger(work: Path, dates: list[str]) -> None:
    conservation_ledger_file(
        [work / "panel_ledger" / f"{date}.csv" for date in dates],
        panel_paths(work, dates),
        work / "panel_state" / f"{dates[-1]}.parquet",
        dates,
        {"ledger": work / "conservation_ledger.csv", "weeks": work / "tables" / "panel_weeks.csv"},
        work / "logs" / "conservation_ledger.log",
    )


def panel(data: Path, work: Path) -> dict:
    dates = snapshot_dates(data)
    seconds = [
        panel_week_job(work, work, date, previous) for previous, date in zip([None, *dates[:-1]], dates, strict=True)
    ]
    combine_ledger(work, dates)
    return {
        "jobs": len(dates),
        "job_seconds": timing(seconds),
        "panel_rows": pl.scan_parquet(panel_paths(work, dates)).select(pl.len()).collect().item(),
    }


def panel_paths(work: Path, dates: list[str]) -> list[Path]:
    return [work / "panel" / f"{date}.parquet" for date in dates]


def aggregate_paths(work: Path, dates: list[str]) -> dict[str, list[Path]]:
    return {table: [work / "aggregates" / date / f"{table}.parquet" for date in dates] for table in AGGREGATE_TABLES}


def attribute_week_job(work: Path, out: Path, date: str) -> float:
    started = time.perf_counter()
    attribute_week_file(
        work / "panel" / f"{date}.parquet",
        attribution_files(),
        out / "attributed" / f"{date}.parquet",
        {table: out / "aggregates" / date / f"{table}.parquet" for table in AGGREGATE_TABLES},
        out / "logs" / "attribute_week" / f"{date}.log",
    )
    return time.perf_counter() - started


def summarise_attribution(work: Path, dates: list[str]) -> None:
    outputs = {
        "coverage": work / "tables" / "coverage_by_period.csv",
        "quality": work / "tables" / "attribution_quality.json",
    }
    attribution_summary_file(aggregate_paths(work, dates), parse_periods(CONFIG["periods"]), outputs)


def attribution(data: Path, work: Path, workers: int) -> dict:
    dates = snapshot_dates(data)
    seconds = in_pool(workers, attribute_week_job, [(work, work, date) for date in dates])
    summarise_attribution(work, dates)
    return {
        "workers": workers,
        "jobs": len(dates),
        "job_seconds": timing(seconds),
        "attributed_rows": pl.scan_parquet([work / "attributed" / f"{d}.parquet" for d in dates])
        .select(pl.len())
        .collect()
        .item(),
    }


def shares(data: Path, work: Path) -> dict:
    dates = snapshot_dates(data)
    tables = work / "tables"
    outputs = {
        "weekly": tables / "shares_weekly.parquet",
        "trailing": tables / "shares_trailing52.parquet",
        "periods": tables / "shares_by_period.csv",
        "totals": tables / "period_totals.csv",
    }
    group_shares_file(
        aggregate_paths(work, dates)["groups"],
        panel_paths(work, dates),
        CONFIG["periods"],
        outputs,
        work / "logs" / "group_shares.log",
    )
    return {}


def concentration(data: Path, work: Path) -> dict:
    out = work / "tables" / "concentration_weekly.parquet"
    concentration_file(
        aggregate_paths(work, snapshot_dates(data))["concentration"], out, work / "logs" / "concentration.log"
    )
    return {"view_weeks": pl.scan_parquet(out).select(pl.len()).collect().item()}


def change_paths(work: Path, dates: list[str]) -> dict[str, list[Path]]:
    return {change: [work / "model_changes" / date / f"{change}.parquet" for date in dates] for change in CHANGES}


def model_changes_job(work: Path, out: Path, previous: str | None, date: str) -> float:
    started = time.perf_counter()
    files = attribution_files()
    model_changes_file(
        work / "normalized" / f"{date}.parquet",
        work / "normalized" / f"{previous}.parquet" if previous else None,
        {name: files[name] for name in ("registry", "families", "vocabularies", "iso_codes")},
        {change: paths[0] for change, paths in change_paths(out, [date]).items()},
        out / "logs" / "model_changes" / f"{date}.log",
    )
    return time.perf_counter() - started


def model_changes(data: Path, work: Path, workers: int) -> dict:
    dates = snapshot_dates(data)
    pairs = [(work, work, previous, date) for previous, date in pairwise([None, *dates])]
    seconds = in_pool(workers, model_changes_job, pairs)
    rows = {
        f"{change}_rows": pl.scan_parquet(paths).select(pl.len()).collect().item()
        for change, paths in change_paths(work, dates).items()
    }
    return {"workers": workers, "jobs": len(seconds), "job_seconds": timing(seconds), **rows}


def period_job(work: Path, dates: list[str], window: dict, blocks: dict[str, dict[str, Path]]) -> None:
    """The `period_tables` job of one period, as the workflow runs it, writing to `work/periods/<period>/`;
    `blocks`: every calendar block's files by table, by the block's first day."""
    inside = [d for d in dates if str(window["start"]) <= d <= str(window["end"])]
    folder = work / "periods" / period_slug(window["name"])
    up_to_last = dates[: dates.index(inside[-1]) + 1] if inside else []
    in_window = [blocks[first] for first in blocks_inside(blocks, window["start"], window["end"])]
    inputs = {
        **{table: [paths[table] for paths in in_window] for table in ("panel", "namespaces")},
        "state": [work / "panel_state" / f"{date}.parquet" for date in inside[-1:]],
        **change_paths(work, up_to_last),
    }
    write_period_tables(
        window,
        inputs,
        inside[-1] if inside else None,
        (CONFIG["properties"]["bootstrap_draws"], CONFIG["properties"]["seed"]),
        {name: folder / f"{name}.parquet" for name in PERIOD_OUTPUTS},
    )


def combine_periods(work: Path, windows: list[dict]) -> None:
    """The `property_periods` and `family_shares` jobs: the periods' tables combined."""
    tables, settings = work / "tables", CONFIG["properties"]
    folders = [work / "periods" / period_slug(window["name"]) for window in windows]
    property_periods_file(
        [f / "properties.parquet" for f in folders],
        [f / "leave_top_out.parquet" for f in folders],
        settings["first_period"],
        settings["last_period"],
        {
            "table": tables / "property_periods.csv",
            "multipliers": tables / "property_multipliers.csv",
            "leave_top_out": tables / "property_leave_top_out.csv",
        },
    )
    family_shares_file(
        [f / "families.parquet" for f in folders],
        [f / "namespaces.parquet" for f in folders],
        {"families": tables / "family_shares_by_period.csv", "namespaces": tables / "namespace_shares_by_period.csv"},
    )


def history_jobs(data: Path, work: Path) -> dict[str, Callable[[], object]]:
    """The workflow's jobs over periods and the whole history, as the workflow runs them, writing to `work/tables`."""
    dates = snapshot_dates(data)
    tables = work / "tables"
    windows = periods_from_data(CONFIG["periods"], dates)
    periods = parse_periods(windows)
    blocks = calendar_blocks(dates, periods)
    block_paths = {
        first: {table: work / "blocks" / first / f"{table}.parquet" for table in BLOCK_TABLES} for first in blocks
    }

    def block_sums(first: str) -> None:
        weeks = {
            "attributed": [work / "attributed" / f"{date}.parquet" for date in blocks[first]],
            "namespaces": aggregate_paths(work, blocks[first])["namespaces"],
            "panel": panel_paths(work, blocks[first]),
        }
        block_sums_file(weeks, block_paths[first])

    def intermediaries() -> None:
        settings = CONFIG["intermediaries"]
        outputs = {
            "namespaces": tables / "intermediaries.csv",
            "by_period": tables / "intermediary_share_by_period.csv",
            "sensitivity": tables / "intermediary_threshold_sensitivity.csv",
        }
        block_days = {"blocks": list(block_paths), "periods": periods, **settings}
        intermediaries_file([paths["namespaces"] for paths in block_paths.values()], block_days, outputs)

    def sensitivity() -> None:
        inputs = {
            "groups": aggregate_paths(work, dates)["groups"],
            **{table: [paths[table] for paths in block_paths.values()] for table in ("namespaces", "falls")},
            "intermediaries": tables / "intermediaries.csv",
            "contested": REPO / CONFIG["attribution"]["contested"],
        }
        sensitivity_file(
            inputs, {"blocks": list(block_paths), "periods": periods}, tables / "attribution_sensitivity.csv"
        )

    def capabilities() -> None:
        records = [work / "quality" / f"{date}.json" for date in dates]
        last = work / "normalized" / f"{dates[-1]}.parquet"
        build = {"dates": dates, "measure": CUMULATIVE_MEASURE, "source": "dir", "frame": CONFIG["frame"]}
        capabilities_file(records, last, build, tables / "capabilities.json")

    def composition() -> None:
        attributed = [work / "attributed" / f"{date}.parquet" for date in dates]
        inputs = {"blocks": [paths["credited"] for paths in block_paths.values()], "attributed": attributed}
        settings = {"blocks": list(block_paths), "periods": windows, "measure": CUMULATIVE_MEASURE}
        composition_file(inputs, settings, tables / "composition.csv")

    def series() -> None:
        model_trends_file(
            panel_paths(work, dates),
            tables / "capabilities.json",
            {"measure": CUMULATIVE_MEASURE, **CONFIG["stats"]},
            {"series": tables / "model_series.csv", "trends": tables / "model_trends.csv"},
        )

    def stats() -> None:
        outputs = {"stats": tables / "stats.json", "contrasts": tables / "period_contrasts.csv"}
        trend_tests_file(
            tables / "shares_weekly.parquet",
            tables / "concentration_weekly.parquet",
            CONFIG["stats"],
            periods,
            CUMULATIVE_MEASURE,
            outputs,
        )

    def eras() -> None:
        settings = CONFIG["stats"]
        eras_file(
            tables / "shares_weekly.parquet",
            settings["headline_series"],
            periods,
            settings["eras"],
            CUMULATIVE_MEASURE,
            tables / "eras.csv",
        )

    def counter_falls() -> None:
        counter_fall_sensitivity_file(panel_paths(work, dates), periods, tables / "counter_fall_sensitivity.csv")

    return {
        **{f"block_sums {first}": (lambda first=first: block_sums(first)) for first in blocks},
        **{
            f"period_tables {window['name']}": (lambda window=window: period_job(work, dates, window, block_paths))
            for window in windows
        },
        "property_periods and family_shares": lambda: combine_periods(work, windows),
        "intermediaries": intermediaries,
        "attribution_sensitivity": sensitivity,
        "capabilities": capabilities,
        "composition": composition,
        "model_series": series,
        "trend_tests": stats,
        "eras": eras,
        "counter_fall_sensitivity": counter_falls,
    }


def timed(jobs: dict[str, Callable[[], object]]) -> dict[str, float]:
    seconds = {}
    for name, job in jobs.items():
        started = time.perf_counter()
        job()
        seconds[name] = time.perf_counter() - started
    return seconds


def history(data: Path, work: Path) -> dict:
    return {"job_seconds": timed(history_jobs(data, work))}


def new_week(data: Path, work: Path) -> dict:
    """After the new snapshot's normalize job: its panel and attribution jobs, then every job combining the weeks.

    The new week's own outputs go to a scratch folder; the combining jobs read
    the weeks already built, as the workflow's would.
    """
    dates = snapshot_dates(data)
    scratch = work / "incremental"
    jobs: dict[str, Callable[[], object]] = {
        "panel_week": lambda: panel_week_job(work, scratch, dates[-1], dates[-2]),
        "attribute_week": lambda: attribute_week_job(work, scratch, dates[-1]),
        "model_changes": lambda: model_changes_job(work, scratch, dates[-2], dates[-1]),
        "conservation_ledger": lambda: combine_ledger(work, dates),
        "attribution_summary": lambda: summarise_attribution(work, dates),
        "group_shares": lambda: shares(data, work),
        "concentration": lambda: concentration(data, work),
    }
    # The new week's calendar block (the closed ones are not summed again), the periods whose window holds the
    # week (the closed ones are not run again), their combination, and the jobs over the whole history.
    history = history_jobs(data, work)
    newest_block = max(calendar_blocks(dates, parse_periods(periods_from_data(CONFIG["periods"], dates))))
    jobs[f"block_sums {newest_block}"] = history[f"block_sums {newest_block}"]
    for window in periods_from_data(CONFIG["periods"], dates):
        if str(window["start"]) <= dates[-1] <= str(window["end"]):
            name = f"period_tables {window['name']}"
            jobs[name] = history[name]
    for name, job in history.items():
        if not name.startswith(("period_tables", "block_sums")):
            jobs[name] = job
    return {"snapshot": dates[-1], "job_seconds": timed(jobs)}


def duckdb_baseline(data: Path, work: Path, threads: int, memory_limit: str) -> dict:
    registry, legacy_ids = load_attribution_inputs()
    return duckdb_metrics(normalized_paths(data, work), registry, legacy_ids, work / "duckdb", threads, memory_limit)


def pandas_baseline(data: Path, work: Path) -> dict:
    registry, legacy_ids = load_attribution_inputs()
    return pandas_metrics(normalized_paths(data, work), registry, legacy_ids, work / "pandas")


def floor_aggregate(name: str, dtype: pl.DataType) -> pl.Expr:
    """A cheap aggregate that still needs every value of the column decoded."""
    column = pl.col(name)
    while isinstance(dtype, pl.Struct):
        first = dtype.fields[0]
        column, dtype = column.struct.field(first.name), first.dtype
    if isinstance(dtype, pl.List):
        return column.list.len().max().alias(name)
    if dtype == pl.String:
        return column.str.len_bytes().max().alias(name)
    return column.max().alias(name)


def scan(paths: list[Path], columns: list[str]) -> dict:
    """The floor: read and decode the projected columns of the files, nothing else."""
    frame = pl.scan_parquet(paths).select(columns)
    schema = frame.collect_schema()
    frame.select(floor_aggregate(name, schema[name]) for name in columns).collect(engine="streaming")
    return {"files": len(paths), "columns": columns}


SCANS: dict[str, Callable[[Path, Path], tuple[list[Path], list[str]]]] = {
    # What each stage reads: the floor under it.
    "raw": lambda data, work: ([data / f"{d}.parquet" for d in snapshot_dates(data)], list(RAW_COLUMNS)),
    "normalized": lambda data, work: (normalized_paths(data, work), OBSERVATION_COLUMNS),
    "baseline_input": lambda data, work: (normalized_paths(data, work), INPUT_COLUMNS),
    "panel": lambda data, work: (
        panel_paths(work, snapshot_dates(data)),
        list(pl.read_parquet_schema(panel_paths(work, snapshot_dates(data))[-1])),
    ),
    "aggregates": lambda data, work: (
        aggregate_paths(work, snapshot_dates(data))["groups"],
        ["view", "week", "downloads"],
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "stage",
        choices=[
            "normalize",
            "normalize_newest",
            "panel",
            "attribution",
            "shares",
            "concentration",
            "model_changes",
            "history",
            "new_week",
            "duckdb",
            "pandas",
            *[f"scan_{name}" for name in SCANS],
        ],
    )
    parser.add_argument("--data", type=Path, required=True, help="folder of raw snapshots with manifest.json")
    parser.add_argument("--work", type=Path, required=True, help="folder for the stages' outputs")
    parser.add_argument("--result", type=Path, required=True, help="JSON file to write the measurements to")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duckdb-memory", default="12GB")
    args = parser.parse_args()
    stages: dict[str, Callable[[], dict]] = {
        "normalize": lambda: normalize(args.data, args.work, args.workers),
        "normalize_newest": lambda: normalize_newest(args.data, args.work),
        "panel": lambda: panel(args.data, args.work),
        "attribution": lambda: attribution(args.data, args.work, args.workers),
        "model_changes": lambda: model_changes(args.data, args.work, args.workers),
        "history": lambda: history(args.data, args.work),
        "new_week": lambda: new_week(args.data, args.work),
        "shares": lambda: shares(args.data, args.work),
        "concentration": lambda: concentration(args.data, args.work),
        "duckdb": lambda: duckdb_baseline(args.data, args.work, args.workers, args.duckdb_memory),
        "pandas": lambda: pandas_baseline(args.data, args.work),
        **{f"scan_{name}": (lambda name=name: scan(*SCANS[name](args.data, args.work))) for name in SCANS},
    }
    started_cpu, started = cpu_seconds(), time.perf_counter()
    produced = stages[args.stage]()
    measured = {
        "stage": args.stage,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - started_cpu,
        "peak_rss_bytes": peak_rss_bytes(),
        **produced,
    }
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(measured, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
