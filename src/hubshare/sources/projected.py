"""Fetch only the footer and the needed column chunks of a remote parquet file, resumably.

The bytes land at their own offsets in a local sparse copy (`part`) of the
remote file's full size: the footer, the leading magic and the chunks of the
wanted columns are real, the rest is a hole that takes no disk space on file
systems with sparse files (ext4, xfs, btrfs, tmpfs, APFS). Any parquet reader
asked for the wanted columns reads only real bytes, so the caller can project
and verify the copy with polars as if the whole file were there.

Progress is kept in `<part>.json` (remote size, ETag, finished ranges) after
every finished range, so an interrupted transfer resumes with the ranges still
missing, provided the remote file is the same (size and ETag); otherwise it
starts afresh.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hubshare.atomic import write_json
from hubshare.sources.http_range import RangeReader
from hubshare.sources.parquet_layout import TAIL_BYTES, Layout, footer_length, needed_ranges, parse_footer

TAIL_GUESS_BYTES = 1 << 16  # one request usually brings the whole footer
MERGE_GAP_BYTES = 1 << 16  # fetch small gaps between wanted ranges rather than pay another request
MAX_RANGE_BYTES = 64 << 20  # progress is saved at least every this many bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transfer:
    """What a projected fetch brought: the file's layout and what travelled."""

    layout: Layout
    columns: list[str]  # wanted columns the file has, in the file's order
    ranges: list[tuple[int, int]]
    bytes_transferred: int
    resumed_bytes: int  # bytes of finished ranges kept from an earlier, interrupted run
    requests: int
    etag: str | None


def state_path(part: Path) -> Path:
    return part.with_name(f"{part.name}.json")


def fetch_projected(reader: RangeReader, part: str | Path, columns: Sequence[str], *,
                    merge_gap: int = MERGE_GAP_BYTES, max_range: int = MAX_RANGE_BYTES) -> Transfer:
    """Fill `part` with the footer and the chunks of `columns` of the file `reader` reads.

    Raises `LayoutError` when the remote file is not a readable parquet file
    and `RangeError` when the transfer fails; the progress is kept then, so a
    later call resumes.
    """
    part = Path(part)
    tail = reader.tail(TAIL_GUESS_BYTES)
    size = reader.remote_size()
    length = footer_length(tail, size)
    if length + TAIL_BYTES > len(tail):
        reader.seek(size - TAIL_BYTES - length)
        tail = reader.read(length + TAIL_BYTES)
    layout = parse_footer(tail[-TAIL_BYTES - length:-TAIL_BYTES], size)
    present = [name for name in layout.columns if name in set(columns)]
    tail_start = size - len(tail)
    # Bytes the tail request already brought are not asked for again.
    wanted = [(start, min(end, tail_start)) for start, end in needed_ranges(layout, present, merge_gap)]
    ranges = _split([(start, end) for start, end in wanted if start < end], max_range)

    done = _resume(part, size, reader.etag)
    resumed = sum(end - start for start, end in ranges if (start, end) in done)
    with open(part, "r+b") as sink:
        sink.seek(tail_start)
        sink.write(tail)
        for start, end in ranges:
            if (start, end) in done:
                continue
            sink.seek(start)
            reader.copy(start, end, sink.write)
            sink.flush()
            os.fsync(sink.fileno())
            done.add((start, end))
            write_json({"size": size, "etag": reader.etag, "done": sorted(done)}, state_path(part))
    log.info("%s: %d of %d bytes fetched for %d column(s) in %d range(s), %d kept from an earlier run",
             reader.redact(reader.url), reader.bytes_transferred, size, len(present), len(ranges), resumed)
    return Transfer(layout, present, ranges, reader.bytes_transferred, resumed, reader.requests, reader.etag)


def discard(part: Path) -> None:
    """Remove the sparse copy and its progress record."""
    part.unlink(missing_ok=True)
    state_path(part).unlink(missing_ok=True)


def _resume(part: Path, size: int, etag: str | None) -> set[tuple[int, int]]:
    """Finished ranges of an earlier run on the same remote file; otherwise a fresh, empty copy."""
    state = state_path(part)
    try:
        saved = json.loads(state.read_text(encoding="utf-8"))
        same = saved["size"] == size and saved["etag"] == etag and part.stat().st_size == size
        done = {(int(start), int(end)) for start, end in saved["done"]} if same else set()
    except (OSError, ValueError, KeyError, TypeError):
        same, done = False, set()
    if not same:
        discard(part)
        part.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as fresh:
            fresh.truncate(size)
    return done


def _split(ranges: list[tuple[int, int]], max_range: int) -> list[tuple[int, int]]:
    pieces = []
    for start, end in ranges:
        pieces += [(first, min(first + max_range, end)) for first in range(start, end, max_range)]
    return pieces
