"""Attribution: registry matching, unlisted and legacy namespaces, merge splits, and per-view conservation."""

import datetime as dt
import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.attribution.aggregates import AGGREGATE_TABLES, aggregate
from hubshare.attribution.credit import attribute, attribution_quality
from hubshare.attribution.summary import attribution_summary_file
from hubshare.contracts.base import UTC_MICROS

WEEK_1 = dt.date(2021, 1, 13)
WEEK_2 = dt.date(2021, 1, 20)

ROOTS_DTYPE = pl.List(pl.Struct({"root_id": pl.String, "weight": pl.Float64}))
PANEL_SCHEMA = {
    "week": pl.Date,
    "model_key": pl.String,
    "model_id": pl.String,
    "namespace": pl.String,
    "created_at": UTC_MICROS,
    "downloads": pl.Int64,
    "interval_days": pl.Int32,
    "event": pl.String,
    "measure": pl.String,
    # panel.CARRIED_COLUMNS
    "pipeline_tag": pl.String,
    "library_name": pl.String,
    "base_relation": pl.String,
    "params_total": pl.Int64,
    "lineage_status": pl.String,
    "lineage_roots": ROOTS_DTYPE,
    "lineage_root_first": pl.String,
}
REGISTRY_COLUMNS = [
    "namespace",
    "organization",
    "country_code",
    "country_group",
    "developer_type",
    "source_url",
    "note",
]
REGISTRY = pl.DataFrame(
    [
        ("google", "Google", "US", "united_states", "industry", "https://example.org/google", None),
        ("google-bert", "Google", "US", "united_states", "industry", "https://example.org/google-bert", "alias"),
        ("Qwen", "Alibaba", "CN", "china", "industry", "https://example.org/qwen", None),
        ("openai-community", "OpenAI", "US", "united_states", "industry", "https://example.org/openai", None),
    ],
    schema={name: pl.String for name in REGISTRY_COLUMNS},
    orient="row",
)
LEGACY_IDS = pl.DataFrame(
    {"model_id": ["gpt2", "bert-base-uncased"], "namespace": ["openai-community", "google-bert"]},
    schema={"model_id": pl.String, "namespace": pl.String},
)


def row(model_id, downloads, roots=None, first=None, week=WEEK_1, key=None, status=None):
    """One panel row; the namespace is the id's prefix (null for a legacy id), an own root by default."""
    roots = [(model_id, 1.0)] if roots is None else roots
    return {
        "week": week,
        "model_key": key or f"k-{model_id}",
        "model_id": model_id,
        "namespace": model_id.split("/")[0] if "/" in model_id else None,
        "created_at": None,
        "downloads": downloads,
        "interval_days": 7,
        "event": "increase",
        "measure": "alltime_diff",
        "pipeline_tag": None,
        "library_name": None,
        "base_relation": None if len(roots) == 1 and roots[0][0] == model_id else "finetune",
        "params_total": None,
        "lineage_status": status or ("own_root" if roots == [(model_id, 1.0)] else "resolved"),
        "lineage_roots": [{"root_id": root, "weight": weight} for root, weight in roots],
        "lineage_root_first": first or roots[0][0],
    }


def panel(*rows: dict) -> pl.DataFrame:
    """Panel rows, each model numbered by its key's rank (the panel numbers models, keeping the number)."""
    frame = pl.DataFrame(list(rows), schema=PANEL_SCHEMA)
    return frame.with_columns((pl.col("model_key").rank("dense") - 1).cast(pl.UInt32).alias("model_number"))


def credited(attributed: pl.DataFrame, view: str) -> dict[str, float]:
    """Downloads per organisation in one view."""
    sums = attributed.filter(pl.col("view") == view).group_by("organization").agg(pl.col("downloads").sum())
    return dict(zip(sums["organization"], sums["downloads"], strict=True))


def only(attributed: pl.DataFrame, view: str, model_key: str) -> dict:
    rows = attributed.filter((pl.col("view") == view) & (pl.col("model_key") == model_key))
    assert rows.height == 1
    return rows.row(0, named=True)


def test_registry_namespace_matches_ignoring_case():
    attributed = attribute(panel(row("qwen/Qwen2-7B", 40), row("QWEN/Qwen2-0.5B", 2)), REGISTRY, LEGACY_IDS)
    for key in ("k-qwen/Qwen2-7B", "k-QWEN/Qwen2-0.5B"):
        credit = only(attributed, "uploader", key)
        assert (credit["organization"], credit["country_code"], credit["country_group"], credit["developer_type"]) == (
            "Alibaba",
            "CN",
            "china",
            "industry",
        )
        assert credit["attribution_source"] == "registry"
    # the namespace is kept as spelled on the Hub
    assert only(attributed, "uploader", "k-QWEN/Qwen2-0.5B")["attributed_namespace"] == "QWEN"
    # 40 + 2
    assert credited(attributed, "uploader") == {"Alibaba": 42.0}


def test_aliases_map_to_one_organisation():
    attributed = attribute(panel(row("google/t5-small", 30), row("google-bert/bert-base", 12)), REGISTRY, LEGACY_IDS)
    # two namespaces, one organisation: 30 + 12
    assert credited(attributed, "uploader") == {"Google": 42.0}
    assert set(attributed.filter(pl.col("view") == "uploader")["attributed_namespace"]) == {"google", "google-bert"}


def test_unlisted_namespace_is_its_own_unaffiliated_organisation():
    attributed = attribute(panel(row("alice/tiny-llama", 9)), REGISTRY, LEGACY_IDS)
    for view in ("uploader", "derived", "derived_first_parent"):
        credit = only(attributed, view, "k-alice/tiny-llama")
        assert credit["attributed_namespace"] == "alice"
        assert credit["organization"] == "alice"
        assert credit["country_code"] is None
        assert credit["country_group"] == "unaffiliated_user"
        assert credit["developer_type"] == "unaffiliated_user"
        assert credit["attribution_source"] == "unlisted_namespace"
        assert credit["downloads"] == 9.0


def test_legacy_id_without_namespace_resolves_through_the_legacy_table():
    attributed = attribute(
        panel(row("gpt2", 100), row("alice/gpt2-poems", 8, roots=[("gpt2", 1.0)])), REGISTRY, LEGACY_IDS
    )
    uploader = only(attributed, "uploader", "k-gpt2")
    assert (uploader["attributed_namespace"], uploader["organization"], uploader["attribution_source"]) == (
        "openai-community",
        "OpenAI",
        "registry",
    )
    # a legacy root credits the fine-tune's downloads to the root's owner in both derived views
    for view in ("derived", "derived_first_parent"):
        assert only(attributed, view, "k-alice/gpt2-poems")["organization"] == "OpenAI"
    # derived: 100 (gpt2 itself) + 8 (its fine-tune); uploader: the fine-tune stays with alice
    assert credited(attributed, "derived") == {"OpenAI": 108.0}
    assert credited(attributed, "uploader") == {"OpenAI": 100.0, "alice": 8.0}


def test_legacy_id_missing_from_the_table_is_its_own_unlisted_namespace():
    attributed = attribute(panel(row("mystery-model", 5)), REGISTRY, LEGACY_IDS)
    for view in ("uploader", "derived", "derived_first_parent"):
        credit = only(attributed, view, "k-mystery-model")
        assert credit["attributed_namespace"] == "mystery-model"
        assert credit["organization"] == "mystery-model"
        assert credit["country_group"] == "unaffiliated_user"
        assert credit["developer_type"] == "unaffiliated_user"
        assert credit["attribution_source"] == "unlisted_namespace"
        assert credit["downloads"] == 5.0


def test_empty_legacy_table_leaves_legacy_ids_unlisted():
    empty = LEGACY_IDS.clear()
    attributed = attribute(panel(row("gpt2", 3), row("google/t5", 4)), REGISTRY, empty)
    assert credited(attributed, "uploader") == {"gpt2": 3.0, "Google": 4.0}


def test_legacy_id_matches_ignoring_case():
    attributed = attribute(panel(row("GPT2", 6)), REGISTRY, LEGACY_IDS)
    assert only(attributed, "uploader", "k-GPT2")["organization"] == "OpenAI"


def test_derived_view_splits_a_merge_by_weight():
    merge = row("alice/merged", 10, roots=[("google/t5", 0.5), ("Qwen/Qwen2", 0.5)], first="google/t5")
    attributed = attribute(panel(merge), REGISTRY, LEGACY_IDS)
    # derived: 10 * 0.5 = 5 to each root's organisation
    assert credited(attributed, "derived") == {"Google": 5.0, "Alibaba": 5.0}
    # first parent: all 10 to the first root; uploader: all 10 to the merger
    assert credited(attributed, "derived_first_parent") == {"Google": 10.0}
    assert credited(attributed, "uploader") == {"alice": 10.0}


def test_uneven_and_compounded_weights():
    # a merge of a merge: weights 0.25 (google), 0.25 (alice), 0.5 (Qwen); 8 downloads -> 2, 2, 4
    merge = row("bob/mix", 8, roots=[("google/a", 0.25), ("alice/b", 0.25), ("Qwen/c", 0.5)], first="alice/b")
    attributed = attribute(panel(merge), REGISTRY, LEGACY_IDS)
    assert credited(attributed, "derived") == {"Google": 2.0, "alice": 2.0, "Alibaba": 4.0}
    assert credited(attributed, "derived_first_parent") == {"alice": 8.0}
    derived = attributed.filter(pl.col("view") == "derived")
    sources = derived.group_by("attribution_source").agg(pl.col("downloads").sum())
    # registry: 2 + 4; unlisted: 2
    assert dict(zip(sources["attribution_source"], sources["downloads"], strict=True)) == {
        "registry": 6.0,
        "unlisted_namespace": 2.0,
    }


def test_every_view_keeps_week_and_model_key():
    attributed = attribute(
        panel(row("google/t5", 3, week=WEEK_1), row("google/t5", 4, week=WEEK_2)), REGISTRY, LEGACY_IDS
    )
    for view in ("uploader", "derived", "derived_first_parent"):
        rows = attributed.filter(pl.col("view") == view).sort("week")
        assert rows.select("week", "model_key", "downloads").rows() == [
            (WEEK_1, "k-google/t5", 3.0),
            (WEEK_2, "k-google/t5", 4.0),
        ]


def test_attribution_quality_sums_by_source_and_lineage():
    rows = panel(
        row("google/t5", 30),
        row("alice/ft", 20, roots=[("google/t5", 1.0)]),
        row("bob/merge", 10, roots=[("Qwen/q", 0.5), ("carol/x", 0.5)]),
        row("mystery", 4),
        row("alice/ft", 6, roots=[("google/t5", 1.0)], week=WEEK_2),
        row("dave/orphan", 1, roots=[("gone/private", 1.0)], status="missing_parent"),
    )
    attributed = attribute(rows, REGISTRY, LEGACY_IDS)
    sums = aggregate(rows, attributed)
    quality = attribution_quality(sums.groups, sums.lineage, sums.namespaces.lazy())
    assert quality["downloads_by_source"] == {
        # registry 30 (google); unlisted 20 + 10 + 6 + 1 + 4 (alice, bob, alice, dave, the unknown legacy id mystery)
        "uploader": {"registry": 30.0, "unlisted_namespace": 41.0},
        # registry 30 + 20 + 6 + 5 (google x3, Qwen half); unlisted 5 + 1 + 4 (carol half, gone, mystery)
        "derived": {"registry": 61.0, "unlisted_namespace": 10.0},
        # first parent: bob's merge goes wholly to Qwen -> registry 30 + 20 + 6 + 10; unlisted 1 + 4
        "derived_first_parent": {"registry": 66.0, "unlisted_namespace": 5.0},
    }
    assert quality["lineage"] == {
        # own_root: google/t5 30 + mystery 4; resolved: 20 + 10 + 6; missing_parent: 1
        "missing_parent": {"downloads": 1, "model_weeks": 1},
        "own_root": {"downloads": 34, "model_weeks": 2},
        "resolved": {"downloads": 36, "model_weeks": 3},
    }
    # alice 20 + 6, bob 10, mystery 4, dave 1; largest first
    assert quality["unlisted_namespaces_top"] == [
        {"namespace": "alice", "downloads": 26.0},
        {"namespace": "bob", "downloads": 10.0},
        {"namespace": "mystery", "downloads": 4.0},
        {"namespace": "dave", "downloads": 1.0},
    ]


# Property: whatever the ids and weights, every view credits exactly the panel's downloads.

IDS = ["google/a", "GOOGLE/b", "google-bert/c", "Qwen/d", "alice/e", "Alice/f", "gpt2", "mystery"]


@st.composite
def random_panels(draw):
    rows = []
    for index in range(draw(st.integers(min_value=1, max_value=12))):
        model_id = draw(st.sampled_from(IDS))
        root_ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=4))
        parts = draw(st.lists(st.integers(min_value=1, max_value=9), min_size=len(root_ids), max_size=len(root_ids)))
        roots = [(root, part / sum(parts)) for root, part in zip(root_ids, parts, strict=True)]
        rows.append(
            row(
                model_id,
                draw(st.integers(min_value=1, max_value=10**9)),
                roots=roots,
                first=draw(st.sampled_from(IDS)),
                week=draw(st.sampled_from([WEEK_1, WEEK_2])),
                key=f"m{index}",
                status="resolved",
            )
        )
    return panel(*rows)


@settings(max_examples=40, deadline=None)
@given(random_panels())
def test_every_view_credits_exactly_the_panel_total(rows):
    attributed = attribute(rows, REGISTRY, LEGACY_IDS)
    for (view, week), credit in attributed.group_by("view", "week"):
        expected = rows.filter(pl.col("week") == week)["downloads"].sum()
        if view == "derived":
            assert credit["downloads"].sum() == pytest.approx(expected, rel=1e-12)
        else:
            assert credit["downloads"].sum() == expected
    # every panel row appears in every view, and per model the derived credit adds up to its downloads
    derived = attributed.filter(pl.col("view") == "derived").group_by("model_key").agg(pl.col("downloads").sum())
    joined = rows.select("model_key", "downloads").join(derived, on="model_key", suffix="_credited")
    assert joined.height == rows.height
    assert joined["downloads_credited"].to_list() == pytest.approx(joined["downloads"].cast(pl.Float64).to_list())
    assert attributed.filter(pl.col("view") != "derived").height == 2 * rows.height


def test_the_summary_file_reads_each_week_and_writes_coverage_and_quality(tmp_path):
    rows = panel(
        row("google/t5", 30),
        row("alice/ft", 20, roots=[("google/t5", 1.0)]),
        row("mystery", 4),
        row("alice/ft", 6, roots=[("google/t5", 1.0)], week=WEEK_2),
    )
    weeks: dict[str, list] = {table: [] for table in AGGREGATE_TABLES}
    for (week,), week_rows in rows.group_by("week"):
        sums = aggregate(week_rows, attribute(week_rows, REGISTRY, LEGACY_IDS))
        for table in AGGREGATE_TABLES:
            weeks[table].append(tmp_path / f"{week}-{table}.parquet")
            getattr(sums, table).write_parquet(weeks[table][-1])
    outputs = {"coverage": tmp_path / "coverage.csv", "quality": tmp_path / "quality.json"}
    periods = {"both": (WEEK_1, WEEK_2)}
    assert attribution_summary_file(weeks, periods, outputs) == 2
    coverage = pl.read_csv(outputs["coverage"])
    uploader = {r["group"]: r["share"] for r in coverage.filter(pl.col("view") == "uploader").iter_rows(named=True)}
    # google 30 through the registry; alice 26 and the legacy id's 4 unlisted: 30 of 60 each
    assert uploader == {"registry": pytest.approx(0.5), "unlisted_namespace": pytest.approx(0.5)}
    quality = json.loads(outputs["quality"].read_text())
    assert quality["downloads_by_source"]["uploader"] == {"registry": 30.0, "unlisted_namespace": 30.0}
