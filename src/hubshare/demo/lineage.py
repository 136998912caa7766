"""Base-model trees: which models each derived model declares as its base.

Parents are drawn in proportion to their downloads in the week before the
child appears (so popular models collect derivatives): most often an
organisation's original, otherwise any original, fine-tune or merge (chains
of depth 2-3). Organisations derive from their own originals first;
intermediaries only from other developers' models. Merges take 2-3 parents.
Rare artefacts are planted on purpose: parents that are private (declared,
never listed) and cycles (two users' fine-tunes declaring each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hubshare.contracts.raw_tables import RELATIONS
from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import MERGE, NO_RELATION, QUANTIZED, Models
from hubshare.demo.story import SEGMENTS

FINETUNE = RELATIONS.index("finetune")
ADAPTER = RELATIONS.index("adapter")
# Chance that a derived model's parent is an organisation's original (else any
# original, fine-tune or merge), by relation and uploader class.
ORGANISATION_PARENT = {
    (QUANTIZED, "intermediary"): 0.85,
    (QUANTIZED, "user"): 0.6,
    (FINETUNE, "intermediary"): 0.8,
    (FINETUNE, "user"): 0.65,
    (ADAPTER, "intermediary"): 0.8,
    (ADAPTER, "user"): 0.75,
}
OWN_ORIGINAL = 0.8  # organisations: chance of deriving from their own original
THREE_PARENT_MERGE = 0.3
# Parents are weighted by last week's downloads plus this floor, so that a
# model nobody downloads is still, rarely, chosen.
WEIGHT_FLOOR = 1.0
DRAWS = 20


@dataclass
class Lineage:
    """Declared parents, one row per (child, position) and validity span of snapshots."""

    child: np.ndarray
    position: np.ndarray
    parent: np.ndarray  # model index, or -1 - p for private parent p
    from_k: np.ndarray
    to_k: np.ndarray
    private_namespace: list[int] = field(default_factory=list)
    private_echo: list[int] = field(default_factory=list)  # model whose name the private parent echoes
    cycles: list[tuple[int, int, int]] = field(default_factory=list)  # (a, b, first snapshot of the cycle)

    def first_parents(self, n_models: int) -> np.ndarray:
        """The first parent each model declared when it appeared (-1: none); a private
        parent stands for the model it echoes."""
        first = np.full(n_models, -1, dtype=np.int64)
        order = np.lexsort((self.position, self.from_k, self.child))
        for row in order[::-1]:
            parent = int(self.parent[row])
            first[self.child[row]] = self.private_echo[-1 - parent] if parent < 0 else parent
        return first


def build_lineage(
    models: Models, namespaces: Namespaces, downloads: np.ndarray, settings: dict, rng: np.random.Generator
) -> Lineage:
    """Draw every derived model's parents; a derived model that finds none becomes an original."""
    n_models, n_snapshots = downloads.shape
    organisation_ns = np.array(
        [
            o in ("registry", "synthetic_fallback") and SEGMENTS[s] != "intermediaries"
            for o, s in zip(namespaces.origin, namespaces.segment, strict=True)
        ]
    )
    original = models.relation == NO_RELATION
    organisation_original = original & organisation_ns[models.namespace]
    derivable = original | (models.relation == FINETUNE) | (models.relation == MERGE)
    cycles = _cycle_pairs(models, int(settings["cycles"]), rng)
    excluded = np.zeros(n_models, dtype=bool)
    for a, b in cycles:
        excluded[[a, b]] = True

    rows: list[tuple[int, int, int, int, int]] = []
    children = np.flatnonzero(models.relation != NO_RELATION)
    cycle_children = {b: a for a, b in cycles}
    for k in np.unique(models.created_k[children]):
        recent = downloads[:, k - 1] if k > 0 else models.popularity
        weight = (recent + WEIGHT_FLOOR) * (models.deleted_k > k) * ~excluded
        pools = {
            "organisation": np.cumsum(weight * organisation_original),
            "any": np.cumsum(weight * derivable),
        }
        for child in children[models.created_k[children] == k]:
            if child in cycle_children:
                rows.append((child, 0, cycle_children[child], models.created_k[child], n_snapshots))
                continue
            parents = _draw_parents(child, models, pools, weight, original, rng)
            if not parents:
                models.relation[child] = NO_RELATION
            elif models.relation[child] == MERGE and len(parents) == 1:
                models.relation[child] = FINETUNE
            for position, parent in enumerate(parents):
                rows.append((child, position, parent, models.created_k[child], n_snapshots))

    lineage = _as_lineage(rows)
    _plant_cycles(lineage, models, cycles)
    _plant_private_parents(lineage, models, int(settings["private_parents"]), excluded, rng)
    return lineage


def _draw_parents(
    child: int, models: Models, pools: dict, weight: np.ndarray, original: np.ndarray, rng: np.random.Generator
) -> list[int]:
    relation, kind = int(models.relation[child]), models.uploader_class[child]
    own = int(models.namespace[child])
    if relation == MERGE:
        wanted = 3 if rng.random() < THREE_PARENT_MERGE else 2
        picked: list[int] = []
        for _ in range(DRAWS):
            parent = _draw(pools["any"], child, rng)
            if parent is None:
                break
            if parent not in picked:
                picked.append(parent)
            if len(picked) == wanted:
                break
        return picked
    if kind == "organisation" and rng.random() < OWN_ORIGINAL:
        own_originals = np.flatnonzero((models.namespace[:child] == own) & original[:child] & (weight[:child] > 0))
        if len(own_originals):
            w = weight[own_originals]
            return [int(own_originals[np.searchsorted(np.cumsum(w), rng.random() * w.sum(), side="right")])]
    first = "organisation" if rng.random() < ORGANISATION_PARENT.get((relation, kind), 1.0) else "any"
    for pool in (first, "any" if first == "organisation" else "organisation"):
        for _ in range(DRAWS):
            parent = _draw(pools[pool], child, rng)
            if parent is None:
                break
            if kind != "intermediary" or models.namespace[parent] != own:
                return [parent]
    return []


def _draw(cumulative: np.ndarray, child: int, rng: np.random.Generator) -> int | None:
    """A model created before `child`, drawn in proportion to its weight in the pool."""
    if child == 0 or cumulative[child - 1] <= 0:
        return None
    return int(np.searchsorted(cumulative, rng.random() * cumulative[child - 1], side="right"))


def _cycle_pairs(models: Models, n_cycles: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Pairs (a, b) of downloaded, never-deleted user fine-tunes from different users, b newer."""
    n_snapshots = int(models.deleted_k.max())
    eligible = np.flatnonzero(
        (models.relation == FINETUNE)
        & (models.uploader_class == "user")
        & (models.popularity > 0)
        & (models.deleted_k == n_snapshots)
        & (models.created_k < n_snapshots - 1)
    )
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for _ in range(n_cycles):
        free = [int(m) for m in eligible if m not in used]
        for _ in range(DRAWS):
            if len(free) < 2:
                return pairs
            a, b = sorted(int(x) for x in rng.choice(free, 2, replace=False))
            if models.created_k[a] < models.created_k[b] and models.namespace[a] != models.namespace[b]:
                pairs.append((a, b))
                used.update((a, b))
                break
    return pairs


def _plant_cycles(lineage: Lineage, models: Models, cycles: list[tuple[int, int]]) -> None:
    """From b's first snapshot on, a declares b as its base: a <-> b."""
    for a, b in cycles:
        k = int(models.created_k[b])
        models.relation[a] = FINETUNE
        rows_of_a = lineage.child == a
        lineage.to_k[rows_of_a] = k
        lineage.child = np.append(lineage.child, a)
        lineage.position = np.append(lineage.position, 0)
        lineage.parent = np.append(lineage.parent, b)
        lineage.from_k = np.append(lineage.from_k, k)
        lineage.to_k = np.append(lineage.to_k, int(models.deleted_k[a]))
        lineage.cycles.append((a, b, k))


def _plant_private_parents(
    lineage: Lineage, models: Models, n_private: int, excluded: np.ndarray, rng: np.random.Generator
) -> None:
    """Some single-parent user models declare, instead, a private model of their parent's namespace."""
    single = np.bincount(lineage.child, minlength=len(models)) == 1
    candidates = np.flatnonzero(
        single & ~excluded & (models.uploader_class == "user") & np.isin(models.relation, [FINETUNE, ADAPTER])
    )
    for child in rng.choice(candidates, min(n_private, len(candidates)), replace=False):
        row = int(np.flatnonzero(lineage.child == child)[0])
        echoed = int(lineage.parent[row])
        lineage.private_namespace.append(int(models.namespace[echoed]))
        lineage.private_echo.append(echoed)
        lineage.parent[row] = -len(lineage.private_namespace)


def _as_lineage(rows: list[tuple[int, int, int, int, int]]) -> Lineage:
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    return Lineage(child=table[:, 0], position=table[:, 1], parent=table[:, 2], from_k=table[:, 3], to_k=table[:, 4])
