"""Eras: exact segmentation, the AR(1) BIC choice of the number of eras, and the eras table."""

import datetime as dt
from itertools import pairwise

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.contracts.result_tables import Eras
from hubshare.inference.era_report import era_table, period_boundaries
from hubshare.inference.era_table import skipped_reason
from hubshare.inference.eras import best_segmentations, find_eras, find_share_eras, innovation_variance, segment_costs
from hubshare.periods import consecutive_periods, parse_periods

QUIET = np.random.default_rng(0).normal(0.0, 0.01, 120)  # i.i.d. noise, sd 0.01


def test_cost_of_one_era_by_hand():
    # y = 0, 1, 0, 1: mean 0.5, RSS 4 * 0.25 = 1; line on x = 0..3: slope 0.2, residuals -.2 .6 -.6 .2 -> RSS 0.8
    y = np.array([0.0, 1.0, 0.0, 1.0])
    assert segment_costs(y, "mean")[0, 4] == pytest.approx(1.0)
    assert segment_costs(y, "trend")[0, 4] == pytest.approx(0.8)
    # two points lie on a line; one point on its mean
    assert segment_costs(y, "trend")[1, 3] == pytest.approx(0.0)
    assert segment_costs(y, "mean")[2, 3] == pytest.approx(0.0)


def test_best_two_eras_of_a_step_split_at_the_step():
    y = np.r_[np.zeros(10), np.ones(10)]
    segmentations = best_segmentations(segment_costs(y, "mean"), min_length=3)
    assert segmentations[2] == [10]
    assert max(segmentations) == 20 // 3  # as many eras as fit at least 3 weeks each


@pytest.mark.parametrize("k", [13, 30, 47])
def test_step_series_break_is_found_at_k(k):
    y = np.r_[np.zeros(k), np.full(60 - k, 0.5)] + QUIET[:60]
    assert find_eras(y, model="mean").boundaries == [k]
    assert find_eras(y, model="trend").boundaries == [k]


def test_kink_is_found_by_the_trend_model():
    x = np.arange(100.0)
    y = np.where(x < 40, 0.0, 0.02 * (x - 40)) + QUIET[:100]
    # the kink's own week lies on both lines, so it may open the second era or close the first
    (boundary,) = find_eras(y, model="trend").boundaries
    assert boundary in (40, 41)


def test_constant_and_linear_series_are_one_era():
    assert find_eras(np.full(80, -1.0)).boundaries == []
    assert find_eras(0.01 * np.arange(80.0) + QUIET[:80]).boundaries == []
    assert find_eras(-1.0 + QUIET[:80], model="mean").boundaries == []


def test_joint_fit_shares_boundaries_and_keeps_each_series_fit():
    a = np.r_[np.zeros(30), np.ones(30)] + QUIET[:60]
    b = np.r_[np.ones(30), np.zeros(30)] + QUIET[60:120]
    fit = find_eras(np.vstack([a, b]), model="mean")
    assert fit.boundaries == [30]
    assert fit.fitted.shape == (2, 60)
    assert fit.fitted[0, 40] == pytest.approx(1.0, abs=0.01) and fit.fitted[1, 40] == pytest.approx(0.0, abs=0.01)


def test_innovation_variance_caps_persistence_and_floors_noise():
    assert innovation_variance(np.zeros(50), 0.9, 0.002) == pytest.approx(0.002**2)
    # a straight line has lag-1 autocorrelation near 1: capped at 0.5, innovations are half the deviations
    line = np.arange(50.0) - 24.5
    capped = innovation_variance(line, 0.5, 1e-9)
    expected = np.mean((line[1:] - 0.5 * line[:-1]) ** 2)
    assert capped == pytest.approx(expected)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown model"):
        find_eras(np.zeros(30), model="steps")
    with pytest.raises(ValueError, match="fewer than one era"):
        find_eras(np.zeros(5))
    with pytest.raises(ValueError, match="missing"):
        find_eras(np.r_[np.zeros(20), np.nan])


def test_share_eras_return_shares_of_counts():
    counts = np.r_[np.full(30, 200_000.0), np.full(30, 400_000.0)]
    fit = find_share_eras(counts, np.full(60, 1_000_000.0), model="mean")
    assert fit.boundaries == [30]
    # the empirical logit's share is (k + 0.5) / (N + 1): 200,000.5 / 1,000,001
    assert fit.fitted[0, 0] == pytest.approx(200_000.5 / 1_000_001) and fit.fitted[0, -1] == pytest.approx(
        400_000.5 / 1_000_001
    )
    # a clean step: the 95% set of break dates is the step itself
    assert fit.intervals == [(30, 30)]


def test_break_date_set_widens_with_noise_and_holds_the_true_date():
    rng = np.random.default_rng(11)
    step = np.r_[np.zeros(60), np.ones(60)]
    quiet = find_eras(step + rng.normal(0, 0.05, 120), model="mean")
    noisy = find_eras(step + rng.normal(0, 0.6, 120), model="mean")
    assert quiet.boundaries == [60] and quiet.intervals == [(60, 60)]
    assert len(noisy.boundaries) == 1
    low, high = noisy.intervals[0]
    assert low <= 60 <= high and high - low >= 2


def test_a_boundary_costs_three_parameters_and_the_penalty_counts_every_value():
    # with the noise floor binding (a noiseless step), the criterion is n * sum log(floor^2) + q log(n d)
    y = np.r_[np.zeros(30), np.ones(30)]
    fit = find_eras(np.vstack([y, 2 * y]), model="mean")
    floor_fit = 60 * 2 * np.log(0.002**2)
    # k = 2 eras, d = 2 series, p = 1: q = 3 * 1 + 2 * 1 * 2 + 2 * 2 = 11
    assert fit.criterion[2] == pytest.approx(floor_fit + 11 * np.log(120))


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=15, max_value=45),
    st.floats(min_value=-3.0, max_value=3.0),
    st.floats(min_value=0.2, max_value=2.0),
    st.integers(min_value=0, max_value=2**16),
)
def test_boundaries_are_shift_invariant_and_at_least_min_length_apart(k, shift, jump, seed):
    noise = np.random.default_rng(seed).normal(0.0, 0.02, 60)
    y = np.r_[np.zeros(k), np.full(60 - k, jump)] + noise
    found = find_eras(y, model="mean", min_length=13).boundaries
    assert find_eras(y + shift, model="mean", min_length=13).boundaries == found
    edges = [0, *found, 60]
    assert all(b - a >= 13 for a, b in pairwise(edges))


# The eras table on small synthetic weekly tables.

PERIODS = parse_periods(
    [
        {"name": "<=2022", "start": "2000-01-01", "end": "2022-12-31"},
        {"name": "2023", "start": "2023-01-01", "end": "2023-12-31"},
        {"name": "last_year", "start": "2023-03-01", "end": "2024-02-28"},
    ]
)
SERIES = [{"dimension": "country_group", "group": "china"}, {"dimension": "country_group", "group": "united_states"}]
SETTINGS = {"model": "trend", "min_segment_weeks": 13, "max_eras": 6, "noise_floor": 0.002, "max_persistence": 0.9}


def weekly_table(weeks: int) -> pl.DataFrame:
    """china steps from 10% to 20% on 2023-01-04 (the 40th week); the United States holds the rest."""
    start = dt.date(2022, 4, 6)
    rows = []
    for view in ("uploader", "derived"):
        for k in range(weeks):
            week = start + dt.timedelta(days=7 * k)
            china = (0.10 if week < dt.date(2023, 1, 1) else 0.20) + 0.001 * (k % 3)
            rows += [
                (view, "country_group", "china", week, china * 1e6, china),
                (view, "country_group", "united_states", week, (1 - china) * 1e6, 1 - china),
            ]
    return pl.DataFrame(rows, schema=["view", "dimension", "group", "week", "downloads", "share"], orient="row")


def test_periods_chain_and_boundaries_skip_the_overlapping_window():
    assert list(consecutive_periods(PERIODS)) == ["<=2022", "2023"]
    assert period_boundaries(PERIODS) == [dt.date(2023, 1, 1)]


def test_era_table_finds_the_step_and_its_distance_to_the_period_start():
    table = era_table(weekly_table(80), SERIES, PERIODS, SETTINGS)
    Eras.validate(table)
    china = table.filter((pl.col("view") == "uploader") & (pl.col("group") == "china") & (pl.col("fit") == "single"))
    assert china["era"].to_list() == [1, 2]
    assert china["start"].to_list() == [dt.date(2022, 4, 6), dt.date(2023, 1, 4)]
    assert china["weeks"].to_list() == [39, 41]
    # 2023-01-04 is 3 days after 2023-01-01
    assert china["distance_weeks"].to_list() == [None, pytest.approx(3 / 7)]
    # a step ten times the noise: the 95% set of the boundary is its own week
    assert china["start_low"].to_list() == [None, dt.date(2023, 1, 4)] == china["start_high"].to_list()
    assert china["mean_share"][1] == pytest.approx(0.201, abs=0.001)
    joint = table.filter(pl.col("fit") == "joint")
    assert set(joint["group"]) == {"china", "united_states"}
    assert set(joint.filter(pl.col("era") == 2)["start"]) == {dt.date(2023, 1, 4)}


def test_short_series_are_skipped_with_a_reason_not_an_error():
    short = weekly_table(20)
    assert "needs at least 26" in skipped_reason(short, 13)
    table = era_table(short, SERIES, PERIODS, SETTINGS)
    assert table.is_empty() and table.columns == list(Eras.to_schema().columns)
    assert skipped_reason(weekly_table(26), 13) is None
