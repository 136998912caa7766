"""The bad-input corpus (tests/bad_inputs/README.md): every case is built here, at test time.

Each case must end in a `SnapshotError` that names the file, the column and
the rule, or in a repair counted in the quality record; wherever the pipeline
continues, the alltime panel's ledger must still balance. Cases whose class
lives in the workflow (source folders, dump conversion) run through the
`snakemake` command line in a scratch copy of the repository.
"""

import datetime as dt
import json

import polars as pl
import pytest
import yaml
from conftest import REPO, raw_frame, snakemake_run
from workflow_runs import copy_repository

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.normalize.snapshot import SnapshotError, normalize_snapshot, normalize_snapshot_file
from hubshare.panel.ledger import check_conservation, panel_totals
from hubshare.panel.model_weeks import PanelError, build_panel
from hubshare.sources.api_json import DumpError, convert_api_json

OLD = dt.date(2019, 1, 1)
FIRST = "2021-01-06"


def row(key="k1", model_id="org/m", all_time=100, **changes) -> dict:
    values = {"_id": key, "id": model_id, "createdAt": OLD, "downloads": 1, "downloadsAllTime": all_time}
    values.update(changes)
    return values


def write(folder, date: str, content: list[dict] | pl.DataFrame):
    frame = raw_frame(content) if isinstance(content, list) else content
    path = folder / f"{date}.parquet"
    frame.write_parquet(path)
    return path


def refused(path, date: str = FIRST) -> SnapshotError:
    with pytest.raises(SnapshotError) as error:
        normalize_snapshot(path, dt.date.fromisoformat(date))
    return error.value


def assert_names(error: SnapshotError, path, column: str, rule: str) -> None:
    assert (error.path, error.column, error.rule) == (str(path), column, rule)
    assert str(path) in str(error) and f"'{column}'" in str(error) and f"'{rule}'" in str(error)


def panel_of(raw_dir, tmp_path, snapshots: dict[str, list[dict] | pl.DataFrame]):
    """Normalize every snapshot, build the alltime panel, check the ledger; return panel, ledger, quality records."""
    paths, quality = [], {}
    for date, content in snapshots.items():
        out = tmp_path / "norm" / f"{date}.parquet"
        quality_path = tmp_path / "quality" / f"{date}.json"
        normalize_snapshot_file(
            write(raw_dir, date, content), out, quality_path, date, tmp_path / "log" / f"{date}.log"
        )
        paths.append(out)
        quality[date] = json.loads(quality_path.read_text())
    panel, ledger = build_panel(paths)
    check_conservation(ledger, panel_totals(panel))
    return panel, dict(zip(ledger["category"], ledger["downloads"], strict=True)), quality


def weekly(panel, key):
    rows = panel.filter(pl.col("model_key") == key).sort("week")
    return [(str(r["week"]), r["downloads"], r["event"]) for r in rows.iter_rows(named=True)]


# --- refused ----------------------------------------------------------------------------------------


def test_truncated_parquet(raw_dir):
    path = write(raw_dir, FIRST, [row(), row("k2", "org/n")])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert_names(refused(path), path, "*", "readable parquet")


@pytest.mark.parametrize("column", [name for name, (_, required) in RAW_COLUMNS.items() if required])
def test_missing_required_column(raw_dir, column):
    path = write(raw_dir, FIRST, raw_frame([row()]).drop(column))
    assert_names(refused(path), path, column, "required column")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("downloadsAllTime", pl.lit("many")),
        ("downloads", pl.lit(1.5)),
        ("createdAt", pl.lit("yesterday")),
        ("baseModels", pl.lit('{"models": [], "relation": "finetune"}')),
        ("tags", pl.lit("gguf,text-generation")),
        # Epoch time is accepted in s, ms, us or ns, told by size; 12345 fits none of them.
        ("createdAt", pl.lit(12_345)),
        ("downloads", pl.lit(True)),
    ],
    ids=[
        "text-count",
        "fractional-count",
        "unparseable-time",
        "json-text-struct",
        "text-list",
        "integer-time-of-no-unit",
        "boolean-count",
    ],
)
def test_wrong_type(raw_dir, column, value):
    path = write(raw_dir, FIRST, raw_frame([row()]).with_columns(value.alias(column)))
    assert_names(refused(path), path, column, "column type")


def test_empty_snapshot(raw_dir):
    path = write(raw_dir, FIRST, raw_frame([row()]).clear())
    assert_names(refused(path), path, "*", "non-empty snapshot")


def test_snapshot_without_any_id(raw_dir):
    path = write(raw_dir, FIRST, [row(id=None), row("k2", id=None)])
    assert_names(refused(path), path, "id", "non-empty snapshot")


def test_non_utf8_id(raw_dir):
    frame = raw_frame([row()]).with_columns(pl.Series("id", [b"org/\xff\xfe"], dtype=pl.Binary))
    path = write(raw_dir, FIRST, frame)
    error = refused(path)
    assert_names(error, path, "id", "column type")
    assert "utf8" in str(error).lower()


def test_binary_id_with_valid_utf8_is_read_as_text(raw_dir):
    path = write(raw_dir, FIRST, raw_frame([row()]).with_columns(pl.Series("id", [b"org/model"], dtype=pl.Binary)))
    frame, _ = normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    assert frame["model_id"].to_list() == ["org/model"]


# --- repaired and counted; the panel still balances ---------------------------------------------------


def test_duplicate_rows_keep_the_highest_count(raw_dir, tmp_path):
    panel, ledger, quality = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: [row(all_time=100), row(all_time=120), row("k2", "org/n", 5)],
            "2021-01-13": [row(all_time=150), row("k2", "org/n", 5)],
        },
    )
    assert quality[FIRST]["repairs"]["duplicate_model_rows_removed"] == 1
    assert weekly(panel, "k1") == [("2021-01-13", 30, "increase")]
    assert ledger["excluded_baseline_before_window"] == 125


def test_duplicate_ids_without_stable_ids(raw_dir, tmp_path):
    no_stable_id = raw_frame([row(all_time=10), row(all_time=40)]).drop("_id")
    panel, _, quality = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: no_stable_id,
            "2021-01-13": raw_frame([row(all_time=45)]).drop("_id"),
        },
    )
    assert quality[FIRST]["repairs"]["duplicate_model_rows_removed"] == 1
    assert weekly(panel, "org/m") == [("2021-01-13", 5, "increase")]


def test_one_id_under_two_stable_ids(raw_dir):
    path = write(raw_dir, FIRST, [row("k1", all_time=100), row("k2", all_time=90)])
    frame, quality = normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    assert frame["model_id"].to_list() == ["org/m"]
    assert sum(count for name, count in quality.repairs.items() if "duplicate" in name) == 1


def test_decreasing_cumulative_count_is_a_counter_reset(raw_dir, tmp_path):
    panel, ledger, _ = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: [row(all_time=500)],
            "2021-01-13": [row(all_time=600)],
            "2021-01-20": [row(all_time=25)],
        },
    )
    assert weekly(panel, "k1") == [("2021-01-13", 100, "increase"), ("2021-01-20", 25, "counter_reset")]
    assert ledger["adjustment_counter_reset_drop"] == 600


def test_negative_numbers_are_set_null_and_the_week_becomes_a_gap(raw_dir, tmp_path):
    panel, _, quality = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: [row(all_time=100)],
            "2021-01-13": [row(all_time=-5, downloads=-3, likes=-1)],
            "2021-01-20": [row(all_time=130)],
        },
    )
    repairs = quality["2021-01-13"]["repairs"]
    assert (
        repairs["negative_downloadsAllTime_set_null"],
        repairs["negative_downloads_set_null"],
        repairs["negative_likes_set_null"],
    ) == (1, 1, 1)
    assert weekly(panel, "k1") == [("2021-01-20", 30, "increase")]
    assert panel["interval_days"].to_list() == [14]


def test_creation_date_after_the_snapshot_is_set_null(raw_dir, tmp_path):
    panel, ledger, quality = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: [row()],
            "2021-01-13": [row(), row("k2", "org/new", 12, createdAt=dt.date(2030, 1, 1))],
        },
    )
    assert quality["2021-01-13"]["repairs"]["created_after_snapshot_set_null"] == 1
    assert weekly(panel, "k2") == [("2021-01-13", 12, "first_appearance")]
    assert ledger["counted_first_appearance_new"] == 12


def test_snapshot_paths_out_of_order_give_the_same_panel(raw_dir, tmp_path):
    snapshots = {FIRST: [row(all_time=1)], "2021-01-13": [row(all_time=4)], "2021-01-20": [row(all_time=9)]}
    in_order, ledger, _ = panel_of(raw_dir, tmp_path, snapshots)
    shuffled = [tmp_path / "norm" / f"{date}.parquet" for date in ("2021-01-20", FIRST, "2021-01-13")]
    panel, shuffled_ledger = build_panel(shuffled)
    assert panel.equals(in_order)
    assert dict(zip(shuffled_ledger["category"], shuffled_ledger["downloads"], strict=True)) == ledger


def test_file_name_disagreeing_with_snapshot_date(raw_dir, tmp_path):
    panel_of(raw_dir, tmp_path, {FIRST: [row(all_time=100)], "2021-01-20": [row(all_time=175)]})
    misdated = tmp_path / "norm" / "2021-01-13.parquet"
    normalize_snapshot_file(
        write(raw_dir, "2021-01-13", [row(all_time=130)]), misdated, tmp_path / "q.json", FIRST, tmp_path / "q.log"
    )
    paths = [tmp_path / "norm" / f"{FIRST}.parquet", misdated, tmp_path / "norm" / "2021-01-20.parquet"]
    with pytest.raises(PanelError) as error:
        build_panel(paths)
    assert str(misdated) in str(error.value) and "snapshot_date" in str(error.value)


def test_renamed_model_keeps_one_series_by_stable_id(raw_dir, tmp_path):
    panel, _, _ = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: [row(model_id="old-org/m", all_time=10)],
            "2021-01-13": [row(model_id="new-org/m", all_time=16)],
        },
    )
    assert weekly(panel, "k1") == [("2021-01-13", 6, "increase")]
    assert panel["namespace"].to_list() == ["new-org"]


def test_renamed_model_without_stable_id_starts_a_new_series_in_the_late_line(raw_dir, tmp_path):
    # Without `_id` a rename is a deletion plus a model first seen late: its
    # whole cumulative count lands in the flagged ledger line.
    panel, ledger, _ = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: raw_frame([row(model_id="old-org/m", all_time=10)]).drop("_id"),
            "2021-01-13": raw_frame([row(model_id="new-org/m", all_time=16)]).drop("_id"),
        },
    )
    assert weekly(panel, "new-org/m") == [("2021-01-13", 16, "first_appearance")]
    assert ledger["counted_first_appearance_late"] == 16
    assert ledger["check_sum_of_last_values"] == 26


def test_deleted_model_keeps_its_past(raw_dir, tmp_path):
    panel, ledger, _ = panel_of(
        raw_dir,
        tmp_path,
        {
            FIRST: [row(all_time=0), row("k2", "org/gone", 0)],
            "2021-01-13": [row(all_time=3), row("k2", "org/gone", 9)],
            "2021-01-20": [row(all_time=4)],
        },
    )
    assert weekly(panel, "k2") == [("2021-01-13", 9, "increase")]
    assert ledger["check_sum_of_last_values"] == 13


def test_unknown_extra_columns_are_reported(raw_dir, tmp_path):
    def with_extras(all_time):
        return raw_frame([row(all_time=all_time)]).with_columns(
            pl.lit(0.5).alias("trendingScore"), pl.lit({"a": 1}).alias("cardData")
        )

    panel, _, quality = panel_of(raw_dir, tmp_path, {FIRST: with_extras(1), "2021-01-13": with_extras(8)})
    assert quality[FIRST]["extra_columns"] == ["cardData", "trendingScore"]
    assert weekly(panel, "k1") == [("2021-01-13", 7, "increase")]


# --- api-json dumps and source folders, through the command line where the class lives there ---------


def api_dump(date: str, models: list[dict]) -> dict:
    return {
        "date": date,
        "fetched_at": f"{date}T10:00:00+00:00",
        "source": "huggingface.co/api/models",
        "models": models,
    }


def write_dumps(folder, dumps: dict[str, dict | list]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in dumps.items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs_workflow")
    copy_repository(root)
    return root


def snakemake(root, dumps_folder, *arguments, settings: dict | None = None) -> tuple[int, str]:
    """`snakemake <arguments>` on the api-json source reading `dumps_folder` (further config `settings`): exit code
    and everything it printed. The periods are config/api-json.yaml's, whose last year follows the dumps' dates."""
    periods = yaml.safe_load((REPO / "config" / "api-json.yaml").read_text())["periods"]
    config = {"source": "api-json", "api_json": {"path": str(dumps_folder)}, "periods": periods, **(settings or {})}
    return snakemake_run(root, config, *arguments)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("2026-8-9.json", "not <YYYY-MM-DD>.json"),
        ("2026-08-09.JSON", "the extension must be lowercase '.json'"),
        ("2026-08-09.json.gz", "'.json' followed by a further extension"),
        ("2026-02-30.json", "not a calendar date"),
        ("abcd-ef-gh.json", "not <YYYY-MM-DD>.json"),
    ],
)
def test_misnamed_dump_stops_the_run_saying_what_a_name_must_look_like(workflow_copy, tmp_path, name, reason):
    folder = write_dumps(
        tmp_path / "dumps", {"2026-08-07.json": api_dump("2026-08-07", [{"id": "a/b", "downloads": 1}]), name: []}
    )
    code, output = snakemake(workflow_copy, folder, "--dry-run")
    assert code != 0
    assert f"{name}: {reason}" in output
    assert "a snapshot must be named <YYYY-MM-DD>.json" in output and str(folder) in output
    assert "MissingInputException" not in output


def test_files_a_source_folder_does_not_read_are_reported(workflow_copy, tmp_path):
    folder = write_dumps(
        tmp_path / "dumps",
        {"2026-08-07.json": api_dump("2026-08-07", [{"id": "a/b", "downloads": 1}]), "README.md": [], ".DS_Store": []},
    )
    (folder / "archive").mkdir()
    code, output = snakemake(workflow_copy, folder, "--dry-run")
    assert code == 0, output[-2000:]
    for name, reason in (("README.md", "not a .json file"), (".DS_Store", "a hidden file"), ("archive", "a folder")):
        assert f"{folder / name} is not read: {reason}" in output


def test_dump_whose_date_is_not_its_file_name_is_refused(workflow_copy, tmp_path):
    models = [{"id": "a/b", "downloads": 7}]
    folder = write_dumps(
        tmp_path / "dumps",
        {"2026-08-07.json": api_dump("2026-08-07", models), "2026-08-08.json": api_dump("2026-08-07", models)},
    )
    code, output = snakemake(workflow_copy, folder, "data/raw/snapshots/api-json/2026-08-08.parquet")
    assert code != 0
    assert f"{folder / '2026-08-08.json'}: field 'date' is 2026-08-07, but the file name says 2026-08-08" in output
    assert not (workflow_copy / "data/raw/snapshots/api-json/2026-08-08.parquet").exists()


def test_dump_dated_after_the_run_date_is_refused(workflow_copy, tmp_path):
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    folder = write_dumps(tmp_path / "dumps", {f"{ahead}.json": api_dump(ahead, [{"id": "a/b", "downloads": 7}])})
    code, output = snakemake(workflow_copy, folder, f"data/raw/snapshots/api-json/{ahead}.parquet")
    assert code != 0
    assert f"{folder / (ahead + '.json')}: field 'date' is {ahead}, after the run date" in output


@pytest.mark.parametrize(
    ("content", "field"),
    [(api_dump("2031-03-04", []) | {"fetched_at": "2026-12-01T10:00:00Z"}, "date"), ([], "file name")],
    ids=["wrapped", "array"],
)
def test_dump_dated_in_the_future_names_the_date_it_was_read_from(tmp_path, content, field):
    source = write_dumps(tmp_path, {"2031-03-04.json": content}) / "2031-03-04.json"
    run_time = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
    with pytest.raises(DumpError) as error:
        convert_api_json(source, tmp_path / "s.parquet", tmp_path / "s.meta.yaml", now=run_time)
    assert error.value.field == field
    assert "is 2031-03-04, after the run date 2026-12-06" in str(error.value)


def test_dump_fetched_after_the_run_time_is_refused(tmp_path):
    folder = write_dumps(
        tmp_path, {"2026-12-06.json": api_dump("2026-12-06", []) | {"fetched_at": "2026-12-06T13:00:00+00:00"}}
    )
    with pytest.raises(DumpError, match="field 'fetched_at' is 2026-12-06T13:00:00\\+00:00, after the run time"):
        convert_api_json(
            folder / "2026-12-06.json",
            tmp_path / "s.parquet",
            tmp_path / "s.meta.yaml",
            now=dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC),
        )


def test_dump_dated_today_somewhere_on_earth_is_accepted(tmp_path):
    # 2026-12-06 10:00 UTC is already 2026-12-07 in UTC+14.
    source = write_dumps(tmp_path, {"2026-12-07.json": [{"id": "a/b", "downloads": 1}]}) / "2026-12-07.json"
    meta = convert_api_json(
        source, tmp_path / "s.parquet", tmp_path / "s.meta.yaml", now=dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)
    )
    assert meta["snapshot_date"] == "2026-12-07"
    with pytest.raises(DumpError, match="after the run date"):
        convert_api_json(
            source, tmp_path / "s.parquet", tmp_path / "s.meta.yaml", now=dt.datetime(2026, 12, 6, 9, 59, tzinfo=dt.UTC)
        )


def test_duplicate_ids_in_a_dump_keep_the_higher_count_and_are_counted(tmp_path):
    dumps = {
        "2026-08-07.json": api_dump(
            "2026-08-07",
            [{"id": "org/m", "downloads": 100}, {"id": "org/n", "downloads": 9}, {"id": "org/m", "downloads": 120}],
        ),
        "2026-08-08.json": [
            {"id": "org/m", "downloads": 130, "downloadsAllTime": 900},
            {"id": "org/m", "downloads": 500, "downloadsAllTime": 800},
            {"id": "org/n", "downloads": 9},
        ],
    }
    folder = write_dumps(tmp_path / "dumps", dumps)
    normalized = []
    # The row kept is the one with the higher count, at its own place in the listing.
    for date, expected in (("2026-08-07", [9, 120]), ("2026-08-08", [130, 9])):
        parquet = tmp_path / "raw" / f"{date}.parquet"
        meta = convert_api_json(folder / f"{date}.json", parquet, tmp_path / "raw" / f"{date}.meta.yaml")
        assert meta["duplicate_id_rows_removed"] == 1 and meta["rows"] == 2
        assert pl.read_parquet(parquet)["downloads"].to_list() == expected
        out = tmp_path / "norm" / f"{date}.parquet"
        normalize_snapshot_file(parquet, out, tmp_path / "q" / f"{date}.json", date, tmp_path / "log" / f"{date}.log")
        normalized.append(out)
    panel, ledger = build_panel(normalized, "rolling30")
    check_conservation(ledger, panel_totals(panel))


@pytest.mark.parametrize(
    ("nested", "field"),
    [
        ({"baseModels": {"parents": [{"id": "org/base"}], "relation": "finetune"}}, "baseModels.models"),
        ({"safetensors": {"parameters": [{"dtype": "BF16", "count": 5}], "total": 5}}, "safetensors.parameters"),
    ],
    ids=["renamed-inner-field", "parameters-as-list"],
)
def test_nested_field_of_another_form_in_a_dump_is_refused(tmp_path, nested, field):
    folder = write_dumps(
        tmp_path, {"2026-08-07.json": [{"id": "org/base", "downloads": 1}, {"id": "org/m", "downloads": 2, **nested}]}
    )
    with pytest.raises(DumpError) as error:
        convert_api_json(folder / "2026-08-07.json", tmp_path / "s.parquet", tmp_path / "s.meta.yaml")
    assert error.value.field == f"models[1].{field}" and str(folder / "2026-08-07.json") in str(error.value)
    assert not (tmp_path / "s.parquet").exists()
