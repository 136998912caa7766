"""Series below the level of groups: rates on non-overlapping intervals, the two variants, their tests and text."""

import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest

from hubshare.analysis.capabilities import MIN_NAMESPACES
from hubshare.analysis.model_series import model_rates, model_series, model_series_file
from hubshare.contracts.result_tables import ModelSeries, ModelTrends
from hubshare.inference.model_trends import model_trends, namespaces_tested, read_model_trends
from hubshare.inference.trends import growth_test
from hubshare.jobs.atomic import write_csv
from hubshare.manuscript.model_series_text import model_series_variables, model_trends_markdown

D0, D1, D2 = dt.date(2024, 1, 1), dt.date(2024, 1, 20), dt.date(2024, 2, 19)


def panel(rows: list[tuple]) -> pl.DataFrame:
    """(week, model_key, namespace, downloads, interval_days, measure) rows."""
    return pl.DataFrame(
        rows,
        schema={
            "week": pl.Date,
            "model_key": pl.String,
            "namespace": pl.String,
            "downloads": pl.Int64,
            "interval_days": pl.Int32,
            "measure": pl.String,
        },
        orient="row",
    )


def test_rates_are_downloads_per_30_days_on_non_overlapping_intervals_only():
    rows = panel(
        [
            (D0, "a/x", "a", 300, 30, "rolling30"),
            # 19 days after D0: its 30-day count overlaps D0's, and D2's (30 days later) is kept instead of D0.
            (D1, "a/x", "a", 190, 19, "rolling30"),
            (D1, "b/y", "b", 95, 19, "rolling30"),
            # The panel books count x min(days, 30) / 30: a 45-day gap books the whole count, 600.
            (D2, "a/x", "a", 600, 45, "rolling30"),
            (D2, "b/y", "b", 280, 28, "alltime_diff"),
        ]
    )
    rates = model_rates(panel_rows := rows, "rolling30")
    assert panel_rows.height == 5
    assert rates.get_column("week").unique().sort().to_list() == [D1, D2]
    got = {(w, m): r for w, m, _, r in rates.iter_rows()}
    # 190 x 30 / 19 = 300; 95 x 30 / 19 = 150; 600 x 30 / min(45, 30) = 600; an increase over 28 days: 280 x 30 / 28.
    assert got == pytest.approx({(D1, "a/x"): 300.0, (D1, "b/y"): 150.0, (D2, "a/x"): 600.0, (D2, "b/y"): 300.0})


def test_series_by_hand_and_the_models_present_throughout():
    rows = panel(
        [
            (D1, "a/x", "a", 60, 30, "rolling30"),
            (D1, "a/y", "a", 20, 30, "rolling30"),
            (D1, "b/z", "b", 20, 30, "rolling30"),
            (D2, "a/x", "a", 50, 30, "rolling30"),
            (D2, "b/z", "b", 30, 30, "rolling30"),
            (D2, "b/new", "b", 20, 30, "rolling30"),
        ]
    )
    table = ModelSeries.validate(model_series(rows, "rolling30"))
    value = {
        (v, w, s, sub): x
        for v, w, s, sub, x in table.select("variant", "week", "series", "subject", "value").iter_rows()
    }
    # All models, D1: shares 0.6, 0.2, 0.2 -> HHI 0.36 + 0.04 + 0.04 = 0.44; a holds 80 of 100.
    assert value[("all", D1, "hhi", "")] == pytest.approx(0.44)
    assert value[("all", D1, "effective_models", "")] == pytest.approx(1 / 0.44)
    assert value[("all", D1, "top_model_share", "")] == pytest.approx(0.6)
    assert value[("all", D1, "namespace_share", "a")] == pytest.approx(0.8)
    assert value[("all", D2, "namespace_share", "b")] == pytest.approx(0.5)
    assert value[("all", D2, "downloads", "")] == 100.0
    # Present throughout: a/x and b/z only. D2: 50 and 30 of 80 -> HHI (25 + 9) / 64; a's share 50 / 80.
    assert value[("throughout", D2, "hhi", "")] == pytest.approx(34 / 64)
    assert value[("throughout", D2, "namespace_share", "a")] == pytest.approx(0.625)
    assert value[("throughout", D1, "downloads", "")] == 80.0
    models = dict(table.select("variant", "models").unique().iter_rows())
    assert models == {"all": 4, "throughout": 2}


def exponential_series(weeks: int, growth: float, namespaces: dict[str, float]) -> pl.DataFrame:
    """Monthly rows whose total grows exactly by `growth` a year, split among namespaces in fixed shares."""
    rows = []
    for k in range(weeks):
        week = dt.date(2020, 1, 1) + dt.timedelta(days=30 * k)
        total = 1000.0 * math.exp(math.log1p(growth) * 30 * k / 365.25)
        for namespace, share in namespaces.items():
            rows.append((week, f"{namespace}/m", namespace, round(total * share), 30, "rolling30"))
    return model_series(panel(rows), "rolling30")


def test_growth_test_recovers_exact_exponential_growth():
    days = np.arange(30) * 30.0
    values = 50.0 * np.exp(0.5 * days / 365.25)
    result = growth_test(days, values)
    assert result["growth_pct_per_year"] == pytest.approx(100 * (math.exp(0.5) - 1))
    assert result["ci_low"] <= result["growth_pct_per_year"] <= result["ci_high"]
    with pytest.raises(ValueError, match="positive"):
        growth_test(days, values - values[3])


def test_which_namespace_shares_are_tested():
    two = exponential_series(12, 0.1, {"big": 0.7, "small": 0.3})
    assert namespaces_tested(two) == ["big"]  # the other share is its complement
    three = exponential_series(12, 0.1, {"x": 0.5, "y": 0.3, "z": 0.2})
    assert namespaces_tested(three) == ["x", "y", "z"]


def test_too_few_intervals_are_not_tested_and_carry_no_slope():
    trends = ModelTrends.validate(
        model_trends(exponential_series(12, 0.3, {"a": 0.6, "b": 0.4}), min_intervals=24, alpha=0.05, confidence=0.95)
    )
    assert trends.height == 8
    assert set(trends["note"]) == {"not tested: 12 non-overlapping intervals; a test needs 24"}
    assert (
        trends.select("estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "significant").null_count().row(0)
        == (8,) * 6
    )
    text = model_series_variables(
        trends,
        {"intervals": {"first_day": "2020-01-01", "last_day": "2020-12-01"}},
        {"namespace": ["a", "b"], "organization": ["Org"], "country_group": ["g"], "developer_type": ["t"]},
        0.95,
        0.05,
    )
    assert (
        text["tested"] == "0"
        and "No series is tested: 12 non-overlapping intervals; a test needs 24" in text["findings"]
    )
    assert all(row["trend"] == "" and row["note"] for rows in text["rows"].values() for row in rows.values())
    assert "percentage points a year" not in model_trends_markdown(trends, 0.95)


def test_a_steady_growth_is_found_and_a_fixed_split_is_not(tmp_path):
    # 40 monthly intervals, downloads doubling each year, namespace a always holding 60%.
    series = exponential_series(40, 1.0, {"a": 0.6, "b": 0.4})
    trends = model_trends(series, min_intervals=24, alpha=0.05, confidence=0.95)
    path = tmp_path / "model_trends.csv"
    write_csv(trends, path)
    read = read_model_trends(path)
    assert read.equals(trends)  # empty texts survive the CSV
    growth = read.filter((pl.col("variant") == "all") & (pl.col("series") == "downloads")).row(0, named=True)
    assert growth["estimate"] == pytest.approx(100.0, abs=0.5) and growth["significant"]
    share = read.filter(pl.col("series") == "namespace_share").row(0, named=True)
    assert share["subject"] == "a" and share["first_year"] == pytest.approx(0.6, abs=1e-3)
    assert abs(share["estimate"]) < 0.1 and not share["significant"]
    # The most downloaded model is a/m: its share is namespace a's.
    top = read.filter((pl.col("variant") == "all") & (pl.col("series") == "top_model_share")).row(0, named=True)
    assert top["first_year"] == pytest.approx(share["first_year"])
    assert (read["p_adjusted"] >= read["p_value"]).all()
    text = model_series_variables(
        read,
        {"intervals": {"first_day": "2019-12-03", "last_day": "2023-03-16"}},
        {"namespace": ["a", "b"], "organization": ["Org"], "country_group": ["g"], "developer_type": ["t"]},
        0.95,
        0.05,
    )
    assert "the downloads per 30 days over all listed models grew by 100.0% a year" in text["findings"]
    assert text["rows"]["all"]["downloads"]["trend"].startswith("+100.0% a year, 95% CI [")
    assert "2 namespaces only, credited to 1 organisation (Org)" in text["cannot"]


def test_an_ecosystem_gets_no_series_below_its_groups(tmp_path):
    rows = panel([(D1, "a/x", "a", 60, 30, "rolling30"), (D2, "b/y", "b", 30, 30, "rolling30")])
    rows.write_parquet(tmp_path / "panel.parquet")
    for namespaces, expected in ((MIN_NAMESPACES, 0), (2, 12)):
        record = tmp_path / "capabilities.json"
        record.write_text(json.dumps({"namespaces": namespaces}))
        table = model_series_file([tmp_path / "panel.parquet"], "rolling30", record, tmp_path / "series.csv")
        assert table.height == expected, namespaces
    empty = model_trends(table.clear(), min_intervals=24, alpha=0.05, confidence=0.95)
    assert empty.height == 0 and empty.columns == list(ModelTrends.to_schema().columns)
