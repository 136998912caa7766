"""Snapshots in the raw contract and their origin metadata.

One `<date>.parquet` per snapshot with exactly the columns and dtypes of
`RAW_COLUMNS`, and a `<date>.meta.yaml` beside it. Bytes depend only on the
seed and the settings: rows in creation order, no wall-clock times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from hubshare.contracts.base import UTC_MICROS
from hubshare.contracts.raw_tables import RAW_COLUMNS, RELATIONS, SAFETENSORS_DTYPE
from hubshare.demo.artefacts import Artefacts
from hubshare.demo.lineage import Lineage
from hubshare.demo.metadata import Metadata
from hubshare.demo.names import Names
from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import Models
from hubshare.jobs.atomic import sha256_file, write_parquet, write_yaml

URL = "demo://hubshare/simulator"
LICENSE = "CC-BY-4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
EMPTY_TAGS = pl.lit([], dtype=pl.List(pl.String))


@dataclass
class Counts:
    """Per model x snapshot: the Hub's counters."""

    all_time: np.ndarray
    rolling30: np.ndarray
    likes: np.ndarray


def static_columns(models: Models, namespaces: Namespaces, names: Names, meta: Metadata) -> pl.DataFrame:
    """Columns that do not change between snapshots, one row per model."""
    safetensors = [
        None if p is None else {"parameters": [{"dtype": d, "count": c} for d, c in p], "total": sum(c for _, c in p)}
        for p in meta.parameters
    ]
    return pl.DataFrame(
        {
            "_id": pl.Series(names.object_id, dtype=pl.String),
            "namespace": pl.Series([namespaces.name[i] for i in models.namespace], dtype=pl.String),
            "createdAt": pl.Series(models.created_us, dtype=pl.Int64).cast(UTC_MICROS),
            "pipeline_tag": pl.Series(meta.pipeline_tag, dtype=pl.String),
            "library_name": pl.Series(meta.library_name, dtype=pl.String),
            "static_tags": pl.Series(meta.static_tags(models), dtype=pl.List(pl.String)),
            "safetensors": pl.Series(safetensors, dtype=SAFETENSORS_DTYPE),
        }
    )


def snapshot_frame(
    k: int,
    static: pl.DataFrame,
    models: Models,
    names: Names,
    lineage: Lineage,
    artefacts: Artefacts,
    counts: Counts,
) -> pl.DataFrame:
    """Snapshot k in the raw contract."""
    rows = np.flatnonzero(models.alive(k))
    ids = artefacts.ids_at(k)
    frame = static[rows].with_columns(
        pl.Series("row", rows, dtype=pl.Int64),
        pl.Series("id", ids[rows], dtype=pl.String),
        pl.Series("authorless", artefacts.authorless_at(k, models)[rows], dtype=pl.Boolean),
        pl.Series("downloads", counts.rolling30[rows, k], dtype=pl.Int64),
        pl.Series("downloadsAllTime", counts.all_time[rows, k], dtype=pl.Int64),
        pl.Series("likes", counts.likes[rows, k], dtype=pl.Int64),
    )
    frame = frame.join(_base_models(k, models, names, lineage, artefacts), on="row", how="left", maintain_order="left")
    return frame.select(
        pl.col("_id"),
        pl.col("id"),
        pl.when(pl.col("authorless")).then(None).otherwise(pl.col("namespace")).alias("author"),
        "createdAt",
        "downloads",
        "downloadsAllTime",
        "likes",
        "pipeline_tag",
        "library_name",
        pl.concat_list(pl.col("static_tags"), pl.col("base_model_tags").fill_null(EMPTY_TAGS)).alias("tags"),
        "baseModels",
        "safetensors",
    ).cast({name: dtype for name, (dtype, _) in RAW_COLUMNS.items()})


def _base_models(k: int, models: Models, names: Names, lineage: Lineage, artefacts: Artefacts) -> pl.DataFrame:
    """`baseModels` and the `base_model:` tags of every model listed in snapshot k that declares parents.
    Parents are named by their id in this snapshot (the Hub follows renames); a deleted
    parent keeps the id it last had; a private parent its only id."""
    valid = (lineage.from_k <= k) & (k < lineage.to_k) & models.alive(k)[lineage.child]
    child, parent = lineage.child[valid], lineage.parent[valid]
    listed = parent >= 0
    model = np.where(listed, parent, 0)
    private = np.where(listed, 0, -1 - parent)
    last_listed = np.minimum(models.deleted_k[model] - 1, k)
    model_ids = np.where(
        artefacts.rename_k[model] <= last_listed, artefacts.id_after[model], artefacts.id_before[model]
    )
    private_ids = np.array(names.private_id + [""], dtype=object)[private]
    object_ids = np.array(names.object_id, dtype=object)[model]
    private_object_ids = np.array(names.private_object_id + [""], dtype=object)[private]
    edges = pl.DataFrame(
        {
            "row": pl.Series(child, dtype=pl.Int64),
            "position": pl.Series(lineage.position[valid], dtype=pl.Int64),
            "_id": pl.Series(np.where(listed, object_ids, private_object_ids), dtype=pl.String),
            "id": pl.Series(np.where(listed, model_ids, private_ids), dtype=pl.String),
            "relation": pl.Series(np.array(RELATIONS, dtype=object)[models.relation[child]], dtype=pl.String),
        }
    )
    return (
        edges.sort("row", "position")
        .group_by("row", maintain_order=True)
        .agg(
            pl.struct("_id", "id").alias("models"),
            pl.col("relation").first(),
            pl.format("base_model:{}", "id").alias("plain"),
            pl.format("base_model:{}:{}", "relation", "id").alias("qualified"),
        )
        .select(
            "row",
            pl.struct("models", "relation").alias("baseModels"),
            pl.concat_list("plain", "qualified").alias("base_model_tags"),
        )
    )


def write_snapshot(frame: pl.DataFrame, day: dt.date, seed: int, out_dir: Path) -> list[Path]:
    """Write `<day>.parquet` and its `<day>.meta.yaml`; returns both paths."""
    parquet = write_parquet(frame, out_dir / f"{day.isoformat()}.parquet")
    meta = {
        "title": f"Hugging Face Hub models snapshot {day.isoformat()} (simulated)",
        "description": (
            "Synthetic weekly snapshot of the Hub's models table written by the seeded demo simulator "
            "of hubshare. Not real data: organisations come from the attribution registry, every other "
            "namespace, model, download and metadata value is simulated; the planted values are in truth.json."
        ),
        "producer": "hubshare demo simulator",
        "citation_full": "hubshare demo simulator (synthetic data), seed " + str(seed),
        "url": URL,
        "date_accessed": day.isoformat(),
        "date_published": day.isoformat(),
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "source": "demo",
        "synthetic": True,
        "seed": seed,
        "snapshot_date": day.isoformat(),
        "rows": frame.height,
        "columns": list(frame.columns),
        "sha256": sha256_file(parquet),
        "download_measure": "alltime_diff",
    }
    return [parquet, write_yaml(meta, out_dir / f"{day.isoformat()}.meta.yaml")]
