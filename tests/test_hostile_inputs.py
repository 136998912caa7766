"""Hostile and careless input (tests/bad_inputs/README.md, second table): each class ends in a clear error
naming the file, column and rule, or in a counted repair that leaves the numbers unharmed."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import yaml
from conftest import raw_frame, run_weeks
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.jobs.atomic import sha256_file
from hubshare.manuscript.prepare import prepare_manuscript
from hubshare.manuscript.render import render_html
from hubshare.normalize.snapshot import (
    MAX_COUNT,
    SnapshotError,
    check_snapshot_date,
    normalize_snapshot,
    normalize_snapshot_file,
    valid_model_id,
)
from hubshare.panel.model_weeks import PanelError

FIRST = "2021-01-06"
OLD = dt.date(2019, 1, 1)


def row(key="k1", model_id="org/m", all_time=100, **changes) -> dict:
    return {"_id": key, "id": model_id, "createdAt": OLD, "downloads": 1, "downloadsAllTime": all_time, **changes}


def write(folder, rows, date=FIRST):
    path = folder / f"{date}.parquet"
    raw_frame(rows).write_parquet(path)
    return path


def test_a_landed_file_edited_afterwards_is_refused(raw_dir, tmp_path):
    path = write(raw_dir, [row()])
    meta = raw_dir / f"{FIRST}.meta.yaml"
    meta.write_text(yaml.safe_dump({"sha256": sha256_file(path)}))
    out = tmp_path / "out"
    normalize_snapshot_file(path, out / "t.parquet", out / "q.json", FIRST, out / "log", meta_path=meta)
    raw_frame([row(all_time=999)]).write_parquet(path)
    with pytest.raises(SnapshotError, match="'landed checksum'") as error:
        normalize_snapshot_file(path, out / "t.parquet", out / "q.json", FIRST, out / "log", meta_path=meta)
    assert str(path) in str(error.value) and str(meta) in str(error.value)


def test_a_snapshot_dated_after_today_is_refused(raw_dir):
    with pytest.raises(SnapshotError, match="'snapshot date'.*after today"):
        check_snapshot_date(dt.date(2031, 1, 1), raw_dir / "2031-01-01.parquet", today=dt.date(2026, 12, 6))
    check_snapshot_date(dt.date(2026, 12, 6), raw_dir / "2026-12-06.parquet", today=dt.date(2026, 12, 6))


@pytest.mark.parametrize("column", ["downloadsAllTime", "downloads", "likes"])
def test_a_count_beyond_the_physical_bound_is_refused_not_wrapped(raw_dir, column):
    path = write(raw_dir, [row(), row("k2", "org/n", **{column: 2**62})])
    with pytest.raises(SnapshotError, match=f"column '{column}' breaks rule 'physical bound'"):
        normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    normalize_snapshot(write(raw_dir, [row(**{column: MAX_COUNT})]), dt.date.fromisoformat(FIRST))


def test_a_creation_time_before_the_hub_opened_is_set_null_and_counted(raw_dir):
    path = write(raw_dir, [row(createdAt=dt.date(1938, 5, 1)), row("k2", "org/n")])
    frame, quality = normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    assert frame["created_at"].null_count() == 1
    assert quality.repairs["created_before_hub_opened_set_null"] == 1


@pytest.mark.parametrize(
    "bad",
    [
        "..",
        "/etc/passwd",
        "/",
        "<img src=x onerror=alert(document.domain)>/m",
        "org/../../x",
        "a--b/c",
        "org/model.git",
        "-org/m",
    ],
)
def test_ids_outside_the_hub_grammar_are_dropped_and_counted(raw_dir, bad):
    path = write(raw_dir, [row(), row("k2", bad)])
    frame, quality = normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    assert frame["model_id"].to_list() == ["org/m"]
    assert quality.repairs["invalid_model_id_dropped"] == 1


@settings(deadline=None)
@given(st.text(alphabet="ab-_./<>é", min_size=0, max_size=12))
def test_the_id_grammar_is_the_hub_clients(candidate):
    try:
        validate_repo_id(candidate)
        expected = candidate != ""
    except HFValidationError:
        expected = False
    found = pl.select(valid_model_id(pl.lit(candidate))).item()
    assert bool(found) == expected, candidate


def test_markup_in_the_text_is_shown_not_run(tmp_path):
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump({"project": {"type": "default"}, "format": {"html": {}}}))
    (tmp_path / "index.qmd").write_text("---\ntitle: t\n---\n\nTop namespace: <img src=x onerror=alert(1)>.\n")
    html = render_html(prepare_manuscript(tmp_path, {}))
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_quality_records_name_every_repair(raw_dir, tmp_path):
    path = write(raw_dir, [row(), row("k2", "/"), row("k3", "org/x", createdAt=dt.date(1938, 1, 1))])
    out = tmp_path / "out"
    normalize_snapshot_file(path, out / "t.parquet", out / "q.json", FIRST, out / "log")
    repairs = json.loads((out / "q.json").read_text())["repairs"]
    assert repairs["invalid_model_id_dropped"] == 1 and repairs["created_before_hub_opened_set_null"] == 1


# --- weeks the panel's rules would book without complaint ------------------------------------------


def population(week: int, shift: int = 0, n: int = 40) -> list[dict]:
    """n models growing steadily: model i has 1000 * (i + 1) + 70 * week downloads in all."""
    return [row(f"k{i}", f"org/m{i}", 1000 * (i + 1) + 70 * week + shift) for i in range(n)]


def weeks(count: int) -> list[str]:
    return [(dt.date(2021, 1, 6) + dt.timedelta(days=7 * i)).isoformat() for i in range(count)]


def test_a_week_whose_counters_all_fall_is_left_out_and_the_next_spans_it(raw_dir, tmp_path):
    dates = weeks(7)
    snapshots = {date: population(i) for i, date in enumerate(dates)}
    snapshots[dates[4]] = population(3, shift=-1)  # every counter one lower than the week before
    panel, ledger, measures = run_weeks(raw_dir, tmp_path, snapshots)
    assert measures["measure"].to_list()[4] == "implausible"
    assert panel.group_by("week").agg(pl.col("downloads").sum()).sort("week")["downloads"].to_list() == [
        40 * 70,
        40 * 70,
        40 * 70,
        40 * 140,
        40 * 70,
    ]
    assert ledger["excluded_implausible_week"] == 0 and ledger["counted_after_counter_reset"] == 0


def test_with_action_error_an_implausible_week_stops_the_run(raw_dir, tmp_path):
    dates = weeks(3)
    snapshots = {date: population(i) for i, date in enumerate(dates)}
    snapshots[dates[2]] = population(1, shift=-1)
    with pytest.raises(PanelError, match=r"column 'downloads_all_time' breaks rule 'plausible week'.*lower one"):
        run_weeks(raw_dir, tmp_path, snapshots, {"action": "error"})


def test_two_swapped_snapshots_leave_the_total_unharmed(raw_dir, tmp_path):
    dates = weeks(6)
    snapshots = {date: population(i) for i, date in enumerate(dates)}
    snapshots[dates[2]], snapshots[dates[3]] = snapshots[dates[3]], snapshots[dates[2]]
    panel, _, measures = run_weeks(raw_dir, tmp_path, snapshots)
    assert "implausible" in measures["measure"].to_list()
    assert int(panel["downloads"].sum()) == 40 * 70 * 5


def test_a_week_far_outside_the_series_is_left_out(raw_dir, tmp_path):
    dates = weeks(8)
    snapshots = {date: population(i) for i, date in enumerate(dates)}
    # A burst: 100 times the usual week, then back on the old path.
    snapshots[dates[6]] = [row(f"k{i}", f"org/m{i}", 1000 * (i + 1) + 70 * 5 + 7000) for i in range(40)]
    _, _, measures = run_weeks(raw_dir, tmp_path, snapshots, {"min_history": 3})
    assert measures["measure"].to_list()[6] == "implausible"


def test_clean_weeks_are_never_flagged(raw_dir, tmp_path):
    dates = weeks(12)
    _, _, measures = run_weeks(
        raw_dir, tmp_path, {date: population(i) for i, date in enumerate(dates)}, {"min_history": 2}
    )
    assert "implausible" not in measures["measure"].to_list()


def test_a_week_that_loses_the_stable_id_stops_the_run(raw_dir, tmp_path):
    dates = weeks(3)
    snapshots = {date: population(i) for i, date in enumerate(dates)}
    snapshots[dates[2]] = [{**r, "_id": None} for r in population(2)]
    with pytest.raises(PanelError, match="column '_id' breaks rule 'identity column kept'"):
        run_weeks(raw_dir, tmp_path, snapshots)


def test_a_column_that_disappears_is_flagged():
    from hubshare.panel.quality import columns_lost

    records = [
        {"snapshot_date": "2025-01-01", "absent_optional_columns": []},
        {"snapshot_date": "2025-01-08", "absent_optional_columns": ["baseModels"]},
        {"snapshot_date": "2025-01-15", "absent_optional_columns": ["baseModels"]},
    ]
    assert columns_lost(records) == {"2025-01-08": ["baseModels"]}
