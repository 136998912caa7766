"""The calibration study at full size: size of every test under every noise scenario, power and coverage
against the demo's planted series, with Monte Carlo standard errors.

Not part of the workflow (the workflow's `calibration` rule runs the same study with few replicates, to
keep a build short): run it by hand after a change to a test,

    python bench/calibration_study.py --truth data/raw/snapshots/demo/truth.json --replicates 4000

It writes `bench/results/calibration-<replicates>.csv` (the `Calibration` table) and a markdown summary
beside it. The eras are left out: their null rate comes from the workflow's own study.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl
import yaml

from hubshare.inference.calibration import calibration_table
from hubshare.inference.stats_report import contrast_pairs
from hubshare.periods import parse_periods

HERE = Path(__file__).parent


def summary(table: pl.DataFrame) -> str:
    """Markdown: one size row per (scenario, test, contrast) and one power row per (series, test, contrast)."""

    def fmt(rate: float, error: float) -> str:
        return f"{100 * rate:.1f} ± {100 * error:.1f}"

    lines = [
        "| series | scenario | test | contrast | rejections % ± MC s.e. | coverage % |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.iter_rows(named=True):
        coverage = "" if row["coverage"] is None else f"{100 * row['coverage']:.1f}"
        lines.append(
            f"| {row['series']} | {row['scenario']} | {row['test']} | {row['contrast'] or ''} | "
            f"{fmt(row['rejection_rate'], row['mc_standard_error'])} | {coverage} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=HERE.parent / "config" / "config.yaml")
    parser.add_argument("--replicates", type=int, default=4000)
    args = parser.parse_args()
    config = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    settings = config["stats"]["calibration"]
    periods = parse_periods(config["periods"])
    truth = json.loads(args.truth.read_text(encoding="utf-8"))
    started = time.perf_counter()
    table = calibration_table(
        truth["expected"]["weekly"],
        replicates=args.replicates,
        alpha=config["stats"]["alpha"],
        confidence=config["stats"]["confidence"],
        sigma=settings["noise_sigma"],
        seed=settings["seed"],
        periods=periods,
        pairs=contrast_pairs(periods),
    )
    out = HERE / "results" / f"calibration-{args.replicates}"
    table.write_csv(out.with_suffix(".csv"))
    minutes = (time.perf_counter() - started) / 60
    out.with_suffix(".md").write_text(
        f"# Calibration study, {args.replicates} replicates ({minutes:.0f} min)\n\n{summary(table)}", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
