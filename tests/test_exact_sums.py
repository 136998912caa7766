"""Fixed-point sums: the correctly rounded sum of the values cut to 2^-48ths, whatever the order or grouping."""

from __future__ import annotations

import math
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.analysis.exact_sums import exact_sum, from_fixed_point, to_fixed_point

DOWNLOADS = st.floats(min_value=0, max_value=2.0**40, allow_nan=False, allow_infinity=False)


def cut(value: float) -> Fraction:
    """The value as whole 2^-48ths, the fraction below cut off."""
    return Fraction(math.floor(Fraction(value) * 2**48), 2**48)


def test_by_hand():
    # Left to right in floats, 2^53 + 1 rounds back to 2^53 twice; right to left the ones add up first.
    assert sum([2.0**53, 1.0, 1.0]) != sum([1.0, 1.0, 2.0**53])
    for values in ([2.0**53, 1.0, 1.0], [1.0, 1.0, 2.0**53]):
        assert pl.DataFrame({"downloads": values}).select(exact_sum()).item() == 2.0**53 + 2
    assert pl.DataFrame({"downloads": [2.0**-49, 1.5]}).select(to_fixed_point())["downloads"].to_list() == [
        0,
        3 * 2**47,
    ]
    assert pl.DataFrame({"downloads": []}, schema={"downloads": pl.Float64}).select(exact_sum()).item() == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(DOWNLOADS, max_size=40))
def test_the_sum_is_the_exact_sum_rounded_once(values):
    total = pl.DataFrame({"downloads": values}, schema={"downloads": pl.Float64}).select(exact_sum()).item()
    assert total == float(sum((cut(v) for v in values), Fraction(0)))


@settings(max_examples=100, deadline=None)
@given(st.lists(DOWNLOADS, min_size=1, max_size=40), st.randoms(use_true_random=False), st.integers(1, 5))
def test_partial_sums_add_up_to_the_whole_in_any_order(values, random, groups):
    frame = pl.DataFrame({"downloads": values, "part": [random.randrange(groups) for _ in values]})
    whole = frame.select(exact_sum()).item()
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=random.randrange(2**32))
    partial = shuffled.group_by("part").agg(to_fixed_point().sum()).select(from_fixed_point(pl.col("downloads").sum()))
    assert partial.item() == whole == shuffled.select(exact_sum()).item()


def test_a_value_beyond_the_integers_fails_loudly():
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.DataFrame({"downloads": [2.0**80]}).select(to_fixed_point())
