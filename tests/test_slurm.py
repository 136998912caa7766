"""The tiny demo configuration end to end through the SLURM executor plugin, on a real SLURM cluster.

Opt-in: `pytest -m slurm` (deselected otherwise). Uses a cluster that is up (`sinfo` shows an idle
node; its partition and account are given by HUBSHARE_SLURM_PARTITION and HUBSHARE_SLURM_ACCOUNT),
or starts the single-node one of profiles/slurm/local-cluster.sh (root, Debian or Ubuntu) and stops
it afterwards. The plugin follows jobs by polling `sacct`, so even this tiny run takes minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import yaml
from conftest import REPO
from workflow_runs import TINY, copy_repository

pytestmark = pytest.mark.slurm

LOCAL_CLUSTER = REPO / "profiles/slurm/local-cluster.sh"
# Seven fortnightly snapshots: every rule of the workflow, in about fifty jobs.
SLURM_RUN = TINY | {"demo": TINY["demo"] | {"start": "2025-06-04", "end": "2025-08-27"}}


def node_is_idle() -> bool:
    if shutil.which("sinfo") is None:
        return False
    states = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True)
    return states.returncode == 0 and "idle" in states.stdout.split()


@pytest.fixture(scope="module")
def cluster() -> dict[str, str]:
    """The partition and account to submit to, on a cluster that is up for the test's duration."""
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="the SLURM executor plugin: ./install --cluster")
    if node_is_idle():
        yield {
            "partition": os.environ.get("HUBSHARE_SLURM_PARTITION", "main"),
            "account": os.environ.get("HUBSHARE_SLURM_ACCOUNT", "hubshare"),
        }
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("no SLURM cluster is up, and starting one needs root on Debian or Ubuntu")
    subprocess.run([str(LOCAL_CLUSTER), "start"], check=True, timeout=900)
    try:
        yield {"partition": "main", "account": "hubshare"}
    finally:
        subprocess.run([str(LOCAL_CLUSTER), "stop"], check=True, timeout=300)


def test_tiny_demo_runs_through_the_slurm_executor(cluster, tmp_path):
    copy_repository(tmp_path)
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(SLURM_RUN))
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    # profiles/slurm as a site would use it, resized for one small node: one CPU and 1 GB a job.
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--profile",
        "profiles/slurm",
        "--configfile",
        "run.yaml",
        "--jobs",
        "4",
        "--latency-wait",
        "10",
        "--slurm-init-seconds-before-status-checks",
        "5",
        "--default-resources",
        f"slurm_account={cluster['account']}",
        f"slurm_partition={cluster['partition']}",
        "mem_mb=1000",
        "runtime=20",
        "cpus_per_task=1",
        "--set-resources",
        "intermediaries:mem_mb=1000",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-4000:]
    for output in ["paper/_build/index.html", "paper/_build/index.pdf", "figures/manifest.json"]:
        assert (tmp_path / output).stat().st_size > 0

    steps = int(re.findall(r"(\d+) of \d+ steps \(100%\) done", run.stderr)[-1])
    accounted = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-S", started, "-o", "JobID,JobName,State,Elapsed"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    states = [line.split("|")[2] for line in accounted]
    # Every job but the local target `all` went through SLURM, and SLURM's accounting saw each complete.
    assert len(states) == steps - 1
    assert set(states) == {"COMPLETED"}
