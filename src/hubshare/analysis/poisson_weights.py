"""Poisson bootstrap weights that are a function of (seed, unit name, draw) alone.

A multinomial bootstrap draws n units out of the n present, so a unit's weight
depends on every other unit in the sample: two samples that share units (two
periods, or a period before and after a new week) cannot be resampled apart
and still agree on the shared ones. With Poisson(1) weights each unit's weight
is drawn on its own (the Poisson bootstrap, Hanley and MacGibbon 2006;
Chamandy et al. 2012), so it can be computed from the unit's name: every job
that sees a unit gives it the same weight in draw b, whichever other units it
sees. For n in the hundreds and more the two bootstraps agree; with ratio
statistics, such as shares, the random total weight cancels.

The uniform number behind a (unit, draw) weight is the SplitMix64 output
function (Steele, Lea and Flood 2014) of the unit's 64-bit BLAKE2b digest (keyed
by the seed) plus the draw's multiple of the golden-ratio increment: a
counter-based generator, the same idea as numpy's Philox, vectorised over
units, which numpy's bit generators are not.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
# P(Poisson(1) <= k) for k = 0, 1, ...: beyond k = 19 the remaining mass is below 2^-64.
_POISSON_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(20)])
# The weight is the number of k with uniform >= P(Poisson(1) <= k), uniform = (z >> 11) * 2^-53. Scaling by a power
# of two is exact, so that is z >= ceil(P * 2^53) << 11 on the mixed integer z itself: no shift, no float, and the
# same weights. A P that rounds to 1.0 can never be reached and is left out.
_THRESHOLDS = np.array(
    [math.ceil(p * 2.0**53) << 11 for p in _POISSON_CDF if math.ceil(p * 2.0**53) < 2**53], dtype=np.uint64
)
# Weights 0-4 by comparisons (99.6% of them), the rest by a search among the thresholds.
_COMPARED = 5
# Cells mixed at a time: 512 KiB of uint64 per temporary, so each pass over them stays in cache.
_CHUNK_CELLS = 1 << 16


def unit_keys(names: Sequence[str], seed: int) -> np.ndarray:
    """Each unit's 64-bit key: the BLAKE2b digest of its name, keyed by the seed."""
    key = int(seed).to_bytes(8, "little", signed=True)
    return np.array(
        [int.from_bytes(hashlib.blake2b(str(n).encode(), digest_size=8, key=key).digest(), "little") for n in names],
        dtype=np.uint64,
    )


def poisson_weights(keys: np.ndarray, first_draw: int, n_draws: int) -> np.ndarray:
    """Weights of draws first_draw .. first_draw + n_draws - 1 (rows) for the units with these keys (columns)."""
    weights = np.empty((n_draws, keys.size), dtype=np.uint8)
    draws = np.arange(first_draw + 1, first_draw + n_draws + 1, dtype=np.uint64)[:, None]
    rows = max(1, _CHUNK_CELLS // max(keys.size, 1))
    for begin in range(0, n_draws, rows):
        _weights_into(weights[begin : begin + rows], keys, draws[begin : begin + rows])
    return weights


def _weights_into(out: np.ndarray, keys: np.ndarray, draws: np.ndarray) -> None:
    z = keys[None, :] + draws * _GOLDEN  # uint64 arithmetic wraps modulo 2^64, as SplitMix64 intends
    z ^= z >> np.uint64(30)
    z *= _MIX[0]
    z ^= z >> np.uint64(27)
    z *= _MIX[1]
    z ^= z >> np.uint64(31)
    np.greater_equal(z, _THRESHOLDS[0], out=out, casting="unsafe")
    reached = np.empty(out.shape, dtype=bool)
    for threshold in _THRESHOLDS[1:_COMPARED]:
        np.greater_equal(z, threshold, out=reached)
        out += reached
    beyond = z >= _THRESHOLDS[_COMPARED]
    if beyond.any():
        out[beyond] = np.searchsorted(_THRESHOLDS, z[beyond], side="right")
