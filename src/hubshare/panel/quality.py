"""The data-quality report: per-snapshot repairs, the ledger and attribution outcomes in one place."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path

import polars as pl

from hubshare.jobs.atomic import read_json, write_json, write_text

log = logging.getLogger(__name__)


def _summed(records: list[dict], key: str) -> dict[str, int]:
    total: dict[str, int] = {}
    for record in records:
        for name, count in record.get(key, {}).items():
            total[name] = total.get(name, 0) + count
    return dict(sorted(total.items()))


def columns_lost(records: list[dict]) -> dict[str, list[str]]:
    """Per snapshot, the contract columns the snapshot before carried and it lacks (date order)."""
    lost = {}
    for before, record in pairwise(records):
        gone = sorted(set(record["absent_optional_columns"]) - set(before["absent_optional_columns"]))
        if gone:
            lost[record["snapshot_date"]] = gone
    return lost


def quality_report(snapshot_records: list[dict], ledger: pl.DataFrame, attribution: dict, weeks: pl.DataFrame) -> dict:
    """Everything the pipeline repaired, counted or set aside; `weeks` is each snapshot's measure (panel)."""
    records = sorted(snapshot_records, key=lambda r: r["snapshot_date"])
    repairs = _summed(records, "repairs")
    lineage = _summed(records, "lineage")
    extra_columns: set[str] = set()
    for record in records:
        extra_columns.update(record["extra_columns"])
    return {
        "snapshots": {
            "count": len(records),
            "first": records[0]["snapshot_date"],
            "last": records[-1]["snapshot_date"],
            "rows_in": sum(r["rows_in"] for r in records),
            "rows_out": sum(r["rows_out"] for r in records),
            "rows_out_last": records[-1]["rows_out"],
        },
        "repairs": dict(sorted(repairs.items())),
        "repairs_total": sum(repairs.values()),
        "extra_columns": sorted(extra_columns),
        "lineage_model_rows": lineage,
        "lineage_declared_by": _summed(records, "lineage_sources"),
        "created_at_hub_floor_rows": sum(r.get("created_at_hub_floor", 0) for r in records),
        "columns_lost": columns_lost(records),
        "implausible_weeks": [str(d) for d in weeks.filter(pl.col("measure") == "implausible").get_column("week")],
        "repeated_snapshots": [str(d) for d in weeks.filter(pl.col("measure") == "repeat").get_column("week")],
        "week_measures": dict(sorted(Counter(weeks.get_column("measure").to_list()).items())),
        "ledger": ledger.to_dicts(),
        "attribution": attribution,
        "per_snapshot": records,
    }


def quality_markdown(report: dict) -> str:
    lines = [
        "# Data-quality report",
        "",
        f"Snapshots: {report['snapshots']['count']} ({report['snapshots']['first']} to {report['snapshots']['last']}); "
        f"rows read {report['snapshots']['rows_in']:,}, kept {report['snapshots']['rows_out']:,}.",
        "",
        "## Repairs (counted, never silent)",
        "",
        "| repair | rows |",
        "|---|---:|",
        *[f"| {name} | {count:,} |" for name, count in report["repairs"].items()],
        "",
        "## Base-model lineage outcomes (model rows over all snapshots)",
        "",
        "| outcome | rows |",
        "|---|---:|",
        *[f"| {name} | {count:,} |" for name, count in report["lineage_model_rows"].items()],
        "",
        "## Where lineage came from (model rows over all snapshots)",
        "",
        "| declared by | rows |",
        "|---|---:|",
        *[f"| {name} | {count:,} |" for name, count in report["lineage_declared_by"].items()],
        "",
        "## Snapshots and measures",
        "",
        f"Weeks by download measure: {', '.join(f'{k} {v}' for k, v in report['week_measures'].items())}. "
        f"Snapshots repeating the one before (nothing booked): {', '.join(report['repeated_snapshots']) or 'none'}. "
        f"Weeks left out as implausible (plausibility guards): {', '.join(report['implausible_weeks']) or 'none'}. "
        "Columns the snapshot before had and a snapshot lacks: "
        f"{'; '.join(f'{d}: {chr(44).join(c)}' for d, c in report['columns_lost'].items()) or 'none'}. "
        f"Model rows carrying the Hub's earliest creation time (2022-03-02T23:29:04Z, which stands for "
        f"'created on or before'): {report['created_at_hub_floor_rows']:,}.",
        "",
        "## Conservation ledger",
        "",
        "| line | role | downloads | model-weeks |",
        "|---|---|---:|---:|",
        *[f"| {r['category']} | {r['role']} | {r['downloads']:,} | {r['model_weeks']:,} |" for r in report["ledger"]],
        "",
        "## Extra columns seen (ignored)",
        "",
        ", ".join(report["extra_columns"]) or "none",
        "",
    ]
    return "\n".join(lines)


def quality_report_file(
    snapshot_records: Sequence[str | Path],
    ledger: str | Path,
    attribution: str | Path,
    weeks: str | Path,
    outputs: Mapping[str, str | Path],
) -> dict:
    """File-to-file form: the snapshots' quality records, the conservation ledger, the attribution quality and
    the panel's weeks -> the data-quality report (`outputs`: `json`, `markdown`)."""
    report = quality_report(
        [read_json(path) for path in snapshot_records],
        pl.read_csv(ledger),
        read_json(attribution),
        pl.read_csv(weeks, try_parse_dates=True),
    )
    write_json(report, outputs["json"])
    write_text(quality_markdown(report), outputs["markdown"])
    log.info("%d repairs over %d snapshots", report["repairs_total"], report["snapshots"]["count"])
    return report
