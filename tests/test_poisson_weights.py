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


_MASK = 2**64 - 1
_GOLDEN, _MIX = 0x9E3779B97F4A7C15, (0xBF58476D1CE4E5B9, 0x94D049BB133111EB)
_CDF = list(np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(20)]))


def _weight_by_definition(key: int, draw: int) -> int:
    """One weight as the module docstring defines it, in Python integers: SplitMix64 of key + draw x golden, its
    top 53 bits as a uniform number, and the Poisson(1) quantile of that number."""
    z = (key + (draw + 1) * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MIX[0]) & _MASK
    z = ((z ^ (z >> 27)) * _MIX[1]) & _MASK
    z ^= z >> 31
    uniform = (z >> 11) * 2.0**-53
    return sum(p <= uniform for p in _CDF)


def _key_mixing_to(z: int, draw: int) -> int:
    """The key whose mixed value in `draw` is z (SplitMix64's output function is a bijection)."""
    z ^= (z >> 31) ^ (z >> 62)
    z = (z * pow(_MIX[1], -1, 2**64)) & _MASK
    z ^= (z >> 27) ^ (z >> 54)
    z = (z * pow(_MIX[0], -1, 2**64)) & _MASK
    z ^= (z >> 30) ^ (z >> 60)
    return (z - (draw + 1) * _GOLDEN) & _MASK


@settings(max_examples=30, deadline=None)
@given(keys=st.lists(st.integers(0, _MASK), min_size=1, max_size=40), first=st.integers(0, 2**40))
def test_weights_are_the_definition_computed_one_by_one(keys, first):
    weights = poisson_weights(np.array(keys, dtype=np.uint64), first, 3)
    expected = [[_weight_by_definition(k, first + d) for k in keys] for d in range(3)]
    np.testing.assert_array_equal(weights, np.array(expected))


def test_uniform_numbers_on_either_side_of_each_quantile_get_the_weights_on_either_side():
    """Keys chosen so that the uniform number is one step below, or exactly at, each P(Poisson(1) <= k)."""
    edges = sorted({math.ceil(p * 2.0**53) for p in _CDF if math.ceil(p * 2.0**53) < 2**53})
    mixed = [z for t in edges for z in (((t - 1) << 11) | 0x7FF, t << 11)]
    keys = np.array([_key_mixing_to(z, 0) for z in mixed], dtype=np.uint64)
    weights = poisson_weights(keys, 0, 1)[0]
    assert [_weight_by_definition(int(k), 0) for k in keys] == weights.tolist()
    assert weights.tolist() == [w for k in range(len(edges)) for w in (k, k + 1)]
