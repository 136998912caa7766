"""The `hub` source: the weekly snapshots of the Hub's models table (`hfmlsoc/hub_weekly_snapshots`).

Layout, from public code that reads the dataset: one parquet file per week at
`models/<YYYY-MM-DD>/models.parquet` (beside `datasets/<date>/...` and
`spaces/<date>/...`), on a chain of Wednesdays from 2024-07-24. A folder
dated D holds the daily `cfahlgren1/hub-stats` export as of the last commit
before D + 7 days, so it shows the Hub about D + 6 (`CAPTURE_LAG_DAYS`); a
week without a new export repeats the previous file.

The snapshots to fetch come from the dataset's own file listing at one
revision (`list_snapshots`), never from a computed calendar. Transfer goes
through fsspec: `huggingface_hub`'s `HfFileSystem` for `hf://` locations (its
requests are retried with backoff by the library), any other fsspec location
(a local folder or `file:` URL) for an offline mirror, which is listed and
read by the same code. pyarrow reads the parquet footer and then only the
byte ranges of the contract's columns, one row group at a time, so the other
columns (file lists, card data, configs, ...) never travel and memory stays
at one row group. A snapshot is one job: an interrupted transfer is redone
by the job's retry, not resumed inside the file.

An access token is read only from the environment and never appears in
logs, metadata or error messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.jobs.atomic import sha256_file, write_atomically, write_yaml
from hubshare.sources.errors import FetchError
from hubshare.sources.verified_parquet import UNREADABLE, first_unreadable, open_parquet

DATASET = "hfmlsoc/hub_weekly_snapshots"
DEFAULT_LOCATION = f"hf://datasets/{DATASET}"
DEFAULT_PATTERN = r"^models/(\d{4}-\d{2}-\d{2})/models\.parquet$"
# Folders that hold snapshot files; a file there that fits no pattern is an error, not a skip.
SNAPSHOT_FOLDER = "models/"
CAPTURE_LAG_DAYS = 6
LICENSE = "ODbL-1.0"
LICENSE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
SOURCE = "hub"
STEP = "fetch_hub_snapshot"
REQUIRED_COLUMNS = [name for name, (_, required) in RAW_COLUMNS.items() if required]
HF_PREFIX = "hf://"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteSnapshot:
    """One snapshot file in the listing: its date, path inside the location, version and size."""

    date: str
    path: str
    version: str
    size: int


@dataclass
class Listing:
    """The snapshots a location holds at one revision, and the files it does not read, with why."""

    location: str
    revision: str
    snapshots: dict[str, RemoteSnapshot] = field(default_factory=dict)
    ignored: dict[str, str] = field(default_factory=dict)

    def repeats(self) -> list[str]:
        """Dates whose file has the same version as the date before (the export did not change)."""
        dates = sorted(self.snapshots)
        return [d for p, d in pairwise(dates) if self.snapshots[d].version == self.snapshots[p].version]


def _token(token_env: str | None) -> str | None:
    return os.environ.get(token_env) if token_env else None


def _hub_repo(location: str) -> str:
    """`hf://datasets/owner/name` -> `owner/name`."""
    parts = location.removeprefix(HF_PREFIX).strip("/").split("/")
    if len(parts) != 3 or parts[0] != "datasets":
        raise ValueError(f"hub location {location!r}: expected hf://datasets/<owner>/<name>")
    return f"{parts[1]}/{parts[2]}"


def open_location(
    location: str, revision: str, token_env: str | None = "HF_TOKEN"
) -> tuple[fsspec.AbstractFileSystem, str, str]:
    """(file system, root path, revision) for a location: the Hub pinned to the commit `revision` resolves to, or a mirror."""
    if location.startswith(HF_PREFIX):
        from huggingface_hub import HfApi, HfFileSystem

        repo = _hub_repo(location)
        token = _token(token_env)
        commit = HfApi(token=token).repo_info(repo, repo_type="dataset", revision=revision).sha
        return HfFileSystem(token=token), f"datasets/{repo}@{commit}", commit
    fs, root = fsspec.core.url_to_fs(location)
    return fs, root.rstrip("/"), revision


def _version(info: dict) -> str:
    """What identifies a file's content: the Hub's LFS sha256 or blob id, else size and modification time."""
    lfs = info.get("lfs") or {}
    if lfs.get("sha256"):
        return f"sha256:{lfs['sha256']}"
    if info.get("blob_id"):
        return f"blob:{info['blob_id']}"
    mtime = info.get("mtime") or info.get("created") or ""
    return f"size:{info['size']},mtime:{mtime}"


def _relative(name: str, root: str) -> str:
    """A listed name relative to the root (the Hub lists names without the `@revision` of the root)."""
    for prefix in (root, root.split("@", 1)[0]):
        if name.startswith(prefix + "/"):
            return name[len(prefix) + 1 :]
    raise ValueError(f"listed file {name!r} is not under {root!r}")


def list_snapshots(
    location: str = DEFAULT_LOCATION,
    revision: str = "main",
    pattern: str = DEFAULT_PATTERN,
    start: str | None = None,
    end: str | None = None,
    token_env: str | None = "HF_TOKEN",
) -> Listing:
    """Every snapshot file under `location` at `revision` whose path matches `pattern`, dated from start to end.

    `pattern` is a regular expression over paths relative to the location with
    one group, the ISO date. `end` None (config `latest`) keeps every date
    from `start`. A file under `models/` that does not match is an error (a
    layout the code does not know); files elsewhere are listed as ignored.
    """
    regex = re.compile(pattern)
    if regex.groups != 1:
        raise ValueError(f"hub.path_pattern {pattern!r} must have exactly one group, the date")
    fs, root, commit = open_location(location, revision, token_env)
    if not fs.exists(root):
        raise FetchError(f"{location}: no such dataset or folder (step list_snapshots)")
    found = fs.find(root, detail=True)
    listing = Listing(location=location, revision=commit)
    first = dt.date.fromisoformat(start) if start else dt.date.min
    last = dt.date.fromisoformat(end) if end else dt.date.max
    for name, info in sorted(found.items()):
        path = _relative(name, root)
        match = regex.match(path)
        if not match:
            if path.startswith(SNAPSHOT_FOLDER):
                raise FetchError(
                    f"{location}: file '{path}' breaks rule 'snapshot path' (step list_snapshots): it is "
                    f"under {SNAPSHOT_FOLDER} but does not match {pattern}"
                )
            listing.ignored[path] = "not a models snapshot"
            continue
        try:
            day = dt.date.fromisoformat(match.group(1))
        except ValueError:
            raise FetchError(
                f"{location}: file '{path}' breaks rule 'snapshot date' (step list_snapshots): "
                f"{match.group(1)!r} is not a calendar date YYYY-MM-DD"
            ) from None
        if not first <= day <= last:
            listing.ignored[path] = f"dated outside {start or 'the start'} .. {end or 'latest'}"
            continue
        listing.snapshots[day.isoformat()] = RemoteSnapshot(day.isoformat(), path, _version(info), int(info["size"]))
    if not listing.snapshots:
        raise FetchError(
            f"{location}: no snapshot file matches {pattern} between {start or 'the start'} and {end or 'latest'} "
            "(step list_snapshots)"
        )
    return listing


def file_url(location: str, revision: str, path: str) -> str:
    """A reader's address of one file: the Hub's page at the commit, or the mirror's path."""
    if location.startswith(HF_PREFIX):
        return f"https://huggingface.co/datasets/{_hub_repo(location)}/blob/{revision}/{path}"
    return f"{location.rstrip('/')}/{path}"


def fetch_snapshot(
    location: str,
    revision: str,
    remote: RemoteSnapshot,
    target_parquet: str | Path,
    meta_path: str | Path,
    *,
    columns: Sequence[str],
    token_env: str | None = "HF_TOKEN",
) -> dict:
    """Read one snapshot's contract columns to `target_parquet` and write its origin record; return the record.

    The file must still be the version the listing saw (else the dataset
    changed under the run, and the listing is redone by the next run). A file
    that is not readable parquet, lacks a required column, or whose data does
    not decode raises `FetchError` naming the file, the column and the rule.
    """
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"columns must include the raw contract's required columns; missing {missing}")
    target = Path(target_parquet)
    fs, root, commit = open_location(location, revision, token_env)
    url = file_url(location, commit, remote.path)

    def refuse(column: str, rule: str, detail: str) -> FetchError:
        return FetchError(
            f"{url}: column '{column}' breaks rule '{rule}' (step {STEP}): {detail}; {target} not written"
        )

    full_path = f"{root}/{remote.path}"
    version = _version(fs.info(full_path))
    if version != remote.version:
        raise refuse("*", "listed version", f"the file is now {version}, the listing saw {remote.version}")
    with fs.open(full_path, "rb") as handle:
        try:
            parquet = open_parquet(handle)
        except UNREADABLE as error:
            raise refuse("*", "readable parquet", f"it is not a readable parquet file ({error})") from None
        remote_columns = parquet.schema_arrow.names
        absent = [name for name in REQUIRED_COLUMNS if name not in remote_columns]
        if absent:
            raise refuse(absent[0], "required column", f"the file has no column {absent[0]!r}; it has {remote_columns}")
        kept = [name for name in columns if name in remote_columns]
        rows = _write_projection(parquet, kept, target, refuse)
    meta = _origin_record(location, commit, remote, url, target, rows, kept, remote_columns)
    write_yaml(meta, meta_path)
    log.info("%s: %d rows, columns %s, %d bytes -> %s", url, rows, kept, meta["bytes"], target)
    return meta


def _write_projection(parquet: pq.ParquetFile, kept: list[str], target: Path, refuse) -> int:
    """Copy the kept columns row group by row group into `target` atomically; return the rows decoded."""
    schema = pa.schema([parquet.schema_arrow.field(name) for name in kept])
    declared = parquet.metadata.num_rows
    decoded = 0

    def write(tmp: Path) -> None:
        nonlocal decoded
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for group in range(parquet.num_row_groups):
                try:
                    table = parquet.read_row_group(group, columns=kept)
                except UNREADABLE as error:
                    column = first_unreadable(parquet, kept, group)
                    raise refuse(
                        column, "decodable column data", f"row group {group} does not decode ({error})"
                    ) from None
                decoded += table.num_rows
                writer.write_table(table)

    write_atomically(target, write)
    if decoded != declared or decoded == 0:
        target.unlink()
        raise refuse("*", "row count", f"{decoded} rows decoded, the file's footer declares {declared}")
    return decoded


def _origin_record(
    location: str,
    commit: str,
    remote: RemoteSnapshot,
    url: str,
    target: Path,
    rows: int,
    kept: list[str],
    remote_columns: list[str],
) -> dict:
    folder_date = dt.date.fromisoformat(remote.date)
    captured = folder_date + dt.timedelta(days=CAPTURE_LAG_DAYS)
    return {
        "title": f"Hugging Face Hub models snapshot {remote.date}",
        "description": (
            f"Weekly snapshot of the Hub's models table from the Hugging Face dataset {DATASET}, "
            "projected to the columns the pipeline reads."
        ),
        "producer": f"Hugging Face ({DATASET})",
        "url": url,
        "location": location,
        "revision": commit,
        "file_version": remote.version,
        "date_accessed": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "source": SOURCE,
        "synthetic": False,
        "snapshot_date": remote.date,
        "stands_for": (
            f"the Hub about {captured.isoformat()}: the folder date plus {CAPTURE_LAG_DAYS} days, the "
            "last daily export before the next folder"
        ),
        "rows": rows,
        "columns": kept,
        "remote_columns": remote_columns,
        "remote_bytes": remote.size,
        "bytes": target.stat().st_size,
        "sha256": sha256_file(target),
    }
