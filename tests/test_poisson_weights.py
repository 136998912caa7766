"""Poisson bootstrap weights keyed by unit name: reproducible, independent of other units, Poisson(1)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hubshare.analysis.poisson_weights import poisson_weights, unit_keys


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20, unique=True),
    others=st.lists(st.text(min_size=1, max_size=12), max_size=20),
    seed=st.integers(-(2**63), 2**63 - 1),
    first=st.integers(0, 5000),
)
def test_a_units_weights_depend_on_its_name_seed_and_draw_alone(names, others, seed, first):
    alone = poisson_weights(unit_keys(names, seed), first, 7)
    mixed = poisson_weights(unit_keys([*others, *names], seed), first, 7)[:, len(others) :]
    np.testing.assert_array_equal(alone, mixed)
    # draws first .. first+6 are rows 0..6 of any longer run that covers them
    np.testing.assert_array_equal(poisson_weights(unit_keys(names, seed), 0, first + 7)[first:], alone)


def test_seeds_and_names_give_different_weights():
    keys = unit_keys(["a", "b"], 0)
    assert keys[0] != keys[1] and unit_keys(["a"], 1)[0] != keys[0]
    weights = poisson_weights(keys, 0, 200)
    assert not np.array_equal(weights[:, 0], weights[:, 1])


def test_weights_follow_the_poisson_distribution_with_mean_one():
    """200,000 weights (2,000 units x 100 draws) against Poisson(1): chi-square over 0..5 and 6+, and the moments."""
    weights = poisson_weights(unit_keys([f"unit {i}" for i in range(2000)], 42), 0, 100).ravel()
    observed = np.bincount(np.minimum(weights, 6), minlength=7)
    probabilities = [math.exp(-1) / math.factorial(k) for k in range(6)]
    expected = weights.size * np.array([*probabilities, 1 - sum(probabilities)])
    assert stats.chisquare(observed, expected).pvalue > 0.001
    assert abs(weights.mean() - 1) < 0.01 and abs(weights.var() - 1) < 0.02


def test_neighbouring_draws_and_units_are_uncorrelated():
    weights = poisson_weights(unit_keys([f"m{i}" for i in range(3000)], 7), 0, 60).astype(float)
    across_draws = np.corrcoef(weights[:-1].ravel(), weights[1:].ravel())[0, 1]
    across_units = np.corrcoef(weights[:, :-1].ravel(), weights[:, 1:].ravel())[0, 1]
    # 180,000 pairs: a standard error of about 0.0024
    assert abs(across_draws) < 0.015 and abs(across_units) < 0.015
