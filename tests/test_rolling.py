"""The rolling30 estimator: hand-computed cases, rounding, gaps, and the ledger identity."""

import datetime as dt

import polars as pl
import pytest
from conftest import write_raw
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.normalize import normalize_snapshot_file
from hubshare.panel import PanelError, build_panel
from hubshare.rolling import check_rolling30_conservation, rolling30_panel
from hubshare.schemas import UTC_MICROS

OLD = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
DAY0 = dt.date(2026, 8, 1)


def observations(rows: list[tuple[int, str, int | None]]) -> pl.DataFrame:
    """Normalized-snapshot rows from (day offset, model key, 30-day count)."""
    return pl.DataFrame(
        {
            "snapshot_date": [DAY0 + dt.timedelta(days=day) for day, _, _ in rows],
            "model_key": [key for _, key, _ in rows],
            "model_id": [f"org/{key}" for _, key, _ in rows],
            "namespace": ["org"] * len(rows),
            "created_at": [OLD] * len(rows),
            "downloads_30d": [count for _, _, count in rows],
        },
        schema={
            "snapshot_date": pl.Date,
            "model_key": pl.String,
            "model_id": pl.String,
            "namespace": pl.String,
            "created_at": UTC_MICROS,
            "downloads_30d": pl.Int64,
        },
    )


def run(rows):
    panel, ledger = rolling30_panel(observations(rows))
    check_rolling30_conservation(ledger, int(panel["downloads"].sum()))
    return panel, dict(zip(ledger["category"], ledger["downloads"], strict=True))


def series(panel, key):
    rows = panel.filter(pl.col("model_key") == key).sort("week")
    return [
        ((r["week"] - DAY0).days, r["downloads"], r["interval_days"], r["event"]) for r in rows.iter_rows(named=True)
    ]


def test_daily_snapshots_give_a_thirtieth_of_each_count():
    panel, ledger = run([(day, "a", 300) for day in range(4)])
    # The first count is the 30 days up to the first snapshot, counted whole.
    assert series(panel, "a") == [
        (0, 300, 30, "first_appearance"),
        (1, 10, 1, "increase"),
        (2, 10, 1, "increase"),
        (3, 10, 1, "increase"),
    ]
    assert panel["measure"].unique().to_list() == ["rolling30"]
    # 4 counts of 300 = 1200 = 300 first window + 30 counted + 870 overlap
    assert ledger["counted_rolling30_first_window"] == 300
    assert ledger["counted_total"] == 330
    assert ledger["excluded_rolling30_window_overlap"] == 870
    assert ledger["check_sum_of_30d_counts"] == 1200


def test_weekly_snapshots_give_seven_thirtieths_rounded_by_carrying_the_remainder():
    # 100, then 100 * 7/30 = 23.33 a week; cumulative 123.33, 146.67, 170.00 round to 123, 147, 170
    panel, ledger = run([(week * 7, "a", 100) for week in range(4)])
    assert [downloads for _, downloads, _, _ in series(panel, "a")] == [100, 23, 24, 23]
    assert ledger["counted_total"] == ledger["check_unrounded_estimate"] == 170
    assert ledger["excluded_rolling30_window_overlap"] == 400 - 170


def test_steady_downloads_are_recovered_exactly():
    # 3 downloads a day -> every 30-day count is 90 -> 21 a week
    panel, _ = run([(week * 7, "a", 90) for week in range(5)])
    assert [downloads for _, downloads, _, _ in series(panel, "a")] == [90, 21, 21, 21, 21]


def test_a_one_day_spike_is_spread_over_the_thirty_days_after_it():
    # 300 downloads on day 5 only: the counts of days 5..34 hold them, each day gets 10
    counts = [(day, "a", 300 if 5 <= day <= 34 else 0) for day in range(41)]
    panel, ledger = run(counts)
    assert [(day, downloads) for day, downloads, _, _ in series(panel, "a")] == [(day, 10) for day in range(5, 35)]
    assert ledger["counted_total"] == 300


def test_first_appearance_gets_the_days_since_the_previous_snapshot():
    panel, ledger = run([(0, "a", 30), (7, "a", 30), (7, "b", 60)])
    assert series(panel, "b") == [(7, 14, 7, "first_appearance")]  # 60 * 7/30
    assert ledger["counted_rolling30_first_appearance"] == 14


def test_gap_shorter_than_the_window_covers_the_days_since_the_last_observation():
    panel, _ = run([(0, "a", 30), (0, "b", 90), (7, "a", 30), (14, "a", 30), (14, "b", 90)])
    assert series(panel, "b") == [(0, 90, 30, "first_appearance"), (14, 42, 14, "increase")]  # 90 * 14/30


def test_gap_longer_than_the_window_counts_the_whole_count():
    panel, ledger = run([(0, "a", 10), (42, "a", 45)])
    assert series(panel, "a") == [(0, 10, 30, "first_appearance"), (42, 45, 42, "increase")]
    assert ledger["counted_rolling30_after_long_gap"] == 45
    assert ledger["excluded_rolling30_window_overlap"] == 0


def test_zero_counts_are_not_stored_but_close_the_interval():
    panel, _ = run([(0, "a", 300), (7, "a", 0), (14, "a", 30)])
    assert series(panel, "a") == [(0, 300, 30, "first_appearance"), (14, 7, 7, "increase")]


def test_missing_counts_are_a_gap():
    panel, ledger = run([(0, "a", 300), (7, "a", None), (14, "a", 30)])
    assert series(panel, "a") == [(0, 300, 30, "first_appearance"), (14, 14, 14, "increase")]
    assert ledger["check_sum_of_30d_counts"] == 330


def test_duplicate_observations_are_refused():
    with pytest.raises(PanelError, match="model_key.*'a'"):
        rolling30_panel(observations([(0, "a", 1), (0, "a", 2)]))


def test_imbalance_is_caught():
    panel, ledger = rolling30_panel(observations([(0, "a", 30), (7, "a", 30)]))
    broken = ledger.with_columns(
        pl.when(pl.col("category") == "excluded_rolling30_window_overlap")
        .then(0)
        .otherwise(pl.col("downloads"))
        .alias("downloads")
    )
    with pytest.raises(PanelError, match="sum of 30-day counts"):
        check_rolling30_conservation(broken, int(panel["downloads"].sum()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 70), st.sampled_from("abc"), st.integers(0, 5000)), min_size=1, max_size=40))
def test_every_model_gets_its_exact_estimate_rounded(rows):
    unique = list({(day, key): (day, key, count) for day, key, count in rows}.values())
    panel, _ = run(unique)
    days = sorted({day for day, _, _ in unique})
    for key in {key for _, key, _ in unique}:
        seen = sorted((day, count) for day, k, count in unique if k == key)
        thirtieths = 0
        for index, (day, count) in enumerate(seen):
            if day == days[0]:
                thirtieths += count * 30  # the first snapshot: its whole 30 days
                continue
            before = seen[index - 1][0] if index else days[days.index(day) - 1]
            thirtieths += count * min(day - before, 30)
        assert panel.filter(pl.col("model_key") == key)["downloads"].sum() == (thirtieths + 15) // 30


def test_panel_has_the_columns_of_the_alltime_panel(raw_dir, tmp_path):
    paths = []
    for day, all_time in ((0, 10), (7, 25)):
        date = (DAY0 + dt.timedelta(days=day)).isoformat()
        row = {"_id": "k1", "id": "a/m", "createdAt": OLD, "downloads": 60, "downloadsAllTime": all_time}
        out = tmp_path / "norm" / f"{date}.parquet"
        normalize_snapshot_file(
            write_raw(raw_dir, date, [row]), out, tmp_path / f"{date}.json", date, tmp_path / f"{date}.log"
        )
        paths.append(out)
    alltime, _ = build_panel(paths)
    rolling, _ = rolling30_panel(pl.read_parquet(paths))
    assert rolling.columns == alltime.columns
    assert rolling["downloads"].to_list() == [60, 14]


def test_models_are_numbered_in_order_of_first_observation():
    panel, _ = run([(0, "z", 30), (0, "b", 30), (7, "a", 60), (7, "z", 30), (14, "b", 30), (14, "a", 30)])
    # Numbered by first date, then by key within a date.
    assert dict(panel.select("model_key", "model_number").unique().iter_rows()) == {"b": 0, "z": 1, "a": 2}
