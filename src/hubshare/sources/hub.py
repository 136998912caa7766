"""The `hub` source: weekly snapshots of the Hub's models table (`hfmlsoc/hub_weekly_snapshots`).

Each snapshot is one large parquet file (about 1.5 GB late in the series), of
which the pipeline reads a dozen columns. Two transfers land it:

- `projected` (default): only the file's footer and the byte ranges of the
  wanted columns' chunks travel, as HTTP Range requests (`projected`,
  `http_range`), each range retried with backoff and the progress saved, so
  an interrupted transfer resumes with the ranges still missing;
- `whole`: every byte travels in one resumable download (`whole_file`); a
  server that ignores Range requests gets this one too.

Either way the bytes land in `<target>.part`, which is verified (readable
parquet, the contract's required columns, as many rows as its footer says and
at least the expected number, decodable column data) and projected to the
wanted columns into `<target>` atomically, so no half-written or unverified
file ever carries the final name. The origin record (`.meta.yaml`) follows.
An access token is read only from the environment and never appears in logs,
metadata or error messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from hubshare.atomic import sha256_file, write_atomically, write_yaml
from hubshare.schemas import RAW_COLUMNS
from hubshare.sources.errors import FetchError
from hubshare.sources.http_range import Opener, RangeError, RangeReader, RangesIgnored, urllib_opener
from hubshare.sources.parquet_layout import LayoutError
from hubshare.sources.projected import discard, fetch_projected, state_path
from hubshare.sources.whole_file import download

__all__ = ["FetchError", "fetch_snapshot", "snapshot_url"]

DATASET = "hfmlsoc/hub_weekly_snapshots"
BASE_URL = f"https://huggingface.co/datasets/{DATASET}/resolve/main"
LICENSE = "ODbL-1.0"
LICENSE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
SOURCE = "hub"
STEP = "fetch_hub_snapshot"
TRANSFERS = ("projected", "whole")
REQUIRED_COLUMNS = [name for name, (_, required) in RAW_COLUMNS.items() if required]

log = logging.getLogger(__name__)


def snapshot_url(base_url: str, pattern: str, date: dt.date | str) -> str:
    """The address of one snapshot: `pattern` formatted with the date, under `base_url`.

    `{date}` gives the ISO date; a format spec such as `{date:%Y%m%d}` is allowed.
    """
    if "{date" not in pattern:
        raise ValueError(f"snapshot path pattern {pattern!r} has no {{date}} placeholder: all dates would map to one file")
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return f"{base_url.rstrip('/')}/{pattern.format(date=day).lstrip('/')}"


def fetch_snapshot(
    url: str,
    target_parquet: str | Path,
    meta_path: str | Path,
    *,
    columns: Sequence[str],
    token_env: str = "HF_TOKEN",
    transfer: str = "projected",
    opener: Opener | None = None,
    retries: int = 4,
    backoff_seconds: float = 2.0,
    expected_min_rows: int = 1,
    sleep: Callable[[float], None] = time.sleep,
    snapshot_date: str | None = None,
) -> dict:
    """Fetch one snapshot to `target_parquet`, projected to `columns`, and write its origin record.

    Transient failures (connection errors, timeouts, 408/429/5xx, a body
    shorter than announced) are retried `retries` times (per range in the
    projected transfer), waiting `backoff_seconds * 2**i` before retry i, and
    each retry resumes where the last one stopped. When the retries run out
    the partial transfer is kept for the next run. A transferred file that
    fails verification is removed and raises `FetchError`. Returns the
    metadata written to `meta_path`.
    """
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"columns must include the raw contract's required columns; missing {missing}")
    if transfer not in TRANSFERS:
        raise ValueError(f"transfer must be one of {TRANSFERS}, not {transfer!r}")
    target = Path(target_parquet)
    part = target.with_name(f"{target.name}.part")
    part.parent.mkdir(parents=True, exist_ok=True)
    token = os.environ.get(token_env) if token_env else None

    def redact(text: str) -> str:
        return text.replace(token, "***") if token else text

    try:
        moved, footer_rows = {}, None
        if transfer == "projected":
            reader = RangeReader(url, token_env=token_env, retries=retries, backoff_seconds=backoff_seconds,
                                 opener=opener, sleep=sleep)
            try:
                moved = _fetch_projected(reader, part, target, columns)
                footer_rows = moved["remote_rows"]
            except RangesIgnored:
                log.warning("%s: the server ignores Range requests; downloading the whole file", redact(url))
                transfer = "whole"
        if transfer == "whole":
            if state_path(part).exists():  # a sparse copy left by a projected transfer is no start
                discard(part)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            download(url, part, headers, opener or urllib_opener, retries, backoff_seconds, sleep, redact)
            moved = {"remote_bytes": part.stat().st_size, "download_bytes": part.stat().st_size,
                     "download_sha256": sha256_file(part)}
        kept, rows = _verify_and_project(url, part, target, columns, expected_min_rows, footer_rows)
    except FetchError as error:
        # `from None`: a chained cause could carry the token into a traceback.
        raise FetchError(redact(str(error))) from None
    discard(part)
    meta = {
        "title": f"Hugging Face Hub models snapshot {snapshot_date or ''}".strip(),
        "description": (
            f"Weekly snapshot of the Hub's models table from the Hugging Face dataset {DATASET}, "
            "projected to the columns the pipeline reads."
        ),
        "producer": f"Hugging Face ({DATASET})",
        "url": redact(url),
        "date_accessed": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "source": SOURCE,
        "synthetic": False,
        "rows": rows,
        "columns": kept,
        "bytes": target.stat().st_size,
        "sha256": sha256_file(target),
        "transfer": transfer,
        **{key: value for key, value in moved.items() if key != "remote_rows"},
        "download_measure": _download_measure(target, kept),
    }
    if snapshot_date:
        meta["snapshot_date"] = snapshot_date
    write_yaml(meta, meta_path)
    travelled = meta.get("bytes_transferred", meta.get("download_bytes"))
    log.info("%s: %d rows, %s of %d remote bytes travelled (%s), %d bytes -> %s",
             redact(url), rows, travelled, meta["remote_bytes"], transfer, meta["bytes"], target)
    return meta


def _fetch_projected(reader: RangeReader, part: Path, target: Path, columns: Sequence[str]) -> dict:
    """The footer and the wanted columns' chunks into the sparse `part`; returns the transfer's record."""
    url = reader.url
    try:
        moved = fetch_projected(reader, part, columns)
    except RangesIgnored:
        discard(part)
        raise
    except LayoutError as error:
        discard(part)
        raise FetchError(f"{url}: remote file: column '*' breaks rule '{error.rule}' (step {STEP}): {error}; "
                         f"partial file {part} removed and {target} not written") from None
    except RangeError as error:
        if error.permanent:
            discard(part)
            raise FetchError(f"{error}; partial file {part} removed and {target} not written") from None
        # The progress stays so that the next run fetches only the ranges still missing.
        raise FetchError(f"{error}; progress kept in {part} for the next run") from None
    record = {
        "remote_bytes": moved.layout.size,
        "remote_rows": moved.layout.num_rows,
        "bytes_transferred": moved.bytes_transferred,
        "bytes_resumed": moved.resumed_bytes,
        "requests": moved.requests,
    }
    if moved.etag:
        record["remote_etag"] = moved.etag
    return record


def _verify_and_project(url: str, part: Path, target: Path, columns: Sequence[str],
                        expected_min_rows: int, footer_rows: int | None) -> tuple[list[str], int]:
    """Check the transferred parquet and write its projection to `target` atomically; return (columns, rows)."""

    def refuse(column: str, rule: str, detail: str) -> FetchError:
        discard(part)
        return FetchError(f"{url}: downloaded file {part}: column '{column}' breaks rule '{rule}' (step {STEP}): "
                          f"{detail}; it was removed and {target} was not written")

    try:
        schema = pl.read_parquet_schema(part)
        rows = pl.scan_parquet(part).select(pl.len()).collect().item()
    except Exception as error:  # polars raises several error types for unreadable files
        raise refuse("*", "readable parquet", f"it is not a readable parquet file ({error})") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in schema]
    if missing:
        raise refuse(missing[0], "required column", f"it lacks the required column(s) {missing}")
    if footer_rows is not None and rows != footer_rows:
        raise refuse("*", "row count", f"the file reads as {rows} rows but its footer says {footer_rows}")
    if rows < expected_min_rows:
        raise refuse("*", "row count", f"it has {rows} rows, fewer than the {expected_min_rows} expected")
    kept = [name for name in columns if name in schema]

    def project(tmp: Path) -> None:
        pl.scan_parquet(part).select(kept).sink_parquet(tmp, compression="zstd")
        written = pl.scan_parquet(tmp).select(pl.len()).collect().item()
        if written != rows:
            raise refuse("*", "row count", f"{written} rows were decoded, but the file's metadata says {rows}")

    try:
        write_atomically(target, project)
    except FetchError:
        raise
    except Exception as error:  # a corrupt data page only shows when the data is read
        column = _first_unreadable(part, kept)
        raise refuse(column, "decodable column data", f"its data cannot be decoded ({error})") from None
    return kept, rows


def _first_unreadable(part: Path, columns: Sequence[str]) -> str:
    """The first of `columns` whose data does not decode, or `*` when each decodes alone."""
    for name in columns:
        try:
            pl.scan_parquet(part).select(name).collect()
        except Exception:  # polars raises several error types for corrupt pages
            return name
    return "*"


def _download_measure(target: Path, kept: list[str]) -> str:
    """`alltime_diff` when the snapshot carries cumulative counts, else `rolling30`."""
    if "downloadsAllTime" not in kept:
        return "rolling30"
    has_cumulative = pl.scan_parquet(target).select(pl.col("downloadsAllTime").is_not_null().any()).collect().item()
    return "alltime_diff" if has_cumulative else "rolling30"
