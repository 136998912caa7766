"""Counter falls read as revisions: the shares recomputed with every download counted after a fall booked as 0."""

import datetime as dt

import polars as pl
import pytest

from hubshare.attribution.sensitivity import sensitivity_table
from hubshare.panel.counter_falls import (
    FALLS_AS_REVISIONS,
    counted_after_falls,
    counter_fall_sensitivity_file,
    falls_as_revisions,
)

W1, W2 = dt.date(2023, 3, 1), dt.date(2023, 3, 8)
PERIODS = {"2023": (dt.date(2023, 1, 1), dt.date(2023, 12, 31))}


@pytest.fixture
def panel(tmp_path):
    # namespace a: 90 by increases and 10 after a fall in W1, 30 after a fall in W2; b: 100 in W1;
    # a model without namespace: 5 after a fall in W2
    pl.DataFrame(
        {
            "week": [W1, W1, W1, W2, W2],
            "namespace": ["a", "a", "b", "a", None],
            "downloads": [90, 10, 100, 30, 5],
            "event": ["increase", "counter_reset", "increase", "counter_reset", "counter_reset"],
        }
    ).write_parquet(tmp_path / "p.parquet")
    return [tmp_path / "p.parquet"]


def namespaces(rows):
    return pl.DataFrame(
        rows, schema=["week", "namespace", "country_group", "developer_type", "downloads"], orient="row"
    ).with_columns(pl.col("downloads").cast(pl.Float64))


SUMS = namespaces(
    [(W1, "a", "china", "industry", 100), (W1, "b", "usa", "academia", 100), (W2, "a", "china", "industry", 30)]
    + [(W2, None, "unknown", "unknown", 5)]
)


def test_counted_after_falls_by_week_and_namespace(panel):
    falls = {(r["week"], r["namespace"]): r["after_fall"] for r in counted_after_falls(panel).iter_rows(named=True)}
    assert falls == {(W1, "a"): 10, (W2, "a"): 30, (W2, None): 5}


def test_falls_booked_as_zero_move_the_shares_as_by_hand(panel):
    rerun = falls_as_revisions(SUMS, counted_after_falls(panel))
    assert set(rerun["view"]) == {FALLS_AS_REVISIONS}
    # a: 100 - 10 in W1, 30 - 30 in W2; b untouched; the namespace-less 5 fall to 0
    assert rerun["downloads"].to_list() == [90.0, 100.0, 0.0, 0.0]
    groups = SUMS.with_columns(pl.lit("uploader").alias("view")).drop("namespace")
    table = sensitivity_table(groups, SUMS, [], PERIODS, after_falls=counted_after_falls(panel))
    share = {
        (r["alternative"], r["group"]): r["share"]
        for r in table.filter(pl.col("dimension") == "country_group").iter_rows(named=True)
    }
    # as uploaded: china 130 of 235; as revisions: china 90 of 190
    assert share[("uploader", "china")] == pytest.approx(130 / 235)
    assert share[(FALLS_AS_REVISIONS, "china")] == pytest.approx(90 / 190)
    assert share[(FALLS_AS_REVISIONS, "usa")] == pytest.approx(100 / 190)


def test_sums_that_disagree_with_the_panel_are_refused(panel):
    falls = counted_after_falls(panel)
    with pytest.raises(ValueError, match="missing from the weekly sums"):
        falls_as_revisions(SUMS.filter(pl.col("namespace").is_not_null()), falls)
    with pytest.raises(ValueError, match="missing from the weekly sums"):
        falls_as_revisions(SUMS.with_columns(pl.col("downloads") / 10), falls)
    with pytest.raises(ValueError, match="more than one row"):
        falls_as_revisions(pl.concat([SUMS, SUMS.head(1)]), falls)


def test_the_sensitivity_file_bounds_each_period_by_hand(panel, tmp_path):
    # 2023: 235 downloads, 45 of them counted after a fall: f = 45/235, bound 100 f / (1 - f) = 4500/190 points.
    # 2024 holds no week: nothing counted, no shift.
    periods = {**PERIODS, "2024": (dt.date(2024, 1, 1), dt.date(2024, 12, 31))}
    table = counter_fall_sensitivity_file(panel, periods, tmp_path / "falls.csv")
    assert pl.read_csv(tmp_path / "falls.csv", schema_overrides={"period": pl.String}).equals(table)
    first, second = table.iter_rows(named=True)
    assert (first["period"], first["downloads"], first["counted_after_fall"]) == ("2023", 235, 45)
    assert first["share_after_fall"] == pytest.approx(45 / 235, rel=1e-15)
    assert first["max_share_shift_pp"] == pytest.approx(4500 / 190, rel=1e-15)
    assert (second["downloads"], second["counted_after_fall"], second["share_after_fall"]) == (0, 0, 0.0)
