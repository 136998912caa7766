"""Walking the base-model tree of one snapshot to its roots.

A model's *root* is the model reached by following `baseModels` parents until
a model declares none. Rules, stated in the paper:

- merges (several parents) split the model's downloads equally among the
  parents; the split compounds along the path;
- a parent absent from the snapshot (deleted or private) ends the walk: the
  absent parent is the root, credited to the namespace in its id;
- a model whose walk revisits its start (a cycle), or has not reached a root
  after `MAX_DEPTH` generations (it runs into a cycle that does not contain
  it), is credited to itself.

Model ids become integer node numbers once. Which models reach a root at all
is settled first, from the roots down (`settled_nodes`); only those are
walked, each generation a handful of array operations over the (model, node)
pairs still open, so the cost follows the number of open walks, not the size
of the snapshot, and cycles or shared ancestry cannot make it explode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

ROOT_STRUCT = pl.Struct({"root_id": pl.String, "weight": pl.Float64})
MAX_DEPTH = 64
STATUSES = ["own_root", "resolved", "missing_parent", "cycle"]  # in rank order: a model takes its worst path's
OWN_ROOT, RESOLVED, MISSING_PARENT, CYCLE = range(len(STATUSES))


@dataclass(frozen=True)
class ParentGraph:
    """Parents of every node in compressed-row form.

    Nodes 0..models-1 are the snapshot's models in input order; nodes from
    `models` on are parents named but absent from the snapshot.
    """

    node_ids: pl.Series
    models: int
    offsets: np.ndarray  # parents of node i are parents[offsets[i]:offsets[i + 1]]
    parents: np.ndarray
    splits: np.ndarray  # share of the child's downloads that flows to that parent

    def first_parents_only(self) -> ParentGraph:
        has_parent = np.diff(self.offsets) > 0
        first = self.offsets[:-1][has_parent]
        offsets = np.concatenate([[0], np.cumsum(has_parent)]).astype(np.int64)
        return ParentGraph(self.node_ids, self.models, offsets, self.parents[first], np.ones(first.size))


def parent_graph(models: pl.DataFrame) -> ParentGraph:
    """Number the nodes and lay out each model's distinct parents, self-references removed."""
    numbered = models.select("model_id", "base_parents").with_row_index("child")
    edges = (
        numbered.filter(pl.col("base_parents").list.len() > 0)
        .select("child", "model_id", pl.col("base_parents").list.unique(maintain_order=True).alias("parent"))
        .explode("parent")
        .filter(pl.col("parent").is_not_null() & (pl.col("parent") != pl.col("model_id")))
        .join(
            numbered.select(pl.col("model_id").alias("parent"), pl.col("child").alias("parent_node")),
            on="parent",
            how="left",
            maintain_order="left",
        )
    )
    absent = (
        edges.filter(pl.col("parent_node").is_null())
        .select(pl.col("parent").unique(maintain_order=True))
        .with_row_index("absent_node", offset=models.height)
    )
    edges = edges.join(absent, on="parent", how="left", maintain_order="left")
    node_ids = pl.concat([numbered.get_column("model_id"), absent.get_column("parent")]).rechunk()
    child = edges.get_column("child").to_numpy().astype(np.int64)
    parent = edges.select(pl.coalesce("parent_node", "absent_node")).to_series().to_numpy().astype(np.int64)
    degree = np.bincount(child, minlength=node_ids.len())
    offsets = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
    order = np.argsort(child, kind="stable")  # keeps each model's declared parent order
    return ParentGraph(node_ids, models.height, offsets, parent[order], 1.0 / degree[child[order]])


def settled_nodes(graph: ParentGraph) -> np.ndarray:
    """Nodes from which every walk reaches a root within `MAX_DEPTH` generations.

    A node settles once all its parents have: roots at once, their children a
    generation later, and so on. A node on a cycle, or with any path into one,
    never settles; neither does one with a path longer than `MAX_DEPTH`.
    """
    nodes = graph.node_ids.len()
    degree = np.diff(graph.offsets)
    child = np.repeat(np.arange(nodes), degree)
    settled = degree == 0
    for _ in range(MAX_DEPTH):
        unsettled_parents = np.bincount(child, weights=~settled[graph.parents], minlength=nodes)
        now = unsettled_parents == 0
        if np.array_equal(now, settled):
            break
        settled = now
    return settled


def walk(graph: ParentGraph) -> pl.DataFrame:
    """Where the walks from every model that declares a parent end: model, root, weight (summed over
    paths), status (rank code). Models that declare none are their own roots and are left out.

    Models that do not settle are credited to themselves (`CYCLE`). The others
    walk generation by generation; paths of one model that meet at a node are
    merged (weights added), so shared ancestry never multiplies the work.
    """
    degrees = np.diff(graph.offsets)
    declares = degrees[: graph.models] > 0
    settled = settled_nodes(graph)[: graph.models]
    cyclic = np.flatnonzero(~settled)
    ended = [(cyclic, cyclic, np.ones(cyclic.size), np.full(cyclic.size, CYCLE, dtype=np.int8))]
    model = np.flatnonzero(settled & declares)
    node = model.copy()
    weight = np.ones(model.size)
    nodes = graph.node_ids.len()
    for _ in range(MAX_DEPTH + 1):
        if model.size == 0:
            break
        degree = degrees[node]
        stop = degree == 0
        status = np.where(node[stop] < graph.models, RESOLVED, MISSING_PARENT).astype(np.int8)
        ended.append((model[stop], node[stop], weight[stop], status))
        go = ~stop
        model, node, weight, degree = model[go], node[go], weight[go], degree[go]
        # Positions of every open path's parent edges, laid end to end.
        starts = np.repeat(graph.offsets[node] - np.cumsum(degree) + degree, degree)
        edge = starts + np.arange(int(degree.sum()))
        pair, where = np.unique(np.repeat(model, degree) * nodes + graph.parents[edge], return_inverse=True)
        weight = np.bincount(where, weights=np.repeat(weight, degree) * graph.splits[edge])
        model, node = pair // nodes, pair % nodes
    if model.size:
        raise AssertionError("a settled model's walk outlasted MAX_DEPTH generations")
    columns = ("model", "root", "weight", "status")
    return pl.DataFrame({name: np.concatenate([part[i] for part in ended]) for i, name in enumerate(columns)})


def resolve_roots(models: pl.DataFrame) -> pl.DataFrame:
    """Resolve roots for every model of one snapshot.

    `models` has `model_id` (unique) and `base_parents` (list of parent ids or
    null). Returns, in input order, `model_id`, `lineage_status`,
    `lineage_roots` (list of {root_id, weight} sorted by root id, weights
    summing to 1) and `lineage_root_first`. A model that declares no parent
    (`own_root`) is its own root with weight 1, and both root columns are
    null: most models are, and their ids need not be repeated.
    """
    graph = parent_graph(models)
    ids = graph.node_ids
    paths = walk(graph)
    # Most models have one path; only those with several need summing per root.
    several = paths.filter(pl.col("model").is_duplicated())
    merged = several.group_by("model", "root").agg(pl.col("weight").sum(), pl.col("status").max())
    by_root = pl.concat([paths.join(several.select("model").unique(), on="model", how="anti"), merged])
    split = (
        by_root.with_columns(ids.gather(by_root.get_column("root")).alias("root_id"))
        .sort("model", "root_id")
        .group_by("model", maintain_order=True)
        .agg(pl.struct("root_id", "weight").alias("lineage_roots"), pl.col("status").max())
    )
    first = walk(graph.first_parents_only()).sort("model")
    # A first-parent walk that cycles credits the model itself, as the split walk does.
    root_first = np.where(
        first.get_column("status").to_numpy() == CYCLE,
        first.get_column("model").to_numpy(),
        first.get_column("root").to_numpy(),
    )
    walked = split.with_columns(ids.gather(root_first).alias("lineage_root_first"))
    every_model = pl.DataFrame({"model": np.arange(graph.models, dtype=np.int64)})
    return every_model.join(walked, on="model", how="left", maintain_order="left").select(
        ids.slice(0, graph.models).alias("model_id"),
        pl.col("status")
        .fill_null(OWN_ROOT)
        .replace_strict(dict(enumerate(STATUSES)), return_dtype=pl.String)
        .alias("lineage_status"),
        pl.col("lineage_roots").cast(pl.List(ROOT_STRUCT)),
        "lineage_root_first",
    )
