"""The whole-file transfer of a snapshot: one resumable download of every byte.

Bytes land in `<target>.part`; a retry asks for the rest with an HTTP Range
request, so a dropped connection costs only the bytes in flight. Transient
failures (connection errors, timeouts, 408/429/5xx, a body shorter than
announced) are retried with exponential backoff; after the last attempt the
partial file stays so that the next run resumes. (A partial file left from an
older version of the remote file fails the caller's verification; it is then
removed, and the next run starts afresh.)

The transport is plain HTTPS through `urllib`; the `opener` argument replaces
it, which is how the tests simulate servers.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from pathlib import Path

from hubshare.sources.errors import FetchError
from hubshare.sources.http_range import TRANSIENT_STATUSES, Opener

CHUNK_BYTES = 1 << 20

log = logging.getLogger(__name__)


class _Transient(Exception):
    """An attempt failed in a way a later attempt may not."""


def download(url: str, part: Path, headers: dict[str, str], opener: Opener, retries: int,
             backoff_seconds: float, sleep: Callable[[float], None], redact: Callable[[str], str]) -> None:
    """Fill `part` with the whole file at `url`, resuming what an earlier attempt or run left."""
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
