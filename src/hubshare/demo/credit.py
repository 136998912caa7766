"""Who is credited with each planted download, under the pipeline's own rules.

Uploader view: the model's namespace. Derived view: the namespace of the root
of the model's base-model tree in the snapshot that closes the interval;
merges split equally among parents (compounding along the path); a parent
absent from the snapshot (deleted or private) ends the walk and is credited
to the namespace in its id; a model in a cycle is credited to its uploader.
The tree changes only when a parent is deleted or a cycle forms, so the walk
is done once per stretch of snapshots between such events.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from hubshare.demo.lineage import Lineage
from hubshare.demo.population import Models


def uploader_credit(models: Models, downloads: np.ndarray, n_namespaces: int) -> np.ndarray:
    """Downloads per namespace (rows) and interval (columns), uploader view."""
    matrix = sparse.csr_matrix(
        (np.ones(len(models)), (models.namespace, np.arange(len(models)))), shape=(n_namespaces, len(models))
    )
    return np.asarray(matrix @ downloads, dtype=np.float64)


def derived_credit(models: Models, lineage: Lineage, downloads: np.ndarray, n_namespaces: int) -> np.ndarray:
    """Downloads per namespace (rows) and interval (columns), derived view."""
    n_models, n_intervals = downloads.shape
    credited = np.zeros((n_namespaces, n_intervals))
    starts = tree_changes(models, lineage, n_intervals)
    for first, end in zip(starts, [*starts[1:], n_intervals], strict=True):
        rows, cols, weights = _roots(models, lineage, first)
        matrix = sparse.csr_matrix((weights, (rows, cols)), shape=(n_namespaces, n_models))
        credited[:, first:end] = matrix @ downloads[:, first:end]
    return credited


def tree_changes(models: Models, lineage: Lineage, n_intervals: int) -> list[int]:
    """Snapshots from which the base-model trees differ from the snapshot before."""
    listed_parents = lineage.parent[lineage.parent >= 0]
    deletions = models.deleted_k[listed_parents]
    created = models.created_k[lineage.child]
    redeclared = lineage.from_k[lineage.from_k != created]
    withdrawn = lineage.to_k[lineage.to_k < models.deleted_k[lineage.child]]
    changes = np.concatenate([[0], deletions, redeclared, withdrawn])
    return sorted({int(k) for k in changes if k < n_intervals})


def _roots(models: Models, lineage: Lineage, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(namespace, model, weight) triples crediting every model's downloads in snapshot k's trees.

    Declarations are those in force at k; a child listed only later keeps the
    parents it declares on creation (the trees do not change until the next
    change point)."""
    created = models.created_k[lineage.child]
    in_force = ((lineage.from_k <= k) | (lineage.from_k == created)) & (k < lineage.to_k)
    parents: dict[int, list[int]] = {}
    for child, parent in zip(lineage.child[in_force], lineage.parent[in_force], strict=True):
        parents.setdefault(int(child), []).append(int(parent))
    in_cycle = {m for a, b, start in lineage.cycles if start <= k for m in (a, b)}
    memo: dict[int, dict[int, float]] = {}

    def walk(model: int, path: frozenset[int]) -> dict[int, float]:
        if model in memo:
            return memo[model]
        declared = parents.get(model)
        if not declared or model in in_cycle:
            result = {int(models.namespace[model]): 1.0}
        else:
            result = {}
            share = 1.0 / len(declared)
            for parent in declared:
                if parent < 0:
                    ends = {lineage.private_namespace[-1 - parent]: 1.0}
                elif models.deleted_k[parent] <= k:
                    ends = {int(models.namespace[parent]): 1.0}
                elif parent in path:
                    raise ValueError(f"demo: unplanned cycle through model {parent}")
                else:
                    ends = walk(parent, path | {model})
                for namespace, weight in ends.items():
                    result[namespace] = result.get(namespace, 0.0) + share * weight
        memo[model] = result
        return result

    rows, cols, weights = [], [], []
    for model in range(len(models)):
        if model not in parents or model in in_cycle:
            continue
        for namespace, weight in walk(model, frozenset()).items():
            rows.append(namespace)
            cols.append(model)
            weights.append(weight)
    own = np.array([m for m in range(len(models)) if m not in parents or m in in_cycle], dtype=np.int64)
    return (
        np.concatenate([models.namespace[own], np.array(rows, dtype=np.int64)]),
        np.concatenate([own, np.array(cols, dtype=np.int64)]),
        np.concatenate([np.ones(len(own)), np.array(weights)]),
    )
