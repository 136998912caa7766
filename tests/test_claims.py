"""The claims ledger: the committed claims file, verdicts on hand-built tables, rejection of bad files, the table."""

from __future__ import annotations

import csv
import datetime as dt
import re

import polars as pl
import pytest
import yaml
from conftest import REPO

from hubshare.analysis.property_periods import MULTIPLIER_STATISTICS, share_indicators
from hubshare.attribution.sensitivity import INTERMEDIARY_GROUP
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.claims.ledger import DEMO_NOTE, DataWindow, claims_ledger
from hubshare.claims.metrics import EVALUATORS, ClaimInputs
from hubshare.claims.rendering import ledger_markdown, ledger_source_notes
from hubshare.claims.validation import ClaimsError, load_claims
from hubshare.contracts.json_schemas import CLAIMS_SCHEMA, read_schema

CLAIMS_FILE = REPO / "data" / "raw" / "claims" / "published_claims.yaml"
ATTRIBUTION = REPO / "data" / "raw" / "attribution"

# Every numbered claim of the anchor paper and the press, copied by hand from
# the project's notes of published facts: id -> (published value, unit,
# comparison, metric keys that must match).
NUMBERED_CLAIMS = {
    "paper-models-covered": (851_000, "count", "equal", {"kind": "model_count", "period": "whole_study"}),
    "paper-downloads-covered": (2.2e9, "count", "equal", {"kind": "total_downloads", "period": "whole_study"}),
    "paper-model-size-growth": (
        17,
        "multiplier",
        "equal",
        {"kind": "property_multiplier", "statistic": "mean_params", "first": "<=2022", "last": "2025"},
    ),
    "paper-multimodal-generation-growth": (
        3.4,
        "multiplier",
        "equal",
        {"kind": "property_multiplier", "statistic": "share_multimodal_generation", "first": "<=2022", "last": "2025"},
    ),
    "paper-quantization-growth": (
        5,
        "multiplier",
        "equal",
        {"kind": "property_multiplier", "statistic": "share_quantized", "first": "<=2022", "last": "2025"},
    ),
    "paper-moe-growth": (
        7,
        "multiplier",
        "equal",
        {"kind": "property_multiplier", "statistic": "share_moe", "first": "<=2022", "last": "2025"},
    ),
    "paper-open-weights-surpass-open-source": (
        1,
        "indicator",
        "equal",
        {
            "kind": "property_first_lead",
            "leader": "share_open_weights",
            "trailer": "share_open_source",
            "period": "2025",
            "earlier": ["<=2022", "2023", "2024"],
        },
    ),
    "paper-china-share-last-year": (
        0.171,
        "share",
        "equal",
        {
            "kind": "group_share",
            "view": "uploader",
            "dimension": "country_group",
            "groups": ["china"],
            "period": "last_year",
        },
    ),
    "paper-us-share-last-year": (
        0.158,
        "share",
        "equal",
        {
            "kind": "group_share",
            "view": "uploader",
            "dimension": "country_group",
            "groups": ["united_states"],
            "period": "last_year",
        },
    ),
    "paper-international-anonymous-share-last-year": (
        0.238,
        "share",
        "equal",
        {"kind": "group_share", "period": "last_year"},
    ),
    "press-deepseek-qwen-share": (
        0.142,
        "share",
        "equal",
        {"kind": "family_share", "families": ["DeepSeek", "Qwen"], "period": "last_year"},
    ),
    "press-comfy-share": (
        0.054,
        "share",
        "equal",
        {"kind": "namespace_share", "namespaces": ["Comfy-Org"], "period": "last_year"},
    ),
    "paper-community-share-start": (
        0.30,
        "share",
        "equal",
        {
            "kind": "group_share",
            "dimension": "developer_type",
            "groups": ["unaffiliated_user", "nonprofit"],
            "period": "<=2022",
        },
    ),
    "paper-community-share-end": (
        0.60,
        "share",
        "at_least",
        {
            "kind": "group_share",
            "dimension": "developer_type",
            "groups": ["unaffiliated_user", "nonprofit"],
            "period": "2025",
        },
    ),
    "press-big-three-absent": (
        0,
        "count",
        "equal",
        {
            "kind": "organizations_in_top",
            "organizations": ["OpenAI", "Google", "Meta"],
            "top": 10,
            "period": "last_year",
        },
    ),
    "press-downloads-twelve-months": (2.2e9, "count", "equal", {"kind": "total_downloads", "period": "last_year"}),
    "press-qwen-among-most-popular": (5, "rank", "at_most", {"kind": "family_rank", "family": "Qwen"}),
    "press-china-leads": (1, "rank", "equal", {"kind": "group_rank", "group": "china", "period": "last_year"}),
    "press-us-follows": (2, "rank", "equal", {"kind": "group_rank", "group": "united_states", "period": "last_year"}),
}
# Table 1 of the paper: training data disclosed and available / not disclosed, by period.
TRAINING_DATA = {
    "share_training_data_disclosed": {"<=2022": 0.793, "2023": 0.585, "2024": 0.535, "2025": 0.398},
    "share_training_data_not_disclosed": {"<=2022": 0.098, "2023": 0.234, "2024": 0.316, "2025": 0.431},
}


@pytest.fixture(scope="module")
def committed() -> list[dict]:
    return load_claims(CLAIMS_FILE)


def by_id(claims: list[dict]) -> dict[str, dict]:
    return {claim["id"]: claim for claim in claims}


# --- The committed file --------------------------------------------------------


@pytest.mark.parametrize("claim_id", sorted(NUMBERED_CLAIMS))
def test_committed_file_holds_every_numbered_claim(committed, claim_id):
    value, unit, comparison, metric = NUMBERED_CLAIMS[claim_id]
    claim = by_id(committed)[claim_id]
    assert claim["published_value"] == pytest.approx(value)
    assert (claim["unit"], claim["comparison"]) == (unit, comparison)
    assert {key: claim["metric"][key] for key in metric} == metric


def test_committed_file_holds_the_eight_training_data_shares(committed):
    found = {
        (claim["metric"]["statistic"], claim["metric"]["period"]): claim["published_value"]
        for claim in committed
        if claim["metric"]["kind"] == "property_share"
    }
    expected = {(s, p): v for s, periods in TRAINING_DATA.items() for p, v in periods.items()}
    assert found == pytest.approx(expected)


def test_open_weights_claim_is_about_2025_and_the_press_reading_of_the_total_is_kept_apart(committed):
    claims = by_id(committed)
    assert "2025" in claims["paper-open-weights-surpass-open-source"]["claim"]
    assert claims["paper-downloads-covered"]["metric"]["period"] == "whole_study"
    assert claims["press-downloads-twelve-months"]["metric"]["period"] == "last_year"


def test_every_claim_names_its_source_status_and_a_known_kind(committed):
    for claim in committed:
        assert claim["source"]["type"] in {"paper", "press", "other"}
        assert claim["status"] in {"verified", "reported", "reported-unverified"}
        assert claim["metric"]["kind"] in [*EVALUATORS, "not_testable"]
        if claim["metric"]["kind"] != "not_testable":
            assert claim["tolerance"] is not None


def test_press_claims_are_all_present(committed):
    press = {claim["id"] for claim in committed if claim["source"]["type"] == "press"}
    assert press == {
        "press-china-leads",
        "press-us-follows",
        "press-deepseek-qwen-share",
        "press-big-three-absent",
        "press-comfy-share",
        "press-downloads-twelve-months",
        "press-qwen-among-most-popular",
    }


def test_committed_claims_use_only_names_the_repository_defines(committed):
    """Citation keys, groups, families, namespaces, organisations, statistics and periods must all exist,
    or the ledger would call a misspelled claim untestable."""
    bibliography = set(re.findall(r"^@\w+\{([^,]+),", (REPO / "paper" / "references.bib").read_text(), re.M))
    vocabularies = load_vocabularies(ATTRIBUTION / "vocabularies.yaml")
    groups = {
        "country_group": set(vocabularies.country_groups) | {INTERMEDIARY_GROUP},
        "developer_type": set(vocabularies.developer_types) | {INTERMEDIARY_GROUP},
    }
    with open(ATTRIBUTION / "model_families.csv", newline="") as handle:
        families = {row["family"] for row in csv.DictReader(handle)}
    with open(ATTRIBUTION / "organizations.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    namespaces = {row["namespace"].lower() for row in rows}
    organizations = {row["organization"] for row in rows}
    statistics = set(share_indicators()) | {"mean_params", "median_params", "share_known_size"}
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    periods = {entry["name"] for entry in config["periods"]} | {"whole_study"}

    def named(metric: dict, *keys: str) -> set[str]:
        """Every name under the keys, whether a key holds one name or a list."""
        values = [metric[key] for key in keys if key in metric]
        return {name for value in values for name in ([value] if isinstance(value, str) else value)}

    for claim in committed:
        source, metric = claim["source"], claim["metric"]
        if "cite" in source:
            assert source["cite"] in bibliography, claim["id"]
        if "dimension" in metric:
            assert named(metric, "groups", "group", "exclude") <= groups[metric["dimension"]], claim["id"]
        assert named(metric, "period", "first", "last", "earlier") <= periods, claim["id"]
        assert named(metric, "families", "family") <= families, claim["id"]
        assert {n.lower() for n in named(metric, "namespaces")} <= namespaces, claim["id"]
        assert named(metric, "organizations") <= organizations, claim["id"]
        assert named(metric, "statistic", "leader", "trailer") <= statistics, claim["id"]
        if metric["kind"] == "property_multiplier":
            assert metric["statistic"] in MULTIPLIER_STATISTICS


def test_committed_file_runs_through_the_ledger_without_tables(committed):
    ledger = claims_ledger(committed, ClaimInputs(), source="dir")
    assert ledger.height == len(committed)
    assert set(ledger.get_column("verdict")) == {"not_testable"}
    absent = ledger.filter(pl.col("id") == "press-deepseek-qwen-share").get_column("reason").item()
    assert absent == "The family shares table is absent from this run."


# --- Verdicts on hand-built tables ----------------------------------------------


def make_claims(tmp_path, *entries: dict) -> list[dict]:
    """Write entries (a claim's keys; defaults fill the rest) to a claims file and load it."""
    base = {
        "claim": "A claim.",
        "source": {"type": "paper", "cite": "key"},
        "status": "reported",
        "published_value": 0.171,
        "unit": "share",
        "window": "last_year",
        "window_dates": {"start": "2024-09-01", "end": "2025-08-31"},
        "definition": "A reading.",
        "tolerance": 0.02,
    }
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump([base | entry for entry in entries], sort_keys=False))
    return load_claims(path)


def china_share(period: str = "last_year") -> dict:
    return {
        "kind": "group_share",
        "view": "uploader",
        "dimension": "country_group",
        "groups": ["china"],
        "period": period,
    }


def shares(*rows: tuple[str, str, float], view: str = "uploader", dimension: str = "country_group") -> pl.DataFrame:
    return pl.DataFrame(
        [{"view": view, "dimension": dimension, "group": g, "period": p, "share": s} for g, p, s in rows]
    )


COUNTRY_SHARES = shares(
    ("china", "last_year", 0.18),
    ("united_states", "last_year", 0.16),
    ("unaffiliated_user", "last_year", 0.50),
    ("international", "last_year", 0.05),
    ("germany", "last_year", 0.11),
    ("china", "2024", 0.10),
    ("united_states", "2024", 0.25),
)


def verdicts(ledger: pl.DataFrame) -> dict[str, tuple]:
    return {row["id"]: (row["ours"], row["verdict"]) for row in ledger.iter_rows(named=True)}


def test_share_within_tolerance_is_reproduced_and_outside_differs(tmp_path):
    # 0.18 vs 0.171: 0.9 pp; vs 0.20: 2.0 pp exactly (the edge, kept); vs 0.21: 3.0 pp.
    claims = make_claims(
        tmp_path,
        {"id": "near", "metric": china_share()},
        {"id": "edge", "published_value": 0.20, "metric": china_share()},
        {"id": "far", "published_value": 0.21, "metric": china_share()},
    )
    ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert verdicts(ledger) == {
        "near": (0.18, "reproduced"),
        "edge": (0.18, "reproduced"),
        "far": (0.18, "differs"),
    }
    near = ledger.filter(pl.col("id") == "near").get_column("reason").item()
    assert near == "Ours 18.0%, published 17.1%, difference +0.9 pp; tolerance 2.0 pp."


def test_shares_of_several_groups_are_summed(tmp_path):
    # international 0.05 + unaffiliated 0.50 = 0.55.
    metric = china_share() | {"groups": ["international", "unaffiliated_user"]}
    claims = make_claims(tmp_path, {"id": "sum", "published_value": 0.238, "metric": metric})
    ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert verdicts(ledger)["sum"] == (pytest.approx(0.55), "differs")


def test_absent_period_table_and_group_are_not_testable_with_the_data_reason(tmp_path):
    claims = make_claims(
        tmp_path,
        {"id": "no-period", "metric": china_share("2023")},
        {"id": "no-group", "metric": china_share() | {"groups": ["chinaa"]}},
        {"id": "no-view", "metric": china_share() | {"view": "derived"}},
        {"id": "no-table", "metric": {"kind": "family_share", "families": ["Qwen"], "period": "last_year"}},
        {"id": "said-so", "published_value": None, "metric": {"kind": "not_testable", "reason": "Outside the window."}},
    )
    ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert set(ledger.get_column("verdict")) == {"not_testable"}
    assert ledger.get_column("ours").null_count() == 5
    assert dict(zip(ledger["id"], ledger["reason"], strict=True)) == {
        "no-period": "The period '2023' has no downloads in this source.",
        "no-group": "The group(s) 'chinaa' never appear(s) in view 'uploader', dimension 'country_group'.",
        "no-view": "The period shares table has no view 'derived' with dimension 'country_group'.",
        "no-table": "The family shares table is absent from this run.",
        "said-so": "Outside the window.",
    }


def test_a_group_without_a_row_in_a_period_it_appears_elsewhere_counts_zero(tmp_path):
    # germany appears in last_year only: its 2024 share is 0, so a 2024 claim of 0.01 is 1 pp off.
    metric = china_share("2024") | {"groups": ["germany"]}
    claims = make_claims(tmp_path, {"id": "zero", "published_value": 0.01, "metric": metric})
    ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert verdicts(ledger)["zero"] == (0.0, "reproduced")


def test_share_change_and_bounds(tmp_path):
    # US 0.25 in 2024 -> 0.16 in last_year: change -0.09, which is at most 0.
    change = {
        "kind": "group_share_change",
        "view": "uploader",
        "dimension": "country_group",
        "groups": ["united_states"],
        "first": "2024",
        "last": "last_year",
    }
    claims = make_claims(
        tmp_path,
        {
            "id": "falls",
            "published_value": 0,
            "unit": "share_change",
            "comparison": "at_most",
            "tolerance": 0,
            "metric": change,
        },
        {
            "id": "rises",
            "published_value": 0,
            "unit": "share_change",
            "comparison": "at_least",
            "tolerance": 0,
            "metric": change,
        },
        # unaffiliated 0.50 against "over 51%": 1 pp short, within 2 pp; against "over 53%": 3 pp short.
        {
            "id": "over-51",
            "published_value": 0.51,
            "comparison": "at_least",
            "metric": china_share() | {"groups": ["unaffiliated_user"]},
        },
        {
            "id": "over-53",
            "published_value": 0.53,
            "comparison": "at_least",
            "metric": china_share() | {"groups": ["unaffiliated_user"]},
        },
    )
    ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert verdicts(ledger) == {
        "falls": (pytest.approx(-0.09), "reproduced"),
        "rises": (pytest.approx(-0.09), "differs"),
        "over-51": (0.50, "reproduced"),
        "over-53": (0.50, "differs"),
    }


def test_group_rank_leaves_out_excluded_groups(tmp_path):
    # Without unaffiliated users (0.50): china 0.18 first, united_states 0.16 second, germany 0.11 third.
    rank = {
        "kind": "group_rank",
        "view": "uploader",
        "dimension": "country_group",
        "period": "last_year",
        "exclude": ["unaffiliated_user", "international"],
    }
    claims = make_claims(
        tmp_path,
        {
            "id": "china-first",
            "published_value": 1,
            "unit": "rank",
            "tolerance": 0,
            "metric": rank | {"group": "china"},
        },
        {
            "id": "germany-first",
            "published_value": 1,
            "unit": "rank",
            "tolerance": 0,
            "metric": rank | {"group": "germany"},
        },
        {
            "id": "china-with-users",
            "published_value": 1,
            "unit": "rank",
            "tolerance": 0,
            "metric": rank | {"group": "china", "exclude": []},
        },
    )
    ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert verdicts(ledger) == {
        "china-first": (1.0, "reproduced"),
        "germany-first": (3.0, "differs"),
        "china-with-users": (2.0, "differs"),
    }


FAMILIES = pl.DataFrame(
    {
        "family": ["Llama", "Qwen", "BERT", "DeepSeek", "Gemma", "Mistral", "Qwen"],
        "period": ["last_year"] * 6 + ["2023"],
        "share": [0.12, 0.10, 0.09, 0.04, 0.03, 0.02, 0.01],
    }
)


def test_family_share_sums_families_and_family_rank_honours_at_most(tmp_path):
    # DeepSeek 0.04 + Qwen 0.10 = 0.14 against 0.142; Qwen ranks 2nd (after Llama), within a top 5 but not a top 1.
    claims = make_claims(
        tmp_path,
        {
            "id": "pair",
            "published_value": 0.142,
            "metric": {"kind": "family_share", "families": ["DeepSeek", "Qwen"], "period": "last_year"},
        },
        {
            "id": "top-5",
            "published_value": 5,
            "unit": "rank",
            "comparison": "at_most",
            "tolerance": 0,
            "metric": {"kind": "family_rank", "family": "Qwen", "period": "last_year"},
        },
        {
            "id": "top-1",
            "published_value": 1,
            "unit": "rank",
            "comparison": "at_most",
            "tolerance": 0,
            "metric": {"kind": "family_rank", "family": "Qwen", "period": "last_year"},
        },
        {
            "id": "no-2024",
            "published_value": 5,
            "unit": "rank",
            "comparison": "at_most",
            "tolerance": 0,
            "metric": {"kind": "family_rank", "family": "Qwen", "period": "2024"},
        },
    )
    ledger = claims_ledger(claims, ClaimInputs(family_shares=FAMILIES), source="dir")
    assert verdicts(ledger) == {
        "pair": (pytest.approx(0.14), "reproduced"),
        "top-5": (2.0, "reproduced"),
        "top-1": (2.0, "differs"),
        "no-2024": (None, "not_testable"),
    }


NAMESPACES = pl.DataFrame(
    {
        "namespace": ["some-user", "Qwen", "google", "facebook", "meta-llama", "openai", "comfy-org"],
        "organization": [None, "Alibaba", "Google", "Meta", "Meta", "OpenAI", "Comfy Org"],
        "period": ["last_year"] * 7,
        "share": [0.30, 0.20, 0.10, 0.06, 0.05, 0.01, 0.055],
    }
)


def test_organisations_sum_their_namespaces_before_ranking(tmp_path):
    # Organisations: some-user 0.30 (#1), Alibaba 0.20 (#2), Meta 0.06 + 0.05 = 0.11 (#3), Google 0.10 (#4),
    # Comfy Org 0.055 (#5), OpenAI 0.01 (#6). Top 3 holds Meta only; top 2 holds none of the three.
    top = {"kind": "organizations_in_top", "organizations": ["OpenAI", "Google", "Meta"], "period": "last_year"}
    claims = make_claims(
        tmp_path,
        {"id": "top-3", "published_value": 0, "unit": "count", "tolerance": 0, "metric": top | {"top": 3}},
        {"id": "top-2", "published_value": 0, "unit": "count", "tolerance": 0, "metric": top | {"top": 2}},
        # The Hub ignores case in namespaces, so Comfy-Org matches comfy-org: 0.055 against 0.054.
        {
            "id": "comfy",
            "published_value": 0.054,
            "metric": {"kind": "namespace_share", "namespaces": ["Comfy-Org"], "period": "last_year"},
        },
    )
    ledger = claims_ledger(claims, ClaimInputs(namespace_shares=NAMESPACES), source="dir")
    assert verdicts(ledger) == {
        "top-3": (1.0, "differs"),
        "top-2": (0.0, "reproduced"),
        "comfy": (pytest.approx(0.055), "reproduced"),
    }
    reason = ledger.filter(pl.col("id") == "top-3").get_column("reason").item()
    assert reason.endswith("Ranks among organisations in last_year: OpenAI #6, Google #4, Meta #3.")


def property_table(rows: dict[tuple[str, str], float], downloads: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"period": p, "statistic": s, "estimate": v, "downloads": downloads[p]} for (p, s), v in rows.items()]
    )


def test_property_share_and_first_lead(tmp_path):
    # Open weights minus open source: -0.2 (<=2022), -0.1 (2023), +0.1 (2025): first ahead in 2025.
    # In the second table it is already ahead in 2023 (+0.1), so 2025 is not the first time.
    first_time = property_table(
        {
            ("<=2022", "share_open_weights"): 0.4,
            ("<=2022", "share_open_source"): 0.6,
            ("2023", "share_open_weights"): 0.45,
            ("2023", "share_open_source"): 0.55,
            ("2025", "share_open_weights"): 0.55,
            ("2025", "share_open_source"): 0.45,
            ("2025", "share_training_data_disclosed"): 0.41,
            ("2024", "share_training_data_disclosed"): None,
        },
        {"<=2022": 100, "2023": 100, "2024": 0, "2025": 100},
    )
    earlier = first_time.with_columns(
        pl.when((pl.col("period") == "2023") & (pl.col("statistic") == "share_open_weights"))
        .then(0.55)
        .when((pl.col("period") == "2023") & (pl.col("statistic") == "share_open_source"))
        .then(0.45)
        .otherwise(pl.col("estimate"))
        .alias("estimate")
    )
    lead = {
        "kind": "property_first_lead",
        "leader": "share_open_weights",
        "trailer": "share_open_source",
        "period": "2025",
        "earlier": ["<=2022", "2023"],
    }
    claims = make_claims(
        tmp_path,
        {"id": "first-lead", "published_value": 1, "unit": "indicator", "tolerance": 0, "metric": lead},
        {
            "id": "disclosed-2025",
            "published_value": 0.398,
            "metric": {"kind": "property_share", "statistic": "share_training_data_disclosed", "period": "2025"},
        },
        {
            "id": "disclosed-2024",
            "published_value": 0.535,
            "metric": {"kind": "property_share", "statistic": "share_training_data_disclosed", "period": "2024"},
        },
    )
    ledger = claims_ledger(claims, ClaimInputs(property_periods=first_time), source="dir")
    assert verdicts(ledger) == {
        "first-lead": (1.0, "reproduced"),
        "disclosed-2025": (0.41, "reproduced"),  # 1.2 pp off
        "disclosed-2024": (None, "not_testable"),  # the period has rows but no downloads
    }
    assert ledger.filter(pl.col("id") == "disclosed-2024")["reason"].item() == (
        "The period '2024' has no downloads in this source."
    )
    later = claims_ledger(claims[:1], ClaimInputs(property_periods=earlier), source="dir")
    assert verdicts(later) == {"first-lead": (0.0, "differs")}


def test_multiplier_tolerance_is_relative(tmp_path):
    # 17x with 25%: anything from 12.75 to 21.25 reproduces; 13.0 does, 12.5 does not. A null multiplier
    # (the first period's estimate is zero) is not testable.
    table = pl.DataFrame(
        {
            "statistic": ["mean_params", "share_quantized", "share_moe"],
            "first_period": ["<=2022"] * 3,
            "last_period": ["2025"] * 3,
            "multiplier": [13.0, 12.5, None],
        }
    )
    multiplier = {"kind": "property_multiplier", "first": "<=2022", "last": "2025"}
    claims = make_claims(
        tmp_path,
        *(
            {
                "id": s,
                "published_value": 17,
                "unit": "multiplier",
                "tolerance": 0.25,
                "metric": multiplier | {"statistic": s},
            }
            for s in ("mean_params", "share_quantized", "share_moe", "share_multimodal_generation")
        ),
    )
    ledger = claims_ledger(claims, ClaimInputs(property_multipliers=table), source="dir")
    assert verdicts(ledger) == {
        "mean_params": (13.0, "reproduced"),
        "share_quantized": (12.5, "differs"),
        "share_moe": (None, "not_testable"),
        "share_multimodal_generation": (None, "not_testable"),
    }
    assert ledger["reason"][0] == (
        "Ours 13.0x, published 17.0x, difference \u221224% of the published value; "
        "tolerance 25% of the published value."
    )


def test_totals_count_downloads_and_models(tmp_path):
    totals = pl.DataFrame(
        {
            "period": ["whole_study", "last_year", "2023"],
            "downloads": [2_230_000_000, 990_000_000, 0],
            "models": [850_600, 500_000, 0],
        }
    )
    claims = make_claims(
        tmp_path,
        # 2.23 billion is within 0.05 billion of 2.2 billion; 851,000 - 850,600 = 400 <= 500.
        {
            "id": "all",
            "published_value": 2.2e9,
            "unit": "count",
            "tolerance": 5e7,
            "metric": {"kind": "total_downloads", "period": "whole_study"},
        },
        {
            "id": "twelve-months",
            "published_value": 2.2e9,
            "unit": "count",
            "tolerance": 5e7,
            "metric": {"kind": "total_downloads", "period": "last_year"},
        },
        {
            "id": "models",
            "published_value": 851_000,
            "unit": "count",
            "tolerance": 500,
            "metric": {"kind": "model_count", "period": "whole_study"},
        },
        {
            "id": "empty",
            "published_value": 10,
            "unit": "count",
            "tolerance": 0,
            "metric": {"kind": "model_count", "period": "2023"},
        },
    )
    ledger = claims_ledger(claims, ClaimInputs(totals=totals), source="dir")
    assert verdicts(ledger) == {
        "all": (2.23e9, "reproduced"),
        "twelve-months": (9.9e8, "differs"),
        "models": (850_600.0, "reproduced"),
        "empty": (None, "not_testable"),
    }
    # A top list cannot say how many models or downloads the Hub has.
    listed = claims_ledger(
        claims,
        ClaimInputs(totals=totals),
        source="api-json",
        frame={"kind": "list", "description": "the 600 most liked or downloaded models"},
    )
    assert {verdict for _, verdict in verdicts(listed).values()} == {"not_testable"}
    assert "the 600 most liked or downloaded models, not the whole Hub" in listed["reason"][0]


def days(start: str, end: str) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def test_a_claim_whose_window_the_data_do_not_cover_is_not_compared(tmp_path):
    # A claim about Sep 2024 - Aug 2025 (make_claims' window) on a few weeks of 2026, whose last year is
    # the last 365 days of data: the period's share exists (0.18) but speaks of another window.
    claims = make_claims(tmp_path, {"id": "china", "metric": china_share()})
    sample = DataWindow(*days("2026-01-14", "2026-02-10"), {"last_year": days("2025-02-11", "2026-02-10")})
    row = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), "api-json", window=sample).row(0, named=True)
    assert (row["verdict"], row["ours"]) == ("window_not_covered", None)
    assert row["reason"].startswith(
        "The claim speaks of 2024-09-01 to 2025-08-31; this build's data cover 2026-01-14 to 2026-02-10, "
        "and the period(s) last_year hold 2026-01-14 to 2026-02-10 of them."
    )
    # The same share on data that reach within a month of both ends of the window is compared.
    for last_day, verdict in (("2025-07-31", "reproduced"), ("2025-07-30", "window_not_covered")):
        demo = DataWindow(*days("2020-06-04", last_day), {"last_year": days("2024-09-01", "2025-08-31")})
        ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), "dir", window=demo)
        assert ledger["verdict"].item() == verdict, last_day
    # A build without a single download interval covers no window.
    empty = DataWindow(None, None, {"last_year": days("2024-09-01", "2025-08-31")})
    reason = claims_ledger(claims, ClaimInputs(), "dir", window=empty)["reason"].item()
    assert "this build counts no download interval, and the period(s) last_year hold no day" in reason


def test_a_change_needs_data_at_both_ends_and_the_whole_study_is_the_data(tmp_path):
    change = {
        "kind": "group_share_change",
        "view": "uploader",
        "dimension": "country_group",
        "groups": ["china"],
        "first": "2024",
        "last": "last_year",
    }
    claims = make_claims(
        tmp_path,
        {"id": "change", "unit": "share_change", "published_value": 0.08, "metric": change}
        | {"window_dates": {"start": "2024-01-01", "end": "2025-08-31"}},
        {"id": "total", "unit": "count", "published_value": 2.2e9, "tolerance": 5e7}
        | {"metric": {"kind": "total_downloads", "period": "whole_study"}}
        | {"window_dates": {"start": "2020-06-01", "end": "2025-08-31"}},
        {"id": "unknown", "metric": china_share("2031")},
        {"id": "undated", "window_dates": None, "published_value": None, "tolerance": None}
        | {"metric": {"kind": "not_testable", "reason": "No table."}},
    )
    periods = {"2024": days("2024-01-01", "2024-12-31"), "last_year": days("2024-09-01", "2025-08-31")}
    late = DataWindow(*days("2024-06-05", "2025-08-27"), periods)
    found = verdicts(claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), "dir", window=late))
    assert found["change"] == (None, "window_not_covered")  # 2024 starts in June in these data
    assert found["total"] == (None, "window_not_covered")  # the data start four years after the window
    # A period the build does not define is the metric's to report; a claim with no value is never compared.
    assert found["unknown"] == (None, "not_testable") and found["undated"] == (None, "not_testable")
    full = DataWindow(*days("2020-06-04", "2025-08-27"), periods)
    found = verdicts(claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), "dir", window=full))
    assert found["change"] == (pytest.approx(0.08), "reproduced")


def test_on_the_demo_source_every_reason_says_the_data_are_synthetic(tmp_path, committed):
    claims = make_claims(
        tmp_path,
        {"id": "tested", "metric": china_share()},
        {"id": "untestable", "metric": china_share("2023")},
    )
    demo = claims_ledger([*claims, *committed], ClaimInputs(period_shares=COUNTRY_SHARES), source="demo")
    assert all(reason.startswith(DEMO_NOTE) for reason in demo.get_column("reason"))
    assert verdicts(demo)["tested"] == (0.18, "reproduced")
    real = claims_ledger([*claims, *committed], ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert not any(DEMO_NOTE in reason for reason in real.get_column("reason"))


def test_ledger_columns(tmp_path):
    claims = make_claims(tmp_path, {"id": "one", "metric": china_share()})
    ledger = claims_ledger(claims, ClaimInputs(period_shares=COUNTRY_SHARES), source="dir")
    assert ledger.columns[:9] == ["id", "claim", "source", "status", "published", "ours", "window", "verdict", "reason"]
    assert ledger.row(0, named=True)["source"] == "paper [@key]"


# --- Bad inputs -------------------------------------------------------------------


def test_unknown_kind_is_rejected_naming_the_claim_the_key_and_the_known_kinds(tmp_path):
    with pytest.raises(
        ClaimsError, match=r"claims.yaml: claim 'odd': key 'metric.kind': found \"guess\"; allowed: group_share, "
    ):
        make_claims(tmp_path, {"id": "odd", "metric": {"kind": "guess", "period": "2023"}})


def test_duplicate_id_is_rejected(tmp_path):
    with pytest.raises(ClaimsError, match=r"claim 'twice': key 'id': repeats claim 1"):
        make_claims(tmp_path, {"id": "twice", "metric": china_share()}, {"id": "twice", "metric": china_share()})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"metric": {"kind": "group_share", "view": "uploader", "dimension": "country_group", "groups": ["china"]}},
            r"key 'metric.period': is missing \(kind group_share needs it\)",
        ),
        (
            {"metric": china_share() | {"period": 2023}},
            r"key 'metric.period': found 2023; allowed: a period name as a non-empty string \(quote",
        ),
        ({"metric": china_share() | {"groups": []}}, r"key 'metric.groups': found \[\]; allowed: a non-empty list"),
        (
            {"metric": china_share() | {"families": ["Qwen"]}},
            r"key 'metric.families': is not a key of kind group_share \(use kind, view, dimension, groups, period\)",
        ),
        ({"tolerance": None, "metric": china_share()}, r"key 'tolerance': found null; allowed: a number of at least 0"),
        (
            {"unit": "rank", "metric": china_share()},
            r"key 'unit': found \"rank\"; allowed: share \(the unit of kind group_share\)",
        ),
        (
            {"status": "rumoured", "metric": china_share()},
            r"key 'status': found \"rumoured\"; allowed: verified, reported, reported-unverified",
        ),
        ({"source": {"type": "paper"}, "metric": china_share()}, r"key 'source': found .*; allowed: .*exactly one of"),
        ({"published_value": None, "metric": china_share()}, r"key 'published_value': found null; allowed: a number"),
        ({"published_value": float("nan"), "metric": china_share()}, r"key 'published_value': found NaN"),
        (
            {
                "metric": {"kind": "organizations_in_top", "organizations": ["Meta"], "top": 0, "period": "2023"},
                "unit": "count",
            },
            r"key 'metric.top': found 0; allowed: a whole number of at least 1",
        ),
        (
            {"metric": {"kind": "not_testable", "reason": "No table."}, "published_value": 3, "unit": None},
            r"key 'unit': found null; allowed: a unit \(a claim with a published value needs one\)",
        ),
        (
            {"window_dates": {"start": "2025-02-30", "end": "2025-08-31"}, "metric": china_share()},
            r"key 'window_dates.start': found \"2025-02-30\"; allowed: a calendar date",
        ),
        (
            {"window_dates": None, "metric": china_share()},
            r"key 'window_dates': found null; allowed: .*a compared claim needs its window as dates",
        ),
        ({"colour": "red", "metric": china_share()}, r"key 'colour': is not a key of a claim \(use id, claim,"),
        ({"claim": "  ", "metric": china_share()}, r"key 'claim': found \"  \"; allowed: a non-empty string"),
    ],
)
def test_broken_rules_name_the_file_the_claim_the_key_what_was_found_and_what_is_allowed(tmp_path, entry, message):
    with pytest.raises(ClaimsError, match=r"claims.yaml: claim 'bad': " + message):
        make_claims(tmp_path, {"id": "bad"} | entry)


def test_a_claim_without_an_id_is_named_by_its_position_and_every_break_is_listed(tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump([{"claim": "No id."}, "text"]))
    with pytest.raises(ClaimsError) as error:
        load_claims(path)
    lines = str(error.value).splitlines()
    assert f"{path}: claim 1: key 'id': is missing (a claim needs it)" in lines
    assert f"{path}: claim 1: key 'metric': is missing (a claim needs it)" in lines
    assert lines[-1] == f'{path}: claim 2: found "text"; allowed: a claim'
    path.write_text("a: 1")
    with pytest.raises(ClaimsError, match=r"the file: found \{\"a\": 1\}; allowed: a YAML list of claims"):
        load_claims(path)


def test_defaults_come_from_the_schema(tmp_path):
    schema = read_schema(CLAIMS_SCHEMA)
    (claim,) = make_claims(
        tmp_path,
        {
            "id": "rank",
            "unit": "rank",
            "tolerance": 0,
            "metric": {"kind": "group_rank", "view": "uploader"}
            | {"dimension": "country_group", "group": "china", "period": "last_year"},
        },
    )
    assert claim["comparison"] == schema["$defs"]["claim"]["properties"]["comparison"]["default"] == "equal"
    assert claim["metric"]["exclude"] == schema["$defs"]["group_rank"]["properties"]["exclude"]["default"] == []
    (untested,) = make_claims(
        tmp_path,
        {"id": "none", "published_value": None, "tolerance": None, "window_dates": None}
        | {"metric": {"kind": "not_testable", "reason": "No table."}},
    )
    assert untested["unit"] == "share" and untested["window_dates"] is None


def test_every_key_of_the_claims_schema_is_described():
    def described(schema: dict, where: str):
        for key, sub in schema.get("properties", {}).items():
            assert sub.get("description"), f"{where}.{key} has no description"
            described(sub, f"{where}.{key}")

    definitions = read_schema(CLAIMS_SCHEMA)["$defs"]
    for name, definition in definitions.items():
        if not name.startswith("is_"):  # the kind tests of the `if`s name no key of their own
            described(definition, name)
    kinds = definitions["claim"]["properties"]["metric"]["properties"]["kind"]["enum"]
    assert kinds == [*EVALUATORS, "not_testable"] and all(kind in definitions for kind in kinds)


def test_tables_with_a_missing_column_or_a_repeated_key_are_refused():
    with pytest.raises(ValueError, match=r"the family_shares table lacks the column\(s\) share"):
        ClaimInputs(family_shares=pl.DataFrame({"family": ["Qwen"], "period": ["2023"]}))
    with pytest.raises(ValueError, match=r"the totals table repeats the key \(period\) = \('2023',\)"):
        ClaimInputs(totals=pl.DataFrame({"period": ["2023", "2023"], "downloads": [1, 2], "models": [1, 1]}))


# --- The manuscript table -----------------------------------------------------------


def test_markdown_table_shape_and_formats(tmp_path):
    multipliers = pl.DataFrame(
        {"statistic": ["mean_params"], "first_period": ["<=2022"], "last_period": ["2025"], "multiplier": [16.96]}
    )
    claims = make_claims(
        tmp_path,
        {"id": "share", "claim": "China | 17.1%", "metric": china_share()},
        {
            "id": "size",
            "published_value": 17,
            "unit": "multiplier",
            "tolerance": 0.25,
            "metric": {"kind": "property_multiplier", "statistic": "mean_params", "first": "<=2022", "last": "2025"},
        },
        {"id": "over", "published_value": 0.6, "comparison": "at_least", "metric": china_share()},
        {
            "id": "rank",
            "published_value": 5,
            "unit": "rank",
            "comparison": "at_most",
            "tolerance": 0,
            "metric": {"kind": "family_rank", "family": "Qwen", "period": "last_year"},
        },
    )
    inputs = ClaimInputs(period_shares=COUNTRY_SHARES, property_multipliers=multipliers)
    lines = ledger_markdown(claims_ledger(claims, inputs, source="dir")).splitlines()
    assert len(lines) == 2 + 4
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["Claim and source", "Window", "Published", "Ours", "Verdict"]
    assert re.fullmatch(r"\|(:-+\||-+:\|){5}", lines[1])
    # Escaped pipes split no cell: every row has the header's five cells.
    assert all(len(re.split(r"(?<!\\)\|", line)) == 7 for line in lines)
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[2:]]
    # The source follows the claim: a citation for a bibliography key.
    assert cells[0][0] == "China \\| 17.1% [@key]"
    assert [row[2:5] for row in cells] == [
        ["17.1%", "18.0%", "reproduced"],
        ["17.0x", "17.0x", "reproduced"],
        ["\u2265 60.0%", "18.0%", "differs"],
        ["top 5", "", "not testable"],
    ]


def test_sources_without_a_bibliography_key_get_one_note_letter_each():
    ledger = pl.DataFrame(
        {
            "claim": ["A.", "B.", "C.", "D."],
            "source": ["press: Some newspaper", "other: An analysis", "press: Some newspaper", "paper [@key]"],
            "window": ["2025"] * 4,
            "published": [None] * 4,
            "ours": [None] * 4,
            "unit": [None] * 4,
            "comparison": ["equal"] * 4,
            "verdict": ["not_testable"] * 4,
        },
        schema_overrides={"published": pl.Float64, "ours": pl.Float64, "unit": pl.String},
    )
    claims = [line.split("|")[1].strip() for line in ledger_markdown(ledger).splitlines()[2:]]
    assert claims == ["A. (press, note a)", "B. (other, note b)", "C. (press, note a)", "D. [@key]"]
    assert ledger_source_notes(ledger) == "Notes: (a) Some newspaper; (b) An analysis."
    assert ledger_source_notes(ledger.filter(pl.col("source") == "paper [@key]")) == ""
