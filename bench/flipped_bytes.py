"""What one flipped bit does to a raw snapshot, position by position, for the writers real snapshots come from.

For each writer setting, a small snapshot in the raw contract is written, and
every bit of the chosen positions of every byte is flipped in turn; normalize
then reads the damaged copy. Each copy ends in one of:

- `refused`: `SnapshotError`, counted by the rule it names;
- `unchanged`: the normalized snapshot and its repairs equal the clean file's
  (the bit lay in bytes the reader does not use, such as statistics);
- `repaired`: different rows, and the quality record counts a repair the
  clean file does not have (a negative count set null, an invalid id dropped);
- `silent`: different values and nothing counted: the damage no check sees;
- `crash`: any other exception (a reader error normalize does not turn into a `SnapshotError`).

Usage: python bench/flipped_bytes.py [--bits 0 7] [--out bench/results/flipped_bytes.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from collections import Counter
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.normalize.snapshot import QualityRecord, SnapshotError, normalize_snapshot, read_raw_snapshot

DATE = dt.date(2024, 1, 3)
COLUMNS = ["_id", "id", "createdAt", "downloads", "downloadsAllTime"]
# Writer settings of real snapshots: polars' default, pyarrow's (and pandas') default, and pyarrow with
# page checksums, compressed and not; the last has neither compression nor checksums nor dictionaries.
WRITERS = {
    "polars default (zstd, no CRC)": None,
    "pyarrow default (snappy, dictionary, no CRC)": {},
    "pyarrow snappy with CRC": {"write_page_checksum": True},
    "pyarrow uncompressed with CRC": {"compression": "none", "write_page_checksum": True},
    "pyarrow uncompressed, plain, no CRC": {"compression": "none", "use_dictionary": False},
}


def snapshot(models: int = 20) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_id": [f"{i:024x}" for i in range(models)],
            "id": [f"org{i % 5}/model-{i}" for i in range(models)],
            "createdAt": [dt.datetime(2023, 1, 1 + i % 28, tzinfo=dt.UTC) for i in range(models)],
            "downloads": [37 * i for i in range(models)],
            "downloadsAllTime": [1000 * (i + 1) + 7 * i for i in range(models)],
        },
        schema={name: RAW_COLUMNS[name][0] for name in COLUMNS},
    )


def write(frame: pl.DataFrame, path: Path, options: dict | None) -> None:
    if options is None:
        frame.write_parquet(path)
    else:
        pq.write_table(frame.to_arrow(), path, **options)


def outcome(path: Path, clean_raw: pl.DataFrame, clean: tuple[pl.DataFrame, dict]) -> str:
    try:
        # Reading alone is fast; most damage either stops here or leaves the values as they were.
        if read_raw_snapshot(path, QualityRecord(DATE.isoformat(), str(path))).equals(clean_raw):
            return "unchanged"
        frame, quality = normalize_snapshot(path, DATE)
    except SnapshotError as error:
        return f"refused: {error.rule}"
    except BaseException as error:  # a reader's panic is the finding here, not a reason to stop the scan
        if isinstance(error, KeyboardInterrupt):
            raise
        return f"crash: {type(error).__name__}: {str(error)[:80]}"
    if frame.equals(clean[0]) and quality.repairs == clean[1]:
        return "unchanged"
    return "repaired" if quality.repairs != clean[1] else "silent"


def scan(options: dict | None, bits: list[int], folder: Path) -> dict:
    clean_path = folder / "clean.parquet"
    write(snapshot(), clean_path, options)
    clean_raw = read_raw_snapshot(clean_path, QualityRecord(DATE.isoformat(), str(clean_path)))
    frame, quality = normalize_snapshot(clean_path, DATE)
    clean = (frame, quality.repairs)
    data = clean_path.read_bytes()
    damaged = folder / "damaged.parquet"
    outcomes: Counter[str] = Counter()
    silent_positions = []
    for position in range(len(data)):
        for bit in bits:
            flipped = bytearray(data)
            flipped[position] ^= 1 << bit
            damaged.write_bytes(flipped)
            found = outcome(damaged, clean_raw, clean)
            outcomes[found] += 1
            if found == "silent":
                silent_positions.append(position)
    return {
        "bytes": len(data),
        "flips": len(data) * len(bits),
        "outcomes": dict(sorted(outcomes.items())),
        "silent_positions": sorted(set(silent_positions)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, nargs="+", default=[0, 7])
    parser.add_argument("--out", type=Path, default=Path("bench/results/flipped_bytes.json"))
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {name: scan(options, arguments.bits, Path(folder)) for name, options in WRITERS.items()}
    arguments.out.write_text(json.dumps({"bits": arguments.bits, "writers": results}, indent=1) + "\n")
    for name, result in results.items():
        print(name, result["bytes"], "bytes:", result["outcomes"])


if __name__ == "__main__":
    main()
