"""Bad input through the command line, where the class lives in the workflow run (tests/bad_inputs/README.md,
column "where tested"): a `dir` folder in a scratch copy of the repository, one build per class family.

- Refusals: one folder holding one bad snapshot per case, one `snakemake --keep-going` run to each case's
  output; each job's error must name the file, the column and the rule, and the workflow rule that failed.
- Repairs: one clean series with every repair planted, built to `results/data_quality.json`; each repair
  must be counted in `data_quality.{json,md}`.
- Landing record: a file of that build edited afterwards is refused, both hashes named; deleting its
  record accepts it.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pyarrow.parquet as pq
import pytest
from conftest import raw_frame, snakemake_run
from test_damaged_files import column_chunk, flip, snapshot
from test_hostile_inputs import population, row, weeks
from test_workflow import copy_repository

pytestmark = pytest.mark.e2e

SNAPSHOTS = "data/processed/snapshots/dir"
AHEAD = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=40)).isoformat()


def dated(index: int) -> str:
    return (dt.date(2021, 3, 3) + dt.timedelta(days=7 * index)).isoformat()


def write(folder, date: str, content: list[dict] | pl.DataFrame):
    path = folder / f"{date}.parquet"
    (raw_frame(content) if isinstance(content, list) else content).write_parquet(path)
    return path


def damaged(folder, date: str, damage: str):
    """A snapshot as pyarrow writes it by default (snappy, dictionaries), then damaged."""
    path = folder / f"{date}.parquet"
    pq.write_table(snapshot().to_arrow(), path)
    if damage == "page":
        start, size = column_chunk(path, "downloadsAllTime")
        flip(path, start + size - 1)
    elif damage == "footer":
        flip(path, path.stat().st_size - 6)
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


# (case, how the file is built, column, rule, workflow rule); each case is its own snapshot date.
REFUSALS = {
    "truncated": (lambda f, d: damaged(f, d, "truncate"), "*", "readable parquet"),
    "flipped-footer": (lambda f, d: damaged(f, d, "footer"), "*", "readable parquet"),
    "flipped-compressed-page": (lambda f, d: damaged(f, d, "page"), "downloadsAllTime", "decodable column data"),
    "missing-column": (lambda f, d: write(f, d, raw_frame([row()]).drop("downloads")), "downloads", "required column"),
    "text-count": (
        lambda f, d: write(f, d, raw_frame([row()]).with_columns(pl.lit("many").alias("downloadsAllTime"))),
        "downloadsAllTime",
        "column type",
    ),
    "integer-id": (
        lambda f, d: write(f, d, raw_frame([row()]).with_columns(pl.lit(7).alias("id"))),
        "id",
        "column type",
    ),
    "renamed-nested-field": (
        lambda f, d: write(
            f,
            d,
            raw_frame([row()]).with_columns(
                pl.lit({"parents": [{"_id": "x", "id": "a/b"}], "relation": "finetune"}).alias("baseModels")
            ),
        ),
        "baseModels",
        "column type",
    ),
    "overflow": (lambda f, d: write(f, d, [row(), row("k2", "org/n", 2**62)]), "downloadsAllTime", "physical bound"),
    "no-id": (lambda f, d: write(f, d, [row(id=None)]), "id", "non-empty snapshot"),
}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """One `--keep-going` run over every refusal case and a series whose third week loses `_id`: the output."""
    folder = tmp_path_factory.mktemp("refused_snapshots")
    files = {}
    for date, rows in zip(weeks(3), [population(0), population(1), population(2)], strict=True):
        write(folder, date, rows)
    files["identity-lost"] = write(folder, weeks(3)[2], [{**r, "_id": None} for r in population(2)])
    for index, (case, (build, _, _)) in enumerate(REFUSALS.items()):
        files[case] = build(folder, dated(index))
    # The newest file decides the measure, so it must be readable: the one dated after the run date.
    files["dated-ahead"] = write(folder, AHEAD, population(3))
    root = tmp_path_factory.mktemp("workflow_refusals")
    copy_repository(root)
    targets = [f"{SNAPSHOTS}/{path.stem}.parquet" for path in files.values()]
    targets[0] = f"data/processed/panel/{weeks(3)[2]}.parquet"
    code, output = snakemake_run(root, {"source": "dir", "dir_source": {"path": str(folder)}}, "--keep-going", *targets)
    assert code != 0
    return files, output


def failed_rule(output: str, date: str) -> str:
    """The workflow rule of the failed job whose inputs or outputs carry `date`."""
    failed = [rule for rule, block in re.findall(r"Error in rule (\w+):\n((?:    .*\n?)*)", output) if date in block]
    assert len(failed) == 1, f"{len(failed)} failed jobs for {date}"
    return failed[0]


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_snapshot_stops_its_job_naming_file_column_and_rule(refusals, case):
    files, output = refusals
    _, column, rule = REFUSALS[case]
    path = files[case]
    assert f"{path}: column '{column}' breaks rule '{rule}' (step normalize)" in output
    assert failed_rule(output, path.stem) == "normalize_snapshot"


def test_a_snapshot_dated_after_the_run_date_is_refused(refusals):
    files, output = refusals
    path = files["dated-ahead"]
    assert f"{path}: column '*' breaks rule 'snapshot date' (step normalize): dated {AHEAD}, after today" in output
    assert failed_rule(output, path.stem) == "normalize_snapshot"


def test_a_week_that_loses_the_stable_id_stops_its_panel_job(refusals):
    files, output = refusals
    assert "column '_id' breaks rule 'identity column kept'" in output
    assert failed_rule(output, files["identity-lost"].stem) == "panel_week"


def test_the_good_snapshots_of_the_folder_are_normalized(refusals):
    """`--keep-going`: the refusals stop their own jobs only."""
    _, output = refusals
    assert output.count("Error in rule ") == len(REFUSALS) + 2
