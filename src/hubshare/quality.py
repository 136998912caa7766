"""The data-quality report: per-snapshot repairs, the ledger and attribution outcomes in one place."""

from __future__ import annotations

import polars as pl


def quality_report(snapshot_records: list[dict], ledger: pl.DataFrame, attribution: dict) -> dict:
    records = sorted(snapshot_records, key=lambda r: r["snapshot_date"])
    repairs: dict[str, int] = {}
    lineage: dict[str, int] = {}
    extra_columns: set[str] = set()
    for record in records:
        for name, count in record["repairs"].items():
            repairs[name] = repairs.get(name, 0) + count
        for status, count in record["lineage"].items():
            lineage[status] = lineage.get(status, 0) + count
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
        "lineage_model_rows": dict(sorted(lineage.items())),
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
