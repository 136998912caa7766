"""Time the workflow itself, as users run it, on snapshots written by `generate.py`.

    python bench/workflow_run.py --data bench/data/raw/2000000x60

`run.py` times each stage's library calls in processes of its own; this
script runs `snakemake --cores N` on the same snapshots through the `dir`
source, with the project's workflow profile, so job scheduling, the run
blocks' threads and every check the jobs make are counted. Two runs:

1. `chain` (`build` with `--targets results`): every snapshot but the newest, to the targets of the chain
   normalize -> panel -> attribution -> metrics (the conservation ledger, the
   weekly shares and the weekly concentration), from nothing;
2. `new_week`: the newest snapshot added, the same targets again (what one
   new week re-runs).

With `--targets results`, both runs go to every result instead: the whole
workflow up to the paper's inputs (`--until manuscript_inputs`: every table,
the figures and the paper's variables, not the rendering), so the second run
is every job a new week re-runs.

With `--again`, the work folder a full run left is used again, to compare
code versions on the same files: its links are pointed at `--repo` (this
checkout by default; run the script with that checkout's interpreter), a
`catch_up` run brings every result up to date with that code, and
`new_week` forces the newest snapshot's normalize job, so that it and every
job after it run again, as when that snapshot is new. A library edit
changes the code version of every job whose modules it touches, so the
catch-up may re-run every week's jobs (minutes at Hub scale) although
their outputs would not change; `--rerun-triggers mtime input` keeps them
(both runs get the option), for versions whose weekly jobs do the same.

Each run's wall time, the peak resident memory of the Snakemake process tree
(sampled every quarter second), and each rule's jobs, summed job seconds and
largest job from Snakemake's `benchmark:` files are written to
`bench/results/workflow-<models>x<weeks>[-<label>].json` and a markdown summary.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import psutil
import yaml

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
GIB = 2**30
# What the workflow reads from the repository (it runs from its root); everything else it writes is scratch.
LINKED = [
    "Snakefile",
    "workflow",
    "config",
    "profiles",
    "src",
    "pyproject.toml",
    "data/raw/attribution",
    "data/raw/claims",
    # The paper's sources, which the job graph names although `--targets results` stops before rendering.
    "paper/_quarto.yml",
    "paper/index.qmd",
    "paper/references.bib",
]
TARGETS = {
    "chain": [
        "results/conservation_ledger.csv",
        "results/tables/shares_weekly.parquet",
        "results/tables/concentration_weekly.parquet",
    ],
    "results": ["--until", "manuscript_inputs"],
}
FIRST_RUN = {"chain": "chain", "results": "build"}
RUNS = ("chain", "build", "catch_up", "new_week")


def link_repository(work: Path, repo: Path) -> None:
    """Point the work folder's links to what the workflow reads at `repo`'s files."""
    for name in LINKED:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).unlink(missing_ok=True)
        os.symlink(repo / name, work / name)


def prepare(work: Path, data: Path, dates: list[str], repo: Path) -> Path:
    """A scratch working folder seeing the repository's configuration, and a source folder of the given dates."""
    if work.exists():
        shutil.rmtree(work)
    source = work / "source"
    source.mkdir(parents=True)
    link_repository(work, repo)
    for date in dates:
        os.symlink(data / f"{date}.parquet", source / f"{date}.parquet")
    (work / "bench.yaml").write_text(yaml.safe_dump({"source": "dir", "dir_source": {"path": str(source)}}))
    return source


def snakemake(work: Path, cores: int, targets: list[str], log: Path) -> dict:
    """Run `targets` in `work`: wall time, peak RSS of the process tree, exit code."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--configfile",
        "bench.yaml",
        "--cores",
        str(cores),
        *targets,
    ]
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=work, stdout=out, stderr=subprocess.STDOUT)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        with contextlib.suppress(psutil.NoSuchProcess):
            peak = max(peak, sum(p.memory_info().rss for p in [watched, *watched.children(recursive=True)]))
        time.sleep(0.25)
    return {
        "exit_code": process.returncode,
        "wall_seconds": time.perf_counter() - started,
        "tree_peak_rss_gib": peak / GIB,
        "load_after": os.getloadavg()[0],
    }


def rule_times(work: Path, since: float) -> dict[str, dict]:
    """Per rule, from the benchmark files written after `since`: jobs, summed and largest job seconds, peak RSS."""
    rules: dict[str, dict] = defaultdict(
        lambda: {"jobs": 0, "seconds": 0.0, "largest_seconds": 0.0, "max_rss_mib": 0.0}
    )
    for path in (work / "benchmarks").rglob("*.tsv"):
        if path.stat().st_mtime < since:
            continue
        rule = path.parent.name if path.parent != work / "benchmarks" else path.stem
        with open(path, encoding="utf-8") as handle:
            row = next(csv.DictReader(handle, delimiter="\t"))
        seconds = float(row["s"])
        entry = rules[rule]
        entry["jobs"] += 1
        entry["seconds"] += seconds
        entry["largest_seconds"] = max(entry["largest_seconds"], seconds)
        rss = row.get("max_rss", "NA")
        if rss not in ("NA", "-"):
            entry["max_rss_mib"] = max(entry["max_rss_mib"], float(rss))
    return dict(sorted(rules.items(), key=lambda item: -item[1]["seconds"]))


def measured_run(name: str, work: Path, cores: int, targets: list[str]) -> dict:
    since = time.time()
    run = snakemake(work, cores, targets, work / f"{name}.log")
    if run["exit_code"] != 0:
        raise SystemExit(f"{name}: snakemake failed with exit code {run['exit_code']}, see {work / f'{name}.log'}")
    return {**run, "rules": rule_times(work, since)}


def commit(repo: Path) -> str:
    """The commit measured, `-dirty` when the workflow, the library or the profile differ from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True)
    changes = subprocess.run(
        ["git", "status", "--porcelain", "--", *LINKED], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    return head.stdout.strip() + ("-dirty" if changes else "")


def summary(result: dict) -> str:
    lines = [
        f"# The workflow at {result['models']:,} x {result['weeks']} (`bench/workflow_run.py`)",
        "",
        f"{result['started']}, commit {result['commit']}, {result['cores']} cores, load before {result['load_before']:.2f}; "
        f"targets: {' '.join(TARGETS[result['targets']])}.",
        "",
    ]
    for name in [name for name in RUNS if name in result]:
        run = result[name]
        lines += [
            f"## {name}: {run['wall_seconds']:.1f} s wall, peak RSS {run['tree_peak_rss_gib']:.2f} GiB",
            "",
            "| rule | jobs | job seconds | largest job s | max RSS MiB |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {rule} | {entry['jobs']} | {entry['seconds']:.1f} | {entry['largest_seconds']:.2f} | {entry['max_rss_mib']:.0f} |"
            for rule, entry in run["rules"].items()
        ]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a folder written by generate.py")
    parser.add_argument("--work", type=Path, help="scratch working folder (default bench/data/workflow/<data name>)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--targets", choices=sorted(TARGETS), default="chain", help="what both runs build")
    parser.add_argument("--label", help="appended to the results' file names, to keep runs of other settings apart")
    parser.add_argument("--again", action="store_true", help="reuse the work folder of a full run (see above)")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose workflow runs (default: this one)")
    parser.add_argument(
        "--rerun-triggers", nargs="+", help="passed to snakemake with --again (see above; default: snakemake's)"
    )
    args = parser.parse_args()
    repo = args.repo.resolve()
    data = args.data.resolve()
    work = (args.work or BENCH / "data" / "workflow" / data.name).resolve()
    dates = sorted(path.stem for path in data.glob("*.parquet"))
    if len(dates) < 2:
        raise SystemExit(f"{data}: needs at least two snapshots")
    result = {
        "models": json.loads((data / "manifest.json").read_text())["models"],
        "weeks": len(dates),
        "cores": args.cores,
        "targets": args.targets,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit(repo),
        "load_before": os.getloadavg()[0],
    }
    targets = TARGETS[args.targets]
    if args.again:
        if args.rerun_triggers:
            targets = [*targets, "--rerun-triggers", *args.rerun_triggers]
            result["rerun_triggers"] = args.rerun_triggers
        link_repository(work, repo)
        result["catch_up"] = measured_run("catch_up", work, args.cores, targets)
        newest = f"data/processed/snapshots/dir/{dates[-1]}.parquet"
        result["new_week"] = measured_run("new_week", work, args.cores, [*targets, "--forcerun", newest])
    else:
        source = prepare(work, data, dates[:-1], repo)
        first = FIRST_RUN[args.targets]
        result[first] = measured_run(first, work, args.cores, targets)
        os.symlink(data / f"{dates[-1]}.parquet", source / f"{dates[-1]}.parquet")
        result["new_week"] = measured_run("new_week", work, args.cores, targets)
    out = BENCH / "results" / f"workflow-{result['models']}x{result['weeks']}{'-' + args.label if args.label else ''}"
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(summary(result) + "\n")
    print(summary(result))


if __name__ == "__main__":
    main()
