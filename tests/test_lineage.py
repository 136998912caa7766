import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.normalize.lineage import MAX_DEPTH, resolve_roots


def roots_of(edges: dict[str, list[str] | None]) -> dict[str, dict]:
    models = pl.DataFrame(
        {"model_id": list(edges), "base_parents": list(edges.values())},
        schema={"model_id": pl.String, "base_parents": pl.List(pl.String)},
    )
    out = resolve_roots(models)
    own_roots = out.filter(pl.col("lineage_status") == "own_root")
    # An own root's root columns are null, meaning the model itself with weight 1.
    assert own_roots.get_column("lineage_roots").null_count() == own_roots.height
    assert own_roots.get_column("lineage_root_first").null_count() == own_roots.height
    return {
        row["model_id"]: {
            "status": row["lineage_status"],
            "roots": {
                r["root_id"]: r["weight"] for r in row["lineage_roots"] or [{"root_id": row["model_id"], "weight": 1.0}]
            },
            "first": row["lineage_root_first"] or row["model_id"],
        }
        for row in out.iter_rows(named=True)
    }


def test_model_without_parents_is_its_own_root():
    assert roots_of({"a/base": None})["a/base"] == {"status": "own_root", "roots": {"a/base": 1.0}, "first": "a/base"}


def test_chain_resolves_to_the_top():
    result = roots_of({"a/base": None, "b/ft": ["a/base"], "c/quant": ["b/ft"]})
    assert result["c/quant"] == {"status": "resolved", "roots": {"a/base": 1.0}, "first": "a/base"}


def test_merge_splits_equally_and_compounds():
    result = roots_of(
        {"a/x": None, "b/y": None, "c/z": None, "m/merge": ["a/x", "b/y"], "n/merge2": ["m/merge", "c/z"]}
    )
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


def test_a_self_reference_beside_a_real_parent_gives_that_parent_everything():
    result = roots_of({"a/x": None, "b/y": ["b/y", "a/x"]})
    assert result["b/y"] == {"status": "resolved", "roots": {"a/x": 1.0}, "first": "a/x"}


def test_a_chain_longer_than_the_walk_limit_is_credited_to_itself():
    chain = {f"m/{i}": [f"m/{i + 1}"] for i in range(MAX_DEPTH + 1)} | {f"m/{MAX_DEPTH + 1}": None}
    result = roots_of(chain)
    assert result["m/0"] == {"status": "cycle", "roots": {"m/0": 1.0}, "first": "m/0"}
    # Exactly MAX_DEPTH generations from the top: still reached.
    assert result["m/1"] == {"status": "resolved", "roots": {f"m/{MAX_DEPTH + 1}": 1.0}, "first": f"m/{MAX_DEPTH + 1}"}


def reference_roots(edges: dict[str, list[str] | None]) -> dict[str, dict]:
    """The stated rules, walked one path at a time: a slow, obviously-correct reference."""
    parents = {m: [p for p in dict.fromkeys(ps or []) if p != m] for m, ps in edges.items()}
    rank = {"own_root": 0, "resolved": 1, "missing_parent": 2, "cycle": 3}

    def paths(start: str, node: str, weight: float, depth: int, first_only: bool, visited: tuple = ()):
        declared = parents.get(node, [])
        if first_only:
            declared = declared[:1]
        if not declared:
            status = "own_root" if depth == 0 else "resolved" if node in edges else "missing_parent"
            yield node, weight, status
            return
        if depth == MAX_DEPTH or node in visited:
            # Back at a model already on the path: the walk would go round until the limit.
            yield start, weight, "cycle"
            return
        for parent in declared:
            if parent == start:
                yield start, weight / len(declared), "cycle"
            else:
                yield from paths(start, parent, weight / len(declared), depth + 1, first_only, (*visited, node))

    result = {}
    for model in edges:
        walked = list(paths(model, model, 1.0, 0, False))
        if any(status == "cycle" for _, _, status in walked):
            roots, status = {model: 1.0}, "cycle"
        else:
            roots = {}
            for root, weight, _ in walked:
                roots[root] = roots.get(root, 0.0) + weight
            status = max((s for _, _, s in walked), key=rank.get)
        first = list(paths(model, model, 1.0, 0, True))[0]
        result[model] = {"status": status, "roots": roots, "first": model if first[2] == "cycle" else first[0]}
    return result


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"n/{i}" for i in range(8)]),
        st.one_of(st.none(), st.lists(st.sampled_from([f"n/{i}" for i in range(10)]), max_size=3)),
        min_size=1,
    )
)
def test_vectorised_walk_agrees_with_the_path_by_path_reference(edges):
    expected, found = reference_roots(edges), roots_of(edges)
    assert found.keys() == expected.keys()
    for model, entry in expected.items():
        assert found[model]["status"] == entry["status"], model
        assert found[model]["first"] == entry["first"], model
        assert found[model]["roots"].keys() == entry["roots"].keys(), model
        for root, weight in entry["roots"].items():
            assert found[model]["roots"][root] == pytest.approx(weight, abs=1e-12)


def test_merges_inside_cycles_do_not_multiply_the_walks():
    # Every model merges the next two around a ring: 2**MAX_DEPTH paths if walked naively.
    ring = {f"r/{i}": [f"r/{(i + 1) % 30}", f"r/{(i + 2) % 30}"] for i in range(30)}
    result = roots_of(ring | {"leaf/x": ["r/0"]})
    assert {entry["status"] for entry in result.values()} == {"cycle"}
    assert result["leaf/x"]["roots"] == {"leaf/x": 1.0}


def test_shared_ancestry_is_walked_once_per_node():
    # A ladder of diamonds: 2**30 distinct paths, 60 generations from the bottom to the top, one root.
    ladder = {"top/0": None}
    for level in range(1, 31):
        ladder[f"left/{level}"] = [f"top/{level - 1}"] if level == 1 else [f"join/{level - 1}"]
        ladder[f"right/{level}"] = ladder[f"left/{level}"]
        ladder[f"join/{level}"] = [f"left/{level}", f"right/{level}"]
    result = roots_of(ladder)
    assert result["join/30"] == {"status": "resolved", "roots": {"top/0": pytest.approx(1.0)}, "first": "top/0"}
