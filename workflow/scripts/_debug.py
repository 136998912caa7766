"""Run one job's script or `run:` block alone, in this process, against a finished build: for debugging.

    python workflow/scripts/_debug.py RULE [WILDCARD=VALUE ...] [--configfile FILE ...] [--pdb]

Snakemake itself builds the job (its API parses the Snakefile, then the DAG for that one job),
so the script sees the `snakemake` object a real run would give it (input, output, params,
wildcards, log, config), and a `run:` block the same names. It then runs here, where breakpoints,
`--pdb` (post-mortem on an exception) and a debugger attached to this process work. Its inputs must exist (a finished build
has them); it rewrites the job's outputs and log as a real run would. Run from the repository root.
"""

from __future__ import annotations

import argparse
import inspect
import os
import pdb
import runpy
import sys
import traceback
from pathlib import Path

# Snakemake starts a script job with its `threads` (one, for every rule here) as the thread count of the
# numerical libraries, whatever the caller's environment says; they read it when first loaded, which parsing
# the workflow below does. The bootstrap's matrix products round differently with more threads, so without
# this a script's outputs would differ here. The variables are the ones Snakemake sets.
for variable in (
    "OMP_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[variable] = "1"

from snakemake.api import SnakemakeApi  # noqa: E402 (after the thread counts are set)
from snakemake.iocontainers import Snakemake  # noqa: E402
from snakemake.settings.enums import Quietness  # noqa: E402
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings  # noqa: E402
from snakemake_interface_executor_plugins.utils import TargetSpec  # noqa: E402


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rule")
    parser.add_argument("wildcards", nargs="*", metavar="WILDCARD=VALUE")
    parser.add_argument("--configfile", action="append", default=[], type=Path)
    parser.add_argument("--pdb", action="store_true", help="start the debugger where the script fails")
    arguments = parser.parse_args(argv)
    pairs = [w.split("=", 1) for w in arguments.wildcards]
    if any(len(pair) != 2 for pair in pairs):
        parser.error("wildcards are given as WILDCARD=VALUE")
    arguments.wildcards = dict(pairs)
    return arguments


def build_job(rule: str, wildcards: dict[str, str], configfiles: list[Path], api: SnakemakeApi):
    """The job and the workflow's config, as Snakemake builds them for a run."""
    workflow_api = api.workflow(
        resource_settings=ResourceSettings(cores=1),
        config_settings=ConfigSettings(configfiles=configfiles),
        snakefile=Path("Snakefile"),
    )
    # The API has no call that returns a job, so this reaches the workflow it builds (Snakemake 9).
    workflow_api.dag(DAGSettings(target_jobs=[TargetSpec(rule, wildcards)]))
    workflow = workflow_api._workflow
    workflow._prepare_dag(forceall=False, ignore_incomplete=True, lock_warn_only=True, nolock=True)
    workflow._build_dag()
    (job,) = [job for job in workflow.dag.targetjobs if job.rule.name == rule]
    return job, workflow.config


def snakemake_object(job, config: dict) -> Snakemake:
    """What a script run by Snakemake finds as `snakemake`."""
    return Snakemake(
        job.input,
        job.output,
        job.params,
        job.wildcards,
        job.threads,
        job.resources,
        job.log,
        config,
        job.rule.name,
        None,
        str(Path(job.rule.basedir.get_path_or_uri(secret_free=True))),
    )


def run_job(job, config: dict) -> None:
    rule = job.rule
    if rule.script is not None:
        script = Path(rule.basedir.get_path_or_uri(secret_free=True)) / rule.script
        print(f"running {script} for {rule.name} {dict(job.wildcards)}", file=sys.stderr)
        runpy.run_path(str(script), init_globals={"snakemake": snakemake_object(job, config)}, run_name="__main__")
    elif rule.is_run:
        # The compiled `run:` block takes these names and some for execution machinery it does not use here.
        names = {
            "input": job.input,
            "output": job.output,
            "params": job.params,
            "wildcards": job.wildcards,
            "threads": job.threads,
            "resources": job.resources,
            "log": job.log,
            "rule": rule,
        }
        print(f"running the run: block of {rule.name} {dict(job.wildcards)}", file=sys.stderr)
        rule.run_func(**{name: names.get(name) for name in inspect.signature(rule.run_func).parameters})
    else:
        raise SystemExit(f"rule {rule.name} has neither a script nor a run: block")


def main(argv: list[str]) -> None:
    arguments = parse_arguments(argv)
    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        job, config = build_job(arguments.rule, arguments.wildcards, arguments.configfile, api)
        missing = [path for path in job.input if not Path(path).exists()]
        if missing:
            raise SystemExit(f"inputs missing (finish the build first): {', '.join(missing)}")
        try:
            run_job(job, config)
        except Exception:
            if not arguments.pdb:
                raise
            traceback.print_exc()
            pdb.post_mortem()


if __name__ == "__main__":
    main(sys.argv[1:])
