"""The committed attribution registry and its loaders: schema, coverage, aliases, and rejection of bad files."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.attribution.registry import (
    CONFIDENCE_LEVELS,
    REGISTRY_COLUMNS,
    OrganizationRegistry,
    RegistryError,
    load_iso_codes,
    load_legacy_ids,
    load_registry,
)
from hubshare.attribution.vocabularies import load_vocabularies

ATTRIBUTION = REPO / "data" / "raw" / "attribution"

# Namespaces that carry much of the Hub's downloads and must be attributed.
REQUIRED_NAMESPACES = [
    "Qwen",
    "deepseek-ai",
    "meta-llama",
    "facebook",
    "FacebookAI",
    "google",
    "google-bert",
    "google-t5",
    "microsoft",
    "openai",
    "openai-community",
    "mistralai",
    "sentence-transformers",
    "BAAI",
    "stabilityai",
    "black-forest-labs",
    "nvidia",
    "Comfy-Org",
    "runwayml",
    "CompVis",
    "laion",
    "EleutherAI",
    "bigscience",
    "allenai",
    "intfloat",
    "jinaai",
    "nomic-ai",
    "Alibaba-NLP",
    "thenlper",
    "THUDM",
    "zai-org",
    "01-ai",
    "internlm",
    "OpenGVLab",
    "baichuan-inc",
    "moonshotai",
    "MiniMaxAI",
    "tencent",
    "baidu",
    "ByteDance",
    "ByteDance-Seed",
    "xai-org",
    "amazon",
    "apple",
    "ibm-granite",
    "ibm",
    "Salesforce",
    "Cohere",
    "CohereForAI",
    "CohereLabs",
    "tiiuae",
    "HuggingFaceTB",
    "HuggingFaceH4",
    "huggingface",
    "distilbert",
    "cross-encoder",
    "pyannote",
    "hexgrad",
    "Systran",
    "lmsys",
    "upstage",
    "LGAI-EXAONE",
    "naver",
    "kakaobrain",
    "rinna",
    "cyberagent",
    "ai4bharat",
    "sarvamai",
    "mosaicml",
    "databricks",
    "Snowflake",
    "unsloth",
    "TheBloke",
    "bartowski",
    "lmstudio-community",
    "mlx-community",
    "QuantFactory",
    "MaziyarPanahi",
    "NousResearch",
    "teknium",
    "cognitivecomputations",
    "openbmb",
    "Helsinki-NLP",
    "dbmdz",
    "deepset",
    "cardiffnlp",
    "nlptown",
    "emilyalsentzer",
    "dmis-lab",
    "j-hartmann",
    "ProsusAI",
    "yiyanghkust",
    "timm",
    "speechbrain",
    "WhereIsAI",
    "mixedbread-ai",
    "Lykon",
    "SG161222",
    "stable-diffusion-v1-5",
    "lllyasviel",
    "h94",
    "KBLab",
    "KB",
    "Kwai-Kolors",
    "Wan-AI",
    "Lightricks",
    "genmo",
    "stepfun-ai",
    "coqui",
    "suno",
    "parler-tts",
    "albert",
    "xlnet",
    "lpiccinelli",
    "argmaxinc",
    "ggml-org",
    "Xenova",
    "DavidAU",
    "dphn",
    "datalab-to",
    "k2-fsa",
    "rhasspy",
    "dots-studio",
    "codellama",
    "hfl",
]

INDIVIDUALS = [
    "TheBloke",
    "bartowski",
    "teknium",
    "MaziyarPanahi",
    "SG161222",
    "Lykon",
    "Xenova",
    "DavidAU",
    "comfyanonymous",
]

ALIASES = {
    "Meta": ["facebook", "FacebookAI", "meta-llama"],
    "Google": ["google", "google-bert", "google-t5"],
    "OpenAI": ["openai", "openai-community"],
    "Zhipu AI": ["THUDM", "zai-org"],
    "Cohere": ["Cohere", "CohereForAI", "CohereLabs"],
    "Alibaba": ["Qwen", "Alibaba-NLP"],
    "ByteDance": ["ByteDance", "ByteDance-Seed"],
    "Cognitive Computations": ["cognitivecomputations", "dphn"],
    "Xiaohongshu": ["rednote-hilab", "dots-studio"],
    "Xiaomi": ["XiaomiMiMo", "k2-fsa"],
}


@pytest.fixture(scope="module")
def vocabularies():
    return load_vocabularies(ATTRIBUTION / "vocabularies.yaml")


@pytest.fixture(scope="module")
def iso_codes():
    return load_iso_codes(ATTRIBUTION / "iso3166_alpha2.csv")


@pytest.fixture(scope="module")
def registry(vocabularies, iso_codes):
    return load_registry(ATTRIBUTION / "organizations.csv", vocabularies, iso_codes)


def by_namespace(registry: pl.DataFrame, namespace: str) -> dict:
    rows = registry.filter(pl.col("namespace_lower") == namespace.lower()).to_dicts()
    assert len(rows) == 1, namespace
    return rows[0]


# --- the committed files ------------------------------------------------------


def test_registry_matches_its_schema(registry):
    OrganizationRegistry.validate(registry)
    assert registry.columns == [*REGISTRY_COLUMNS, "namespace_lower"]
    assert all(dtype == pl.String for dtype in registry.dtypes)
    assert registry.height >= 320


def test_every_schema_field_is_described():
    for name, column in OrganizationRegistry.to_schema().columns.items():
        assert column.description, name


def test_namespaces_unique_ignoring_case(registry):
    assert registry["namespace_lower"].n_unique() == registry.height
    assert registry["namespace_lower"].to_list() == [n.lower() for n in registry["namespace"]]


def test_country_codes_are_iso_or_empty(registry, iso_codes):
    codes = registry["country_code"].drop_nulls()
    assert set(codes) <= iso_codes
    assert "" not in registry["country_code"].to_list()


def test_every_row_has_an_https_source(registry):
    assert registry["source_url"].null_count() == 0
    assert registry["source_url"].str.starts_with("https://").all()


def test_vocabularies_respected(registry, vocabularies):
    assert set(registry["country_group"]) <= set(vocabularies.country_groups) - {"unknown"}
    assert set(registry["developer_type"]) <= set(vocabularies.developer_types) - {"unknown"}
    for row in registry.iter_rows(named=True):
        if row["country_group"] == "unaffiliated_user":
            assert row["country_code"] is None and row["developer_type"] == "unaffiliated_user", row
        else:
            assert row["country_group"] == vocabularies.group_of_country(row["country_code"]), row


@pytest.mark.parametrize("namespace", REQUIRED_NAMESPACES)
def test_required_namespace_present(registry, namespace):
    assert registry.filter(pl.col("namespace_lower") == namespace.lower()).height == 1


@pytest.mark.parametrize("organization, namespaces", ALIASES.items())
def test_alias_namespaces_share_one_organisation(registry, organization, namespaces):
    assert {by_namespace(registry, n)["organization"] for n in namespaces} == {organization}


def test_one_country_and_type_per_organisation(registry):
    per_org = registry.group_by("organization").agg(
        pl.col("country_code").n_unique().alias("codes"), pl.col("developer_type").n_unique().alias("types")
    )
    assert per_org.filter((pl.col("codes") > 1) | (pl.col("types") > 1)).is_empty()


@pytest.mark.parametrize("namespace", INDIVIDUALS)
def test_individuals_are_unaffiliated_users(registry, namespace):
    row = by_namespace(registry, namespace)
    assert (row["country_code"], row["country_group"], row["developer_type"]) == (
        None,
        "unaffiliated_user",
        "unaffiliated_user",
    )


@pytest.mark.parametrize(
    "namespace, code, group",
    [
        ("Qwen", "CN", "china"),
        ("meta-llama", "US", "united_states"),
        ("mistralai", "FR", "france"),
        ("black-forest-labs", "DE", "germany"),
        ("stabilityai", "GB", "united_kingdom"),
        ("tiiuae", "AE", "middle_east"),
        ("CohereLabs", "CA", "canada"),
        ("upstage", "KR", "south_korea"),
        ("rinna", "JP", "japan"),
        ("sarvamai", "IN", "india"),
        ("NbAiLab", "NO", "rest_of_europe"),
        ("EleutherAI", None, "international"),
        ("ggml-org", "BG", "rest_of_europe"),
        ("ytu-ce-cosmos", "TR", "middle_east"),
        ("lpiccinelli", "CH", "rest_of_europe"),
    ],
)
def test_known_headquarters(registry, namespace, code, group):
    row = by_namespace(registry, namespace)
    assert (row["country_code"], row["country_group"]) == (code, group)


def test_every_row_states_a_confidence_level(registry):
    assert set(registry["confidence"]) <= set(CONFIDENCE_LEVELS)
    assert registry["confidence"].null_count() == 0
    # Every best guess says in its note what it rests on.
    assert registry.filter((pl.col("confidence") == "low") & pl.col("note").is_null()).is_empty()


@pytest.mark.parametrize(
    "namespace, confidence",
    # Wikipedia settles Alibaba; a paper's affiliations settle intfloat only indirectly;
    # QuantFactory's members and location are not stated anywhere.
    [("Qwen", "high"), ("intfloat", "medium"), ("QuantFactory", "low")],
)
def test_confidence_of_known_rows(registry, namespace, confidence):
    assert by_namespace(registry, namespace)["confidence"] == confidence


def test_iso_codes_file(iso_codes):
    assert len(iso_codes) == 250  # 249 official codes plus the user-assigned XK
    assert {"US", "CN", "XK", "NA", "NO", "GB"} <= iso_codes  # NA (Namibia) must not be read as missing


def test_vocabulary_codes_are_iso_codes(vocabularies, iso_codes):
    listed = [code for group in vocabularies.country_groups.values() for code in group["countries"]]
    assert set(listed) <= iso_codes
    # YAML 1.1 would read the unquoted `NO` of the file as false.
    assert "NO" in vocabularies.country_groups["rest_of_europe"]["countries"]


@pytest.mark.parametrize(
    "code, group",
    [
        ("US", "united_states"),
        ("CN", "china"),
        ("HK", "china"),
        ("FR", "france"),
        ("NO", "rest_of_europe"),
        ("XK", "rest_of_europe"),
        ("IL", "middle_east"),
        ("BR", "rest_of_world"),
        ("RU", "rest_of_world"),
        (None, "international"),
        ("", "international"),
        (" us ", "united_states"),
    ],
)
def test_group_of_country(vocabularies, code, group):
    assert vocabularies.group_of_country(code) == group


def test_every_iso_code_has_exactly_one_group(vocabularies, iso_codes):
    for code in iso_codes:
        group = vocabularies.group_of_country(code)
        assert group in vocabularies.country_groups
        assert group == "rest_of_world" or code in vocabularies.country_groups[group]["countries"]


def test_legacy_ids_resolve(registry):
    legacy = load_legacy_ids(ATTRIBUTION / "legacy_ids.csv", registry)
    assert legacy.columns == ["model_id", "namespace"]
    assert legacy.height >= 25
    owners = dict(legacy.iter_rows())
    expected = {
        "bert-base-uncased": "google-bert",
        "gpt2": "openai-community",
        "distilgpt2": "distilbert",
        "t5-base": "google-t5",
        "roberta-base": "FacebookAI",
        "xlm-roberta-large": "FacebookAI",
        "distilroberta-base": "distilbert",
        "albert-base-v2": "albert",
        "xlnet-base-cased": "xlnet",
    }
    assert {k: owners[k] for k in expected} == expected
    assert set(legacy["namespace"]) <= set(registry["namespace"])


# --- rejection of bad files ---------------------------------------------------

GOOD_ROW = {
    "namespace": "example-org",
    "organization": "Example",
    "country_code": "US",
    "country_group": "united_states",
    "developer_type": "industry",
    "source_url": "https://example.org/",
    "confidence": "high",
    "note": "",
}


def write_registry(folder: Path, *overrides: dict) -> Path:
    path = folder / "organizations.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow({**GOOD_ROW, "namespace": "anchor-org", "organization": "Anchor"})
        for override in overrides:
            writer.writerow({**GOOD_ROW, **override})
    return path


def rejection(tmp_path, vocabularies, iso_codes, *rows: dict) -> str:
    path = write_registry(tmp_path, *rows)
    with pytest.raises(RegistryError) as caught:
        load_registry(path, vocabularies, iso_codes)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_small_good_registry_loads(tmp_path, vocabularies, iso_codes):
    frame = load_registry(write_registry(tmp_path, {}), vocabularies, iso_codes)
    assert frame["namespace"].to_list() == ["anchor-org", "example-org"]
    assert frame["note"].to_list() == [None, None]


def test_rejects_namespace_differing_only_in_case(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"namespace": "Anchor-Org", "organization": "Anchor"})
    assert "namespace 'Anchor-Org'" in message
    assert "column 'namespace'" in message
    assert "unique ignoring case" in message


def test_rejects_unknown_iso_code(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"country_code": "QQ", "country_group": "rest_of_world"})
    assert "namespace 'example-org'" in message
    assert "column 'country_code'" in message
    assert "'QQ' is not an ISO 3166-1 alpha-2 code" in message


def test_rejects_lower_case_iso_code(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"country_code": "us"})
    assert "namespace 'example-org'" in message and "column 'country_code'" in message


def test_rejects_missing_source_url(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"source_url": ""})
    assert "namespace 'example-org'" in message
    assert "column 'source_url'" in message
    assert "must not be empty" in message


def test_rejects_plain_http_source_url(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"source_url": "http://example.org/"})
    assert "namespace 'example-org'" in message and "column 'source_url'" in message and "https://" in message


def test_rejects_unknown_developer_type(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"developer_type": "startup"})
    assert "namespace 'example-org'" in message
    assert "column 'developer_type'" in message
    assert "'startup' is not an assignable developer type" in message


def test_rejects_group_inconsistent_with_code(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"country_code": "DE", "country_group": "france"})
    assert "namespace 'example-org'" in message
    assert "column 'country_group'" in message
    assert "inconsistent with country_code 'DE'" in message and "'germany'" in message


def test_rejects_unaffiliated_user_with_country(tmp_path, vocabularies, iso_codes):
    message = rejection(
        tmp_path, vocabularies, iso_codes, {"country_group": "unaffiliated_user", "developer_type": "unaffiliated_user"}
    )
    assert "namespace 'example-org'" in message and "column 'country_code'" in message


def test_rejects_reserved_unknown_group(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"country_code": "", "country_group": "unknown"})
    assert "namespace 'example-org'" in message and "column 'country_group'" in message


def test_rejects_unknown_confidence(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"confidence": "certain"})
    assert "namespace 'example-org'" in message
    assert "column 'confidence'" in message
    assert "must be one of high, medium, low" in message and "'certain'" in message


def test_rejects_missing_confidence(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"confidence": ""})
    assert "namespace 'example-org'" in message and "column 'confidence'" in message and "must not be empty" in message


def test_rejects_low_confidence_without_note(tmp_path, vocabularies, iso_codes):
    message = rejection(tmp_path, vocabularies, iso_codes, {"confidence": "low"})
    assert "namespace 'example-org'" in message and "column 'note'" in message and "what the guess rests on" in message


def test_accepts_low_confidence_with_note(tmp_path, vocabularies, iso_codes):
    path = write_registry(tmp_path, {"confidence": "low", "note": "headquarters read from the company's job ads"})
    assert load_registry(path, vocabularies, iso_codes)["confidence"].to_list() == ["high", "low"]


def test_rejects_organisation_with_two_countries(tmp_path, vocabularies, iso_codes):
    message = rejection(
        tmp_path, vocabularies, iso_codes, {"organization": "Anchor", "country_code": "FR", "country_group": "france"}
    )
    assert "organization 'Anchor'" in message and "column 'country_code'" in message


def test_rejects_wrong_header(tmp_path, vocabularies, iso_codes):
    path = tmp_path / "organizations.csv"
    path.write_text("namespace,organisation\nfoo,Foo\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="columns must be exactly"):
        load_registry(path, vocabularies, iso_codes)


def test_lists_every_problem_at_once(tmp_path, vocabularies, iso_codes):
    message = rejection(
        tmp_path,
        vocabularies,
        iso_codes,
        {"namespace": "first-bad", "developer_type": "startup"},
        {"namespace": "second-bad", "source_url": ""},
    )
    assert "namespace 'first-bad' (line 3)" in message and "namespace 'second-bad' (line 4)" in message


@settings(max_examples=50, deadline=None)
@given(flips=st.lists(st.booleans(), min_size=10, max_size=10).filter(any))
def test_any_case_variant_of_a_namespace_collides(tmp_path_factory, vocabularies, iso_codes, flips):
    variant = "".join(c.upper() if flip else c for c, flip in zip("anchor-org", flips, strict=True))
    if variant == "anchor-org":  # flipping '-' changes nothing
        return
    path = write_registry(tmp_path_factory.mktemp("case"), {"namespace": variant, "organization": "Anchor"})
    with pytest.raises(RegistryError, match="unique ignoring case"):
        load_registry(path, vocabularies, iso_codes)


# --- legacy ids and vocabularies: rejection -------------------------------------


def write_legacy(folder: Path, rows: list[tuple[str, str]]) -> Path:
    path = folder / "legacy_ids.csv"
    lines = ["model_id,namespace,source_url,note"] + [f"{m},{n},https://huggingface.co/{n}/{m}," for m, n in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_legacy_rejects_namespace_not_in_registry(tmp_path, registry):
    path = write_legacy(tmp_path, [("gpt2", "openai-community"), ("mystery-model", "no-such-namespace")])
    with pytest.raises(RegistryError) as caught:
        load_legacy_ids(path, registry)
    message = str(caught.value)
    assert str(path) in message and "model_id 'mystery-model'" in message
    assert "column 'namespace'" in message and "not in the organisation registry" in message


def test_legacy_rejects_repeated_model_id(tmp_path, registry):
    path = write_legacy(tmp_path, [("gpt2", "openai-community"), ("GPT2", "openai-community")])
    with pytest.raises(RegistryError, match=r"model_id 'GPT2' \(line 3\): column 'model_id': repeats line 2"):
        load_legacy_ids(path, registry)


def test_legacy_namespace_is_matched_ignoring_case(tmp_path, registry):
    legacy = load_legacy_ids(write_legacy(tmp_path, [("gpt2", "OpenAI-Community")]), registry)
    assert legacy.row(0) == ("gpt2", "openai-community")


def write_vocabulary(
    folder: Path, groups: str, types: str = "  - {id: unaffiliated_user, label: U, definition: d}\n"
) -> Path:
    residual = (
        "  - {id: international, label: I, definition: d, countries: []}\n"
        "  - {id: rest_of_world, label: R, definition: d, countries: []}\n"
        "  - {id: unaffiliated_user, label: U, definition: d, countries: []}\n"
    )
    path = folder / "vocabularies.yaml"
    path.write_text(f'version: "1"\ncountry_groups:\n{groups}{residual}developer_types:\n{types}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "groups, problem",
    [
        (
            "  - {id: a, label: A, definition: d, countries: [US]}\n  - {id: a, label: B, definition: d, countries: [FR]}\n",
            "id is not unique",
        ),
        ("  - {id: a, definition: d, countries: [US]}\n", "'label' is missing"),
        (
            "  - {id: a, label: A, definition: d, countries: [US]}\n  - {id: b, label: B, definition: d, countries: [US]}\n",
            "country code US is listed in two groups",
        ),
        ("  - {id: a, label: A, definition: d, countries: [USA]}\n", "not ISO 3166-1 alpha-2 codes"),
    ],
)
def test_vocabulary_rejections(tmp_path, groups, problem):
    path = write_vocabulary(tmp_path, groups)
    with pytest.raises(ValueError) as caught:
        load_vocabularies(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_vocabulary_keeps_norway_a_string(tmp_path):
    path = write_vocabulary(tmp_path, "  - {id: nordics, label: N, definition: d, countries: [NO, SE]}\n")
    assert load_vocabularies(path).group_of_country("NO") == "nordics"
