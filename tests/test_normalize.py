"""Normalizing one snapshot: rejection with file/column/rule named, and counted repairs."""

import datetime as dt

import polars as pl
import pytest
from conftest import parents, raw_frame, write_raw
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.contracts.raw_tables import MODEL_METADATA_COLUMNS, RELATIONS, NormalizedSnapshot
from hubshare.normalize.snapshot import SnapshotError, content_fingerprint, metadata_hash, normalize_snapshot

DATE = dt.date(2021, 1, 6)
OLD = dt.date(2020, 1, 1)


def ok_row(**changes):
    row = {"_id": "k1", "id": "org/model", "author": "org", "createdAt": OLD, "downloads": 5, "downloadsAllTime": 50}
    row.update(changes)
    return row


def test_valid_snapshot_passes_the_contract(raw_dir):
    path = write_raw(raw_dir, "2021-01-06", [ok_row(), ok_row(_id="k2", id="org/ft", baseModels=parents("org/model"))])
    frame, quality = normalize_snapshot(path, DATE)
    NormalizedSnapshot.validate(frame)
    assert quality.rows_in == quality.rows_out == 2
    assert frame.filter(pl.col("model_key") == "k2")["lineage_root_first"].to_list() == ["org/model"]


def test_missing_required_column_names_file_column_and_rule(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).drop("downloads").write_parquet(path)
    with pytest.raises(SnapshotError) as error:
        normalize_snapshot(path, DATE)
    message = str(error.value)
    assert str(path) in message and "'downloads'" in message and "required column" in message


def test_ids_and_30_day_counts_alone_are_a_snapshot(raw_dir):
    """The smallest input the contract takes: a cross-section of model ids and 30-day downloads."""
    path = raw_dir / "2021-01-06.parquet"
    pl.DataFrame({"id": ["a/b", "bert-base-cased"], "downloads": [5, 7]}).write_parquet(path)
    frame, quality = normalize_snapshot(path, DATE)
    assert frame["downloads_30d"].to_list() == [5, 7] and frame["created_at"].null_count() == 2
    assert "createdAt" in quality.absent_optional_columns


def test_wrong_type_is_refused(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).with_columns(pl.lit("many").alias("downloadsAllTime")).write_parquet(path)
    with pytest.raises(SnapshotError, match="'downloadsAllTime' breaks rule 'column type'"):
        normalize_snapshot(path, DATE)


def test_corrupt_file_is_refused(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).write_parquet(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(SnapshotError, match="readable parquet"):
        normalize_snapshot(path, DATE)


def test_empty_snapshot_is_refused(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).clear().write_parquet(path)
    with pytest.raises(SnapshotError, match="non-empty snapshot"):
        normalize_snapshot(path, DATE)


def test_repairs_are_counted(raw_dir):
    rows = [
        ok_row(),
        ok_row(downloadsAllTime=70),  # duplicate key: the higher count is kept
        ok_row(_id="k2", id="org/neg", downloads=-3),
        ok_row(_id="k3", id="org/future", createdAt=dt.date(2030, 1, 1)),
        ok_row(_id="k4", id="org/noauthor", author=None),
    ]
    path = write_raw(raw_dir, "2021-01-06", rows)
    frame, quality = normalize_snapshot(path, DATE)
    assert quality.repairs["duplicate_model_rows_removed"] == 1
    assert quality.repairs["negative_downloads_set_null"] == 1
    assert quality.repairs["created_after_snapshot_set_null"] == 1
    assert quality.repairs["author_missing_namespace_from_id"] == 1
    assert frame.filter(pl.col("model_key") == "k1")["downloads_all_time"].to_list() == [70]
    assert frame.filter(pl.col("model_key") == "k4")["namespace"].to_list() == ["org"]
    assert frame.height == 4


def test_extra_columns_are_reported_not_fatal(raw_dir):
    path = raw_dir / "2021-01-06.parquet"
    raw_frame([ok_row()]).with_columns(pl.lit(1.5).alias("trendingScore")).write_parquet(path)
    _, quality = normalize_snapshot(path, DATE)
    assert quality.extra_columns == ["trendingScore"]


def test_legacy_id_has_no_namespace(raw_dir):
    path = write_raw(raw_dir, "2021-01-06", [ok_row(id="bert-base-uncased", author=None)])
    frame, _ = normalize_snapshot(path, DATE)
    assert frame["namespace"].to_list() == [None]


TAG_FORMS = st.sampled_from(
    [
        "base_model:org/a",
        "base_model:org/b",
        "base_model:finetune:org/a",
        "base_model:adapter:org/b",
        "base_model:quantized:org/c",
        "base_model:unknown:org/c",
        "license:mit",
        "text-generation",
        None,
    ]
)
DECLARED = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "relation": st.sampled_from([*RELATIONS, "unknown", None]),
            "models": st.lists(
                st.fixed_dictionaries({"_id": st.none(), "id": st.sampled_from(["org/a", "org/b", "org/c", None])}),
                max_size=3,
            ),
        }
    ),
)


def lineage_by_the_rule(tags: list | None, declared: dict | None) -> tuple[str | None, list | None, dict]:
    """(relation, parents, what the row adds to each count), one row at a time, as the paper states the rule."""
    counts = {"baseModels": 0, "tags": 0, "conflicting": 0, "unknown": 0}
    relation = (declared or {}).get("relation")
    counts["unknown"] = int(relation is not None and relation not in RELATIONS)
    parents = [m["id"] for m in (declared or {}).get("models") or [] if m["id"] is not None]
    if parents:
        counts["baseModels"] = 1
        return (relation if relation in RELATIONS else None), parents, counts
    edges = [tag.removeprefix("base_model:") for tag in tags or [] if tag is not None and tag.startswith("base_model:")]
    if not edges:
        return None, None, counts
    counts["tags"] = 1
    tag_parents = list(dict.fromkeys(edge.split(":")[-1] for edge in edges))
    relations = {edge.split(":")[0] for edge in edges if ":" in edge}
    counts["conflicting"] = int(len(relations) > 1)
    tag_relation = next(iter(relations)) if len(relations) == 1 else None
    return (tag_relation if tag_relation in RELATIONS else None), tag_parents, counts


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.lists(TAG_FORMS, max_size=5)), DECLARED), min_size=1, max_size=12))
def test_declared_lineage_follows_the_rule_row_by_row(tmp_path_factory, models):
    folder = tmp_path_factory.mktemp("raw")
    rows = [
        ok_row(_id=f"k{i}", id=f"org/m{i}", tags=tags, baseModels=declared) for i, (tags, declared) in enumerate(models)
    ]
    frame, quality = normalize_snapshot(write_raw(folder, "2021-01-06", rows), DATE)
    expected = [lineage_by_the_rule(tags, declared) for tags, declared in models]
    got = {row["model_id"]: (row["base_relation"], row["base_parents"]) for row in frame.iter_rows(named=True)}
    assert [got[f"org/m{i}"] for i in range(len(models))] == [(relation, parents) for relation, parents, _ in expected]
    totals = {name: sum(counts[name] for *_, counts in expected) for name in expected[0][2]}
    assert quality.lineage_sources == {"baseModels": totals["baseModels"], "tags": totals["tags"]}
    assert quality.repairs["base_model_tags_conflicting_relations_set_null"] == totals["conflicting"]
    assert quality.repairs["unknown_base_relation_set_null"] == totals["unknown"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=6), st.integers(0, 10**6)), min_size=1, max_size=30),
    st.integers(1, 7),
    st.randoms(use_true_random=False),
)
def test_the_content_fingerprint_ignores_row_order_and_how_rows_are_batched(rows, batch, random):
    frame = pl.DataFrame(rows, schema={"model_key": pl.String, "downloads": pl.Int64}, orient="row")
    whole = f"{frame.height}:{int(frame.hash_rows(seed=0).sum()) % 2**64:016x}"
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=random.randrange(1000))
    assert content_fingerprint(shuffled, batch) == content_fingerprint(frame) == whole
    changed = frame.with_columns(pl.col("downloads") + pl.int_range(pl.len()).eq(0).cast(pl.Int64))
    assert content_fingerprint(changed, batch) != whole


METADATA_SCHEMA = {
    "model_id": pl.String,
    "namespace": pl.String,
    "pipeline_tag": pl.String,
    "library_name": pl.String,
    "tags": pl.List(pl.String),
    "base_relation": pl.String,
    "params_total": pl.Int64,
}
METADATA_VALUES = {
    "model_id": st.text(min_size=1, max_size=5),
    "namespace": st.none() | st.text(max_size=4),
    "pipeline_tag": st.none() | st.sampled_from(["text-generation", "fill-mask"]),
    "library_name": st.none() | st.text(max_size=3),
    "tags": st.none() | st.lists(st.text(max_size=3), max_size=3),
    "base_relation": st.none() | st.sampled_from(["finetune", "merge"]),
    "params_total": st.none() | st.integers(0, 10**12),
}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.fixed_dictionaries(METADATA_VALUES), min_size=1, max_size=20),
    st.integers(1, 7),
    st.sampled_from(MODEL_METADATA_COLUMNS),
    st.data(),
)
def test_the_metadata_hash_is_the_rows_alone_and_sees_each_metadata_column(rows, batch, column, data):
    frame = pl.DataFrame(rows, schema=METADATA_SCHEMA).with_columns(downloads_all_time=pl.lit(5, pl.Int64))
    whole = metadata_hash(frame)
    assert metadata_hash(frame, batch).equals(whole) and whole.dtype == pl.UInt64 and whole.len() == frame.height
    # Counts are not metadata: a model whose downloads grow keeps its hash.
    assert metadata_hash(frame.with_columns(pl.col("downloads_all_time") + 1)).equals(whole)
    # A new value in any one metadata column of the first row changes that row's hash alone.
    new = data.draw(METADATA_VALUES[column].filter(lambda value: value != rows[0][column]))
    changed = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(new, METADATA_SCHEMA[column]))
        .otherwise(pl.col(column))
        .alias(column)
    )
    hashed = metadata_hash(changed, batch)
    assert hashed[0] != whole[0] and hashed[1:].equals(whole[1:])
