"""Run the benchmark on snapshots written by `generate.py` and write the results.

    python bench/run.py --data bench/data/raw/2000000x60

Every stage runs in its own process (see `stages.py`), watched from here:
the process tree's resident memory is sampled every quarter second and the
tree is killed if it passes `--memory-guard-gib` or runs longer than
`--timeout-minutes`, so a stage that cannot fit is reported as such instead
of taking the machine down. Writes `bench/results/benchmark-<models>x<weeks>.json`
and a markdown summary beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import polars as pl
import psutil
from baselines import compare_tables

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
GIB = 2**30

CHAIN = ["normalize", "panel", "attribution", "shares", "concentration"]
# Everything a default build runs on the weekly data: the chain, the model changes and the whole-history jobs.
BUILD = [*CHAIN, "model_changes", "history"]
# The part of the chain the baselines reproduce: everything after normalize.
AGGREGATION = ["panel", "attribution", "shares", "concentration"]
# Each stage and the scan of exactly what it reads: the floor under it.
FLOORS = {
    "normalize": "scan_raw",
    "panel": "scan_normalized",
    "attribution": "scan_panel",
    "shares": "scan_aggregates",
    "concentration": "scan_aggregates",
    "duckdb": "scan_baseline_input",
    "pandas": "scan_baseline_input",
}
NEEDS = {
    "normalize": [],
    "scan_raw": [],
    "normalize_newest": [],
    "scan_normalized": ["normalize"],
    "scan_baseline_input": ["normalize"],
    "panel": ["normalize"],
    "scan_panel": ["panel"],
    "attribution": ["panel"],
    "scan_aggregates": ["attribution"],
    "shares": ["attribution"],
    "concentration": ["attribution"],
    "model_changes": ["normalize"],
    "history": ["model_changes", "attribution"],
    "new_week": ["attribution", "model_changes", "history"],
    "duckdb": ["normalize"],
    "pandas": ["normalize"],
}
ORDER = [
    "scan_raw",
    "normalize",
    "scan_normalized",
    "panel",
    "scan_panel",
    "attribution",
    "scan_aggregates",
    "shares",
    "concentration",
    "model_changes",
    "history",
    "normalize_newest",
    "new_week",
    "scan_baseline_input",
    "duckdb",
    "pandas",
]
TARGETS = {
    "chain_seconds": 60.0,
    "chain_peak_rss_gib": 4.0,
    "incremental_seconds": 10.0,
    "duckdb_ratio": 2.0,
    "pandas_ratio": 10.0,
}


def run_stage(stage: str, args: argparse.Namespace, work: Path) -> dict:
    """Run one stage in a new process group, sampling its memory; kill it past the guard or the timeout."""
    result_file = work / "measurements" / f"{stage}.json"
    result_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(BENCH / "stages.py"),
        stage,
        "--data",
        str(args.data),
        "--work",
        str(work),
        "--result",
        str(result_file),
        "--workers",
        str(args.workers),
        "--duckdb-memory",
        args.duckdb_memory,
    ]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with open(work / "measurements" / f"{stage}.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    watched = psutil.Process(process.pid)
    peak, stopped = 0, None
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        if peak > args.memory_guard_gib * GIB:
            stopped = f"killed by the memory guard at {args.memory_guard_gib} GiB"
        elif time.perf_counter() - started > args.timeout_minutes * 60:
            stopped = f"killed after the {args.timeout_minutes}-minute timeout"
        if stopped:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            break
        time.sleep(0.25)
    elapsed = time.perf_counter() - started
    measured = {
        "stage": stage,
        "status": "ok",
        "process_seconds": elapsed,
        "tree_peak_rss_bytes": peak,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
    if stopped or process.returncode != 0:
        measured["status"] = (
            stopped or f"failed with exit code {process.returncode} (see {result_file.with_suffix('.log')})"
        )
        return measured
    measured.update(json.loads(result_file.read_text()))
    measured["peak_rss_bytes"] = max(measured["peak_rss_bytes"], peak)
    return measured


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {
            name: package_version(name) for name in ("polars", "pandera", "duckdb", "pandas", "pyarrow", "numpy")
        },
        "commit": commit,
        "library_edited_since_commit": bool(dirty),
    }


def summarise(stages: dict[str, dict], manifest: dict) -> dict:
    model_weeks = manifest["model_weeks"]
    ok = {name: s for name, s in stages.items() if s["status"] == "ok"}
    for s in ok.values():
        s["model_weeks_per_second"] = model_weeks / s["wall_seconds"]

    def total(names: list[str]) -> float | None:
        return sum(ok[n]["wall_seconds"] for n in names) if all(n in ok for n in names) else None

    def peak(names: list[str]) -> int | None:
        return max(ok[n]["peak_rss_bytes"] for n in names) if all(n in ok for n in names) else None

    chain_seconds = total(CHAIN)
    aggregation_seconds = total(AGGREGATION)
    build_seconds = total(BUILD)
    incremental_stages = ["normalize_newest", "new_week"]
    floors = {
        stage: {
            "floor": floor,
            "floor_seconds": ok[floor]["wall_seconds"],
            "stage_seconds": ok[stage]["wall_seconds"],
            "times_floor": ok[stage]["wall_seconds"] / ok[floor]["wall_seconds"],
        }
        for stage, floor in FLOORS.items()
        if stage in ok and floor in ok
    }
    baselines = {}
    for name in ("duckdb", "pandas"):
        s = stages.get(name)
        if s is None:
            continue
        if s["status"] == "ok":
            entry = {"seconds": s["wall_seconds"]}
            if aggregation_seconds:
                entry["ratio"] = s["wall_seconds"] / aggregation_seconds
        elif s["status"].startswith("killed"):
            entry = {"status": s["status"], "seconds_before_stopped": s["process_seconds"]}
            if aggregation_seconds:
                # Stopped before finishing: its time so far bounds the ratio from below.
                entry["ratio_at_least"] = s["process_seconds"] / aggregation_seconds
        else:
            entry = {"status": s["status"]}
        baselines[name] = entry
    return {
        "chain": {
            "stages": CHAIN,
            "seconds": chain_seconds,
            "peak_rss_bytes": peak(CHAIN),
            "model_weeks_per_second": model_weeks / chain_seconds if chain_seconds else None,
        },
        "incremental": {
            "stages": incremental_stages,
            "note": "the new snapshot's normalize, panel_week, attribute_week and model_changes jobs, every job that "
            "combines the weeks' sums, the tables of the periods that hold it, and the jobs over the whole history "
            "of weekly sums",
            "jobs": ok.get("new_week", {}).get("job_seconds", {}),
            "seconds": total(incremental_stages),
            "by_stage": {n: ok[n]["wall_seconds"] for n in incremental_stages if n in ok},
        },
        "build": {"stages": BUILD, "seconds": build_seconds, "peak_rss_bytes": peak(BUILD)},
        "floors": floors,
        "baselines": {"project_seconds": aggregation_seconds, "project_stages": AGGREGATION, **baselines},
    }


def targets(summary: dict) -> list[dict]:
    chain, baselines = summary["chain"], summary["baselines"]
    rows = [
        (
            "chain (normalize -> panel -> attribution -> metrics) seconds",
            "<=",
            TARGETS["chain_seconds"],
            chain["seconds"],
        ),
        (
            "chain peak RSS, GiB",
            "<=",
            TARGETS["chain_peak_rss_gib"],
            chain["peak_rss_bytes"] and chain["peak_rss_bytes"] / GIB,
        ),
        ("one new week, seconds of work", "<=", TARGETS["incremental_seconds"], summary["incremental"]["seconds"]),
        ("whole build (chain, model changes, whole-history jobs) seconds", "report", None, summary["build"]["seconds"]),
        (
            "whole build peak RSS, GiB",
            "report",
            None,
            summary["build"]["peak_rss_bytes"] and summary["build"]["peak_rss_bytes"] / GIB,
        ),
        ("DuckDB time / project time", ">=", TARGETS["duckdb_ratio"], baselines.get("duckdb", {}).get("ratio")),
        ("pandas time / project time", ">=", TARGETS["pandas_ratio"], baselines.get("pandas", {}).get("ratio")),
    ]
    return [
        {
            "target": name,
            "limit": "(reported)" if limit is None else f"{op} {limit:g}",
            "measured": measured,
            "met": None
            if measured is None or limit is None
            else (measured <= limit if op == "<=" else measured >= limit),
        }
        for name, op, limit, measured in rows
    ]


def agreement(work: Path) -> dict:
    """How far the baselines' tables are from the project's (they should agree to rounding)."""
    tables = {
        "shares_weekly": ["view", "dimension", "group", "week"],
        "shares_trailing52": ["view", "dimension", "group", "week"],
        "concentration_weekly": ["view", "week"],
    }
    found = {}
    for baseline in ("duckdb", "pandas"):
        for table, keys in tables.items():
            project, other = work / "tables" / f"{table}.parquet", work / baseline / f"{table}.parquet"
            if project.exists() and other.exists():
                found.setdefault(baseline, {})[table] = compare_tables(
                    pl.read_parquet(project), pl.read_parquet(other), keys
                )
    return found


def markdown(results: dict) -> str:
    scale, summary = results["scale"], results["summary"]

    def number(value, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    lines = [
        f"# Benchmark {scale['models']:,} models x {scale['weeks']} weeks",
        "",
        f"{scale['model_weeks']:,} model-weeks, {scale['raw_bytes'] / GIB:.2f} GiB of raw snapshots "
        f"(generated in {scale['generation_seconds']:.0f} s); run {results['finished']} on {results['machine']['cpus']} CPUs, "
        f"{results['machine']['memory_gib']} GiB; polars {results['machine']['packages']['polars']}; commit "
        f"{results['machine']['commit'][:10]}{' with library edits' if results['machine']['library_edited_since_commit'] else ''}; "
        f"weekly jobs {results['settings']['workers']} at a time, as threads of the stage process.",
        "",
        *([f"Note: {results['note']}", ""] if results.get("note") else []),
        "| stage | status | wall s | CPU s | peak RSS GiB (process / tree) | model-weeks/s | load before -> after |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, s in results["stages"].items():
        if s["status"] == "ok":
            lines.append(
                f"| {name} | ok | {number(s['wall_seconds'])} | {number(s['cpu_seconds'])} | "
                f"{number(s['peak_rss_bytes'] / GIB, 2)} / {number(s['tree_peak_rss_bytes'] / GIB, 2)} | "
                f"{number(s['model_weeks_per_second'], 0)} | {s['load_average_before']:.1f} -> {s['load_average_after']:.1f} |"
            )
        else:
            lines.append(
                f"| {name} | {s['status']} after {number(s['process_seconds'])} s | - | - | - / "
                f"{number(s['tree_peak_rss_bytes'] / GIB, 2)} | - | {s['load_average_before']:.1f} -> {s['load_average_after']:.1f} |"
            )
    lines += ["", "## Targets", "", "| target | limit | measured | met |", "|---|---|---:|---|"]
    for t in results["targets"]:
        met = "not measured" if t["measured"] is None else "-" if t["met"] is None else "yes" if t["met"] else "no"
        lines.append(f"| {t['target']} | {t['limit']} | {number(t['measured'], 2)} | {met} |")
    lines += [
        "",
        "## Distance from the scan floor",
        "",
        "| stage | floor | floor s | stage s | x floor |",
        "|---|---|---:|---:|---:|",
    ]
    for stage, f in summary["floors"].items():
        lines.append(
            f"| {stage} | {f['floor']} | {number(f['floor_seconds'], 2)} | {number(f['stage_seconds'])} | {number(f['times_floor'])} |"
        )
    b = summary["baselines"]
    project = (
        f"{number(b['project_seconds'])} s"
        if b["project_seconds"] is not None
        else "not measured (one of its stages did not finish or was not run)"
    )
    lines += [
        "",
        "## Baselines (panel -> attribution -> metrics from the normalized snapshots)",
        "",
        f"Project ({' + '.join(b['project_stages'])}): {project}.",
        "",
    ]
    for name in ("duckdb", "pandas"):
        entry = b.get(name)
        if entry is None:
            continue
        if "seconds" in entry:
            ratio = f", {number(entry['ratio'], 2)}x the project's time" if "ratio" in entry else ""
            lines.append(f"- {name}: {number(entry['seconds'])} s{ratio}")
        elif "seconds_before_stopped" in entry:
            bound = (
                f", so at least {number(entry['ratio_at_least'], 2)}x the project's time"
                if "ratio_at_least" in entry
                else ""
            )
            lines.append(f"- {name}: {entry['status']} after {number(entry['seconds_before_stopped'])} s{bound}")
        else:
            lines.append(f"- {name}: {entry['status']}")
    for name, tables in results["agreement"].items():
        for table, c in tables.items():
            differences = ", ".join(f"{column} {value:.2g}" for column, value in c["max_abs_difference"].items())
            lines.append(
                f"- {name} {table}: {c['rows_other']:,} rows vs the project's {c['rows']:,}; rows in one only: "
                f"{c['only_in_one']}; largest absolute differences: {differences}"
            )
    inc = summary["incremental"]
    total = f"{number(inc['seconds'])} s" if inc["seconds"] is not None else "Not measured (not every stage finished)"
    lines += [
        "",
        "## One new week",
        "",
        f"{total}: " + ", ".join(f"{n} {number(s)} s" for n, s in inc["by_stage"].items()) + f" ({inc['note']}).",
        "",
    ]
    if inc["jobs"]:
        lines += ["Jobs after normalize: " + ", ".join(f"{n} {number(s)} s" for n, s in inc["jobs"].items()) + ".", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder written by generate.py")
    parser.add_argument(
        "--work", type=Path, help="folder for the stages' outputs (default bench/data/work/<name of --data>)"
    )
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--workers", type=int, default=2, help="normalize jobs at a time, as snakemake --cores")
    parser.add_argument("--memory-guard-gib", type=float, default=16.0)
    parser.add_argument("--timeout-minutes", type=float, default=120.0)
    parser.add_argument("--duckdb-memory", default="12GB", help="DuckDB memory_limit (it spills to disk beyond it)")
    parser.add_argument("--stages", nargs="+", choices=ORDER, default=ORDER, help="run only these stages")
    parser.add_argument("--note", help="what the reader of the results must know about this run (kept in the results)")
    parser.add_argument(
        "--keep-other-stages",
        action="store_true",
        help="with --stages: keep the earlier results' measurements of the stages not rerun",
    )
    args = parser.parse_args()
    args.data = args.data.resolve()
    manifest = json.loads((args.data / "manifest.json").read_text())
    work = (args.work or BENCH / "data" / "work" / args.data.name).resolve()
    (work / "measurements").mkdir(parents=True, exist_ok=True)

    stem = args.results / f"benchmark-{manifest['models']}x{manifest['weeks']}"
    stages: dict[str, dict] = {}
    if args.keep_other_stages and stem.with_suffix(".json").exists():
        # Measurements of the stages not rerun stay as they were (the machine section says when).
        kept = json.loads(stem.with_suffix(".json").read_text())["stages"]
        stages = {name: kept[name] for name in ORDER if name in kept and name not in args.stages}
    for stage in [s for s in ORDER if s in args.stages]:
        missing = [n for n in NEEDS[stage] if n in stages and stages[n]["status"] != "ok"]
        if missing:
            stages[stage] = {
                "stage": stage,
                "status": f"not run: {', '.join(missing)} did not finish",
                "process_seconds": None,
                "tree_peak_rss_bytes": 0,
                "load_average_before": os.getloadavg()[0],
                "load_average_after": os.getloadavg()[0],
            }
            continue
        print(f"{dt.datetime.now():%H:%M:%S} {stage} ...", flush=True)
        stages[stage] = run_stage(stage, args, work)
        s = stages[stage]
        print(
            f"{dt.datetime.now():%H:%M:%S} {stage}: {s['status']}, {s.get('wall_seconds', s['process_seconds']):.1f} s, "
            f"peak {s['tree_peak_rss_bytes'] / GIB:.2f} GiB",
            flush=True,
        )

    summary = summarise({name: stages[name] for name in ORDER if name in stages}, manifest)
    results = {
        "scale": {
            "models": manifest["models"],
            "weeks": manifest["weeks"],
            "seed": manifest["seed"],
            "population": manifest["population"],
            "model_weeks": manifest["model_weeks"],
            "raw_bytes": manifest["bytes"],
            "generation_seconds": manifest["seconds"],
        },
        "machine": machine(),
        "settings": {
            "workers": args.workers,
            "memory_guard_gib": args.memory_guard_gib,
            "timeout_minutes": args.timeout_minutes,
            "duckdb_memory_limit": args.duckdb_memory,
            "polars_max_threads": os.environ.get("POLARS_MAX_THREADS", "default"),
        },
        "finished": f"{dt.datetime.now():%Y-%m-%d %H:%M}",
        "note": args.note,
        "stages": stages,
        "summary": summary,
        "targets": targets(summary),
        "agreement": agreement(work),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
