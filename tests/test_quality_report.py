"""The data-quality report: every repair, lineage outcome and set-aside week of the build, summed by hand."""

from __future__ import annotations

import json

import polars as pl

from hubshare.jobs.atomic import write_json
from hubshare.panel.quality import quality_report_file


def record(date, rows_in, rows_out, repairs, absent, extra=(), lineage=None, floor=0):
    return {
        "snapshot_date": date,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "repairs": repairs,
        "absent_optional_columns": list(absent),
        "extra_columns": list(extra),
        "lineage": lineage or {},
        "lineage_sources": {},
        "created_at_hub_floor": floor,
    }


def test_the_report_sums_the_snapshots_and_names_the_weeks_set_aside(tmp_path):
    # Written out of date order: the report sorts them. The later snapshot lacks `tags`, which the first had.
    records = [
        record("2025-01-08", 12, 11, {"duplicate_id": 1, "bad_date": 0}, ["tags"], ["gated"], {"root": 9}, 2),
        record("2025-01-01", 10, 10, {"duplicate_id": 2}, [], ["private"], {"root": 8, "cycle": 1}),
    ]
    paths = [write_json(r, tmp_path / f"{r['snapshot_date']}.json") for r in records]
    pl.DataFrame({"category": ["increases"], "role": ["counted"], "downloads": [1500], "model_weeks": [20]}).write_csv(
        tmp_path / "ledger.csv"
    )
    write_json({"coverage": 0.9}, tmp_path / "attribution.json")
    pl.DataFrame({"week": ["2025-01-01", "2025-01-08"], "measure": ["alltime_diff", "implausible"]}).write_csv(
        tmp_path / "weeks.csv"
    )
    outputs = {"json": tmp_path / "quality.json", "markdown": tmp_path / "quality.md"}

    report = quality_report_file(
        paths, tmp_path / "ledger.csv", tmp_path / "attribution.json", tmp_path / "weeks.csv", outputs
    )

    assert report == json.loads(outputs["json"].read_text())
    assert report["snapshots"] == {
        "count": 2,
        "first": "2025-01-01",
        "last": "2025-01-08",
        "rows_in": 22,
        "rows_out": 21,
        "rows_out_last": 11,
    }
    assert report["repairs"] == {"bad_date": 0, "duplicate_id": 3} and report["repairs_total"] == 3
    assert report["lineage_model_rows"] == {"cycle": 1, "root": 17}
    assert report["extra_columns"] == ["gated", "private"]
    assert report["columns_lost"] == {"2025-01-08": ["tags"]}
    assert report["implausible_weeks"] == ["2025-01-08"] and report["repeated_snapshots"] == []
    assert report["created_at_hub_floor_rows"] == 2
    markdown = outputs["markdown"].read_text()
    assert "| duplicate_id | 3 |" in markdown and "2025-01-08: tags" in markdown
    assert "| increases | counted | 1,500 | 20 |" in markdown
