"""Adapter: truth.json's expected weekly series -> calibration table (size under every noise kind, power, coverage)."""

import json

from hubshare.inference.calibration import calibration_table
from hubshare.inference.stats_report import contrast_pairs
from hubshare.jobs.atomic import write_csv
from hubshare.jobs.joblog import log_to
from hubshare.periods import parse_periods

with log_to(snakemake.log[0]) as log:
    with open(snakemake.input.truth, encoding="utf-8") as handle:
        truth = json.load(handle)
    settings = snakemake.params.settings
    periods = parse_periods(snakemake.params.periods)
    table = calibration_table(
        truth["expected"]["weekly"],
        replicates=settings["replicates"],
        alpha=snakemake.params.alpha,
        confidence=snakemake.params.confidence,
        sigma=settings["noise_sigma"],
        seed=settings["seed"],
        periods=periods,
        pairs=contrast_pairs(periods),
        eras=snakemake.params.eras,
        eras_replicates=settings["eras_replicates"],
    )
    write_csv(table, snakemake.output.table)
    log.info("%d calibration rows, %d replicates each", table.height, settings["replicates"])
