"""A key for tables loaded once per process: weekly jobs run as threads of one process and read the same
curated files, which change only between runs."""

from __future__ import annotations

import os
from collections.abc import Sequence


def files_stamp(paths: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Each file's modification time (ns) and size: a cache key that changes when a file does."""
    return tuple((os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in paths)
