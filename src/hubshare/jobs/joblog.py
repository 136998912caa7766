"""Send a job's diagnostics to its log file."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def log_to(path: str | Path) -> Iterator[logging.Logger]:
    """Route the `hubshare` logger's records from this thread to `path` for the duration of a job, and stderr too
    when the job runs in a process of its own.

    A `run:` job is a thread of the Snakemake process, beside other jobs: its handler takes only its own thread's
    records, and it leaves stderr alone, since redirecting that would redirect every thread's.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("hubshare")
    job_thread = threading.get_ident()
    own_process = threading.current_thread() is threading.main_thread()
    with open(path, "w", encoding="utf-8") as handle:
        handler = logging.StreamHandler(handle)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        handler.addFilter(lambda record: record.thread == job_thread)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        started = time.perf_counter()
        try:
            with contextlib.redirect_stderr(handle) if own_process else contextlib.nullcontext():
                yield logger
            logger.info("done in %.2f s", time.perf_counter() - started)
        except BaseException:
            logger.exception("failed")
            raise
        finally:
            logger.removeHandler(handler)
