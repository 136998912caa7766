"""The planted downloads: who is downloaded in each weekly interval, and the Hub's counters.

Allocation of the interval ending at snapshot k:
total (exponential growth) -> segments (the planted shares) -> cells (fixed
fractions of their segment) -> namespaces of the cell that have a listed,
downloadable model (fixed heavy-tailed weights) -> their models (heavy-tailed
popularity decaying with age), plus a thin even background over the cell's
downloadable models.

Noise, so that the statistics face data with honest uncertainty: each
segment's weight is multiplied week by week by exp(noise) of the configured
kind (`hubshare.inference.noise`, the calibration study's scenarios) and the weights
renormalised; each model's pull by its own popularity shock, a stationary
log-AR(1) with mean one on the download scale, which also moves its
namespace's weight within the cell (a namespace carries the pull-weighted
mean shock of its models); and the week's total is drawn multinomially over
the models' expected downloads (sampling noise). Without sampling noise every
split is in integers by largest remainder, so totals are exact. The truth is
computed from the same integers the snapshots are built from (`planted`) and
from the noise-free allocation (`expected`, what the statistics estimate).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import Models
from hubshare.demo.story import SEGMENTS
from hubshare.inference.noise import ar1, noise_paths

# A model's pull falls as 1 / (1 + age / AGE_SCALE_WEEKS): new releases take
# over their namespace's downloads while classics keep a long tail.
AGE_SCALE_WEEKS = 26.0
# Share of every cell's downloads spread evenly over its downloadable models
# (crawlers, mirrors, curious visitors): every model drawn as downloaded gets
# some downloads over its life, so the never-downloaded share is the planted one.
BACKGROUND_SHARE = 0.003
# Downloads before the window, per week of age at the first snapshot, relative
# to the first interval's downloads (volumes were lower then).
BASELINE_WEEKS_FACTOR = 0.5
ROLLING_WINDOW_DAYS = 30
LIKES_PER_SQRT_DOWNLOAD = 0.05
LIKES_SIGMA = 0.8


def weekly_totals(start: float, end: float, n: int) -> np.ndarray:
    """Downloads in each interval, growing exponentially from `start` to `end`."""
    steps = np.arange(n) / max(n - 1, 1)
    return np.rint(start * (end / start) ** steps).astype(np.int64)


def largest_remainder(quota: np.ndarray, group: np.ndarray, group_totals: np.ndarray) -> np.ndarray:
    """Integers per element summing exactly to `group_totals[g]` within each group,
    following the real-valued `quota` (which sums to the same totals)."""
    base = np.floor(quota).astype(np.int64)
    missing = group_totals - np.bincount(group, weights=base, minlength=len(group_totals)).astype(np.int64)
    fraction = quota - base
    order = np.lexsort((np.arange(len(quota)), -fraction, group))
    sorted_groups = group[order]
    starts = np.searchsorted(sorted_groups, sorted_groups, side="left")
    rank = np.arange(len(order)) - starts
    extra = np.zeros(len(quota), dtype=np.int64)
    extra[order] = rank < missing[sorted_groups]
    return base + extra


def noisy_segment_shares(shares: np.ndarray, kind: str, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Segment shares (intervals x segments) with each segment's weight multiplied by exp(noise), rows renormalised."""
    noisy = shares * np.exp(noise_paths(kind, rng, shares.shape[1], shares.shape[0], sigma).T)
    return noisy / noisy.sum(axis=1, keepdims=True)


def popularity_shocks(
    n_models: int, n_intervals: int, sigma: float, phi: float, rng: np.random.Generator
) -> np.ndarray:
    """Mean-one multiplicative shocks, models x intervals: exp of a stationary AR(1) minus half its variance."""
    log_shock = ar1(rng.normal(0.0, sigma, (n_models, n_intervals)), phi)
    return np.exp(log_shock - sigma**2 / (1.0 - phi**2) / 2.0)


def allocate(
    models: Models,
    namespaces: Namespaces,
    shares: np.ndarray,
    totals: np.ndarray,
    dates: list[dt.date],
    shocks: np.ndarray | None = None,
    sampler: np.random.Generator | None = None,
) -> np.ndarray:
    """Planted downloads, models x intervals (int64); `shocks` (models x intervals) scale the models'
    pull, `sampler` draws each week multinomially (see the module docstring)."""
    n_models, n_intervals = len(models), len(dates)
    downloads = np.zeros((n_models, n_intervals), dtype=np.int64)
    cell_of_ns = namespaces.cell
    cell_fraction = namespaces.cell_fractions()
    segment_of_cell = np.array([SEGMENTS.index(c[0]) for c in namespaces.cells])
    n_cells, n_ns = len(namespaces.cells), len(namespaces)
    days = np.array(dates, dtype="datetime64[D]")
    for k in range(n_intervals):
        idx = np.flatnonzero(models.alive(k) & (models.popularity > 0))
        age_weeks = (days[k] - models.created_day[idx]).astype(np.float64) / 7.0
        steady_pull = models.popularity[idx] / (1.0 + age_weeks / AGE_SCALE_WEEKS)
        pull = steady_pull if shocks is None else steady_pull * shocks[idx, k]
        ns = models.namespace[idx]
        ns_pull = np.bincount(ns, weights=pull, minlength=n_ns)
        steady_ns_pull = np.bincount(ns, weights=steady_pull, minlength=n_ns)
        with np.errstate(invalid="ignore", divide="ignore"):
            ns_shock = np.where(steady_ns_pull > 0, ns_pull / steady_ns_pull, 0.0)
        ns_weight = np.where(ns_pull > 0, namespaces.weight * ns_shock, 0.0)
        cell_weight = np.bincount(cell_of_ns, weights=ns_weight, minlength=n_cells)
        cell_share = shares[k, segment_of_cell] * cell_fraction * (cell_weight > 0)
        cell_total = largest_remainder(
            totals[k] * cell_share / cell_share.sum(), np.zeros(n_cells, dtype=np.int64), np.array([totals[k]])
        )
        cell = cell_of_ns[ns]
        cell_models = np.bincount(cell, minlength=n_cells)
        heavy = (ns_weight[ns] / cell_weight[cell]) * (pull / ns_pull[ns])
        even = 1.0 / cell_models[cell]
        quota = cell_total[cell] * ((1.0 - BACKGROUND_SHARE) * heavy + BACKGROUND_SHARE * even)
        if sampler is None:
            downloads[idx, k] = largest_remainder(quota, cell, cell_total)
        else:
            downloads[idx, k] = sampler.multinomial(totals[k], quota / quota.sum())
    return downloads


def baselines(models: Models, downloads: np.ndarray, start: dt.date) -> np.ndarray:
    """Downloads before the window of the models listed in the first snapshot."""
    age_weeks = (np.datetime64(start, "D") - models.created_day).astype(np.float64) / 7.0
    listed = models.created_k == 0
    return np.where(listed, np.floor(downloads[:, 0] * np.maximum(age_weeks, 0.0) * BASELINE_WEEKS_FACTOR), 0).astype(
        np.int64
    )


def all_time_counters(downloads: np.ndarray, baseline: np.ndarray, resets: list[tuple[int, int]]) -> np.ndarray:
    """`downloadsAllTime` at each snapshot; a counter reset right after snapshot k
    restarts the count from zero, so later values hold only the new downloads."""
    counters = baseline[:, None] + np.cumsum(downloads, axis=1)
    for model, k in resets:
        counters[model, k + 1 :] -= counters[model, k]
    return counters


def rolling_counts(downloads: np.ndarray, models: Models, cadence_days: int) -> np.ndarray:
    """The Hub's rolling 30-day `downloads`, from the weekly increments: the last
    whole intervals inside the window plus the covered part of the one before.
    Models listed in the first snapshot are taken to have had their first
    interval's pace before it."""
    whole, part = divmod(ROLLING_WINDOW_DAYS, cadence_days)
    before = np.where(models.created_k == 0, downloads[:, 0], 0)
    padded = np.concatenate([np.repeat(before[:, None], whole + 1, axis=1), downloads], axis=1)
    n = downloads.shape[1]
    offset = whole + 1
    rolling = np.zeros_like(downloads)
    for j in range(whole):
        rolling += padded[:, offset - j : offset - j + n]
    rolling += padded[:, offset - whole : offset - whole + n] * part // cadence_days
    return rolling


def likes(downloads: np.ndarray, baseline: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Likes grow with the square root of all downloads ever, at a model-specific rate."""
    rate = LIKES_PER_SQRT_DOWNLOAD * rng.lognormal(0.0, LIKES_SIGMA, downloads.shape[0])
    return np.floor(rate[:, None] * np.sqrt(baseline[:, None] + np.cumsum(downloads, axis=1))).astype(np.int64)
