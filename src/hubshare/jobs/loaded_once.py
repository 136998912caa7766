"""Tables loaded once per process while their files are unchanged: weekly jobs run as threads of one
process and read the same curated files, which change only between runs."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Loaded = TypeVar("Loaded")


def loaded_once(load: Callable[..., Loaded]) -> Callable[..., Loaded]:
    """`load(*paths)`, called again only when a path or a file's modification time or size changes."""

    @functools.cache
    def cached(paths: tuple[str, ...], _stamp: tuple[tuple[int, int], ...]) -> Loaded:
        return load(*paths)

    @functools.wraps(load)
    def loader(*paths: str | Path) -> Loaded:
        names = tuple(str(p) for p in paths)
        return cached(names, tuple((os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in names))

    return loader
