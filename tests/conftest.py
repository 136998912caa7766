"""Shared test helpers: build raw snapshots in the raw contract from a few fields."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

from hubshare.contracts.raw_tables import RAW_COLUMNS

REPO = Path(__file__).resolve().parents[1]
REAL_SAMPLES = REPO.parent / "shared" / "real-samples"


def raw_frame(rows: list[dict]) -> pl.DataFrame:
    """A raw snapshot with every contract column; unspecified fields are null (tags empty)."""
    filled = []
    for row in rows:
        full = {name: None for name in RAW_COLUMNS}
        full["tags"] = []
        full.update(row)
        if isinstance(full["createdAt"], dt.date) and not isinstance(full["createdAt"], dt.datetime):
            full["createdAt"] = dt.datetime.combine(full["createdAt"], dt.time(), tzinfo=dt.UTC)
        filled.append(full)
    return pl.DataFrame(filled, schema={name: dtype for name, (dtype, _) in RAW_COLUMNS.items()})


def snakemake_run(root: Path, config: dict, *arguments: str) -> tuple[int, str]:
    """`snakemake <arguments>` on one core in the scratch repository `root` with `config`: exit code and output."""
    (root / "run.yaml").write_text(yaml.safe_dump(config))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", *arguments, "--cores", "1", "--configfile", "run.yaml"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    return run.returncode, run.stdout


def write_raw(folder: Path, date: str, rows: list[dict]) -> Path:
    path = folder / f"{date}.parquet"
    raw_frame(rows).write_parquet(path)
    return path


def parents(*ids: str, relation: str = "finetune") -> dict:
    return {"models": [{"_id": f"x{i}", "id": model_id} for i, model_id in enumerate(ids)], "relation": relation}


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


def run_weeks(
    raw_dir: Path,
    tmp_path: Path,
    snapshots: dict[str, list[dict]],
    plausibility: dict | None = None,
    measure: str = "alltime_diff",
):
    """The workflow's week-by-week jobs over raw snapshots: (panel, ledger by category, week measures)."""
    from hubshare.attribution.weekly import panel_week_file
    from hubshare.normalize.snapshot import normalize_snapshot_file
    from hubshare.panel.ledger import LEDGER_SCHEMA, check_conservation, combine_ledgers, panel_totals, week_measures

    out, previous, ledgers = tmp_path / "weeks", None, []
    for date, rows in snapshots.items():
        raw = write_raw(raw_dir, date, rows)
        quality = tmp_path / "q" / f"{date}.json"
        normalize_snapshot_file(
            raw, tmp_path / "norm" / f"{date}.parquet", quality, date, tmp_path / "log" / f"{date}.log"
        )
        before = (
            {}
            if previous is None
            else {
                "state": out / "state" / f"{previous}.parquet",
                "previous_quality": tmp_path / "q" / f"{previous}.json",
                "history": out / "state" / f"{previous}.history.json",
            }
        )
        inputs = {"snapshot": tmp_path / "norm" / f"{date}.parquet", "quality": quality, **before}
        outputs = {
            "panel": out / "panel" / f"{date}.parquet",
            "state": out / "state" / f"{date}.parquet",
            "ledger": out / "ledger" / f"{date}.csv",
            "history": out / "state" / f"{date}.history.json",
        }
        panel_week_file(inputs, outputs, previous, out / "log" / f"{date}.log", plausibility, measure)
        ledgers.append(pl.read_csv(out / "ledger" / f"{date}.csv", schema=LEDGER_SCHEMA))
        previous = date
    panel = pl.read_parquet(sorted((out / "panel").glob("*.parquet"))).sort("week", "model_key")
    ledger = combine_ledgers(ledgers, pl.read_parquet(out / "state" / f"{previous}.parquet"))
    check_conservation(ledger, panel_totals(panel))
    return (
        panel,
        dict(zip(ledger["category"], ledger["downloads"], strict=True)),
        week_measures(list(snapshots), ledgers),
    )


# The workflow builds several test files read: session fixtures here, so that each is built once per run.
@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The tiny demo configuration, built."""
    from workflow_runs import TINY, copy_repository, run_workflow

    root = tmp_path_factory.mktemp("workflow")
    copy_repository(root)
    run_workflow(root, TINY)
    return root


@pytest.fixture(scope="session")
def built_real(tmp_path_factory) -> Path:
    """The real API dumps of ../shared/real-samples, built with config/api-json.yaml."""
    from workflow_runs import copy_repository, run_workflow

    samples = REAL_SAMPLES / "hub-api-json"
    if not samples.is_dir():
        pytest.skip("real samples absent")
    root = tmp_path_factory.mktemp("workflow_real")
    copy_repository(root)
    config = yaml.safe_load((REPO / "config" / "api-json.yaml").read_text())
    config["api_json"]["path"] = str(samples)
    config["paper"] = {"renderer": "fallback"}
    run_workflow(root, config)
    return root
