"""The demo's snapshots rewritten in the shape of the real Hub dataset, as an offline mirror for the `hub` source.

The simulator writes the raw contract; the real `hfmlsoc/hub_weekly_snapshots`
does not. This module rewrites each simulated snapshot the way public code
describes the real files (see `hubshare.sources.hub`), so the `hub` source can
be run end to end, offline, on data whose planted values are known:

- layout `models/<YYYY-MM-DD>/models.parquet`, with `datasets/` and `spaces/`
  folders and the repository's README beside it;
- schema eras: no `downloadsAllTime` before 2025-02-26 (the panel falls back
  to 30-day estimates), no `cardData` or `trendingScore` before 2024-10-02,
  no `baseModels` before 2025-06-04 (lineage only in `base_model:` tags),
  `modelId` only in 2024 files;
- `safetensors.parameters` as a struct with one field per dtype,
  `baseModels` with `relation` before `models`, `createdAt` in milliseconds
  and never before the Hub's creation floor 2022-03-02T23:29:04Z;
- columns the pipeline never reads (`siblings`, `config`, `gguf`, ...);
- a repeated week: one folder holds the file of the week before, as when
  the daily export did not change.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

ALLTIME_FROM = dt.date(2025, 2, 26)
CARD_DATA_FROM = dt.date(2024, 10, 2)
BASE_MODELS_FROM = dt.date(2025, 6, 4)
MODEL_ID_BEFORE = dt.date(2025, 1, 1)
CREATION_FLOOR = dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=dt.UTC)
README = "---\nlicense: odbl\n---\n# Hub weekly snapshots (simulated mirror)\n\nSynthetic data in the real layout.\n"


def hub_shaped(frame: pl.DataFrame, day: dt.date) -> pa.Table:
    """One simulated snapshot (raw contract) in the real dataset's columns and types for its date."""
    dtypes = sorted(
        set(
            frame.get_column("safetensors")
            .struct.field("parameters")
            .explode()
            .struct.field("dtype")
            .drop_nulls()
            .to_list()
        )
    )
    parameters = (
        pl.struct(
            [
                pl.col("safetensors")
                .struct.field("parameters")
                .list.eval(pl.element().filter(pl.element().struct.field("dtype") == name).struct.field("count"))
                .list.first()
                .alias(name)
                for name in dtypes
            ]
        )
        if dtypes
        else pl.lit(None)
    )
    shaped = frame.select(
        "_id",
        "id",
        "author",
        "sha" if "sha" in frame.columns else pl.lit("0" * 40).alias("sha"),
        pl.max_horizontal("createdAt", pl.lit(CREATION_FLOOR)).dt.cast_time_unit("ms").alias("createdAt"),
        pl.col("createdAt").dt.cast_time_unit("ms").alias("lastModified"),
        pl.lit(False).alias("private"),
        pl.lit("False").alias("gated"),
        "downloads",
        "downloadsAllTime",
        "likes",
        "library_name",
        "tags",
        "pipeline_tag",
        pl.lit([{"rfilename": "config.json"}]).alias("siblings"),
        pl.lit('{"architectures": []}').alias("config"),
        pl.when(pl.col("safetensors").is_not_null())
        .then(pl.struct(parameters.alias("parameters"), pl.col("safetensors").struct.field("total")))
        .alias("safetensors"),
        pl.when(pl.col("baseModels").is_not_null())
        .then(pl.struct(pl.col("baseModels").struct.field("relation"), pl.col("baseModels").struct.field("models")))
        .alias("baseModels"),
        pl.col("id").alias("modelId"),
        pl.lit('{"license": "other"}').alias("cardData"),
        (pl.col("likes").cast(pl.Float64) / 10).alias("trendingScore"),
    )
    dropped = [
        name
        for name, since in (
            ("downloadsAllTime", ALLTIME_FROM),
            ("cardData", CARD_DATA_FROM),
            ("trendingScore", CARD_DATA_FROM),
            ("baseModels", BASE_MODELS_FROM),
        )
        if day < since
    ]
    if day >= MODEL_ID_BEFORE:
        dropped.append("modelId")
    return shaped.drop(dropped).to_arrow()


def write_hub_mirror(flat_dir: str | Path, mirror_dir: str | Path, repeats: Sequence[str] = ()) -> list[str]:
    """Rewrite every `<date>.parquet` of `flat_dir` into a mirror; a date in `repeats` gets the week before's file.

    Returns the snapshot dates written.
    """
    flat_dir, mirror = Path(flat_dir), Path(mirror_dir)
    mirror.mkdir(parents=True, exist_ok=True)
    (mirror / "README.md").write_text(README, encoding="utf-8")
    (mirror / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n", encoding="utf-8")
    dates = sorted(path.stem for path in flat_dir.glob("????-??-??.parquet"))
    unknown = sorted(set(repeats) - set(dates[1:]))
    if unknown:
        raise ValueError(f"repeats {unknown} are not snapshot dates after the first ({dates[0]} .. {dates[-1]})")
    for previous, date in zip([None, *dates[:-1]], dates, strict=True):
        target = mirror / "models" / date / "models.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        if date in repeats:
            shutil.copy2(mirror / "models" / previous / "models.parquet", target)
        else:
            table = hub_shaped(pl.read_parquet(flat_dir / f"{date}.parquet"), dt.date.fromisoformat(date))
            pq.write_table(table, target)
        for item in ("datasets", "spaces"):
            folder = mirror / item / date
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table({"id": ["demo/none"], "downloads": [0]}), folder / f"{item}.parquet")
    return dates
