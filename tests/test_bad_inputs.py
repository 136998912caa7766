"""The bad-input corpus (tests/bad_inputs/README.md): every case is built here, at test time.

Each case must end in a `SnapshotError` that names the file, the column and
the rule, or in a repair counted in the quality record; wherever the pipeline
continues, the alltime panel's ledger must still balance.
"""

import datetime as dt
import json

import polars as pl
import pytest

from conftest import raw_frame
from hubshare.normalize import SnapshotError, normalize_snapshot, normalize_snapshot_file
from hubshare.panel import PanelError, build_panel, check_conservation
from hubshare.schemas import RAW_COLUMNS

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
        normalize_snapshot_file(write(raw_dir, date, content), out, quality_path, date, tmp_path / "log" / f"{date}.log")
        paths.append(out)
        quality[date] = json.loads(quality_path.read_text())
    panel, ledger = build_panel(paths)
    check_conservation(ledger, int(panel["downloads"].sum()))
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
    ids=["text-count", "fractional-count", "unparseable-time", "json-text-struct", "text-list",
         "integer-time-of-no-unit", "boolean-count"],
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
    path = write(raw_dir, FIRST, raw_frame([row()]).with_columns(pl.Series("id", ["org/model".encode()], dtype=pl.Binary)))
    frame, _ = normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    assert frame["model_id"].to_list() == ["org/model"]


# --- repaired and counted; the panel still balances ---------------------------------------------------

def test_duplicate_rows_keep_the_highest_count(raw_dir, tmp_path):
    panel, ledger, quality = panel_of(raw_dir, tmp_path, {
        FIRST: [row(all_time=100), row(all_time=120), row("k2", "org/n", 5)],
        "2021-01-13": [row(all_time=150), row("k2", "org/n", 5)],
    })
    assert quality[FIRST]["repairs"]["duplicate_model_rows_removed"] == 1
    assert weekly(panel, "k1") == [("2021-01-13", 30, "increase")]
    assert ledger["excluded_baseline_before_window"] == 125


def test_duplicate_ids_without_stable_ids(raw_dir, tmp_path):
    no_stable_id = raw_frame([row(all_time=10), row(all_time=40)]).drop("_id")
    panel, _, quality = panel_of(raw_dir, tmp_path, {
        FIRST: no_stable_id, "2021-01-13": raw_frame([row(all_time=45)]).drop("_id"),
    })
    assert quality[FIRST]["repairs"]["duplicate_model_rows_removed"] == 1
    assert weekly(panel, "org/m") == [("2021-01-13", 5, "increase")]


def test_one_id_under_two_stable_ids(raw_dir):
    path = write(raw_dir, FIRST, [row("k1", all_time=100), row("k2", all_time=90)])
    frame, quality = normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    assert frame["model_id"].to_list() == ["org/m"]
    assert sum(count for name, count in quality.repairs.items() if "duplicate" in name) == 1


def test_decreasing_cumulative_count_is_a_counter_reset(raw_dir, tmp_path):
    panel, ledger, _ = panel_of(raw_dir, tmp_path, {
        FIRST: [row(all_time=500)], "2021-01-13": [row(all_time=600)], "2021-01-20": [row(all_time=25)],
    })
    assert weekly(panel, "k1") == [("2021-01-13", 100, "increase"), ("2021-01-20", 25, "counter_reset")]
    assert ledger["adjustment_counter_reset_drop"] == 600


def test_negative_numbers_are_set_null_and_the_week_becomes_a_gap(raw_dir, tmp_path):
    panel, _, quality = panel_of(raw_dir, tmp_path, {
        FIRST: [row(all_time=100)],
        "2021-01-13": [row(all_time=-5, downloads=-3, likes=-1)],
        "2021-01-20": [row(all_time=130)],
    })
    repairs = quality["2021-01-13"]["repairs"]
    assert (repairs["negative_downloadsAllTime_set_null"], repairs["negative_downloads_set_null"],
            repairs["negative_likes_set_null"]) == (1, 1, 1)
    assert weekly(panel, "k1") == [("2021-01-20", 30, "increase")]
    assert panel["interval_days"].to_list() == [14]


def test_creation_date_after_the_snapshot_is_set_null(raw_dir, tmp_path):
    panel, ledger, quality = panel_of(raw_dir, tmp_path, {
        FIRST: [row()],
        "2021-01-13": [row(), row("k2", "org/new", 12, createdAt=dt.date(2030, 1, 1))],
    })
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
    normalize_snapshot_file(write(raw_dir, "2021-01-13", [row(all_time=130)]), misdated,
                            tmp_path / "q.json", FIRST, tmp_path / "q.log")
    paths = [tmp_path / "norm" / f"{FIRST}.parquet", misdated, tmp_path / "norm" / "2021-01-20.parquet"]
    with pytest.raises(PanelError) as error:
        build_panel(paths)
    assert str(misdated) in str(error.value) and "snapshot_date" in str(error.value)


def test_renamed_model_keeps_one_series_by_stable_id(raw_dir, tmp_path):
    panel, _, _ = panel_of(raw_dir, tmp_path, {
        FIRST: [row(model_id="old-org/m", all_time=10)],
        "2021-01-13": [row(model_id="new-org/m", all_time=16)],
    })
    assert weekly(panel, "k1") == [("2021-01-13", 6, "increase")]
    assert panel["namespace"].to_list() == ["new-org"]


def test_renamed_model_without_stable_id_starts_a_new_series_in_the_late_line(raw_dir, tmp_path):
    # Without `_id` a rename is a deletion plus a model first seen late: its
    # whole cumulative count lands in the flagged ledger line.
    panel, ledger, _ = panel_of(raw_dir, tmp_path, {
        FIRST: raw_frame([row(model_id="old-org/m", all_time=10)]).drop("_id"),
        "2021-01-13": raw_frame([row(model_id="new-org/m", all_time=16)]).drop("_id"),
    })
    assert weekly(panel, "new-org/m") == [("2021-01-13", 16, "first_appearance")]
    assert ledger["counted_first_appearance_late"] == 16
    assert ledger["check_sum_of_last_values"] == 26


def test_deleted_model_keeps_its_past(raw_dir, tmp_path):
    panel, ledger, _ = panel_of(raw_dir, tmp_path, {
        FIRST: [row(all_time=0), row("k2", "org/gone", 0)],
        "2021-01-13": [row(all_time=3), row("k2", "org/gone", 9)],
        "2021-01-20": [row(all_time=4)],
    })
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
