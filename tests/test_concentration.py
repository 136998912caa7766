import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.analysis.concentration import concentration_by_week, gini, hhi, top_share

positive_lists = st.lists(st.floats(min_value=0.001, max_value=1e9, allow_nan=False), min_size=1, max_size=60)


def test_hand_computed_values():
    # shares 0.1, 0.2, 0.7
    assert hhi([1, 2, 7]) == pytest.approx(0.01 + 0.04 + 0.49)
    # 2 * (1*1 + 2*2 + 3*7) / (3 * 10) - 4/3 = 52/30 - 40/30
    assert gini([7, 1, 2]) == pytest.approx(12 / 30)
    assert top_share([1, 2, 7], 1) == pytest.approx(0.7)
    assert top_share([1, 2, 7], 5) == pytest.approx(1.0)


def test_equal_split_and_monopoly():
    assert hhi([5, 5, 5, 5]) == pytest.approx(0.25)
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert hhi([9]) == pytest.approx(1.0)
    assert gini([9]) == pytest.approx(0.0)
    # zeros are not organisations with downloads
    assert hhi([9, 0, 0]) == pytest.approx(1.0)


def test_undefined_and_invalid_inputs_raise():
    with pytest.raises(ValueError):
        hhi([0, 0])
    with pytest.raises(ValueError):
        gini([-1, 2])


@given(positive_lists)
def test_hhi_bounds(values):
    n = len(values)
    assert 1 / n - 1e-9 <= hhi(values) <= 1 + 1e-9


@given(positive_lists)
def test_gini_bounds(values):
    n = len(values)
    assert -1e-9 <= gini(values) <= (n - 1) / n + 1e-9


@given(positive_lists, st.floats(min_value=0.01, max_value=1000))
def test_scale_invariance(values, factor):
    scaled = [v * factor for v in values]
    assert hhi(scaled) == pytest.approx(hhi(values), rel=1e-9)
    assert gini(scaled) == pytest.approx(gini(values), rel=1e-7, abs=1e-9)


@given(positive_lists, st.randoms())
def test_permutation_invariance(values, rng):
    shuffled = list(values)
    rng.shuffle(shuffled)
    assert hhi(shuffled) == pytest.approx(hhi(values))
    assert gini(shuffled) == pytest.approx(gini(values), abs=1e-9)


@given(st.lists(st.floats(min_value=1, max_value=1e6), min_size=2, max_size=30))
def test_transfer_from_poorer_to_richer_raises_gini(values):
    ordered = sorted(values)
    if ordered[0] == ordered[-1]:
        return
    moved = ordered[0] / 2
    unequal = [ordered[0] - moved, *ordered[1:-1], ordered[-1] + moved]
    assert gini(unequal) > gini(ordered) - 1e-12


@settings(max_examples=30)
@given(st.lists(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=12), min_size=1, max_size=4))
def test_table_matches_the_reference_functions(weeks):
    rows = []
    for w, values in enumerate(weeks):
        for i, v in enumerate(values):
            rows.append(
                {
                    "view": "uploader",
                    "week": dt.date(2021, 1, 1) + dt.timedelta(days=7 * w),
                    "organization": f"org{i}",
                    "downloads": float(v),
                }
            )
    table = concentration_by_week(pl.DataFrame(rows)).sort("week")
    for values, row in zip(weeks, table.iter_rows(named=True), strict=True):
        assert row["hhi"] == pytest.approx(hhi(values))
        assert row["gini"] == pytest.approx(gini(values), abs=1e-9)
        assert row["top5"] == pytest.approx(top_share(values, 5))
        assert row["organizations"] == len(values)


def test_top_share_agrees_with_numpy():
    values = np.array([3.0, 9.0, 1.0, 4.0, 4.0, 8.0])
    assert top_share(values, 2) == pytest.approx(17 / 29)
