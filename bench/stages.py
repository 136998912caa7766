"""One benchmark stage per process: `python bench/stages.py <stage> --data RAW --work WORK --result JSON`.

`run.py` starts each stage in its own process so that the peak RSS of one
stage is not the peak of an earlier one. The stage writes its wall time,
CPU time, peak RSS (`ru_maxrss` of the stage process and of the worker
processes it waited for) and what it produced to the `--result` file.

The chain stages do what the workflow's jobs do, with the same library
functions and the same outputs: `normalize` is `normalize_snapshot_file` per
snapshot (one job per snapshot, run by a pool of `--workers` processes, as
`--cores 2` runs two jobs at a time), `panel` is `build_panel.py`,
`attribution` is `attribute_downloads.py`, `shares` is `group_shares.py` and
`concentration` is `concentration.py`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl
import yaml

from hubshare.atomic import write_csv, write_json, write_parquet
from hubshare.attribution import attribute, attribution_quality
from hubshare.concentration import concentration_by_week
from hubshare.normalize import normalize_snapshot_file
from hubshare.panel import CARRIED_COLUMNS, build_panel, check_conservation
from hubshare.periods import parse_periods
from hubshare.registry import load_iso_codes, load_legacy_ids, load_registry, load_vocabularies
from hubshare.schemas import RAW_COLUMNS
from hubshare.shares import period_shares, trailing_shares, weekly_shares

from baselines import INPUT_COLUMNS, duckdb_metrics, pandas_metrics

REPO = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
PANEL_COLUMNS = ["snapshot_date", "model_key", "model_id", "namespace", "created_at", "downloads_all_time", *CARRIED_COLUMNS]


def snapshot_dates(data: Path) -> list[str]:
    return [entry["date"] for entry in json.loads((data / "manifest.json").read_text())["snapshots"]]


def normalized_paths(data: Path, work: Path) -> list[Path]:
    return [work / "normalized" / f"{date}.parquet" for date in snapshot_dates(data)]


def peak_rss_bytes() -> int:
    """Largest resident set of this process or of any child it has waited for (Linux reports KiB)."""
    return 1024 * max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def cpu_seconds() -> float:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def load_attribution_inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The committed registry and legacy-id table, through the loaders the workflow uses."""
    files = {key: REPO / path for key, path in CONFIG["attribution"].items()}
    vocabularies = load_vocabularies(files["vocabularies"])
    registry = load_registry(files["registry"], vocabularies, load_iso_codes(files["iso_codes"]))
    return registry, load_legacy_ids(files["legacy_ids"], registry)


def normalize_job(raw: Path, work: Path, date: str) -> dict:
    started = time.perf_counter()
    normalize_snapshot_file(
        raw, work / "normalized" / f"{date}.parquet", work / "quality" / f"{date}.json", date, work / "logs" / "normalize" / f"{date}.log"
    )
    return {"seconds": time.perf_counter() - started, "worker_peak_rss_bytes": peak_rss_bytes()}


def normalize(data: Path, work: Path, workers: int) -> dict:
    dates = snapshot_dates(data)
    # Spawned workers: forking a process that has started polars' thread pool can deadlock.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = [pool.submit(normalize_job, data / f"{date}.parquet", work, date) for date in dates]
        done = [job.result() for job in jobs]
    seconds = [job["seconds"] for job in done]
    return {
        "workers": workers,
        "jobs": len(done),
        "job_seconds": {"min": min(seconds), "median": statistics.median(seconds), "max": max(seconds)},
    }


def normalize_newest(data: Path, work: Path) -> dict:
    """The one job a new weekly snapshot adds, run alone: the newest snapshot into a scratch folder."""
    date = snapshot_dates(data)[-1]
    normalize_snapshot_file(
        data / f"{date}.parquet", work / "incremental" / f"{date}.parquet", work / "incremental" / f"{date}.json", date,
        work / "incremental" / f"{date}.log",
    )
    return {"snapshot": date}


def panel(data: Path, work: Path) -> dict:
    table, ledger = build_panel(normalized_paths(data, work))
    check_conservation(ledger, int(table.get_column("downloads").sum()))
    write_parquet(table, work / "panel.parquet")
    write_csv(ledger, work / "conservation_ledger.csv")
    return {"panel_rows": table.height}


def attribution(data: Path, work: Path) -> dict:
    registry, legacy_ids = load_attribution_inputs()
    table = pl.read_parquet(work / "panel.parquet")
    attributed = attribute(table, registry, legacy_ids)
    coverage = period_shares(attributed, parse_periods(CONFIG["periods"]), dimensions=["attribution_source"])
    write_parquet(attributed, work / "attributed.parquet")
    write_csv(coverage, work / "tables" / "coverage_by_period.csv")
    write_json(attribution_quality(table, attributed), work / "tables" / "attribution_quality.json")
    return {"attributed_rows": attributed.height}


def shares(data: Path, work: Path) -> dict:
    attributed = pl.read_parquet(work / "attributed.parquet")
    write_parquet(weekly_shares(attributed), work / "tables" / "shares_weekly.parquet")
    write_parquet(trailing_shares(attributed), work / "tables" / "shares_trailing52.parquet")
    write_csv(period_shares(attributed, parse_periods(CONFIG["periods"])), work / "tables" / "shares_by_period.csv")
    return {}


def concentration(data: Path, work: Path) -> dict:
    table = concentration_by_week(pl.read_parquet(work / "attributed.parquet"))
    write_parquet(table, work / "tables" / "concentration_weekly.parquet")
    return {"view_weeks": table.height}


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
    "normalized": lambda data, work: (normalized_paths(data, work), PANEL_COLUMNS),
    "baseline_input": lambda data, work: (normalized_paths(data, work), INPUT_COLUMNS),
    "panel": lambda data, work: ([work / "panel.parquet"], list(pl.read_parquet_schema(work / "panel.parquet"))),
    "attributed": lambda data, work: ([work / "attributed.parquet"], list(pl.read_parquet_schema(work / "attributed.parquet"))),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stage", choices=["normalize", "normalize_newest", "panel", "attribution", "shares", "concentration",
                                          "duckdb", "pandas", *[f"scan_{name}" for name in SCANS]])
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
        "attribution": lambda: attribution(args.data, args.work),
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
