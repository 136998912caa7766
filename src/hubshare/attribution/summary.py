"""The weeks' sums summarised: coverage per period and the attribution-quality report (the workflow's
`attribution_summary` job)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.shares import period_shares
from hubshare.attribution.credit import attribution_quality, with_coverage_route
from hubshare.jobs.atomic import write_csv, write_json

log = logging.getLogger(__name__)


def attribution_summary_file(
    weeks: Mapping[str, Sequence[str | Path]], periods: dict, outputs: Mapping[str, str | Path]
) -> int:
    """File-to-file form: the weeks' `groups`, `lineage` and `namespaces` sums -> `outputs`' `coverage` per
    period (by coverage route) and attribution `quality`; returns the number of weeks."""
    groups = pl.read_parquet([str(path) for path in weeks["groups"]])
    coverage = period_shares(with_coverage_route(groups), periods, dimensions=["coverage_route"])
    write_csv(coverage, outputs["coverage"])
    quality = attribution_quality(
        groups,
        pl.read_parquet([str(path) for path in weeks["lineage"]]),
        pl.scan_parquet([str(path) for path in weeks["namespaces"]]),
    )
    write_json(quality, outputs["quality"])
    weeks_summed = groups.get_column("week").n_unique()
    log.info("coverage and attribution quality over %d weeks", weeks_summed)
    return weeks_summed
