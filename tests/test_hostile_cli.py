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
import json
import re
import shutil

import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import raw_frame, snakemake_run
from hub_shape import model_row, write_mirror
from test_damaged_files import column_chunk, flip, snapshot
from test_hostile_inputs import population, row, weeks
from workflow_runs import copy_repository

from hubshare.jobs.atomic import sha256_file

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


# --- refused when the workflow starts, before any job: one dry run per case ------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    root = tmp_path_factory.mktemp("workflow_start")
    copy_repository(root)
    return root


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"periods": [{"name": "x", "start": "2025-02-30", "end": "2025-03-01"}]}, "periods.0.start"),
        ({"properties": {"first_period": "2023", "last_period": "2031"}}, "properties.last_period"),
        (
            # No period holds data: the headline window lies years before the snapshots.
            {
                "periods": [{"name": "last_year", "start": "2010-01-01", "end": "2010-12-31"}],
                "properties": {"first_period": "last_year", "last_period": "last_year"},
            },
            "periods",
        ),
    ],
    ids=["impossible-date", "unknown-period", "no-period-with-data"],
)
def test_a_bad_configuration_stops_the_run_before_any_job(scratch, change, key):
    code, output = snakemake_run(scratch, change, "--dry-run")
    assert code != 0 and f"config key '{key}'" in output
    assert "Job stats" not in output


def test_a_hub_file_outside_the_layout_stops_the_run_naming_its_path(scratch, tmp_path):
    mirror = write_mirror(
        tmp_path / "mirror",
        {dt.date(2024, 7, 24): [model_row("a1", "org/m", dt.datetime(2024, 5, 1, tzinfo=dt.UTC), 5, 50)]},
    )
    (mirror / "models/2024-7-31").mkdir()
    shutil.copy(mirror / "models/2024-07-24/models.parquet", mirror / "models/2024-7-31/models.parquet")
    config = {"source": "hub", "hub": {"base_url": mirror.as_uri(), "start": "2024-07-24"}}
    code, output = snakemake_run(scratch, config, "--dry-run")
    assert code != 0 and "models/2024-7-31/models.parquet" in output and "'snapshot path'" in output


# --- repairs: one clean series with every repair planted, built to the data-quality report ---------------

SERIES = weeks(9)
REPAIRS = {
    "invalid_model_id_dropped": 2,
    "created_before_hub_opened_set_null": 1,
    "duplicate_model_rows_removed": 1,
    "negative_downloadsAllTime_set_null": 1,
    "created_after_snapshot_set_null": 1,
}


def planted_series() -> dict[str, pl.DataFrame]:
    snapshots = {date: raw_frame(population(i)) for i, date in enumerate(SERIES)}
    snapshots[SERIES[1]] = raw_frame(
        [
            *population(1),
            row("k90", "/etc/passwd"),
            row("k91", "<img src=x onerror=alert(document.domain)>/m"),
            row("k92", "org/old", createdAt=dt.date(1938, 5, 1)),
        ]
    )
    second = population(2)
    second[1]["downloadsAllTime"] = -5
    snapshots[SERIES[2]] = raw_frame([*second, {**second[0], "downloadsAllTime": second[0]["downloadsAllTime"] - 3}])
    snapshots[SERIES[3]] = raw_frame([*population(3), row("k93", "org/new", 12, createdAt=dt.date(2030, 1, 1))])
    snapshots[SERIES[4]] = raw_frame(population(4)).drop("baseModels")
    snapshots[SERIES[5]] = raw_frame(population(4, shift=-1))  # every counter one lower than the week before
    snapshots[SERIES[6]] = snapshots[SERIES[6]].with_columns(pl.lit(0.5).alias("trendingScore"))
    snapshots[SERIES[7]] = snapshots[SERIES[6]]  # one snapshot under two dates
    last = population(8)
    last[5]["downloadsAllTime"] = 25  # a counter reset
    snapshots[SERIES[8]] = raw_frame(last)
    return snapshots


@pytest.fixture(scope="module")
def repaired(tmp_path_factory):
    folder = tmp_path_factory.mktemp("repaired_snapshots")
    for date, frame in planted_series().items():
        write(folder, date, frame)
    root = tmp_path_factory.mktemp("workflow_repairs")
    copy_repository(root)
    code, output = snakemake_run(
        root, {"source": "dir", "dir_source": {"path": str(folder)}}, "results/data_quality.json"
    )
    assert code == 0, output[-3000:]
    report = json.loads((root / "results/data_quality.json").read_text())
    return root, folder, report, (root / "results/data_quality.md").read_text()


@pytest.mark.parametrize(("repair", "rows"), list(REPAIRS.items()))
def test_each_repair_is_counted_in_the_data_quality_report(repaired, repair, rows):
    _, _, report, markdown = repaired
    assert report["repairs"][repair] == rows
    assert f"| {repair} | {rows} |" in markdown


def test_the_weeks_the_guards_leave_out_are_listed(repaired):
    _, _, report, markdown = repaired
    assert report["columns_lost"] == {SERIES[4]: ["baseModels"]}
    assert report["implausible_weeks"] == [SERIES[5]]
    assert report["repeated_snapshots"] == [SERIES[7]]
    assert f"Columns the snapshot before had and a snapshot lacks: {SERIES[4]}: baseModels." in markdown
    assert f"left out as implausible (plausibility guards): {SERIES[5]}." in markdown
    assert report["extra_columns"] == ["trendingScore"]


def test_a_counter_reset_is_booked_and_adjusted_in_the_ledger(repaired):
    _, _, report, markdown = repaired
    ledger = {line["category"]: line["downloads"] for line in report["ledger"]}
    # Model 5 stood at 6 * 1000 + 6 * 70 before the reset (week 7 repeats week 6).
    assert (ledger["counted_after_counter_reset"], ledger["adjustment_counter_reset_drop"]) == (25, 6420)
    assert "| adjustment_counter_reset_drop | adjustment | 6,420 | 1 |" in markdown


# Last in the file: it changes the repairs build's folder.
def test_a_dir_snapshot_edited_after_its_first_reading_is_refused_until_its_record_is_deleted(repaired):
    root, folder, _, _ = repaired
    path, record = folder / f"{SERIES[3]}.parquet", root / f"data/raw/snapshots/dir/{SERIES[3]}.meta.yaml"
    first = yaml.safe_load(record.read_text())
    assert (first["sha256"], first["bytes"]) == (sha256_file(path), path.stat().st_size)
    write(folder, SERIES[3], population(3, shift=1))
    config = {"source": "dir", "dir_source": {"path": str(folder)}}
    code, output = snakemake_run(root, config, f"{SNAPSHOTS}/{SERIES[3]}.parquet")
    assert code != 0 and failed_rule(output, SERIES[3]) == "normalize_snapshot"
    assert f"{path}: column '*' breaks rule 'landed checksum'" in output
    assert f"its sha256 is {sha256_file(path)}" in output and f"recorded {first['sha256']}" in output
    record.unlink()
    code, output = snakemake_run(root, config, f"{SNAPSHOTS}/{SERIES[3]}.parquet")
    assert code == 0, output[-3000:]
    assert yaml.safe_load(record.read_text())["sha256"] == sha256_file(path)
