"""Walking the base-model tree of one snapshot to its roots.

A model's *root* is the model reached by following `baseModels` parents until
a model declares none. Rules, stated in the paper:

- merges (several parents) split the model's downloads equally among the
  parents; the split compounds along the path;
- a parent absent from the snapshot (deleted or private) ends the walk: the
  absent parent is the root, credited to the namespace in its id;
- a model whose walk revisits a model (a cycle) is credited to itself.

The walk is vectorised: every model's frontier advances one generation per
iteration with a join, so the cost is one join per tree level, not per model.
"""

from __future__ import annotations

import polars as pl

ROOT_STRUCT = pl.Struct({"root_id": pl.String, "weight": pl.Float64})
MAX_DEPTH = 64


def resolve_roots(models: pl.DataFrame) -> pl.DataFrame:
    """Resolve roots for every model of one snapshot.

    `models` has `model_id` (unique) and `base_parents` (list of parent ids or
    null). Returns `model_id`, `lineage_status`, `lineage_roots` (list of
    {root_id, weight} with weights summing to 1) and `lineage_root_first`.
    """
    ids = models.select("model_id")
    edges = (
        models.select("model_id", pl.col("base_parents").list.unique(maintain_order=True).alias("parent"))
        .filter(pl.col("parent").list.len() > 0)
        .with_columns((1.0 / pl.col("parent").list.len()).alias("split"))
        .explode("parent")
        .filter(pl.col("parent") != pl.col("model_id"))  # a self-reference declares no parent
        .rename({"model_id": "child"})
    )
    known = ids.get_column("model_id")

    split_roots = _walk(ids, edges, known)
    first_edges = edges.group_by("child", maintain_order=True).first().with_columns(pl.lit(1.0).alias("split"))
    first_roots = _walk(ids, first_edges, known).select(
        "model_id", pl.col("root_id").alias("lineage_root_first"), pl.col("status").alias("status_first")
    )

    status_rank = {"own_root": 0, "resolved": 1, "missing_parent": 2, "cycle": 3}
    summary = (
        split_roots.with_columns(pl.col("status").replace_strict(status_rank, return_dtype=pl.Int8).alias("rank"))
        .group_by("model_id", "root_id")
        .agg(pl.col("weight").sum(), pl.col("rank").max())
        .sort("model_id", "root_id")
        .group_by("model_id", maintain_order=True)
        .agg(
            pl.struct("root_id", "weight").alias("lineage_roots"),
            pl.col("rank").max().alias("rank"),
        )
        .with_columns(
            pl.col("rank")
            .replace_strict({v: k for k, v in status_rank.items()}, return_dtype=pl.String)
            .alias("lineage_status")
        )
        .drop("rank")
    )
    return (
        ids.join(summary, on="model_id", how="left")
        .join(first_roots, on="model_id", how="left")
        .with_columns(
            # A first-parent walk that cycles credits the model itself, as the split walk does.
            pl.when(pl.col("status_first") == "cycle")
            .then(pl.col("model_id"))
            .otherwise(pl.col("lineage_root_first"))
            .alias("lineage_root_first")
        )
        .select("model_id", "lineage_status", pl.col("lineage_roots").cast(pl.List(ROOT_STRUCT)), "lineage_root_first")
    )


def _walk(ids: pl.DataFrame, edges: pl.DataFrame, known: pl.Series) -> pl.DataFrame:
    """Advance every model's frontier until each path ends at a root.

    Returns one row per (model, path end): model_id, root_id, weight, status.
    """
    frontier = ids.with_columns(
        pl.col("model_id").alias("node"), pl.lit(1.0).alias("weight"), pl.lit(0).alias("depth")
    )
    finished: list[pl.DataFrame] = []
    parent_of = edges.select("child", "parent", "split")
    for _ in range(MAX_DEPTH):
        if frontier.is_empty():
            break
        stepped = frontier.join(parent_of, left_on="node", right_on="child", how="left")
        ended = stepped.filter(pl.col("parent").is_null())
        finished.append(
            ended.select(
                "model_id",
                pl.col("node").alias("root_id"),
                "weight",
                pl.when(pl.col("depth") == 0)
                .then(pl.lit("own_root"))
                .when(pl.col("node").is_in(known.implode()))
                .then(pl.lit("resolved"))
                .otherwise(pl.lit("missing_parent"))
                .alias("status"),
            )
        )
        frontier = stepped.filter(pl.col("parent").is_not_null()).select(
            "model_id",
            pl.col("parent").alias("node"),
            (pl.col("weight") * pl.col("split")).alias("weight"),
            (pl.col("depth") + 1).alias("depth"),
        )
        # A path that comes back to its own start is a cycle; stop it now.
        looped = frontier.filter(pl.col("node") == pl.col("model_id"))
        if not looped.is_empty():
            finished.append(_credit_self(looped))
            frontier = frontier.filter(pl.col("node") != pl.col("model_id"))
    if not frontier.is_empty():
        # Paths still open after MAX_DEPTH generations run around a cycle that
        # does not contain their start; they too are credited to the model itself.
        finished.append(_credit_self(frontier))
    walked = pl.concat(finished)
    in_cycle = walked.filter(pl.col("status") == "cycle").select("model_id").unique()
    # One cyclic path makes the whole model cyclic: all its weight goes to itself.
    return pl.concat(
        [
            walked.join(in_cycle, on="model_id", how="anti"),
            in_cycle.with_columns(
                pl.col("model_id").alias("root_id"), pl.lit(1.0).alias("weight"), pl.lit("cycle").alias("status")
            ),
        ]
    )


def _credit_self(paths: pl.DataFrame) -> pl.DataFrame:
    return paths.select(
        "model_id", pl.col("model_id").alias("root_id"), "weight", pl.lit("cycle").alias("status")
    )
