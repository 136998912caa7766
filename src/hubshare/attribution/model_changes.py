"""Each snapshot's model changes: the models it lists with new metadata, and the models it no longer lists.

A model's properties and family are read from its metadata columns alone
(`MODEL_METADATA_COLUMNS`). In the Hub-scale benchmark a week lists new
metadata for about one model in seventy (bench/README.md), so they are read
once per version of a model's metadata, when the version first appears,
instead of once for every model in every period's table. A period's model
table (`model_table`) puts the versions together.

A version is new where the model is new to the snapshot (or back after an
absence) or its `metadata_hash` differs from the snapshot before; two
different rows with one 64-bit hash would keep the earlier version, a chance
of one in 2^64 (about 5 in 10^20) per changed row.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from hubshare.analysis.properties import model_properties
from hubshare.attribution.families import family_of, load_families
from hubshare.attribution.registry import load_iso_codes, load_registry
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.contracts.base import empty_frame
from hubshare.contracts.panel_tables import DepartedModels, ListedModels
from hubshare.contracts.raw_tables import MODEL_METADATA_COLUMNS
from hubshare.jobs.atomic import write_parquet, write_text
from hubshare.jobs.loaded_once import loaded_once

VERSION_KEYS = ["model_key", "metadata_hash"]
# The two tables of a snapshot's changes (`ListedModels`, `DepartedModels`), as files are named.
CHANGES = ("listed", "departed")
# Rows read and described at a time: a model's property columns are built through many intermediate columns.
DESCRIBED_ROWS = 1 << 18


def described_models(rows: pl.DataFrame, families: pl.DataFrame) -> pl.DataFrame:
    """`rows` of normalized snapshots with their properties and family, as `ListedModels` columns."""
    return (
        rows.select("model_key", "model_id", "namespace", pl.col("snapshot_date").alias("last_seen"))
        .join(model_properties(rows), on="model_key", how="left")
        .with_columns(family_of(rows["model_id"], families).alias("family"))
    )


def model_changes(
    snapshot: str | Path, previous_snapshot: str | Path | None, families: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The `ListedModels` and `DepartedModels` tables of one normalized snapshot against the one before it
    (None for the first snapshot, which lists every model)."""
    current = pl.read_parquet(str(snapshot), columns=VERSION_KEYS)
    if previous_snapshot is None:
        new, departed = current, empty_frame(DepartedModels)
    else:
        previous = pl.read_parquet(str(previous_snapshot), columns=[*VERSION_KEYS, "snapshot_date"])
        new = current.join(previous.select(VERSION_KEYS), on=VERSION_KEYS, how="anti")
        departed = previous.join(current.select("model_key"), on="model_key", how="anti").select(
            "model_key", pl.col("snapshot_date").alias("last_seen")
        )
    rows = pl.scan_parquet(str(snapshot)).select("model_key", *MODEL_METADATA_COLUMNS, "snapshot_date")
    # Most weeks list a few new versions: only their rows' strings are decoded.
    if new.height < current.height:
        rows = rows.filter(pl.col("model_key").is_in(new.get_column("model_key").implode()))
    # Read and described a slice at a time, so a snapshot that lists every model (the first) needs no more
    # memory for its size than a week that lists a few.
    described = [
        described_models(rows.slice(begin, DESCRIBED_ROWS).collect(), families)
        for begin in range(0, max(new.height, 1), DESCRIBED_ROWS)
    ]
    return ListedModels.validate(pl.concat(described)), DepartedModels.validate(departed)


@loaded_once
def load_family_patterns(
    families: str | Path, registry: str | Path, vocabularies: str | Path, iso_codes: str | Path
) -> pl.DataFrame:
    """The family patterns, validated against the registry; loaded once per process while the files are unchanged."""
    return load_families(families, load_registry(registry, load_vocabularies(vocabularies), load_iso_codes(iso_codes)))


def model_changes_file(
    snapshot: str | Path,
    previous_snapshot: str | Path | None,
    attribution: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    log: str | Path,
) -> None:
    """File-to-file form of `model_changes`, one workflow job per snapshot.

    `attribution`: the registry, families, vocabularies and ISO code files;
    `outputs`: the `listed` and `departed` files.
    """
    families = load_family_patterns(
        *(attribution[name] for name in ("families", "registry", "vocabularies", "iso_codes"))
    )
    listed, departed = model_changes(snapshot, previous_snapshot, families)
    write_parquet(listed, outputs["listed"], statistics=False)
    write_parquet(departed, outputs["departed"], statistics=False)
    write_text(
        f"{snapshot} (before it: {previous_snapshot or 'none'}): {listed.height} models listed with new metadata, "
        f"{departed.height} departed\n",
        log,
    )
