"""Concentration of downloads across organisations: HHI, Gini and top-k shares.

Definitions (population: organisations with positive downloads in the week):
- HHI = sum of squared shares, on the 0-1 scale (multiply by 10,000 for the
  antitrust convention);
- Gini = (2 * sum_i i * x_(i)) / (n * sum x) - (n + 1) / n with x sorted
  ascending and i = 1..n; 0 for a single organisation;
- top-k = share of the k largest organisations.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from hubshare.contracts.result_tables import Concentration

TOP_K = (1, 5, 10)


def _positive(values: Iterable[float]) -> np.ndarray:
    array = np.asarray(list(values), dtype=float)
    if (array < 0).any():
        raise ValueError("concentration: downloads must be non-negative")
    return array[array > 0]


def hhi(values: Iterable[float]) -> float:
    array = _positive(values)
    if array.size == 0:
        raise ValueError("concentration: HHI of no downloads is undefined")
    shares = array / array.sum()
    return float(np.sum(shares**2))


def gini(values: Iterable[float]) -> float:
    array = np.sort(_positive(values))
    n = array.size
    if n == 0:
        raise ValueError("concentration: Gini of no downloads is undefined")
    ranks = np.arange(1, n + 1)
    return float(2.0 * np.sum(ranks * array) / (n * array.sum()) - (n + 1) / n)


def top_share(values: Iterable[float], k: int) -> float:
    array = np.sort(_positive(values))[::-1]
    if array.size == 0:
        raise ValueError("concentration: top-k share of no downloads is undefined")
    return float(array[:k].sum() / array.sum())


def concentration_by_week(attributed: pl.DataFrame) -> pl.DataFrame:
    """The `Concentration` table: one row per view and week, over organisations."""
    x = pl.col("downloads")
    n = pl.len()
    by_org = (
        attributed.group_by("view", "week", "organization").agg(x.sum()).filter(x > 0).sort("view", "week", "downloads")
    )
    table = (
        by_org.group_by("view", "week", maintain_order=True)
        .agg(
            n.cast(pl.Int64).alias("organizations"),
            ((x / x.sum()) ** 2).sum().alias("hhi"),
            (2.0 * (x * pl.int_range(1, n + 1)).sum() / (n * x.sum()) - (n + 1) / n).clip(0.0, 1.0).alias("gini"),
            *[(x.tail(k).sum() / x.sum()).alias(f"top{k}") for k in TOP_K],
        )
        .sort("view", "week")
    )
    return Concentration.validate(table)
