"""The `hub` source: weekly snapshots of the Hub's models table (`hfmlsoc/hub_weekly_snapshots`).

Each snapshot is one large parquet file (about 1.5 GB late in the series), so
the download resumes: bytes land in `<target>.part`, and a retry asks for the
rest with an HTTP Range request. Only after the finished file is verified
(readable parquet, the contract's required columns, enough rows, the size the
server announced) is it projected to the columns the pipeline reads and
renamed into place, so no half-written or unverified file ever carries the
final name. (A partial file left from an older version of the remote file
fails that verification; it is removed, and the next run starts afresh.)
The origin record (`.meta.yaml`) follows the snapshot.

The transport is plain HTTPS through `urllib`; the `opener` argument replaces
it, which is how the tests simulate servers with local files. An access token
is read only from the environment and never appears in logs, metadata or
error messages.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import polars as pl

from hubshare.atomic import sha256_file, write_atomically, write_yaml
from hubshare.schemas import RAW_COLUMNS

DATASET = "hfmlsoc/hub_weekly_snapshots"
BASE_URL = f"https://huggingface.co/datasets/{DATASET}/resolve/main"
LICENSE = "ODbL-1.0"
LICENSE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
SOURCE = "hub"
CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = 60
# Statuses a later attempt may not see again: timeouts, rate limits, server trouble.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
REQUIRED_COLUMNS = [name for name, (_, required) in RAW_COLUMNS.items() if required]

Opener = Callable[[str, Mapping[str, str]], tuple[int, Mapping[str, str], BinaryIO]]

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """A snapshot that could not be downloaded or verified; the message names the URL and file."""


class _Transient(Exception):
    """An attempt failed in a way a later attempt may not."""


def snapshot_url(base_url: str, pattern: str, date: dt.date | str) -> str:
    """The address of one snapshot: `pattern` formatted with the date, under `base_url`.

    `{date}` gives the ISO date; a format spec such as `{date:%Y%m%d}` is allowed.
    """
    if "{date" not in pattern:
        raise ValueError(f"snapshot path pattern {pattern!r} has no {{date}} placeholder: all dates would map to one file")
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return f"{base_url.rstrip('/')}/{pattern.format(date=day).lstrip('/')}"


def urllib_opener(url: str, headers: Mapping[str, str]) -> tuple[int, Mapping[str, str], BinaryIO]:
    """Open `url` with urllib; HTTP error statuses are returned, not raised."""
    request = urllib.request.Request(url)
    for name, value in headers.items():
        if name.lower() == "authorization":
            # Hub downloads redirect to a storage host; the token must not follow.
            request.add_unredirected_header(name, value)
        else:
            request.add_header(name, value)
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers or {}), error
    # Local `file:` addresses have no status; they answer the whole file.
    return response.status or 200, dict(response.headers), response


def fetch_snapshot(
    url: str,
    target_parquet: str | Path,
    meta_path: str | Path,
    *,
    columns: Sequence[str],
    token_env: str = "HF_TOKEN",
    opener: Opener | None = None,
    retries: int = 4,
    backoff_seconds: float = 2.0,
    expected_min_rows: int = 1,
    sleep: Callable[[float], None] = time.sleep,
    snapshot_date: str | None = None,
) -> dict:
    """Download one snapshot to `target_parquet`, projected to `columns`, and write its origin record.

    Transient failures (connection errors, timeouts, 408/429/5xx, a body
    shorter than announced) are retried `retries` times, waiting
    `backoff_seconds * 2**i` before retry i, and each retry resumes from the
    partial file. A finished download that fails verification is removed and
    raises `FetchError`. Returns the metadata written to `meta_path`.
    """
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"columns must include the raw contract's required columns; missing {missing}")
    target = Path(target_parquet)
    part = target.with_name(f"{target.name}.part")
    part.parent.mkdir(parents=True, exist_ok=True)
    token = os.environ.get(token_env) if token_env else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def redact(text: str) -> str:
        return text.replace(token, "***") if token else text

    try:
        _download(url, part, headers, opener or urllib_opener, retries, backoff_seconds, sleep, redact)
        download_bytes, download_sha256 = part.stat().st_size, sha256_file(part)
        kept, rows = _verify_and_project(url, part, target, columns, expected_min_rows)
    except FetchError as error:
        # `from None`: a chained cause could carry the token into a traceback.
        raise FetchError(redact(str(error))) from None
    part.unlink()
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
        "download_bytes": download_bytes,
        "download_sha256": download_sha256,
        "download_measure": _download_measure(target, kept),
    }
    if snapshot_date:
        meta["snapshot_date"] = snapshot_date
    write_yaml(meta, meta_path)
    log.info("%s: %d rows, %d bytes -> %s", redact(url), rows, meta["bytes"], target)
    return meta


def _download(url: str, part: Path, headers: dict[str, str], opener: Opener, retries: int,
              backoff_seconds: float, sleep: Callable[[float], None], redact: Callable[[str], str]) -> None:
    for attempt in range(retries + 1):
        try:
            _attempt(url, part, headers, opener)
            return
        except _Transient as problem:
            last = redact(str(problem))
        if attempt < retries:
            delay = backoff_seconds * 2**attempt
            log.warning("%s: attempt %d failed (%s); retrying in %.1f s", redact(url), attempt + 1, last, delay)
            sleep(delay)
    # The partial file stays so that the next run resumes instead of starting over.
    raise FetchError(f"{url}: download failed after {retries + 1} attempts, last: {last}; partial file kept at {part}")


def _attempt(url: str, part: Path, headers: dict[str, str], opener: Opener) -> None:
    """One request: append the missing bytes to `part`, or raise `_Transient` / `FetchError`."""
    offset = part.stat().st_size if part.exists() else 0
    request_headers = {**headers, **({"Range": f"bytes={offset}-"} if offset else {})}
    try:
        status, response_headers, stream = opener(url, request_headers)
    except (OSError, http.client.HTTPException) as error:
        raise _Transient(f"{type(error).__name__}: {error}") from None
    answer = {name.lower(): value for name, value in response_headers.items()}
    try:
        if status == 416:
            _check_already_complete(part, offset, answer)
            return
        if status in TRANSIENT_STATUSES:
            raise _Transient(f"HTTP {status}")
        if status not in (200, 206):
            hint = " (a token, if needed, is read from the environment)" if status in (401, 403) else ""
            raise FetchError(f"{url}: server answered HTTP {status}{hint}")
        start, total = _expected_range(status, answer, offset)
        if status == 206 and start != offset:
            part.unlink(missing_ok=True)
            raise _Transient(f"server resumed at byte {start}, not {offset}; starting over")
        with open(part, "r+b" if start else "wb") as sink:
            sink.seek(start)
            sink.truncate()
            while chunk := stream.read(CHUNK_BYTES):
                sink.write(chunk)
    except (OSError, http.client.HTTPException) as error:
        received = part.stat().st_size if part.exists() else 0
        raise _Transient(f"connection lost with {received} bytes in the partial file: {error}") from None
    finally:
        stream.close()
    size = part.stat().st_size
    if total is not None and size < total:
        raise _Transient(f"body ended at byte {size} of {total}")
    if total is not None and size > total:
        part.unlink()
        raise FetchError(f"{url}: received {size} bytes, more than the {total} announced; partial file removed")


def _expected_range(status: int, answer: dict[str, str], offset: int) -> tuple[int, int | None]:
    """Where the body starts in the file and the file's full size, when the server says so."""
    length = int(answer["content-length"]) if "content-length" in answer else None
    if status == 200:
        return 0, length  # a server without Range support sends the whole file again
    # Content-Range: bytes <first>-<last>/<size or *>
    span, _, size = answer.get("content-range", "").removeprefix("bytes ").partition("/")
    first = span.partition("-")[0]
    start = int(first) if first.isdigit() else offset
    if size.isdigit():
        return start, int(size)
    return start, None if length is None else start + length


def _check_already_complete(part: Path, offset: int, answer: dict[str, str]) -> None:
    """416 to a resume request means the file is complete when its size is the announced one."""
    size = answer.get("content-range", "").rpartition("/")[2]
    if offset and size.isdigit() and int(size) == offset:
        return
    part.unlink(missing_ok=True)
    raise _Transient("range not satisfiable; starting over")


def _verify_and_project(url: str, part: Path, target: Path, columns: Sequence[str],
                        expected_min_rows: int) -> tuple[list[str], int]:
    """Check the downloaded parquet and write its projection to `target` atomically; return (columns, rows)."""

    def refuse(detail: str) -> FetchError:
        part.unlink(missing_ok=True)
        return FetchError(f"{url}: downloaded file {part} {detail}; it was removed and {target} was not written")

    try:
        schema = pl.read_parquet_schema(part)
        rows = pl.scan_parquet(part).select(pl.len()).collect().item()
    except Exception as error:  # polars raises several error types for unreadable files
        raise refuse(f"is not a readable parquet file ({error})") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in schema]
    if missing:
        raise refuse(f"lacks the required column(s) {missing}")
    if rows < expected_min_rows:
        raise refuse(f"has {rows} rows, fewer than the {expected_min_rows} expected")
    kept = [name for name in columns if name in schema]
    try:
        write_atomically(target, lambda tmp: pl.scan_parquet(part).select(kept).sink_parquet(tmp, compression="zstd"))
    except Exception as error:  # a corrupt data page only shows when the data is read
        raise refuse(f"has unreadable data ({error})") from None
    return kept, rows


def _download_measure(target: Path, kept: list[str]) -> str:
    """`alltime_diff` when the snapshot carries cumulative counts, else `rolling30`."""
    if "downloadsAllTime" not in kept:
        return "rolling30"
    has_cumulative = pl.scan_parquet(target).select(pl.col("downloadsAllTime").is_not_null().any()).collect().item()
    return "alltime_diff" if has_cumulative else "rolling30"
