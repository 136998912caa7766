"""The origin-record fields every converted source shares (the file landed, and the file it came from)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from hubshare.jobs.atomic import sha256_file


def converted_fields(
    frame: pl.DataFrame, source: str, measure: str, date: str, parquet_path: str | Path, original_path: str | Path
) -> dict:
    """`.meta.yaml` fields of a snapshot converted from another file: what landed, its checksum, and its origin."""
    return {
        "source": source,
        "synthetic": False,
        "snapshot_date": date,
        "rows": frame.height,
        "columns": list(frame.columns),
        "sha256": sha256_file(parquet_path),
        "download_measure": measure,
        "converted_from": Path(original_path).name,
        "converted_from_sha256": sha256_file(original_path),
    }
