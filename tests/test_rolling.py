"""The rolling30 estimator on the week-by-week chain: hand-computed cases, rounding, gaps, the first snapshot,
the ledger identity, and the plausibility guards on a source with only 30-day counts."""

import datetime as dt

import pandera.polars as pa
import polars as pl
import pytest
from conftest import run_weeks, write_raw
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bad_inputs import api_dump, snakemake, workflow_copy, write_dumps  # noqa: F401 (a session fixture)

from hubshare.contracts.base import UTC_MICROS
from hubshare.normalize.snapshot import normalize_snapshot_file
from hubshare.panel.ledger import ConservationError, check_conservation, panel_totals
from hubshare.panel.model_weeks import build_panel, chain_panel

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
    panel, ledger = chain_panel(observations(rows), "rolling30")
    check_conservation(ledger, panel_totals(panel))
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
    # 4 counts of 300: the first whole, then a thirtieth of each of the other three
    assert ledger["counted_rolling30_estimate"] == ledger["counted_total"] == 300 + 3 * 10
    assert ledger["check_sum_of_rounded_estimates"] == 330
    assert ledger["excluded_baseline_before_window"] == 0 and ledger["check_sum_of_last_values"] == 0


def test_weekly_snapshots_give_seven_thirtieths_rounded_by_carrying_the_remainder():
    # 100, then 100 * 7/30 = 23.33 a week; cumulative 123.33, 146.67, 170.00 round to 123, 147, 170
    panel, ledger = run([(week * 7, "a", 100) for week in range(4)])
    assert [downloads for _, downloads, _, _ in series(panel, "a")] == [100, 23, 24, 23]
    assert ledger["counted_total"] == ledger["check_sum_of_rounded_estimates"] == 170


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
    # a: 30 whole, then 30 * 7/30 = 7; b: 14
    assert ledger["counted_rolling30_estimate"] == 30 + 7 + 14


def test_gap_shorter_than_the_window_covers_the_days_since_the_last_observation():
    panel, _ = run([(0, "a", 30), (0, "b", 90), (7, "a", 30), (14, "a", 30), (14, "b", 90)])
    assert series(panel, "b") == [(0, 90, 30, "first_appearance"), (14, 42, 14, "increase")]  # 90 * 14/30


def test_gap_longer_than_the_window_counts_the_whole_count():
    panel, ledger = run([(0, "a", 10), (42, "a", 45)])
    assert series(panel, "a") == [(0, 10, 30, "first_appearance"), (42, 45, 42, "increase")]
    assert ledger["counted_rolling30_estimate"] == 10 + 45


def test_zero_counts_are_not_stored_but_close_the_interval():
    panel, _ = run([(0, "a", 300), (7, "a", 0), (14, "a", 30)])
    assert series(panel, "a") == [(0, 300, 30, "first_appearance"), (14, 7, 7, "increase")]


def test_missing_counts_are_a_gap():
    panel, ledger = run([(0, "a", 300), (7, "a", None), (14, "a", 30)])
    assert series(panel, "a") == [(0, 300, 30, "first_appearance"), (14, 14, 14, "increase")]
    assert ledger["counted_total"] == 300 + 14


def test_duplicate_observations_are_refused():
    with pytest.raises(pa.errors.SchemaError, match="model_key"):
        chain_panel(observations([(0, "a", 1), (0, "a", 2)]), "rolling30")


def test_imbalance_is_caught():
    panel, ledger = chain_panel(observations([(0, "a", 30), (7, "a", 30)]), "rolling30")
    check_conservation(ledger, panel_totals(panel))
    with pytest.raises(ConservationError, match="rolling30 counted lines sum to 37 but the panel holds 30"):
        check_conservation(ledger, panel_totals(panel.head(1)))
    broken = ledger.with_columns(
        pl.when(pl.col("category") == "check_sum_of_rounded_estimates")
        .then(pl.col("downloads") + 1)
        .otherwise(pl.col("downloads"))
        .alias("downloads")
    )
    with pytest.raises(ConservationError, match="rounded running estimate 38"):
        check_conservation(broken, panel_totals(panel))


def rolling_row(key: str, count: int, likes: int = 0) -> dict:
    return {"_id": key, "id": f"org/{key}", "createdAt": OLD, "downloads": count, "likes": likes}


def test_the_ledger_job_catches_a_week_that_lost_a_row_or_read_another_weeks_state(raw_dir, tmp_path):
    """Conservation of the estimates is checked by the panel files summed on their own, against the ledger
    lines and against the last state, not by lines that balance by construction."""
    from hubshare.attribution.weekly import panel_week_file
    from hubshare.panel.ledger import LEDGER_SCHEMA, combine_ledgers

    dates = [(DAY0 + dt.timedelta(days=7 * i)).isoformat() for i in range(3)]
    snapshots = {date: [rolling_row("a", 300, i), rolling_row("b", 60, i)] for i, date in enumerate(dates)}
    run_weeks(raw_dir, tmp_path, snapshots, measure="rolling30")
    weeks = tmp_path / "weeks"
    ledgers = [pl.read_csv(weeks / "ledger" / f"{date}.csv", schema=LEDGER_SCHEMA) for date in dates]
    ledger = combine_ledgers(ledgers, pl.read_parquet(weeks / "state" / f"{dates[-1]}.parquet"))
    panels = sorted((weeks / "panel").glob("*.parquet"))
    check_conservation(ledger, panel_totals(pl.scan_parquet(panels)))
    # A week's panel file lost a row.
    kept = pl.read_parquet(panels[1])
    kept.head(-1).write_parquet(panels[1])
    with pytest.raises(ConservationError, match="rolling30 counted lines"):
        check_conservation(ledger, panel_totals(pl.scan_parquet(panels)))
    kept.write_parquet(panels[1])
    # The last week differenced against the first week's state: its lines and rows agree, the identity does not.
    inputs = {"snapshot": tmp_path / "norm" / f"{dates[2]}.parquet", "state": weeks / "state" / f"{dates[0]}.parquet"}
    outputs = {"panel": panels[2], "state": tmp_path / "stale.parquet", "ledger": tmp_path / "stale.csv"}
    panel_week_file(inputs, outputs, dates[1], tmp_path / "stale.log", measure="rolling30")
    ledgers[2] = pl.read_csv(tmp_path / "stale.csv", schema=LEDGER_SCHEMA)
    stale = combine_ledgers(ledgers, pl.read_parquet(weeks / "state" / f"{dates[-1]}.parquet"))
    with pytest.raises(ConservationError, match="rounded running estimate"):
        check_conservation(stale, panel_totals(pl.scan_parquet(panels)))


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


def normalized(raw_dir, tmp_path, rows_by_day: dict[int, list[dict]]) -> list:
    paths = []
    for day, rows in rows_by_day.items():
        date = (DAY0 + dt.timedelta(days=day)).isoformat()
        out = tmp_path / "norm" / f"{date}.parquet"
        normalize_snapshot_file(
            write_raw(raw_dir, date, rows), out, tmp_path / f"{date}.json", date, tmp_path / f"{date}.log"
        )
        paths.append(out)
    return paths


def test_panel_has_the_columns_of_the_alltime_panel(raw_dir, tmp_path):
    row = {"_id": "k1", "id": "a/m", "createdAt": OLD, "downloads": 60}
    paths = normalized(raw_dir, tmp_path, {0: [{**row, "downloadsAllTime": 10}], 7: [{**row, "downloadsAllTime": 25}]})
    alltime, _ = build_panel(paths)
    rolling, _ = build_panel(paths, "rolling30")
    assert rolling.columns == alltime.columns
    # measure rolling30 leaves the cumulative counts unread: 60 whole, then 60 * 7/30
    assert rolling["downloads"].to_list() == [60, 14] and alltime["downloads"].to_list() == [15]


def test_first_snapshot_of_30_day_counts_is_booked_and_one_of_cumulative_counts_is_the_baseline(raw_dir, tmp_path):
    # The same first snapshot carrying both counts: the configured measure decides what it is.
    row = {"_id": "k1", "id": "a/m", "createdAt": OLD, "downloads": 90, "downloadsAllTime": 5000}
    paths = normalized(raw_dir, tmp_path, {0: [row]})
    cumulative, cumulative_ledger = build_panel(paths)
    estimated, estimated_ledger = build_panel(paths, "rolling30")
    assert cumulative.is_empty() and estimated["downloads"].to_list() == [90]
    assert estimated["interval_days"].to_list() == [30]
    lines = dict(zip(cumulative_ledger["category"], cumulative_ledger["downloads"], strict=True))
    assert lines["excluded_baseline_before_window"] == 5000 and lines["counted_total"] == 0
    lines = dict(zip(estimated_ledger["category"], estimated_ledger["downloads"], strict=True))
    assert lines["excluded_baseline_before_window"] == 0 and lines["counted_rolling30_estimate"] == 90


def test_models_are_numbered_in_order_of_first_observation():
    panel, _ = run([(0, "z", 30), (0, "b", 30), (7, "a", 60), (7, "z", 30), (14, "b", 30), (14, "a", 30)])
    # Numbered by first date, then in the snapshot's order within a date.
    assert dict(panel.select("model_key", "model_number").unique().iter_rows()) == {"z": 0, "b": 1, "a": 2}


# --- the plausibility guards on a source with only 30-day counts, through the workflow ---------------------


def daily_dumps(folder, days: int, scale: dict[int, int]):
    """`days` daily API dumps of 20 models with steady 30-day counts; day d's counts times `scale[d]`."""
    dumps = {}
    for day in range(days):
        date = (DAY0 + dt.timedelta(days=day)).isoformat()
        models = [{"id": f"org/m{i}", "downloads": (3000 + day) * scale.get(day, 1)} for i in range(20)]
        dumps[f"{date}.json"] = api_dump(date, models)
    return write_dumps(folder, dumps)


def test_an_implausible_week_of_an_api_dump_is_left_out_or_stops_the_run(workflow_copy, tmp_path):
    # Day 6's dump counts a hundred times the others (another unit, another listing): 200,000 downloads a day
    # against a median of 2,000 over the booked days, more than the factor 10 the guard allows.
    folder = daily_dumps(tmp_path / "dumps", 8, {6: 100})
    code, output = snakemake(workflow_copy, folder, "results/tables/panel_weeks.csv")
    assert code == 0, output[-3000:]
    weeks = pl.read_csv(workflow_copy / "results/tables/panel_weeks.csv")
    assert weeks["measure"].to_list() == ["rolling30"] * 6 + ["implausible", "rolling30"]
    # The first dump books its 30 days whole. Day 7 spans the day left out: each model's running estimate,
    # 3000 * 30 + 3001 + ... + 3005 = 105,015 thirtieths (3,501 rounded), gains 2 * 3007 = 6,014 (111,029: 3,701).
    assert weeks["downloads"].to_list()[0] == 20 * 3000 and weeks["downloads"].to_list()[-1] == 20 * 200
    code, output = snakemake(
        workflow_copy,
        folder,
        "results/tables/panel_weeks.csv",
        "--forceall",
        settings={"plausibility": {"action": "error"}},
    )
    assert code != 0
    assert "2026-08-07.parquet: column 'downloads_30d' breaks rule 'plausible week' (step panel)" in output


def test_the_papers_ledger_of_30_day_estimates_states_the_first_snapshot_and_its_identity():
    from hubshare.manuscript.data_section import ledger_section

    _, ledger = chain_panel(observations([(0, "a", 300), (7, "a", 300)]), "rolling30")
    weeks = pl.DataFrame({"week": [DAY0, DAY0 + dt.timedelta(days=7)], "measure": ["rolling30", "rolling30"]})
    text = ledger_section(ledger, "rolling30", weeks)
    assert "the first snapshot's counts are the 30 days up to it, counted whole" in text
    assert "the 370 estimated downloads in the panel" in text and "rounded to whole downloads" in text
    table = text.split("\n\n")[1]
    assert "counted_rolling30_estimate" in table and "check_sum_of_rounded_estimates" in table
    # The cumulative identity's lines hold nothing here and are left out.
    assert "counted_increase" not in table and "check_sum_of_last_values" not in table


def test_one_models_real_burst_is_booked_and_a_week_that_moves_every_model_is_not(raw_dir, tmp_path):
    # 20 models, weekly 30-day counts of 300 each (70 a model a week, 1400 in all). In week 6 one model's count
    # jumps to 300,000 (70,000 that week: 51 times the usual week's total), as real bursts do; in week 7 every
    # model's count is a hundred times the usual, as a broken export's would be.
    dates = [(DAY0 + dt.timedelta(days=7 * i)).isoformat() for i in range(8)]
    snapshots = {date: [rolling_row(f"m{k}", 300, i) for k in range(20)] for i, date in enumerate(dates)}
    snapshots[dates[6]][0] = rolling_row("m0", 300_000, 6)
    snapshots[dates[7]] = [rolling_row(f"m{k}", 30_000, 7) for k in range(20)]
    panel, _, measures = run_weeks(raw_dir, tmp_path, snapshots, measure="rolling30")
    assert measures["measure"].to_list() == ["rolling30"] * 7 + ["implausible"]
    assert measures["downloads"].to_list()[6] == 19 * 70 + 70_000
