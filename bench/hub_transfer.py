"""What the `hub` source reads from a snapshot in the real dataset's shape: bytes and time.

Builds one wide snapshot (the raw contract's columns from `bench/generate.py`'s
calibration, reshaped by `hubshare.demo.hub_mirror`, plus an incompressible
`siblings` column sized so that the file holds about as many bytes per model
as a late real snapshot, about 700) in a local mirror, then reads it through
`hubshare.sources.hub.fetch_snapshot` with every byte the reader asks for
counted. The ratio of bytes read to the contract columns' compressed size is
the overhead of the fsspec + pyarrow route; the ratio to the file size is
what travels of a real file.

    python bench/hub_transfer.py --models 300000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import fsspec
import fsspec.implementations.local
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.demo.hub_mirror import hub_shaped
from hubshare.sources import hub

SIBLINGS_BYTES = 1200


class CountingFileSystem(fsspec.implementations.local.LocalFileSystem):
    """The local file system, counting every byte read through it."""

    bytes_read = 0
    reads = 0

    def _open(self, path, mode="rb", **kwargs):
        handle = super()._open(path, mode, **kwargs)
        original = handle.read

        def read(*args):
            data = original(*args)
            CountingFileSystem.bytes_read += len(data)
            CountingFileSystem.reads += 1
            return data

        handle.read = read
        return handle


def snapshot(models: int, seed: int, work: Path) -> pa.Table:
    """One generated snapshot in the real dataset's shape, with an incompressible `siblings` column."""
    import generate

    raw = work / "raw"
    generate.main(["--models", str(models), "--weeks", "1", "--seed", str(seed), "--out", str(raw)])
    (path,) = raw.glob("????-??-??.parquet")
    table = hub_shaped(pl.read_parquet(path), dt.date.fromisoformat(path.stem))
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 2**63, size=(table.num_rows, SIBLINGS_BYTES // 16), dtype=np.int64)
    siblings = pa.array([row.tobytes().hex() for row in noise], type=pa.string())
    return table.set_column(table.schema.get_field_index("siblings"), "siblings", siblings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=20251203)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "hub_transfer.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        mirror = Path(work) / "mirror"
        path = mirror / "models" / "2025-08-27" / "models.parquet"
        path.parent.mkdir(parents=True)
        pq.write_table(snapshot(args.models, args.seed, Path(work)), path, compression="zstd")
        metadata = pq.ParquetFile(path).metadata
        contract = [name for name in RAW_COLUMNS if name in pq.ParquetFile(path).schema_arrow.names]
        contract_bytes = sum(
            metadata.row_group(g).column(c).total_compressed_size
            for g in range(metadata.num_row_groups)
            for c in range(metadata.num_columns)
            if metadata.row_group(g).column(c).path_in_schema.split(".")[0] in contract
        )
        # The mirror's location, read through the counting file system.
        fsspec.core.url_to_fs = lambda url, **_: (CountingFileSystem(), url)
        location = str(mirror)
        listing = hub.list_snapshots(location, "bench")
        started = time.perf_counter()
        meta = hub.fetch_snapshot(
            location,
            "bench",
            listing.snapshots["2025-08-27"],
            Path(work) / "out.parquet",
            Path(work) / "out.meta.yaml",
            columns=list(RAW_COLUMNS),
        )
        seconds = time.perf_counter() - started
        result = {
            "models": meta["rows"],
            "file_bytes": path.stat().st_size,
            "contract_column_bytes": contract_bytes,
            "bytes_read": CountingFileSystem.bytes_read,
            "reads": CountingFileSystem.reads,
            "read_over_contract": round(CountingFileSystem.bytes_read / contract_bytes, 3),
            "read_over_file": round(CountingFileSystem.bytes_read / path.stat().st_size, 3),
            "bytes_per_model_file": round(path.stat().st_size / meta["rows"], 1),
            "bytes_per_model_contract": round(contract_bytes / meta["rows"], 1),
            "seconds": round(seconds, 2),
            "written_bytes": meta["bytes"],
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
