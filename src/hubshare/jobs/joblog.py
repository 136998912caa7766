"""Send a job's diagnostics to its log file."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def log_to(path: str | Path) -> Iterator[logging.Logger]:
    """Route stderr and the `hubshare` logger to `path` for the duration of a job."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("hubshare")
    with open(path, "w", encoding="utf-8") as handle:
        handler = logging.StreamHandler(handle)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        started = time.perf_counter()
        try:
            with contextlib.redirect_stderr(handle):
                yield logger
            logger.info("done in %.2f s", time.perf_counter() - started)
        except BaseException:
            logger.exception("failed")
            raise
        finally:
            logger.removeHandler(handler)
