"""The demo source: a seeded simulator of the Hub in the raw contract, with its planted truth."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from conftest import REPO
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hubshare.analysis.properties import MOE_NAME, QUANTIZATION_NAME
from hubshare.attribution.families import family_of, load_families
from hubshare.attribution.registry import load_iso_codes, load_legacy_ids, load_registry
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.contracts.json_schemas import DEMO_SCHEMA, defaults
from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.demo import simulate_demo, snapshot_dates
from hubshare.demo.downloads import largest_remainder
from hubshare.demo.lineage import ADAPTER, FINETUNE
from hubshare.demo.names import (
    CHAT_FINETUNE_FORMS,
    DERIVED_SUFFIXES,
    FINETUNE_TOPICS,
    MAX_STEM,
    OTHER_TOPICS,
    QUANT_SUFFIXES,
    RENAME_SUFFIXES,
    RL_NAMES,
    SERIES_WORDS,
    TASK_WORDS,
    USER_PREFIXES,
    _derived_stem,
    shortened,
    size_tag,
)
from hubshare.demo.population import MERGE, NO_RELATION, QUANTIZED
from hubshare.demo.recovery import counting_first_snapshot
from hubshare.demo.releases import RELEASES_CSV, ReleaseTableError, legacy_family, read_release_lines, release_lines
from hubshare.demo.settings import DemoSettingsError, resolve_settings
from hubshare.demo.simulate import simulate
from hubshare.demo.story import SEGMENTS, segment_shares
from hubshare.demo.truth import family_shares

SCHEMA = REPO / "workflow" / "schemas" / "demo.schema.yaml"
RELEASE_LINES = release_lines()
DEFAULTS = defaults(DEMO_SCHEMA)
ATTRIBUTION = REPO / "data" / "raw" / "attribution"

REGISTRY_ROWS = [
    # namespace, organization, country_code, country_group, developer_type
    ("meta-llama", "Meta", "US", "united_states", "industry"),
    ("acme-ai", "Acme AI", "US", "united_states", "industry"),
    ("Qwen", "Alibaba", "CN", "china", "industry"),
    ("dragon-lab", "Dragon Lab", "CN", "china", "industry"),
    ("mistralai", "Mistral AI", "FR", "france", "industry"),
    ("nordic-ai", "Nordic AI", "SE", "rest_of_europe", "industry"),
    ("stanford-x", "Stanford X", "US", "united_states", "academia"),
    ("tum-nlp", "TUM NLP", "DE", "germany", "academia"),
    ("EleutherAI", "EleutherAI", None, "international", "nonprofit"),
    ("open-collective", "Open Collective", "US", "united_states", "nonprofit"),
    ("national-library", "National Library", "SE", "rest_of_europe", "government"),
    ("lllyasviel", "lllyasviel", None, "unaffiliated_user", "unaffiliated_user"),
    ("TheBloke", "TheBloke", None, "unaffiliated_user", "unaffiliated_user"),
    ("unsloth", "Unsloth AI", "US", "united_states", "industry"),
    ("mystery-org", "Mystery", None, "unknown", "unknown"),
]
LEGACY_ROWS = [("acme-base-uncased", "acme-ai"), ("acme-gpt", "acme-ai"), ("orphan-model", "not-in-registry")]
SMALL = {"seed": 11, "models_total": 1500, "pre_window_models": 100, "cadence_days": 28}
MEDIUM = {"seed": 5, "models_total": 6000, "pre_window_models": 200, "cadence_days": 28}
# With the committed registry, which holds every family developer.
REAL = {"seed": 3, "models_total": 3000, "pre_window_models": 100, "cadence_days": 28}
# A size as model names write it: `7B`, `0.5B`, `125m`, not `A3B` (active experts), `8x7B` or `so400m`.
SIZE_TOKEN = re.compile(r"(?<![A-Za-z0-9.])([0-9]+(?:\.[0-9]+)?)([BbMm])(?![A-Za-z0-9])")


def registry(rows=REGISTRY_ROWS) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "namespace": r[0],
                "organization": r[1],
                "country_code": r[2],
                "country_group": r[3],
                "developer_type": r[4],
                "source_url": "https://example.org",
                "note": None,
            }
            for r in rows
        ],
        schema={
            c: pl.String
            for c in (
                "namespace",
                "organization",
                "country_code",
                "country_group",
                "developer_type",
                "source_url",
                "note",
            )
        },
    )


def legacy_ids() -> pl.DataFrame:
    return pl.DataFrame(LEGACY_ROWS, schema={"model_id": pl.String, "namespace": pl.String}, orient="row")


def run(tmp_path_factory, name: str, settings: dict, rows=REGISTRY_ROWS) -> tuple[Path, list[Path], dict]:
    return run_with(tmp_path_factory, name, settings, registry(rows), legacy_ids())


def run_with(
    tmp_path_factory, name: str, settings: dict, registry_: pl.DataFrame, legacy: pl.DataFrame
) -> tuple[Path, list[Path], dict]:
    out = tmp_path_factory.mktemp(name)
    written = simulate_demo(settings, registry_, legacy, out)
    return out, written, json.loads((out / "truth.json").read_text(encoding="utf-8"))


def all_rows(out: Path) -> pl.DataFrame:
    return pl.concat(
        [
            pl.read_parquet(p).with_columns(pl.lit(dt.date.fromisoformat(p.stem)).alias("date"))
            for p in sorted(out.glob("*.parquet"))
        ]
    )


def last_snapshot(out: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted(out.glob("*.parquet"))[-1])


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return run(tmp_path_factory, "small", SMALL)


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    out, written, truth = run(tmp_path_factory, "medium", MEDIUM)
    return out, written, truth, all_rows(out)


# --- calendar and settings -------------------------------------------------------


def test_default_calendar_is_weekly_from_june_2020_to_august_2025():
    dates = snapshot_dates({})
    assert dates[0] == dt.date(2020, 6, 3) and dates[-1] == dt.date(2025, 8, 27)
    assert {(b - a).days for a, b in pairwise(dates)} == {7}
    assert len(dates) == 274


def test_importing_the_calendar_does_not_load_the_simulator():
    code = "import sys, hubshare.demo as d; d.snapshot_dates({}); print(sorted(m for m in ('numpy', 'polars') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@given(
    start=st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 1, 1)),
    span=st.integers(min_value=0, max_value=900),
    cadence=st.integers(min_value=1, max_value=60),
)
def test_snapshot_dates_step_by_the_cadence_within_the_bounds(start, span, cadence):
    end = start + dt.timedelta(days=span)
    dates = snapshot_dates({"start": start.isoformat(), "end": end.isoformat(), "cadence_days": cadence})
    assert dates[0] == start and dates[-1] <= end < dates[-1] + dt.timedelta(days=cadence)
    assert all((b - a).days == cadence for a, b in pairwise(dates))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"models_totl": 10}, r"key 'models_totl': is not a known key \(use seed, start, end, cadence_days"),
        ({"rename_rate": 1.5}, r"key 'rename_rate': found 1.5; allowed: at least 0 and at most 1"),
        ({"start": "June 2020"}, r"key 'start': found \"June 2020\"; allowed: a calendar date, YYYY-MM-DD"),
        ({"end": "2025-02-30"}, r"key 'end': found \"2025-02-30\"; allowed: a calendar date"),
        ({"seed": True}, r"key 'seed': found true; allowed: a whole number"),
        ({"share_noise": "pink"}, r"key 'share_noise': found \"pink\"; allowed: none, ar1_0.8,"),
        ({"relation_mix": {"adapter": 1}}, r"key 'relation_mix.finetune': is missing"),
        ({"end": "2020-06-05"}, r"'start' to 'end' must span at least two snapshots"),
        ({"pre_window_models": 30000}, r"'pre_window_models' cannot exceed 'models_total'"),
        (
            {"relation_mix": dict.fromkeys(("adapter", "finetune", "merge", "quantized"), 0)},
            r"'relation_mix' shares must not all be zero",
        ),
    ],
)
def test_unknown_or_out_of_range_settings_are_refused_naming_the_key_what_was_found_and_what_is_allowed(
    settings, message
):
    with pytest.raises(DemoSettingsError, match=r"demo settings: " + message):
        resolve_settings(settings)


def test_settings_take_the_schemas_defaults_and_its_types():
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))["properties"]
    resolved = resolve_settings({"effect_size": 1, "models_total": 3000.0, "start": dt.date(2021, 1, 6)})
    assert list(resolved) == list(schema)
    assert resolved["seed"] == schema["seed"]["default"] and resolved["start"] == "2021-01-06"
    assert isinstance(resolved["effect_size"], float) and type(resolved["models_total"]) is int
    assert list(resolved["relation_mix"]) == sorted(schema["relation_mix"]["default"])


# --- bytes and the raw contract --------------------------------------------------


def test_same_seed_and_settings_give_identical_bytes(small, tmp_path_factory):
    out, written, _ = small
    again = tmp_path_factory.mktemp("again")
    rewritten = simulate_demo(SMALL, registry(), legacy_ids(), again)
    assert [p.name for p in written] == [p.name for p in rewritten]
    for first, second in zip(written, rewritten, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_another_seed_gives_other_data(small, tmp_path_factory):
    out, _, _ = small
    other = tmp_path_factory.mktemp("other")
    simulate_demo({**SMALL, "seed": 12}, registry(), legacy_ids(), other)
    name = sorted(out.glob("*.parquet"))[-1].name
    assert (out / name).read_bytes() != (other / name).read_bytes()


def test_every_snapshot_has_exactly_the_raw_columns_and_dtypes(small):
    out, written, truth = small
    dates = snapshot_dates(SMALL)
    assert sorted(p.name for p in written) == sorted(
        [f"{d.isoformat()}.parquet" for d in dates] + [f"{d.isoformat()}.meta.yaml" for d in dates] + ["truth.json"]
    )
    expected = {name: dtype for name, (dtype, _) in RAW_COLUMNS.items()}
    for path in sorted(out.glob("*.parquet")):
        frame = pl.read_parquet(path)
        assert dict(frame.schema) == expected, path.name
        assert frame["_id"].str.contains(r"^[0-9a-f]{24}$").all()
        assert frame["_id"].n_unique() == frame.height and frame["id"].n_unique() == frame.height
        assert frame["tags"].null_count() == 0
        assert frame["tags"].list.eval(pl.element().str.starts_with("license:").any()).list.first().all()
        assert (frame["downloads"] >= 0).all() and (frame["downloadsAllTime"] >= 0).all()


def test_origin_metadata_names_the_file_it_describes(small):
    out, _, _ = small
    for meta_path in sorted(out.glob("*.meta.yaml")):
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        day = meta_path.name.removesuffix(".meta.yaml")
        parquet = out / f"{day}.parquet"
        assert meta["sha256"] == hashlib.sha256(parquet.read_bytes()).hexdigest()
        assert meta["rows"] == pl.read_parquet(parquet).height
        assert meta["snapshot_date"] == meta["date_accessed"] == day
        assert meta["source"] == "demo" and meta["license"] == "CC-BY-4.0" and meta["seed"] == SMALL["seed"]
        assert meta["url"] == "demo://hubshare/simulator" and meta["download_measure"] == "alltime_diff"


# --- what the Hub looks like -----------------------------------------------------


def test_downloads_are_heavy_tailed(medium):
    out, _, _, _ = medium
    counts = last_snapshot(out)["downloadsAllTime"].sort(descending=True).to_numpy()
    assert 0.55 <= (counts == 0).mean() <= 0.72
    top = counts[: len(counts) // 100].sum() / counts.sum()
    assert top >= 0.7


def test_registry_organisations_carry_the_top_and_synthetic_users_the_tail(medium):
    out, _, _, _ = medium
    frame = last_snapshot(out).with_columns(pl.col("id").str.split("/").list.first().alias("namespace"))
    listed = {r[0].lower() for r in REGISTRY_ROWS}
    top = frame.sort("downloadsAllTime", descending=True).head(20)
    assert top["namespace"].str.to_lowercase().is_in(listed).mean() >= 0.5
    namespaces = frame["namespace"].unique()
    assert namespaces.str.contains(r"^user-[0-9a-f]{6}$").mean() > 0.8


def test_relation_mix_and_base_model_rate_follow_the_hub(medium):
    out, _, _, _ = medium
    frame = last_snapshot(out)
    assert frame["baseModels"].is_not_null().mean() == pytest.approx(DEFAULTS["base_model_rate"], abs=0.03)
    relations = frame["baseModels"].struct.field("relation").drop_nulls().value_counts(normalize=True)
    shares = dict(relations.rows())
    for relation, share in DEFAULTS["relation_mix"].items():
        assert shares[relation] == pytest.approx(share, abs=0.03), relation
    merges = frame.filter(pl.col("baseModels").struct.field("relation") == "merge")
    assert merges["baseModels"].struct.field("models").list.len().is_between(2, 3).all()
    others = frame.filter(pl.col("baseModels").struct.field("relation").is_in(["finetune", "adapter", "quantized"]))
    assert (others["baseModels"].struct.field("models").list.len() == 1).all()


def test_metadata_is_missing_at_the_configured_rates(medium):
    out, _, _, _ = medium
    frame = last_snapshot(out)
    assert frame["safetensors"].is_not_null().mean() == pytest.approx(DEFAULTS["safetensors_rate"], abs=0.03)
    assert frame["pipeline_tag"].is_null().mean() == pytest.approx(DEFAULTS["missing_pipeline_tag_rate"], abs=0.03)
    assert frame["library_name"].is_null().mean() == pytest.approx(DEFAULTS["missing_library_name_rate"], abs=0.03)
    totals = frame["safetensors"].struct.field("total").drop_nulls()
    assert 5e7 < totals.median() < 3e9


def test_base_model_tags_mirror_base_models(medium):
    out, _, _, _ = medium
    frame = last_snapshot(out).filter(pl.col("baseModels").is_not_null()).head(200)
    for tags, base in zip(frame["tags"].to_list(), frame["baseModels"].to_list(), strict=True):
        for parent in base["models"]:
            assert f"base_model:{parent['id']}" in tags
            assert f"base_model:{base['relation']}:{parent['id']}" in tags


def test_rolling_downloads_stay_below_the_all_time_count_without_resets(medium):
    out, _, truth, rows = medium
    reset_ids = {r["_id"] for r in truth["artefacts"]["counter_resets"]}
    later = rows.filter(pl.col("date") > pl.col("date").min(), ~pl.col("_id").is_in(list(reset_ids)))
    assert (later["downloads"] <= later["downloadsAllTime"]).all()


# --- artefacts -------------------------------------------------------------------


def test_all_time_counts_fall_only_at_planted_resets(medium):
    _, _, truth, rows = medium
    steps = rows.sort("_id", "date").with_columns(
        (pl.col("downloadsAllTime") - pl.col("downloadsAllTime").shift(1).over("_id")).alias("step")
    )
    drops = {(r["_id"], r["date"].isoformat()) for r in steps.filter(pl.col("step") < 0).iter_rows(named=True)}
    planted = {(r["_id"], r["snapshot"]) for r in truth["artefacts"]["counter_resets"]}
    assert drops == planted and planted
    for _id, day in planted:
        row = steps.filter((pl.col("_id") == _id) & (pl.col("date") == dt.date.fromisoformat(day)))
        assert row["downloadsAllTime"][0] >= 0


def test_renamed_models_keep_their_object_id(medium):
    _, _, truth, rows = medium
    renames = truth["artefacts"]["renames"]
    assert renames
    for rename in renames:
        history = rows.filter(pl.col("_id") == rename["_id"]).sort("date")
        day = dt.date.fromisoformat(rename["snapshot"])
        assert set(history.filter(pl.col("date") < day)["id"]) == {rename["from"]}
        assert set(history.filter(pl.col("date") >= day)["id"]) == {rename["to"]}
        if rename["kind"] == "name":
            assert rename["from"].split("/")[0] == rename["to"].split("/")[0] and rename["from"] != rename["to"]
        else:
            assert rename["to"] == f"acme-ai/{rename['from']}"


def test_legacy_ids_move_into_their_namespace_without_an_author_before(medium):
    _, _, truth, rows = medium
    legacy = rows.filter(~pl.col("id").str.contains("/"))
    assert set(legacy["id"]) == {"acme-base-uncased", "acme-gpt"}
    assert legacy["author"].null_count() == legacy.height
    assert truth["legacy_ids_not_simulated"] == ["orphan-model"]
    moved = rows.filter(pl.col("_id").is_in(legacy["_id"].unique().to_list()) & pl.col("id").str.contains("/"))
    assert set(moved["id"]) == {"acme-ai/acme-base-uncased", "acme-ai/acme-gpt"}
    assert legacy["date"].max() < moved["date"].min()


def test_deleted_models_never_reappear(medium):
    _, _, truth, rows = medium
    dates = sorted(rows["date"].unique().to_list())
    position = {d: i for i, d in enumerate(dates)}
    spans = rows.group_by("_id").agg(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"), pl.len())
    for first, last, n in spans.select("first", "last", "len").iter_rows():
        assert position[last] - position[first] + 1 == n
    deleted = truth["artefacts"]["deletions"]
    assert deleted
    last_seen = dict(spans.select("_id", "last").iter_rows())
    for deletion in deleted:
        assert last_seen[deletion["_id"]] < dt.date.fromisoformat(deletion["first_absent"])


def test_authors_are_missing_on_some_rows_only(medium):
    _, _, truth, rows = medium
    namespaced = rows.filter(pl.col("id").str.contains("/"))
    share = namespaced["author"].is_null().mean()
    assert 0 < share < 0.05
    present = namespaced.filter(pl.col("author").is_not_null())
    assert (present["id"].str.split("/").list.first() == present["author"]).all()


def test_cycles_and_missing_parents_are_planted(medium):
    out, _, truth, rows = medium
    counts = truth["artefacts"]["counts"]
    assert counts["cycles"] == DEFAULTS["cycles"] and counts["private_parents"] == DEFAULTS["private_parents"]
    last = last_snapshot(out)
    parents = {
        r["id"]: [m["id"] for m in r["baseModels"]["models"]]
        for r in last.filter(pl.col("baseModels").is_not_null()).select("id", "baseModels").iter_rows(named=True)
    }
    for cycle in truth["artefacts"]["cycles"]:
        a, b = cycle["ids"]
        assert parents[a] == [b] and parents[b] == [a]
    every_id = set(rows["id"])
    private = [m["parent"] for m in truth["artefacts"]["missing_parents"] if m["parent"].endswith("-private")]
    assert len(private) == DEFAULTS["private_parents"] and not every_id & set(private)


# --- the planted story -----------------------------------------------------------


def test_truth_shares_sum_to_one_per_view_dimension_and_period(medium):
    _, _, truth, _ = medium
    periods = set(truth["periods"])
    assert periods == {"<=2022", "2023", "2024", "2025", "last_year"}
    assert truth["periods"]["<=2022"][0] == snapshot_dates(MEDIUM)[1].isoformat()
    for view in ("uploader", "derived"):
        for dimension in ("country_group", "developer_type"):
            groups = truth["planted"][view][dimension]
            for period in periods:
                assert sum(g[period] for g in groups.values()) == pytest.approx(1.0, abs=1e-8)


def test_truth_holds_the_first_snapshots_30_day_counts_by_group(medium):
    out, _, truth, rows = medium
    first = truth["planted"]["first_snapshot_30d"]
    day = dt.date.fromisoformat(first["date"])
    assert day == snapshot_dates(MEDIUM)[0]
    assert first["total"] == rows.filter(pl.col("date") == day)["downloads"].sum() > 0
    for view in ("uploader", "derived"):
        for dimension in ("country_group", "developer_type"):
            assert sum(first[view][dimension].values()) == pytest.approx(first["total"])


def test_counting_the_first_snapshot_adds_its_30_days_to_the_periods_that_hold_it():
    truth = {
        "periods": {"early": ["2025-01-01", "2025-12-31"], "late": ["2025-02-01", "2025-12-31"]},
        "planted": {
            "totals": {"early": 100, "late": 50},
            "uploader": {"country_group": {"a": {"early": 0.5, "late": 0.5}, "b": {"early": 0.5, "late": 0.5}}},
            "derived": {"country_group": {"a": {"early": 0.25, "late": 0.0}, "b": {"early": 0.75, "late": 1.0}}},
            "first_snapshot_30d": {
                "date": "2025-01-15",
                "total": 20.0,
                "uploader": {"country_group": {"a": 20.0}},
                "derived": {"country_group": {"a": 5.0, "b": 15.0}},
            },
        },
    }
    planted = counting_first_snapshot(truth)["planted"]
    # early holds 2025-01-15: a had 50 of 100 and gets all 20 -> 70 / 120; late starts after it and is unchanged.
    assert planted["uploader"]["country_group"]["a"] == pytest.approx({"early": 70 / 120, "late": 0.5})
    assert planted["uploader"]["country_group"]["b"] == pytest.approx({"early": 50 / 120, "late": 0.5})
    assert planted["derived"]["country_group"]["b"] == pytest.approx({"early": 90 / 120, "late": 1.0})
    assert planted["totals"] == {"early": 120.0, "late": 50}
    assert truth["planted"]["totals"] == {"early": 100, "late": 50}  # the given truth is left as it was


def test_truth_records_segments_intermediaries_and_unsimulated_namespaces(medium):
    _, _, truth, _ = medium
    assert set(truth["segments"]) == set(SEGMENTS)
    assert "Qwen" in truth["segments"]["cn_industry"]["registry_namespaces"]
    assert {"TheBloke", "unsloth"} <= set(truth["intermediary_namespaces"])
    assert any(n.startswith("quant-") for n in truth["intermediary_namespaces"])
    assert truth["namespaces_not_simulated"] == ["mystery-org"]
    assert not any(s["synthetic_fallback"] for s in truth["segments"].values())


def test_full_story_lets_china_rise_and_us_industry_fall(medium):
    _, _, truth, _ = medium
    weekly = truth["planted"]["weekly"]
    first_year = lambda s: np.mean([v for _, v in weekly[s][:13]])  # noqa: E731
    last_year = lambda s: np.mean([v for _, v in weekly[s][-13:]])  # noqa: E731
    assert last_year("united_states") < first_year("united_states") - 0.1
    assert last_year("china") > first_year("china") + 0.08
    assert last_year("unaffiliated_user") > first_year("unaffiliated_user") + 0.1
    assert last_year("intermediaries") > first_year("intermediaries") + 0.05
    uploader = truth["planted"]["uploader"]["country_group"]
    assert uploader["china"]["last_year"] > uploader["china"]["<=2022"]


def test_effect_size_zero_plants_flat_uploader_shares(tmp_path_factory):
    # The expected (noise-free) shares are flat up to integer rounding; the snapshots' own are not.
    _, _, truth = run(tmp_path_factory, "null", {**SMALL, "effect_size": 0})
    for series in truth["expected"]["weekly"].values():
        values = [v for _, v in series]
        assert max(values) - min(values) < 1e-4
    for groups in truth["expected"]["uploader"].values():
        for periods in groups.values():
            assert max(periods.values()) - min(periods.values()) < 1e-4
    realized = [v for _, v in truth["planted"]["weekly"]["united_states"]]
    assert max(realized) - min(realized) > 1e-3


NOISE_FREE = {"share_noise": "none", "model_shock_sigma": 0.0, "sampling_noise": False}


def test_without_noise_the_snapshots_hold_the_expected_story(tmp_path_factory):
    _, _, truth = run(tmp_path_factory, "noise-free", {**SMALL, **NOISE_FREE})
    assert truth["planted"]["weekly"]["united_states"] == truth["expected"]["weekly"]["united_states"]
    assert truth["planted"]["uploader"] == truth["expected"]["uploader"]


def test_share_noise_has_the_configured_size():
    # Segment noise multiplies a segment's weight by exp(AR(1)); for a share s its logit moves by about
    # (1 - s) times the noise, so the logit deviations' spread is near that of the AR(1) itself.
    from hubshare.demo.downloads import noisy_segment_shares
    from hubshare.inference.noise import noise_paths

    shares = np.tile([0.3, 0.7], (4000, 1))
    noisy = noisy_segment_shares(shares, "ar1_0.8", 0.05, np.random.default_rng(1))
    deviation = np.log(noisy[:, 0] / noisy[:, 1]) - np.log(0.3 / 0.7)
    stationary_sd = 0.05 / np.sqrt(1 - 0.8**2)
    # a difference of two independent AR(1) paths: sd * sqrt(2); 4000 correlated weeks give about 10% error
    assert np.std(deviation) == pytest.approx(stationary_sd * np.sqrt(2), rel=0.2)
    assert np.corrcoef(deviation[1:], deviation[:-1])[0, 1] == pytest.approx(0.8, abs=0.05)
    assert noise_paths("none", np.random.default_rng(1), 2, 5, 1.0).max() == 0


def test_a_segment_missing_from_the_registry_gets_synthetic_namespaces(tmp_path_factory):
    rows = [r for r in REGISTRY_ROWS if r[3] != "china"]
    _, _, truth = run(tmp_path_factory, "fallback", {**SMALL, "models_total": 800, "cadence_days": 56}, rows)
    segment = truth["segments"]["cn_industry"]
    assert segment["synthetic_fallback"] and not segment["registry_namespaces"]
    assert "china" not in truth["planted"]["uploader"]["country_group"]


# --- properties ------------------------------------------------------------------


@given(
    quotas=st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=40),
    n_groups=st.integers(min_value=1, max_value=5),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_largest_remainder_hits_group_totals_exactly(quotas, n_groups, seed):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, len(quotas))
    raw = np.array(quotas)
    totals = np.array([int(round(raw[group == g].sum())) for g in range(n_groups)])
    sums = np.bincount(group, weights=raw, minlength=n_groups)
    scale = np.where(sums > 0, totals / np.where(sums > 0, sums, 1), 0)
    quota = raw * scale[group]
    result = largest_remainder(quota, group, totals)
    assert (np.bincount(group, weights=result, minlength=n_groups) == totals).all()
    assert (np.abs(result - quota) < 1 + 1e-6).all() and (result >= 0).all()


@hypothesis_settings(max_examples=50)
@given(effect=st.floats(min_value=0, max_value=3), cadence=st.integers(min_value=7, max_value=120))
def test_segment_shares_are_distributions_and_flat_without_effect(effect, cadence):
    dates = snapshot_dates({"cadence_days": cadence})
    shares = segment_shares(dates, effect)
    assert np.allclose(shares.sum(axis=1), 1.0) and (shares >= 0).all()
    if effect == 0:
        assert np.allclose(shares, shares[:1])
    full = segment_shares(dates, 1.0)
    assert full[-1, SEGMENTS.index("cn_industry")] > full[-1, SEGMENTS.index("us_industry")]


def test_ids_look_like_the_hub(small):
    out, _, _ = small
    frame = last_snapshot(out)
    namespaced = frame.filter(pl.col("id").str.contains("/"))
    assert (
        namespaced["id"]
        .map_elements(lambda i: bool(re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", i)), return_dtype=pl.Boolean)
        .all()
    )
    gguf = frame.filter(pl.col("tags").list.contains("gguf"))
    assert (gguf["baseModels"].struct.field("relation") == "quantized").all()


# --- model names and families ----------------------------------------------------


@pytest.fixture(scope="module")
def attribution():
    vocabularies = load_vocabularies(ATTRIBUTION / "vocabularies.yaml")
    registry = load_registry(
        ATTRIBUTION / "organizations.csv", vocabularies, load_iso_codes(ATTRIBUTION / "iso3166_alpha2.csv")
    )
    return (
        registry,
        load_legacy_ids(ATTRIBUTION / "legacy_ids.csv", registry),
        load_families(ATTRIBUTION / "model_families.csv", registry),
    )


@pytest.fixture(scope="module")
def real(attribution):
    registry, legacy, _ = attribution
    return simulate(REAL, registry, legacy)


def families_of(names: list[str], families: pl.DataFrame) -> list[str | None]:
    return family_of(pl.Series(names, dtype=pl.String), families).to_list()


def stated_size(name: str) -> int | None:
    """The parameter count a name states, or None; a name stating two sizes is refused."""
    tokens = SIZE_TOKEN.findall(name)
    assert len(tokens) <= 1, name
    return round(float(tokens[0][0]) * (10**9 if tokens[0][1] in "Bb" else 10**6)) if tokens else None


def test_stated_sizes_read_the_size_and_nothing_else():
    assert stated_size("Qwen2.5-7B-Instruct") == 7_000_000_000
    assert stated_size("Qwen3-30B-A3B") == 30_000_000_000
    assert stated_size("gemma-2-9b-it") == 9_000_000_000
    assert stated_size("opt-1.3b") == 1_300_000_000
    assert stated_size("open_llama_3b_v2") == 3_000_000_000
    assert stated_size("SmolLM2-135M-Instruct") == 135_000_000
    assert stated_size("Mixtral-8x7B-v0.1") is None
    assert stated_size("siglip-so400m-patch14-384") is None
    assert stated_size("MiniCPM-o-2_6") is None


def test_release_lines_name_every_family_developer_and_their_families(attribution):
    _, _, families = attribution
    developed: dict[str, set[str]] = {}
    for family, namespace in families.select("family", "developer_namespace").unique().iter_rows():
        developed.setdefault(namespace.lower(), set()).add(family)
    assert set(RELEASE_LINES) == set(developed)
    for namespace, lines in RELEASE_LINES.items():
        assert developed[namespace] <= {line.family for line in lines}, namespace


def test_every_release_is_in_its_family_and_its_name_states_its_size(attribution):
    _, _, families = attribution
    releases = [
        (line, name, params)
        for lines in RELEASE_LINES.values()
        for line in lines
        for name, params in line.names.items()
    ]
    assert len(releases) > 500
    found = families_of([name for _, name, _ in releases], families)
    for (line, name, params), family in zip(releases, found, strict=True):
        assert family == line.family, name
        assert stated_size(name) in (None, params), name
        assert len(name) <= MAX_STEM and re.fullmatch(r"[A-Za-z0-9][\w.-]*", name), name


def broken_release_table(tmp_path, edit) -> Path:
    """A copy of the release table with `edit` applied to its rows (lists of cells; the header is row 0)."""
    rows = [line.split(",") for line in RELEASES_CSV.read_text(encoding="utf-8").splitlines()]
    edit(rows)
    path = tmp_path / "releases.csv"
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    return path


def test_the_release_table_reads_back_every_line_in_order():
    lines = read_release_lines()
    assert [line.released for line in lines["qwen"][:2]] == ["2023-08-03", "2023-08-22"]
    assert list(lines["qwen"][0].names) == ["Qwen-1.8B", "Qwen-7B", "Qwen-14B", "Qwen-72B"] + [
        "Qwen-1.8B-Chat",
        "Qwen-7B-Chat",
        "Qwen-14B-Chat",
        "Qwen-72B-Chat",
    ]
    assert lines["qwen"][3].moe and not lines["qwen"][0].moe


def test_a_bad_release_row_is_named_by_file_line_and_column(tmp_path):
    def edit(rows):
        assert rows[0] == ["namespace", "line", "family", "released", "task", "moe", "name", "parameters"]
        rows[1][7] = "1.1B"  # a size, not a count
        rows[2][3] = "2023-02-30"
        rows[3][5] = "yes"
        rows[4][2] = ""

    path = broken_release_table(tmp_path, edit)
    with pytest.raises(ReleaseTableError) as raised:
        read_release_lines(path)
    message = str(raised.value)
    assert f"{path}: line 2: column 'parameters': '1.1B' is not a whole number" in message
    assert f"{path}: line 3: column 'released': '2023-02-30' is not a date, YYYY-MM-DD" in message
    assert f"{path}: line 4: column 'moe': 'yes' is not true or false" in message
    assert f"{path}: line 5: column 'family': is empty" in message


def test_rows_of_a_release_line_agree_and_names_do_not_repeat(tmp_path):
    def edit(rows):
        rows[2][4] = "text-classification"  # the second row of TinyLlama's one line
        rows[3][6] = rows[1][6].upper()

    path = broken_release_table(tmp_path, edit)
    with pytest.raises(ReleaseTableError) as raised:
        read_release_lines(path)
    message = str(raised.value)
    assert "line 3: column 'task': 'text-classification' breaks the check as in the first row of its line" in message
    assert (
        "line 4: column 'name': 'TINYLLAMA-1.1B-INTERMEDIATE-STEP-1431K-3T' breaks the check once per namespace"
        in message
    )
    assert message.count(f"{path}: ") == 2  # only the rows that differ from the ones before


def test_developers_release_their_well_known_models():
    params = {(ns, name): p for ns, lines in RELEASE_LINES.items() for line in lines for name, p in line.names.items()}
    assert params[("qwen", "Qwen2.5-7B-Instruct")] == 7 * 10**9
    assert params[("qwen", "Qwen3-30B-A3B")] == 30 * 10**9
    assert params[("qwen", "Qwen2-VL-7B-Instruct")] == 7 * 10**9
    assert params[("meta-llama", "Llama-3.1-8B-Instruct")] == 8 * 10**9
    assert params[("deepseek-ai", "DeepSeek-V3")] == params[("deepseek-ai", "DeepSeek-R1")] == 671 * 10**9
    assert params[("google", "gemma-2-9b-it")] == 9 * 10**9
    assert params[("google-t5", "t5-base")] == 220 * 10**6
    assert params[("mistralai", "Mistral-7B-Instruct-v0.3")] == 7 * 10**9
    assert params[("black-forest-labs", "FLUX.1-dev")] == 12 * 10**9
    assert params[("stabilityai", "stable-diffusion-xl-base-1.0")] == 3_500 * 10**6
    assert params[("openai", "whisper-large-v3")] == 1_550 * 10**6
    assert params[("openai", "clip-vit-base-patch32")] == 151 * 10**6


def test_legacy_ids_get_the_family_their_name_states(attribution):
    _, legacy, families = attribution
    ids = legacy["model_id"].to_list()
    assert [legacy_family(i) for i in ids] == families_of(ids, families)
    assert legacy_family("xlm-roberta-large") == "RoBERTa" and legacy_family("distilgpt2") == "GPT-2"
    assert legacy_family("bertweet-base") is None and legacy_family("acme-gpt") is None


def test_derived_names_append_to_the_parent_name():
    rng = np.random.default_rng(0)
    assert _derived_stem(rng, "Qwen2.5-7B-Instruct", QUANTIZED, "text-generation", "gguf") == "Qwen2.5-7B-Instruct-GGUF"
    assert (
        _derived_stem(rng, "Llama-3.2-1B-Instruct", QUANTIZED, "text-generation", "bnb")
        == "Llama-3.2-1B-Instruct-bnb-4bit"
    )
    assert _derived_stem(rng, "bert-base-uncased", ADAPTER, "fill-mask", None).startswith("bert-base-uncased-")
    long_parent = "bert-large-uncased-whole-word-masking-finetuned-squad-finetuned-ner"  # 67 characters
    assert shortened(long_parent) == "bert-large-uncased-whole-word-masking-finetuned-squad"
    assert size_tag(7_620_000_000) == "7.6b" and size_tag(12_400_000_000) == "12b" and size_tag(448_000_000) == "448m"


def test_suffixes_never_change_a_family(attribution):
    """Whatever a derived model, a rename or a repeated name appends, the name keeps its family."""
    _, _, families = attribution
    topics = {t for ts in FINETUNE_TOPICS.values() for t in ts} | set(OTHER_TOPICS)
    suffixes = sorted(
        {form.format(topic) for form in CHAT_FINETUNE_FORMS for topic in topics}
        | {s for ss in DERIVED_SUFFIXES.values() for s in ss}
        | set(QUANT_SUFFIXES.values())
        | {f"-{s}" for s in RENAME_SUFFIXES}
        | {"-2", "-private"}
    )
    releases = [(line.family, name) for lines in RELEASE_LINES.values() for line in lines for name in line.names]
    names = [name + suffix for _, name in releases for suffix in suffixes]
    expected = [family for family, _ in releases for _ in suffixes]
    assert families_of(names, families) == expected


def test_names_without_a_family_match_no_family_pattern(attribution):
    """User names, series names and reinforcement-learning names, with anything appended, have no family."""
    _, _, families = attribution
    stems = [f"{p}-{w}" for p in USER_PREFIXES for words in TASK_WORDS.values() for w in words] + list(RL_NAMES)
    stems += [f"{w}-{tag}" for w in SERIES_WORDS for tag in ("1m", "125m", "1b", "1.5b", "7b", "12b")]
    stems += [f"{w}-{g}-7b" for w in SERIES_WORDS for g in range(2, 12)]
    tails = ["", "-2", "-3", "-private", "-GGUF", "-lora", "-finetuned-ner"] + [f"-{s}" for s in RENAME_SUFFIXES]
    names = [stem + tail for stem in stems for tail in tails]
    assert set(families_of(names, families)) == {None}


def test_every_simulated_name_is_in_the_family_the_simulator_gave_it(real, attribution):
    _, _, families = attribution
    planted = real.names.family
    for ids in (real.artefacts.id_before, real.artefacts.id_after):  # before and after renames
        assert families_of(list(ids), families) == planted
    assert sum(f is None for f in planted) > len(planted) / 2  # plenty of names without a family were checked


def test_family_developers_name_their_originals_after_their_families(real, attribution):
    _, _, families = attribution
    names, models, namespaces = real.names, real.models, real.namespaces
    developer = np.array([namespaces.name[ns].lower() in RELEASE_LINES for ns in models.namespace])
    flagships = np.flatnonzero(models.flagship & developer & (models.relation == NO_RELATION))
    assert {namespaces.name[models.namespace[m]].lower() for m in flagships} == set(RELEASE_LINES)
    flagship_ids = [str(real.artefacts.id_after[m]) for m in flagships]
    assert families_of(flagship_ids, families) == [names.family[m] for m in flagships]
    originals = np.flatnonzero((models.relation == NO_RELATION) & (models.legacy_id == None))  # noqa: E711
    for m in originals:
        lines = RELEASE_LINES.get(namespaces.name[models.namespace[m]].lower())
        if lines is None:
            assert names.family[m] is None
            continue
        line_of = {name: line for line in lines for name in line.names}
        # A developer whose every release is taken repeats one with a number (`albert-base-v2-2`).
        release = names.name[m] if names.name[m] in line_of else re.sub(r"-[0-9]+$", "", names.name[m])
        line = line_of[release]
        assert (names.family[m], real.meta.params[m], real.meta.task[m]) == (
            line.family,
            line.names[release],
            line.task,
        )


def test_names_state_no_architecture_the_metadata_lacks(real):
    """The pipeline also reads mixture-of-experts (`8x7B`, `A3B`, `MoE`) and quantization (`-GGUF`, `-4bit`)
    from names; the demo plants them from metadata and relations, so every name that states one must have it."""
    releases = [(line, name) for lines in RELEASE_LINES.values() for line in lines for name in line.names]
    stated_moe = pl.Series([name.lower() for _, name in releases]).str.contains(MOE_NAME).to_list()
    assert [line.moe for (line, _), stated in zip(releases, stated_moe, strict=True) if stated] == [True] * sum(
        stated_moe
    )
    names = pl.Series([str(i).split("/")[-1].lower() for i in real.artefacts.id_after])
    assert not (names.str.contains(MOE_NAME).to_numpy() & ~real.meta.moe).any()
    assert not (names.str.contains(QUANTIZATION_NAME).to_numpy() & (real.models.relation != QUANTIZED)).any()


def test_derived_models_keep_the_name_of_their_root(real):
    names, models = real.names, real.models
    first = real.lineage.first_parents(len(models))
    derived = np.flatnonzero(models.relation != NO_RELATION)
    assert {int(r) for r in models.relation[derived]} == {FINETUNE, ADAPTER, QUANTIZED, MERGE}
    for m in derived:
        root = m
        while first[root] >= 0:
            root = first[root]
        assert names.name[m].startswith(names.name[root] + "-"), (names.name[m], names.name[root])
        assert names.family[m] == names.family[root]


def test_family_shares_are_each_familys_share_of_all_downloads():
    family = ["Qwen", None, "Qwen", "BERT"]
    downloads = np.array([[0, 10, 20], [0, 30, 0], [0, 0, 20], [0, 60, 60]])
    shares = family_shares(family, downloads, {"all": [1, 2], "first": [1]})
    # Intervals 1 and 2 hold 100 downloads each; Qwen 10 + 40, BERT 60 + 60.
    assert shares == {"BERT": {"all": 0.6, "first": 0.6}, "Qwen": {"all": 0.25, "first": 0.1}}


def test_planted_family_shares_follow_the_family_rule_on_the_snapshots(attribution, tmp_path_factory):
    """Families read from the last id of each model with the pipeline's patterns, downloads differenced
    from `downloadsAllTime` as the panel does: the shares equal `planted.families`."""
    registry, legacy, families = attribution
    out, _, truth = run_with(tmp_path_factory, "real", REAL, registry, legacy)
    rows = all_rows(out).sort("_id", "date")
    steps = (
        rows.with_columns(pl.col("downloadsAllTime").shift(1).over("_id").fill_null(0).alias("before"))
        .with_columns(
            pl.when(pl.col("downloadsAllTime") >= pl.col("before"))  # a fall is a counter reset: count from zero
            .then(pl.col("downloadsAllTime") - pl.col("before"))
            .otherwise(pl.col("downloadsAllTime"))
            .alias("step")
        )
        .filter(pl.col("date") > pl.col("date").min())
    )
    last_ids = rows.group_by("_id").agg(pl.col("id").last())
    family = last_ids.with_columns(family_of(last_ids["id"], families).alias("family")).select("_id", "family")
    steps = steps.join(family, on="_id")
    planted = truth["planted"]["families"]
    assert {"Qwen", "DeepSeek", "Llama", "BERT", "T5"} <= set(planted)
    for period, (lo, hi) in truth["periods"].items():
        inside = steps.filter(pl.col("date").is_between(dt.date.fromisoformat(lo), dt.date.fromisoformat(hi)))
        by_family = dict(inside.group_by("family").agg(pl.col("step").sum()).drop_nulls("family").iter_rows())
        total = inside["step"].sum()
        for name, shares in planted.items():
            assert by_family.get(name, 0) / total == pytest.approx(shares[period], abs=1e-9), (name, period)
        assert set(by_family) <= set(planted)
