"""Model families: the committed patterns on hand-picked ids, the priority rule, and rejection of bad files."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.attribution.families import FAMILY_COLUMNS, ModelFamilies, family_of, load_families
from hubshare.attribution.registry import (
    NAMESPACE_PATTERN,
    RegistryError,
    load_iso_codes,
    load_registry,
)
from hubshare.attribution.vocabularies import load_vocabularies

ATTRIBUTION = REPO / "data" / "raw" / "attribution"

REQUIRED_FAMILIES = {
    "Qwen": "Qwen",
    "Llama": "meta-llama",
    "DeepSeek": "deepseek-ai",
    "Gemma": "google",
    "Mistral": "mistralai",
    "Phi": "microsoft",
    "BERT": "google-bert",
    "RoBERTa": "FacebookAI",
    "T5": "google-t5",
    "GPT-2": "openai-community",
    "Whisper": "openai",
    "CLIP": "openai",
    "FLUX": "black-forest-labs",
    "Stable Diffusion": "stabilityai",
    "SDXL": "stabilityai",
    "Falcon": "tiiuae",
    "Yi": "01-ai",
    "GLM": "zai-org",
    "InternLM": "internlm",
    "Baichuan": "baichuan-inc",
    "Kimi": "moonshotai",
    "MiniMax": "MiniMaxAI",
    "Granite": "ibm-granite",
    "Nemotron": "nvidia",
    "OLMo": "allenai",
    "SmolLM": "HuggingFaceTB",
    "sentence-transformers": "sentence-transformers",
    "BGE": "BAAI",
    "E5": "intfloat",
    "GTE": "Alibaba-NLP",
    "Jina": "jinaai",
    "Nomic": "nomic-ai",
    "Wan": "Wan-AI",
    "HunyuanVideo": "tencent",
    "Kokoro": "hexgrad",
}


@pytest.fixture(scope="module")
def registry():
    vocabularies = load_vocabularies(ATTRIBUTION / "vocabularies.yaml")
    return load_registry(
        ATTRIBUTION / "organizations.csv", vocabularies, load_iso_codes(ATTRIBUTION / "iso3166_alpha2.csv")
    )


@pytest.fixture(scope="module")
def families(registry):
    return load_families(ATTRIBUTION / "model_families.csv", registry)


def families_frame(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """A hand-built families table from (family, pattern, priority) rows."""
    return pl.DataFrame(
        {
            "family": [family for family, _, _ in rows],
            "developer_namespace": ["example-org"] * len(rows),
            "pattern": [pattern for _, pattern, _ in rows],
            "priority": [priority for _, _, priority in rows],
            "source_url": ["https://example.org/"] * len(rows),
            "note": [None] * len(rows),
        },
        schema={
            "family": pl.String,
            "developer_namespace": pl.String,
            "pattern": pl.String,
            "priority": pl.Int64,
            "source_url": pl.String,
            "note": pl.String,
        },
    )


def one_family(model_id: str | None, families: pl.DataFrame) -> str | None:
    return family_of(pl.Series([model_id], dtype=pl.String), families).item()


# --- the committed file --------------------------------------------------------


def test_committed_file_matches_its_schema(families):
    ModelFamilies.validate(families)
    assert families.columns == FAMILY_COLUMNS
    assert families["priority"].dtype == pl.Int64


def test_required_families_and_their_developers(families):
    developers = dict(families.select("family", "developer_namespace").unique().iter_rows())
    assert {family: developers.get(family) for family in REQUIRED_FAMILIES} == REQUIRED_FAMILIES


def test_one_family_per_priority_value(families):
    assert families.group_by("priority").agg(pl.col("family").n_unique()).get_column("family").max() == 1


@pytest.mark.parametrize(
    "model_id, family",
    [
        ("Qwen/Qwen2.5-7B", "Qwen"),
        ("Qwen/QwQ-32B", "Qwen"),
        ("bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen"),  # the uploader never decides
        ("unsloth/Llama-3.2-1B-Instruct-bnb-4bit", "Llama"),
        # Distillations into a base continue the base's weights (band 2 before band 3).
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "Qwen"),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "Llama"),
        ("deepseek-ai/DeepSeek-V3", "DeepSeek"),
        ("unsloth/DeepSeek-R1-GGUF", "DeepSeek"),
        ("nvidia/Llama-3.1-Nemotron-70B-Instruct-HF", "Llama"),
        ("nvidia/NVIDIA-Nemotron-Nano-9B-v2", "Nemotron"),
        ("intfloat/e5-mistral-7b-instruct", "Mistral"),
        ("intfloat/multilingual-e5-large", "E5"),
        ("Alibaba-NLP/gte-Qwen2-7B-instruct", "Qwen"),
        ("Alibaba-NLP/gte-large-en-v1.5", "GTE"),
        ("BAAI/bge-reranker-v2-gemma", "Gemma"),
        ("BAAI/bge-m3", "BGE"),
        # Legacy ids and architecture families.
        ("bert-base-uncased", "BERT"),
        ("distilbert-base-uncased", "BERT"),
        ("gpt2", "GPT-2"),
        ("distilgpt2", "GPT-2"),
        ("xlm-roberta-base", "RoBERTa"),
        ("google/flan-t5-base", "T5"),
        ("Comfy-Org/t5xxl_fp16", "T5"),
        ("sentence-transformers/all-MiniLM-L6-v2", "sentence-transformers"),
        ("cross-encoder/ms-marco-MiniLM-L-6-v2", "sentence-transformers"),
        ("sentence-transformers/nli-roberta-base-v2", "RoBERTa"),
        ("openai/whisper-large-v3", "Whisper"),
        ("Systran/faster-whisper-large-v3", "Whisper"),
        ("openai/clip-vit-large-patch14", "CLIP"),
        ("jinaai/jina-clip-v2", "CLIP"),
        ("jinaai/jina-embeddings-v3", "Jina"),
        ("google/siglip-so400m-patch14-384", "SigLIP"),
        ("Salesforce/blip2-opt-2.7b", "OPT"),
        # Image and video models.
        ("black-forest-labs/FLUX.1-dev", "FLUX"),
        ("stabilityai/stable-diffusion-xl-base-1.0", "SDXL"),
        ("stabilityai/sdxl-turbo", "SDXL"),
        ("stable-diffusion-v1-5/stable-diffusion-v1-5", "Stable Diffusion"),
        ("lllyasviel/control_v11p_sd15_canny", "Stable Diffusion"),
        ("Wan-AI/Wan2.1-T2V-14B", "Wan"),
        ("tencent/HunyuanVideo", "HunyuanVideo"),
        ("tencent/Hunyuan3D-2", "Hunyuan"),
        # Names that contain another family's name without descending from it (band 1).
        ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "TinyLlama"),
        ("amazon/chronos-t5-small", "Chronos"),
        # Boundaries that keep look-alikes out.
        ("cognitivecomputations/dolphin-2.9.2-Phi-3-Medium", "Phi"),
        ("cognitivecomputations/dolphin-2.6-mistral-7b", "Mistral"),
        ("facebook/xglm-564M", None),
        ("allenai/olmOCR-7B-0225-preview", None),
        ("allenai/OLMo-2-1124-7B", "OLMo"),
        ("hexgrad/Kokoro-82M", "Kokoro"),
        ("my-user/my-first-model", None),
    ],
)
def test_committed_families_of_hand_picked_ids(families, model_id, family):
    assert one_family(model_id, families) == family


def test_null_id_has_no_family(families):
    assert one_family(None, families) is None


def test_names_match_ignoring_case(families):
    ids = pl.Series(["QWEN/QWEN2.5-7B-INSTRUCT", "BERT-BASE-UNCASED", "x/FlUx.1-SCHNELL"])
    assert family_of(ids, families).to_list() == ["Qwen", "BERT", "FLUX"]


def test_namespace_is_not_matched(families):
    # "qwen" and "llama" in the namespace say nothing about the weights.
    assert family_of(pl.Series(["Qwen/my-model", "llama-fan/Mistral-7B-v0.1"]), families).to_list() == [None, "Mistral"]


@settings(max_examples=50, deadline=None)
@given(namespace=st.from_regex(NAMESPACE_PATTERN.replace("*$", "{0,20}$"), fullmatch=True))
def test_uploader_never_changes_the_family(families, namespace):
    names = ["Qwen2.5-7B-Instruct-GGUF", "DeepSeek-R1-Distill-Qwen-7B", "all-MiniLM-L6-v2", "FLUX.1-dev", "model"]
    uploaded = family_of(pl.Series([f"{namespace}/{name}" for name in names]), families)
    assert uploaded.to_list() == ["Qwen", "Qwen", "sentence-transformers", "FLUX", None]


def test_family_of_keeps_length_and_order(families):
    ids = pl.Series("model_id", ["gpt2", None, "Qwen/Qwen3-8B", "gpt2"])
    assert family_of(ids, families).to_list() == ["GPT-2", None, "Qwen", "GPT-2"]


def test_family_claim_sums_two_families(families):
    # "DeepSeek + Qwen": downloads of models whose names put them in either family, whoever uploads them.
    downloads = pl.DataFrame(
        {
            "model_id": [
                "deepseek-ai/DeepSeek-V3",
                "bartowski/Qwen2.5-7B-Instruct-GGUF",
                "Qwen/Qwen3-8B",
                "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
                "meta-llama/Llama-3.1-8B",
                "bert-base-uncased",
            ],
            "downloads": [200, 150, 400, 50, 100, 100],
        }
    )
    by_family = downloads.with_columns(family_of(downloads["model_id"], families))
    claimed = by_family.filter(pl.col("family").is_in(["DeepSeek", "Qwen"]))["downloads"].sum()
    assert claimed / by_family["downloads"].sum() == pytest.approx((200 + 150 + 400) / 1000)


# --- the priority rule on hand-built tables --------------------------------------------


def test_lower_priority_wins_whatever_the_row_order():
    rows = [("Broad", "llama", 100), ("Narrow", "tinyllama", 10), ("Late", "chat", 200)]
    ids = pl.Series(["a/TinyLlama-1.1B-Chat", "a/Llama-3-chat", "a/some-chat", "a/other"])
    expected = ["Narrow", "Broad", "Late", None]
    assert family_of(ids, families_frame(rows)).to_list() == expected
    assert family_of(ids, families_frame(rows[::-1])).to_list() == expected


NAME_PARTS = ["Qwen2.5", "Llama-3", "TinyLlama", "deepseek", "R1", "Distill", "bert", "base", "GGUF", "chat", "7B", "x"]


@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=4).map("-".join), max_size=30))
def test_family_of_equals_first_match_name_by_name(families, names):
    # The reference tries every pattern on every name in priority order; `family_of`
    # tries each pattern only on the names still without a family.
    ranked = families.sort("priority", "pattern").select("family", "pattern").rows()
    ids = [f"someone/{name}" for name in names]

    def first_match(name: str) -> str | None:
        return next(
            (family for family, pattern in ranked if pl.Series([name]).str.contains("(?i)" + pattern).item()), None
        )

    assert family_of(pl.Series(ids, dtype=pl.String), families).to_list() == [first_match(n) for n in names]


def test_several_patterns_of_one_family():
    table = families_frame([("Qwen", "qwen", 101), ("Qwen", "^qw[qv]-", 101), ("DeepSeek", "deepseek", 200)])
    ids = pl.Series(["x/QwQ-32B", "x/DeepSeek-R1-Distill-Qwen-7B", "x/qwq"])
    assert family_of(ids, table).to_list() == ["Qwen", "Qwen", None]


def test_empty_families_table_gives_no_family():
    assert family_of(pl.Series(["Qwen/Qwen3-8B"]), families_frame([])).to_list() == [None]


# --- rejection of bad files ----------------------------------------------------------------

GOOD_ROW = {
    "family": "Example",
    "developer_namespace": "Qwen",
    "pattern": "example",
    "priority": "100",
    "source_url": "https://example.org/",
    "note": "",
}


def write_families(folder: Path, *overrides: dict) -> Path:
    path = folder / "model_families.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FAMILY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow({**GOOD_ROW, "family": "Anchor", "pattern": "anchor", "priority": "1"})
        for override in overrides:
            writer.writerow({**GOOD_ROW, **override})
    return path


def rejection(tmp_path: Path, registry: pl.DataFrame, *rows: dict) -> str:
    path = write_families(tmp_path, *rows)
    with pytest.raises(RegistryError) as caught:
        load_families(path, registry)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_small_good_file_loads_with_registry_spelling(tmp_path, registry):
    loaded = load_families(write_families(tmp_path, {"developer_namespace": "QWEN"}), registry)
    assert loaded.rows() == [
        ("Anchor", "Qwen", "anchor", 1, "https://example.org/", None),
        ("Example", "Qwen", "example", 100, "https://example.org/", None),
    ]


def test_rejects_pattern_polars_cannot_run(tmp_path, registry):
    message = rejection(tmp_path, registry, {"pattern": "(?<!tiny)llama"})
    assert "family 'Example' (line 3)" in message and "column 'pattern'" in message
    assert "not a regular expression polars can run" in message and "look-around" in message


def test_rejects_unbalanced_pattern(tmp_path, registry):
    message = rejection(tmp_path, registry, {"pattern": "qwen(2"})
    assert "column 'pattern'" in message and "'qwen(2'" in message and "error: unclosed group" in message


def test_rejects_pattern_matching_every_name(tmp_path, registry):
    message = rejection(tmp_path, registry, {"pattern": "(qwen)?"})
    assert "column 'pattern'" in message and "matches an empty name" in message


def test_rejects_pattern_repeated_ignoring_case(tmp_path, registry):
    message = rejection(tmp_path, registry, {"family": "Other", "pattern": "ANCHOR", "priority": "2"})
    assert "family 'Other' (line 3)" in message and "column 'pattern'" in message and "repeats line 2" in message


def test_rejects_developer_namespace_not_in_registry(tmp_path, registry):
    message = rejection(tmp_path, registry, {"developer_namespace": "no-such-namespace"})
    assert "column 'developer_namespace'" in message and "not in the organisation registry" in message


def test_rejects_family_with_two_developers(tmp_path, registry):
    message = rejection(
        tmp_path,
        registry,
        {"family": "Anchor", "pattern": "anchor-2", "developer_namespace": "meta-llama", "priority": "1"},
    )
    assert "family 'Anchor' (line 3)" in message and "a family has one developer" in message


def test_rejects_priority_shared_by_two_families(tmp_path, registry):
    message = rejection(tmp_path, registry, {"priority": "1"})
    assert "family 'Example' (line 3)" in message and "column 'priority'" in message
    assert "already the priority of family 'Anchor' (line 2)" in message


@pytest.mark.parametrize("priority", ["high", "1.5", "-3"])
def test_rejects_priority_that_is_not_a_whole_number(tmp_path, registry, priority):
    message = rejection(tmp_path, registry, {"priority": priority})
    assert "column 'priority'" in message and "is not a whole number" in message


def test_rejects_missing_cells_and_plain_http(tmp_path, registry):
    message = rejection(
        tmp_path,
        registry,
        {"family": "", "source_url": "http://example.org/"},
        {"family": "Third", "pattern": "third", "priority": "3", "source_url": ""},
    )
    assert "line 3: column 'family': must not be empty" in message
    assert "line 3: column 'source_url': must be an https:// URL" in message
    assert "family 'Third' (line 4): column 'source_url': must not be empty" in message


def test_rejects_wrong_header(tmp_path, registry):
    path = tmp_path / "model_families.csv"
    path.write_text("family,pattern\nQwen,qwen\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="columns must be exactly"):
        load_families(path, registry)
