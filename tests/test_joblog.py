"""A job's log holds its own diagnostics, also when jobs run as threads of one process (`run:` jobs)."""

from __future__ import annotations

import logging
import sys
import threading

from hubshare.jobs.joblog import log_to


def test_jobs_in_threads_each_log_only_their_own_records(tmp_path):
    both_logging = threading.Barrier(2)
    errors = []

    def job(name: str) -> None:
        try:
            with log_to(tmp_path / f"{name}.log"):
                both_logging.wait(timeout=10)
                for step in range(50):
                    logging.getLogger("hubshare.some.module").info("%s step %d", name, step)
                both_logging.wait(timeout=10)
        except Exception as error:  # noqa: BLE001 (handed to the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=job, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for name, other in (("first", "second"), ("second", "first")):
        text = (tmp_path / f"{name}.log").read_text()
        assert text.count(f"{name} step") == 50
        assert other not in text
        assert "done in" in text


def test_a_thread_leaves_the_process_stderr_alone(tmp_path):
    seen = []

    def job() -> None:
        with log_to(tmp_path / "thread.log"):
            seen.append(sys.stderr)

    before = sys.stderr
    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    assert seen == [before]


def test_a_job_in_its_own_process_also_sends_stderr_to_its_log(tmp_path):
    with log_to(tmp_path / "main.log") as log:
        print("a warning on stderr", file=sys.stderr)
        log.info("a record")
    text = (tmp_path / "main.log").read_text()
    assert "a warning on stderr" in text and "INFO a record" in text
