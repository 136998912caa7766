import polars as pl

from hubshare.lineage import resolve_roots


def roots_of(edges: dict[str, list[str] | None]) -> dict[str, dict]:
    models = pl.DataFrame(
        {"model_id": list(edges), "base_parents": list(edges.values())},
        schema={"model_id": pl.String, "base_parents": pl.List(pl.String)},
    )
    out = resolve_roots(models)
    return {
        row["model_id"]: {
            "status": row["lineage_status"],
            "roots": {r["root_id"]: r["weight"] for r in row["lineage_roots"]},
            "first": row["lineage_root_first"],
        }
        for row in out.iter_rows(named=True)
    }


def test_model_without_parents_is_its_own_root():
    assert roots_of({"a/base": None})["a/base"] == {"status": "own_root", "roots": {"a/base": 1.0}, "first": "a/base"}


def test_chain_resolves_to_the_top():
    result = roots_of({"a/base": None, "b/ft": ["a/base"], "c/quant": ["b/ft"]})
    assert result["c/quant"] == {"status": "resolved", "roots": {"a/base": 1.0}, "first": "a/base"}


def test_merge_splits_equally_and_compounds():
    result = roots_of({"a/x": None, "b/y": None, "c/z": None, "m/merge": ["a/x", "b/y"], "n/merge2": ["m/merge", "c/z"]})
    assert result["m/merge"]["roots"] == {"a/x": 0.5, "b/y": 0.5}
    assert result["n/merge2"]["roots"] == {"a/x": 0.25, "b/y": 0.25, "c/z": 0.5}
    assert result["n/merge2"]["first"] == "a/x"


def test_missing_parent_is_the_root_and_flagged():
    result = roots_of({"b/ft": ["gone/base"]})
    assert result["b/ft"] == {"status": "missing_parent", "roots": {"gone/base": 1.0}, "first": "gone/base"}


def test_cycle_credits_the_model_itself():
    result = roots_of({"a/x": ["b/y"], "b/y": ["a/x"], "c/z": ["a/x"]})
    assert result["a/x"] == {"status": "cycle", "roots": {"a/x": 1.0}, "first": "a/x"}
    # c/z leads into a cycle that does not contain it: credited to itself too.
    assert result["c/z"] == {"status": "cycle", "roots": {"c/z": 1.0}, "first": "c/z"}


def test_self_reference_declares_no_parent_and_duplicates_count_once():
    result = roots_of({"a/x": ["a/x"], "b/y": ["a/x", "a/x"]})
    assert result["a/x"]["status"] == "own_root"
    assert result["b/y"]["roots"] == {"a/x": 1.0}


def test_weights_sum_to_one_for_every_model():
    edges = {"r1": None, "r2": None, "m1": ["r1", "r2"], "m2": ["m1", "r2", "gone"], "m3": ["m2", "m1"]}
    for entry in roots_of(edges).values():
        assert abs(sum(entry["roots"].values()) - 1.0) < 1e-12
