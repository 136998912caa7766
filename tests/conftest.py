"""Shared test helpers: build raw snapshots in the raw contract from a few fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from hubshare.schemas import RAW_COLUMNS

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
            full["createdAt"] = dt.datetime.combine(full["createdAt"], dt.time(), tzinfo=dt.timezone.utc)
        filled.append(full)
    return pl.DataFrame(filled, schema={name: dtype for name, (dtype, _) in RAW_COLUMNS.items()})


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
