"""Hostile and careless input (tests/bad_inputs/README.md, second table): each class ends in a clear error
naming the file, column and rule, or in a counted repair that leaves the numbers unharmed."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import raw_frame
from hubshare.atomic import sha256_file
from hubshare.manuscript import prepare_manuscript
from hubshare.manuscript.render import render_html
from hubshare.normalize import (
    MAX_COUNT, SnapshotError, check_snapshot_date, normalize_snapshot, normalize_snapshot_file, valid_model_id,
)

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


@pytest.mark.parametrize("bad", ["..", "/etc/passwd", "/", "<img src=x onerror=alert(document.domain)>/m",
                                 "org/../../x", "a--b/c", "org/model.git", "-org/m"])
def test_ids_outside_the_hub_grammar_are_dropped_and_counted(raw_dir, bad):
    path = write(raw_dir, [row(), row("k2", bad)])
    frame, quality = normalize_snapshot(path, dt.date.fromisoformat(FIRST))
    assert frame["model_id"].to_list() == ["org/m"]
    assert quality.repairs["invalid_model_id_dropped"] == 1


@given(st.text(alphabet="ab-_./<>é", min_size=0, max_size=12))
def test_the_id_grammar_is_the_hub_clients(candidate):
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

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
