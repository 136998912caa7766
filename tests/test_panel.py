"""Panel differencing: first appearance, resets, deletions, renames, gaps, and the ledger identity."""

import datetime as dt

import pandera.polars as pa
import polars as pl
import pytest
from conftest import run_weeks as chain
from conftest import write_raw

from hubshare.attribution.weekly import panel_week_file
from hubshare.contracts.panel_tables import PanelState
from hubshare.normalize.snapshot import normalize_snapshot_file
from hubshare.panel.ledger import (
    LEDGER_SCHEMA,
    ConservationError,
    check_conservation,
    combine_ledgers,
    measure_summary,
    panel_totals,
)
from hubshare.panel.model_weeks import STATE_SCHEMA, PanelError, build_panel

OLD = dt.date(2019, 1, 1)


def build(raw_dir, tmp_path, snapshots: dict[str, list[dict]]):
    paths = []
    for date, rows in snapshots.items():
        raw = write_raw(raw_dir, date, rows)
        out = tmp_path / "norm" / f"{date}.parquet"
        normalize_snapshot_file(raw, out, tmp_path / "q" / f"{date}.json", date, tmp_path / "log" / f"{date}.log")
        paths.append(out)
    panel, ledger = build_panel(paths)
    check_conservation(ledger, panel_totals(panel))
    return panel, dict(zip(ledger["category"], ledger["downloads"], strict=True))


def model(key, model_id, all_time, created=OLD):
    return {"_id": key, "id": model_id, "createdAt": created, "downloads": 0, "downloadsAllTime": all_time}


def weekly(panel, key):
    rows = panel.filter(pl.col("model_key") == key).sort("week")
    return [(str(r["week"]), r["downloads"], r["event"]) for r in rows.iter_rows(named=True)]


def test_increase_between_snapshots_and_baseline_excluded(raw_dir, tmp_path):
    panel, ledger = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k1", "a/m", 100)],
            "2021-01-13": [model("k1", "a/m", 130)],
            "2021-01-20": [model("k1", "a/m", 130)],
            "2021-01-27": [model("k1", "a/m", 175)],
        },
    )
    assert weekly(panel, "k1") == [("2021-01-13", 30, "increase"), ("2021-01-27", 45, "increase")]
    assert ledger["excluded_baseline_before_window"] == 100
    assert ledger["counted_total"] == 75
    assert ledger["check_sum_of_last_values"] == 175


def test_new_model_counts_its_first_value(raw_dir, tmp_path):
    panel, ledger = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k1", "a/m", 0)],
            "2021-01-13": [model("k1", "a/m", 0), model("k2", "b/new", 12, created=dt.date(2021, 1, 10))],
            "2021-01-20": [model("k1", "a/m", 0), model("k2", "b/new", 20, created=dt.date(2021, 1, 10))],
        },
    )
    assert weekly(panel, "k2") == [("2021-01-13", 12, "first_appearance"), ("2021-01-20", 8, "increase")]
    assert ledger["counted_first_appearance_new"] == 12
    assert ledger["counted_first_appearance_late"] == 0


def test_late_first_appearance_is_counted_and_flagged(raw_dir, tmp_path):
    panel, ledger = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k1", "a/m", 5)],
            "2021-01-13": [model("k1", "a/m", 5), model("k2", "b/old", 40)],
        },
    )
    assert weekly(panel, "k2") == [("2021-01-13", 40, "first_appearance")]
    assert ledger["counted_first_appearance_late"] == 40


def test_counter_reset_counts_the_new_value_and_records_the_drop(raw_dir, tmp_path):
    panel, ledger = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k1", "a/m", 500)],
            "2021-01-13": [model("k1", "a/m", 600)],
            "2021-01-20": [model("k1", "a/m", 25)],
            "2021-01-27": [model("k1", "a/m", 40)],
        },
    )
    assert weekly(panel, "k1") == [
        ("2021-01-13", 100, "increase"),
        ("2021-01-20", 25, "counter_reset"),
        ("2021-01-27", 15, "increase"),
    ]
    assert ledger["adjustment_counter_reset_drop"] == 600
    # 500 baseline + 140 counted - 600 dropped = 40 last value
    assert ledger["check_sum_of_last_values"] == 40


def test_rename_keeps_one_series_by_stable_id(raw_dir, tmp_path):
    panel, _ = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k1", "bert-base", 10)],
            "2021-01-13": [model("k1", "bert-base", 15)],
            "2021-01-20": [model("k1", "google-bert/bert-base", 22)],
        },
    )
    assert weekly(panel, "k1") == [("2021-01-13", 5, "increase"), ("2021-01-20", 7, "increase")]
    renamed = panel.filter(pl.col("week") == dt.date(2021, 1, 20)).row(0, named=True)
    assert renamed["model_id"] == "google-bert/bert-base"
    assert renamed["namespace"] == "google-bert"


def test_deleted_model_keeps_its_past_and_stays_in_the_identity(raw_dir, tmp_path):
    panel, ledger = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k1", "a/m", 0), model("k2", "a/gone", 0)],
            "2021-01-13": [model("k1", "a/m", 3), model("k2", "a/gone", 9)],
            "2021-01-20": [model("k1", "a/m", 4)],
        },
    )
    assert weekly(panel, "k2") == [("2021-01-13", 9, "increase")]
    assert ledger["check_sum_of_last_values"] == 13


def test_gap_differences_against_the_last_observation(raw_dir, tmp_path):
    panel, _ = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k1", "a/m", 10), model("k2", "b/x", 0)],
            "2021-01-13": [model("k2", "b/x", 0)],
            "2021-01-20": [model("k1", "a/m", 31), model("k2", "b/x", 0)],
        },
    )
    assert weekly(panel, "k1") == [("2021-01-20", 21, "increase")]
    assert panel.filter(pl.col("model_key") == "k1")["interval_days"].to_list() == [14]


def test_model_without_stable_id_is_keyed_by_its_id(raw_dir, tmp_path):
    panel, _ = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [{"id": "a/m", "createdAt": OLD, "downloads": 0, "downloadsAllTime": 1}],
            "2021-01-13": [{"id": "a/m", "createdAt": OLD, "downloads": 0, "downloadsAllTime": 4}],
        },
    )
    assert weekly(panel, "a/m") == [("2021-01-13", 3, "increase")]


def test_conservation_check_catches_an_imbalance(raw_dir, tmp_path):
    _, _ = build(raw_dir, tmp_path, {"2021-01-06": [model("k1", "a/m", 1)], "2021-01-13": [model("k1", "a/m", 2)]})
    paths = sorted((tmp_path / "norm").glob("*.parquet"))
    panel, ledger = build_panel(paths)
    broken = ledger.with_columns(
        pl.when(pl.col("category") == "counted_increase")
        .then(pl.col("downloads") + 1)
        .otherwise(pl.col("downloads"))
        .alias("downloads")
    )
    with pytest.raises(ConservationError, match="panel holds"):
        check_conservation(broken, panel_totals(panel))


def test_panel_refuses_snapshots_without_cumulative_counts(raw_dir, tmp_path):
    rows = [{"_id": "k1", "id": "a/m", "createdAt": OLD, "downloads": 5}]
    with pytest.raises(PanelError, match="downloadsAllTime"):
        build(raw_dir, tmp_path, {"2021-01-06": rows, "2021-01-13": rows})


SNAPSHOTS = {
    "2021-01-06": [model("k1", "a/m", 100), model("k2", "b/x", 5)],
    "2021-01-13": [model("k1", "a/m", 130), model("k3", "c/new", 7, created=dt.date(2021, 1, 10))],
    "2021-01-20": [model("k1", "a/m", 20), model("k2", "b/x", 9), model("k3", "c/new", 12)],
}


def test_week_by_week_files_give_the_whole_panel_and_ledger(raw_dir, tmp_path):
    whole, _ = build(raw_dir, tmp_path, SNAPSHOTS)
    out, previous, week_ledgers = tmp_path / "weeks", None, []
    for date in SNAPSHOTS:
        state = None if previous is None else out / "state" / f"{previous}.parquet"
        inputs = {"snapshot": tmp_path / "norm" / f"{date}.parquet", **({"state": state} if state else {})}
        outputs = {
            "panel": out / "panel" / f"{date}.parquet",
            "state": out / "state" / f"{date}.parquet",
            "ledger": out / "ledger" / f"{date}.csv",
        }
        panel_week_file(inputs, outputs, previous, out / "log" / f"{date}.log")
        week_ledgers.append(pl.read_csv(out / "ledger" / f"{date}.csv", schema=LEDGER_SCHEMA))
        previous = date
    weekly_rows = pl.read_parquet(sorted((out / "panel").glob("*.parquet"))).sort("week", "model_key")
    assert weekly_rows.equals(whole)
    final_state = pl.read_parquet(out / "state" / "2021-01-20.parquet")
    # k2 missed a week and k1's counter fell: the state holds every model's last count, deleted or not.
    assert dict(final_state.select("model_key", "last_value").iter_rows()) == {"k1": 20, "k2": 9, "k3": 12}
    ledger = combine_ledgers(week_ledgers, final_state)
    check_conservation(ledger, panel_totals(whole))
    assert ledger.equals(build_panel(sorted((tmp_path / "norm").glob("*.parquet")))[1])


def test_a_week_needs_its_state_and_previous_date_together(raw_dir, tmp_path):
    build(raw_dir, tmp_path, SNAPSHOTS)
    out = tmp_path / "weeks"
    with pytest.raises(PanelError, match="previous snapshot"):
        panel_week_file(
            {"snapshot": tmp_path / "norm" / "2021-01-13.parquet"},
            {"panel": out / "p.parquet", "state": out / "s.parquet", "ledger": out / "l.csv"},
            "2021-01-06",
            out / "log",
        )


def test_models_are_numbered_in_order_of_first_observation_and_keep_their_number(raw_dir, tmp_path):
    panel, _ = build(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [model("k2", "b/x", 5), model("k1", "a/m", 100)],
            "2021-01-13": [model("k3", "c/new", 7, created=dt.date(2021, 1, 10)), model("k1", "a/m", 130)],
            # k2 renamed and seen again after a gap; k4 new.
            "2021-01-20": [
                model("k4", "d/new", 3, created=dt.date(2021, 1, 15)),
                model("k2", "b/renamed", 9),
                model("k3", "c/new", 12),
            ],
        },
    )
    numbers = dict(panel.select("model_key", "model_number").unique().iter_rows())
    assert numbers == {"k1": 1, "k2": 0, "k3": 2, "k4": 3}
    assert panel.get_column("model_number").dtype == pl.UInt32


@pytest.mark.parametrize(("numbers", "valid"), [([1, 0, 2], True), ([], True), ([0, 2, 2], False), ([0, 1, 3], False)])
def test_state_numbers_must_be_0_to_n_minus_1(numbers, valid):
    state = pl.DataFrame(
        {
            "model_key": [f"k{i}" for i in range(len(numbers))],
            "model_number": numbers,
            "last_value": [1] * len(numbers),
            "last_seen": [OLD] * len(numbers),
            "rolling_thirtieths": [0] * len(numbers),
        },
        schema=STATE_SCHEMA,
    )
    if valid:
        PanelState.validate(state)
    else:
        with pytest.raises(pa.errors.SchemaError, match="numbers_0_to_n_minus_1"):
            PanelState.validate(state)


def rolling_model(key, model_id, downloads_30d, all_time=None, created=OLD):
    return {"_id": key, "id": model_id, "createdAt": created, "downloads": downloads_30d, "downloadsAllTime": all_time}


def test_weeks_without_cumulative_counts_are_estimated_then_switch_over(raw_dir, tmp_path):
    panel, ledger, measures = chain(
        raw_dir,
        tmp_path,
        {
            # The first snapshot of 30-day counts: the 30 days up to it, counted whole (9000 and 900 thirtieths).
            "2021-01-06": [rolling_model("k1", "a/m", 300), rolling_model("k2", "b/x", 30)],
            # 7/30 of each 30-day count: 300 -> 70, 60 -> 14.
            "2021-01-13": [rolling_model("k1", "a/m", 300), rolling_model("k2", "b/x", 60)],
            # Cumulative counts arrive: k1 is estimated once more (330 * 7 = 2310 thirtieths; 13410 -> 447, minus 370
            # = 77) and its count 1000 is its baseline; k3 is new and counts its first cumulative value.
            "2021-01-20": [
                rolling_model("k1", "a/m", 330, 1000),
                rolling_model("k3", "c/new", 50, 50, created=dt.date(2021, 1, 18)),
            ],
            # k2 returns after 14 days: 30 * 14 = 420 thirtieths, 1740 in all -> 58, minus 44 = 14; 400 is its baseline.
            "2021-01-27": [
                rolling_model("k1", "a/m", 330, 1080),
                rolling_model("k2", "b/x", 30, 400),
                rolling_model("k3", "c/new", 40, 70, created=dt.date(2021, 1, 18)),
            ],
        },
    )
    assert weekly(panel, "k1") == [
        ("2021-01-06", 300, "first_appearance"),
        ("2021-01-13", 70, "increase"),
        ("2021-01-20", 77, "increase"),
        ("2021-01-27", 80, "increase"),
    ]
    assert weekly(panel, "k2") == [
        ("2021-01-06", 30, "first_appearance"),
        ("2021-01-13", 14, "increase"),
        ("2021-01-27", 14, "increase"),
    ]
    assert weekly(panel, "k3") == [("2021-01-20", 50, "first_appearance"), ("2021-01-27", 20, "increase")]
    rows = panel.filter(pl.col("model_key") == "k1").sort("week")
    assert rows["measure"].to_list() == ["rolling30", "rolling30", "rolling30", "alltime_diff"]
    assert ledger["counted_rolling30_estimate"] == 300 + 30 + 70 + 14 + 77 + 14
    # Every model's running estimate rounded: k1 13410 thirtieths -> 447, k2 1740 -> 58.
    assert ledger["check_sum_of_rounded_estimates"] == 447 + 58
    assert ledger["excluded_baseline_before_window"] == 0
    assert ledger["excluded_baseline_at_measure_switch"] == 1000 + 400
    assert ledger["check_sum_of_last_values"] == 1080 + 400 + 70
    assert measures["measure"].to_list() == ["rolling30", "rolling30", "switch", "switch"]
    assert measure_summary(measures) == "mixed"


def test_a_week_that_loses_its_cumulative_counts_sets_them_aside_and_the_identity_holds(raw_dir, tmp_path):
    _, ledger, measures = chain(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": [rolling_model("k1", "a/m", 300, 1000)],
            "2021-01-13": [rolling_model("k1", "a/m", 300, 1070)],
            "2021-01-20": [rolling_model("k1", "a/m", 300)],
            "2021-01-27": [rolling_model("k1", "a/m", 300, 1210)],
        },
    )
    assert ledger["adjustment_cumulative_count_set_aside"] == 1070
    assert ledger["excluded_baseline_at_measure_switch"] == 1210
    assert measures["measure"].to_list() == ["baseline", "alltime_diff", "rolling30", "switch"]


def test_a_repeated_snapshot_books_nothing_and_the_next_week_spans_both(raw_dir, tmp_path):
    first = [model("k1", "a/m", 100), model("k2", "b/x", 5)]
    panel, ledger, measures = chain(
        raw_dir,
        tmp_path,
        {
            "2021-01-06": first,
            "2021-01-13": [model("k1", "a/m", 130), model("k2", "b/x", 5)],
            # The same export again, rows in another order.
            "2021-01-20": [model("k2", "b/x", 5), model("k1", "a/m", 130)],
            "2021-01-27": [model("k1", "a/m", 175), model("k2", "b/x", 9)],
        },
    )
    assert measures["measure"].to_list() == ["baseline", "alltime_diff", "repeat", "alltime_diff"]
    assert weekly(panel, "k1") == [("2021-01-13", 30, "increase"), ("2021-01-27", 45, "increase")]
    # Both models were last seen on 2021-01-13: the repeat moved no state.
    assert panel.filter(pl.col("week") == dt.date(2021, 1, 27))["interval_days"].to_list() == [14, 14]
    assert ledger["repeat_of_previous_snapshot"] == 0


def test_both_estimators_agree_on_steady_downloads(raw_dir, tmp_path):
    # 30 downloads a day: the 30-day count is 900 and the cumulative count grows by 210 a week.
    weeks = ["2021-01-06", "2021-01-13", "2021-01-20", "2021-01-27"]
    with_both = {date: [rolling_model("k1", "a/m", 900, 10_000 + 210 * i)] for i, date in enumerate(weeks)}
    # Likes change from week to week, so no snapshot repeats the one before.
    only_30d = {date: [{**rolling_model("k1", "a/m", 900), "likes": i}] for i, date in enumerate(weeks)}
    exact, _, _ = chain(raw_dir, tmp_path / "exact", with_both)
    estimated, _, _ = chain(raw_dir, tmp_path / "estimated", only_30d)
    # The first snapshot of 30-day counts books its 30 days (900); the cumulative count's first is a baseline.
    assert exact["downloads"].to_list() == [210, 210, 210]
    assert estimated["downloads"].to_list() == [900, 210, 210, 210]


def test_the_ledger_job_catches_a_panel_that_lost_a_row(raw_dir, tmp_path):
    """The conservation check compares the ledger with the panel files summed on their own."""
    _, ledger_lines, _ = chain(raw_dir, tmp_path, SNAPSHOTS)
    week = tmp_path / "weeks" / "panel" / "2021-01-20.parquet"
    pl.read_parquet(week).head(-1).write_parquet(week)
    totals = panel_totals(pl.scan_parquet(sorted(week.parent.glob("*.parquet"))))
    ledger = pl.DataFrame({"category": list(ledger_lines), "downloads": list(ledger_lines.values())})
    with pytest.raises(ConservationError, match="panel holds"):
        check_conservation(ledger, totals)
