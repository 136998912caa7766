"""Independent random streams, one per simulation stage.

Each stage draws from its own stream derived from (seed, stage name), so a
change in how one stage draws does not shift the numbers of the others.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, stage: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(stage.encode("utf-8"))])
