"""Rare artefacts the pipeline must survive: renames, legacy ids, missing authors, counter resets.

Deletions are drawn with the population (a deleted model takes no downloads)
and private parents and cycles with the lineage; the rest are planted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from hubshare.demo.names import Names, renamed
from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import Models


@dataclass
class Artefacts:
    id_before: np.ndarray  # object: id when first listed
    id_after: np.ndarray  # object: id from `rename_k` on (equal to id_before when never renamed)
    rename_k: np.ndarray  # first snapshot listing id_after (n_snapshots: never)
    missing_author: np.ndarray  # `author` is null on every row of the model
    resets: list[tuple[int, int]]  # (model, k): the counter restarts from zero right after snapshot k

    def ids_at(self, k: int) -> np.ndarray:
        return np.where(self.rename_k <= k, self.id_after, self.id_before)

    def authorless_at(self, k: int, models: Models) -> np.ndarray:
        """Rows without `author`: the planted ones and legacy ids before they move into their namespace."""
        legacy = models.legacy_id != None  # noqa: E711 (element-wise comparison)
        return self.missing_author | (legacy & (k < self.rename_k))


def build_artefacts(
    models: Models,
    namespaces: Namespaces,
    names: Names,
    counters: np.ndarray,
    downloads: np.ndarray,
    dates: list[dt.date],
    settings: dict,
    rng: np.random.Generator,
) -> Artefacts:
    n, n_snapshots = len(models), len(dates)
    legacy = models.legacy_id != None  # noqa: E711
    full = np.array([f"{namespaces.name[models.namespace[m]]}/{names.name[m]}" for m in range(n)], dtype=object)
    id_before = np.where(legacy, models.legacy_id, full)
    id_after = full.copy()
    rename_k = np.full(n, n_snapshots, dtype=np.int64)
    legacy_day = dt.date.fromisoformat(settings["legacy_rename_date"])
    rename_k[legacy] = next((k for k, d in enumerate(dates) if d >= legacy_day), n_snapshots)

    eligible = np.flatnonzero(~legacy & (models.deleted_k - models.created_k >= 2))
    for m in rng.choice(eligible, min(round(settings["rename_rate"] * n), len(eligible)), replace=False):
        ns = namespaces.name[models.namespace[m]]
        id_after[m] = f"{ns}/{renamed(ns, names.name[m], names.taken, rng)}"
        rename_k[m] = rng.integers(models.created_k[m] + 1, models.deleted_k[m])

    missing_author = np.zeros(n, dtype=bool)
    missing_author[rng.choice(n, round(settings["missing_author_rate"] * n), replace=False)] = True
    return Artefacts(
        id_before=id_before,
        id_after=id_after,
        rename_k=rename_k,
        missing_author=missing_author,
        resets=_resets(models, counters, downloads, round(settings["counter_reset_rate"] * n), rng),
    )


def _resets(
    models: Models, counters: np.ndarray, downloads: np.ndarray, wanted: int, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Resets visible as a drop: after snapshot k the model is still listed and its
    next interval's downloads are below the count it had at k."""
    n_snapshots = counters.shape[1]
    k = np.arange(n_snapshots - 1)
    listed_next = (models.created_k[:, None] <= k) & (k + 1 < models.deleted_k[:, None])
    valid = listed_next & (counters[:, :-1] > downloads[:, 1:])
    candidates = np.flatnonzero(valid.any(axis=1))
    chosen = np.sort(rng.choice(candidates, min(wanted, len(candidates)), replace=False))
    return [(int(m), int(rng.choice(np.flatnonzero(valid[m])))) for m in chosen]
