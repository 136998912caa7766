"""A remote file read by byte ranges: HTTP `Range` requests, each retried with backoff.

`RangeReader` is a seekable, read-only file object (`io.RawIOBase`) over a URL.
Every read asks the server for just the bytes it needs (`Range: bytes=a-b`);
`copy` streams one range to a callback and, when the connection drops
mid-range, asks again for the rest only. Transient failures (connection
errors, timeouts, 408/425/429/5xx, a body shorter than announced) are retried
`retries` times per range, waiting `backoff_seconds * 2**i` (or the server's
`Retry-After`, up to a minute) before retry i. The reader counts the bytes
that travelled (`bytes_transferred`) and remembers the remote size and ETag;
a file that changes size or ETag between requests stops the transfer, and a
server that answers a range with the whole file raises `RangesIgnored`
before that body travels.

`file:` URLs are answered locally with the same range semantics, so a local
mirror goes through exactly the same code. An access token is read from the
environment variable named by `token_env`, sent only to the first host (never
across a redirect to a storage host), and removed from every message.
"""

from __future__ import annotations

import http.client
import io
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import BinaryIO

TIMEOUT_SECONDS = 60
CHUNK_BYTES = 1 << 20
MAX_RETRY_AFTER_SECONDS = 60.0
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

Opener = Callable[[str, Mapping[str, str]], tuple[int, Mapping[str, str], BinaryIO]]

log = logging.getLogger(__name__)


class RangeError(RuntimeError):
    """A range that could not be read: permanent HTTP error, retries exhausted, or the remote file changed."""

    def __init__(self, message: str, *, permanent: bool = True):
        self.permanent = permanent
        super().__init__(message)


class RangesIgnored(RangeError):
    """The server answers a Range request with the whole file: a projected transfer would gain nothing."""


class _Transient(Exception):
    """An attempt failed in a way a later attempt may not; `wait` is the server's Retry-After, if any."""

    def __init__(self, reason: str, wait: float = 0.0):
        self.reason, self.wait = reason, wait
        super().__init__(reason)


def range_opener(url: str, headers: Mapping[str, str]) -> tuple[int, Mapping[str, str], BinaryIO]:
    """Open `url` with the `Range` header honoured: urllib for http(s), a local answer for `file:`."""
    if urllib.parse.urlsplit(url).scheme == "file":
        return _local_range(urllib.request.url2pathname(urllib.parse.urlsplit(url).path), headers.get("Range"))
    return urllib_opener(url, headers)


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


def _local_range(path: str, header: str | None) -> tuple[int, Mapping[str, str], BinaryIO]:
    size = os.path.getsize(path)
    if header is None:
        return 200, {"Content-Length": str(size)}, open(path, "rb")
    span = parse_range_header(header, size)
    if span is None:
        return 416, {"Content-Range": f"bytes */{size}"}, io.BytesIO(b"")
    start, end = span
    handle = open(path, "rb")
    handle.seek(start)
    body = io.BytesIO(handle.read(end - start))
    handle.close()
    return 206, {"Content-Range": f"bytes {start}-{end - 1}/{size}", "Content-Length": str(end - start)}, body


def parse_range_header(header: str, size: int) -> tuple[int, int] | None:
    """The half-open span a single-range `Range` header asks of a `size`-byte file; None if unsatisfiable."""
    first, _, last = header.strip().removeprefix("bytes=").partition("-")
    if not first:  # suffix: the last N bytes
        count = int(last)
        return (max(size - count, 0), size) if count and size else None
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    return (start, end) if start < size and start < end else None


class RangeReader(io.RawIOBase):
    """Read-only, seekable view of the file at `url`, fetched range by range."""

    def __init__(self, url: str, *, token_env: str = "", retries: int = 4, backoff_seconds: float = 2.0,
                 opener: Opener | None = None, sleep: Callable[[float], None] = time.sleep):
        super().__init__()
        self.url, self.retries, self.backoff_seconds = url, retries, backoff_seconds
        self._opener, self._sleep = opener or range_opener, sleep
        token = os.environ.get(token_env) if token_env else None
        self._token = token or None
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.size: int | None = None
        self.etag: str | None = None
        self.bytes_transferred = 0
        self.requests = 0
        self._position = 0

    # --- file object -----------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: None}[whence]
        if base is None:
            base = self.remote_size()
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        end = min(self._position + len(view), self.remote_size())
        if end <= self._position:
            return 0
        filled = 0

        def keep(chunk: bytes) -> None:
            nonlocal filled
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)

        self.copy(self._position, end, keep)
        self._position += filled
        return filled

    # --- ranges ----------------------------------------------------------------------------------

    def remote_size(self) -> int:
        """The remote file's size, asking for its last byte if no answer has told it yet."""
        if self.size is None:
            self.tail(1)
        assert self.size is not None
        return self.size

    def tail(self, count: int) -> bytes:
        """The last `count` bytes of the file (all of it if shorter); learns the size and ETag."""
        received = bytearray()
        learned: list[tuple[int, int]] = []

        def attempt() -> None:
            if not learned:
                self._request(f"bytes=-{count}", None, received.extend, learned.append)
            else:  # an earlier attempt broke off: ask for the rest only
                first, end = learned[0][0] + len(received), learned[0][1]
                self._request(f"bytes={first}-{end - 1}", (first, end), received.extend)

        self._with_retries(f"last {count} bytes", attempt)
        return bytes(received)

    def copy(self, start: int, end: int, write: Callable[[bytes], None]) -> None:
        """Pass bytes [start, end) to `write` in order; a dropped connection resumes where it stopped."""
        done = 0

        def sink(chunk: bytes) -> None:
            nonlocal done
            write(chunk)
            done += len(chunk)

        self._with_retries(f"bytes {start}-{end - 1}",
                           lambda: self._request(f"bytes={start + done}-{end - 1}", (start + done, end), sink))

    def redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _with_retries(self, what: str, attempt: Callable[[], None]) -> None:
        for number in range(self.retries + 1):
            try:
                attempt()
                return
            except _Transient as problem:
                last, wait = self.redact(problem.reason), problem.wait
            if number < self.retries:
                delay = max(self.backoff_seconds * 2**number, wait)
                log.warning("%s (%s): attempt %d failed (%s); retrying in %.1f s",
                            self.redact(self.url), what, number + 1, last, delay)
                self._sleep(delay)
        raise RangeError(f"{self.redact(self.url)}: {what} failed after {self.retries + 1} attempts, last: {last}",
                         permanent=False)

    def _request(self, range_header: str, span: tuple[int, int] | None, write: Callable[[bytes], None],
                 learn: Callable[[tuple[int, int]], None] | None = None) -> None:
        """One request for `span` (None: a suffix, whose span goes to `learn`).

        Raises `_Transient` when another attempt may succeed.
        """
        self.requests += 1
        try:
            status, response_headers, stream = self._opener(self.url, {**self._headers, "Range": range_header})
        except (OSError, http.client.HTTPException) as error:
            raise _Transient(f"{type(error).__name__}: {error}") from None
        answer = {name.lower(): value for name, value in response_headers.items()}
        try:
            if status in TRANSIENT_STATUSES:
                raise _Transient(f"HTTP {status}", _retry_after(answer))
            if status not in (200, 206):
                hint = " (a token, if needed, is read from the environment)" if status in (401, 403) else ""
                raise RangeError(f"{self.redact(self.url)}: server answered HTTP {status} to {range_header}{hint}")
            if status == 200:  # the body would be the whole file: stop before it travels
                raise RangesIgnored(f"{self.redact(self.url)}: the server ignores Range requests")
            first = self._check_answer(answer, span)
            if span is None:  # a suffix: its start is known only now
                span = (first, self.remote_size())
                if learn:
                    learn(span)
            self._stream(stream, span[1] - span[0], write)
        except (OSError, http.client.HTTPException) as error:
            raise _Transient(f"connection lost: {type(error).__name__}: {error}") from None
        finally:
            stream.close()

    def _check_answer(self, answer: dict[str, str], span: tuple[int, int] | None) -> int:
        """The first byte of a partial answer, after checking it against what is known of the file."""
        described, _, total = answer.get("content-range", "").removeprefix("bytes ").partition("/")
        first = described.partition("-")[0]
        if not (first.isdigit() and total.isdigit()):
            raise RangeError(f"{self.redact(self.url)}: partial answer without a usable Content-Range")
        if span is not None and int(first) != span[0]:
            raise RangeError(f"{self.redact(self.url)}: asked for byte {span[0]}, the server answered from {first}")
        self._remember(int(total), answer.get("etag"))
        return int(first)

    def _remember(self, size: int, etag: str | None) -> None:
        if self.size is not None and size != self.size:
            raise RangeError(f"{self.redact(self.url)}: the remote file changed size ({self.size} -> {size}) "
                             "during the transfer; run again")
        if etag and self.etag and _strong(etag) != _strong(self.etag):
            raise RangeError(f"{self.redact(self.url)}: the remote file changed (ETag {self.etag} -> {etag}) "
                             "during the transfer; run again")
        self.size, self.etag = size, self.etag or etag

    def _stream(self, stream: BinaryIO, length: int, write: Callable[[bytes], None]) -> None:
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(remaining, CHUNK_BYTES))
            if not chunk:
                raise _Transient(f"body ended with {remaining} bytes of the range missing")
            self.bytes_transferred += len(chunk)
            write(chunk)
            remaining -= len(chunk)


def _retry_after(answer: Mapping[str, str]) -> float:
    value = answer.get("retry-after", "")
    return min(float(value), MAX_RETRY_AFTER_SECONDS) if value.replace(".", "", 1).isdigit() else 0.0


def _strong(etag: str) -> str:
    return etag.removeprefix("W/")
