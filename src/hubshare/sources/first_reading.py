"""The origin record of a `dir` snapshot: what the file was when a build first read it.

A `dir` folder belongs to its owner: it is read, never modified, and comes
with no record of its own. The first time a build needs a snapshot, the file's
size and sha256 are written to `<raw_dir>/dir/<date>.meta.yaml`, the record
the landing sources write; every later use checks the file against it
(`hubshare.normalize.snapshot.verify_landed`), so a file edited or damaged after its
first reading is refused, both hashes named. Deleting the record accepts a
file replaced on purpose.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hubshare.jobs.atomic import sha256_file, write_text, write_yaml


def record_first_reading(snapshot: str | Path, meta_path: str | Path, snapshot_date: str, log_path: str | Path) -> dict:
    """Write the origin record of a `dir` snapshot (its size and sha256 now) to `meta_path`; return it."""
    path = Path(snapshot)
    record = {
        "title": f"Snapshot {snapshot_date} read from a local folder",
        "producer": "the folder's owner (source `dir`)",
        "url": path.resolve().as_uri(),
        "date_accessed": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": "dir",
        "synthetic": False,
        "snapshot_date": snapshot_date,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
    }
    write_yaml(record, meta_path)
    write_text(f"{path}: {record['bytes']} bytes, sha256 {record['sha256']} recorded in {meta_path}\n", log_path)
    return record
