"""Noise paths on the logit scale of a share: the scenarios the simulator and the calibration study share.

Each kind returns `replicates` paths of length `n` (rows), scaled by `sigma`,
the standard deviation of the innovations:

- `ar1_0.8`, `ar1_0.95`, `ar1_0.99`: stationary AR(1) with that coefficient;
- `random_walk`: integrated noise (the cumulative sum of the innovations);
- `long_memory`: fractionally integrated noise with d = 0.4 (stationary, but
  its autocorrelations decay hyperbolically), drawn exactly from its
  autocovariances (a truncated moving average would lose a tenth of them);
- `spikes`: AR(1) 0.8 plus, in 2% of the weeks, a one-week spike of five
  stationary standard deviations with a random sign;
- `late_volatility`: AR(1) 0.8 whose innovations are three times larger in
  the last third of the weeks;
- `level_shift`: AR(1) 0.8 plus one permanent shift of three stationary
  standard deviations at a uniformly drawn week of the middle 70%.

The first five are the noise the trend tests are meant to handle; the last
three are outliers, heteroskedasticity and a break, which a trend test is not
built for and which the calibration study reports all the same.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import cholesky, toeplitz
from scipy.signal import lfilter
from scipy.special import gamma

from hubshare.demo.settings import NOISE_KINDS

BASE_PHI = 0.8
LONG_MEMORY_D = 0.4
SPIKE_RATE = 0.02
SPIKE_SIZE = 5.0
LATE_VOLATILITY_FACTOR = 3.0
LEVEL_SHIFT_SIZE = 3.0


def ar1(innovations: np.ndarray, phi: float) -> np.ndarray:
    """Stationary AR(1) paths (rows) driven by `innovations`, started from the stationary distribution."""
    start = innovations.copy()
    start[:, 0] = innovations[:, 0] / np.sqrt(1.0 - phi**2)
    return lfilter([1.0], [1.0, -phi], start, axis=1)


def fractional(innovations: np.ndarray, d: float) -> np.ndarray:
    """Fractionally integrated paths (rows), ARFIMA(0, d, 0) with 0 < d < 0.5, driven by `innovations`."""
    return innovations @ _long_memory_factor(innovations.shape[1], d)


@lru_cache(maxsize=32)
def _long_memory_factor(n: int, d: float = LONG_MEMORY_D) -> np.ndarray:
    """Upper Cholesky factor of the ARFIMA(0, d, 0) autocovariances for unit innovations:
    gamma(0) = Gamma(1 - 2d) / Gamma(1 - d)^2, gamma(k) = gamma(k - 1) (k - 1 + d) / (k - d)."""
    k = np.arange(1, n)
    autocovariance = gamma(1 - 2 * d) / gamma(1 - d) ** 2 * np.concatenate([[1.0], np.cumprod((k - 1 + d) / (k - d))])
    return cholesky(toeplitz(autocovariance))


def noise_paths(kind: str, rng: np.random.Generator, replicates: int, n: int, sigma: float) -> np.ndarray:
    """`replicates` x `n` noise of the given kind (see the module docstring)."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"noise: unknown kind '{kind}'; use one of {list(NOISE_KINDS)}")
    if kind == "none":
        return np.zeros((replicates, n))
    if kind.startswith("ar1_"):
        return ar1(rng.normal(0.0, sigma, (replicates, n)), float(kind.removeprefix("ar1_")))
    if kind == "random_walk":
        return np.cumsum(rng.normal(0.0, sigma, (replicates, n)), axis=1)
    if kind == "long_memory":
        return fractional(rng.normal(0.0, sigma, (replicates, n)), LONG_MEMORY_D)
    innovations = rng.normal(0.0, sigma, (replicates, n))
    stationary_sd = sigma / np.sqrt(1.0 - BASE_PHI**2)
    if kind == "late_volatility":
        innovations[:, n - n // 3 :] *= LATE_VOLATILITY_FACTOR
    paths = ar1(innovations, BASE_PHI)
    if kind == "spikes":
        spiked = rng.random((replicates, n)) < SPIKE_RATE
        paths += spiked * rng.choice([-1.0, 1.0], (replicates, n)) * SPIKE_SIZE * stationary_sd
    elif kind == "level_shift":
        at = rng.integers(int(0.15 * n), int(0.85 * n) + 1, replicates)
        sign = rng.choice([-1.0, 1.0], replicates)
        paths += (np.arange(n)[None, :] >= at[:, None]) * (sign * LEVEL_SHIFT_SIZE * stationary_sd)[:, None]
    return paths
