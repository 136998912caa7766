"""Running the workflow in a scratch copy of the repository: what the end-to-end tests copy and the tiny config."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO

COPIED = [
    "Snakefile",
    "workflow",
    "config",
    "profiles",
    "paper/index.qmd",
    "paper/_quarto.yml",
    "paper/references.bib",
    "data/raw/attribution",
    "data/raw/claims",
]
TINY = {
    "demo": {
        "models_total": 1500,
        "pre_window_models": 60,
        "cadence_days": 14,
        "weekly_downloads_start": 200000,
        "weekly_downloads_end": 4000000,
    },
    "paper": {"renderer": "fallback"},
    # The calibration's smallest replicate counts: the end-to-end test checks that it runs and what it says,
    # not its Monte Carlo precision.
    "stats": {"calibration": {"replicates": 200, "eras_replicates": 20, "bootstrap_replicates": 20}},
}


def run_workflow(root: Path, config: dict) -> None:
    (root / "run.yaml").write_text(yaml.safe_dump(config))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "run.yaml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-4000:]


def copy_repository(root: Path) -> None:
    for item in COPIED:
        source, target = REPO / item, root / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
