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


def unit_keys(names: Sequence[str], seed: int) -> np.ndarray:
    """Each unit's 64-bit key: the BLAKE2b digest of its name, keyed by the seed."""
    key = int(seed).to_bytes(8, "little", signed=True)
    return np.array(
        [int.from_bytes(hashlib.blake2b(str(n).encode(), digest_size=8, key=key).digest(), "little") for n in names],
        dtype=np.uint64,
    )


def poisson_weights(keys: np.ndarray, first_draw: int, n_draws: int) -> np.ndarray:
    """Weights of draws first_draw .. first_draw + n_draws - 1 (rows) for the units with these keys (columns)."""
    draws = np.arange(first_draw + 1, first_draw + n_draws + 1, dtype=np.uint64)[:, None]
    # In place where possible: at Hub scale one (draw, unit) array of uint64 is a quarter of a gigabyte.
    z = keys[None, :] + draws * _GOLDEN  # uint64 arithmetic wraps modulo 2^64, as SplitMix64 intends
    z ^= z >> np.uint64(30)
    z *= _MIX[0]
    z ^= z >> np.uint64(27)
    z *= _MIX[1]
    z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    uniform = z.astype(np.float64)
    uniform *= 2.0**-53
    return np.searchsorted(_POISSON_CDF, uniform, side="right").astype(np.uint8)
