"""Property rules on hand-made rows: every rule, the tricky names, and the demo's planted definitions."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubshare.analysis.properties import (
    LICENSE_CLASSES,
    MODALITY_OF_TASK,
    PropertiesError,
    is_moe,
    is_quantized,
    license_class,
    modality,
    model_properties,
    openness,
    params,
    training_data,
)
from hubshare.demo.metadata import NON_TEXT_OUTPUT_TASKS, TEXT_TASKS

SCHEMA = {
    "model_key": pl.String,
    "model_id": pl.String,
    "pipeline_tag": pl.String,
    "library_name": pl.String,
    "tags": pl.List(pl.String),
    "base_relation": pl.String,
    "params_total": pl.Int64,
}


def frame(*rows: dict, extra: dict | None = None) -> pl.DataFrame:
    """Rows with every normalized column the rules read; unspecified fields null, tags empty."""
    filled = []
    for i, row in enumerate(rows):
        full = {name: None for name in SCHEMA} | {"model_key": f"k{i}", "model_id": "org/model", "tags": []}
        filled.append(full | row)
    return pl.DataFrame(filled, schema=SCHEMA | (extra or {}))


def one(function, **row) -> dict:
    return function(frame(row)).row(0, named=True)


# --- size -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", 8_000_000_000),
        ("Qwen/Qwen3-30B-A3B", 30_000_000_000),  # A3B: active parameters, not the size
        ("Qwen/Qwen3-235B-A22B-Instruct-2507", 235_000_000_000),
        ("Qwen/Qwen2.5-0.5B", 500_000_000),
        ("Qwen/Qwen2.5-1.5B-Instruct", 1_500_000_000),
        ("facebook/opt-350m", 350_000_000),
        ("meta-llama/Llama-2-70b-hf", 70_000_000_000),
        ("meta-llama/Llama-3.1-405B", 405_000_000_000),
        ("TheBloke/Mixtral-8x7B-Instruct-v0.1-GGUF", 56_000_000_000),  # 8 experts x 7B
        ("mistralai/Mixtral-8x22B-v0.1", 176_000_000_000),
        ("Qwen/Qwen2.5-7B-Instruct-1M", 7_000_000_000),  # the largest token: 1M is a context length
        ("facebook/m2m100_418M", 418_000_000),
        ("microsoft/Phi-3-mini-4k-instruct", None),  # 4k is a context length
        ("Qwen/Qwen1.5-MoE-A2.7B", None),  # only the active size is named
        ("openai/whisper-large-v3", None),
        ("black-forest-labs/FLUX.1-dev", None),
        ("gpt2", None),
    ],
)
def test_size_from_the_name(model_id, expected):
    got = one(params, model_id=model_id)
    assert got["params"] == expected
    assert got["params_source"] == ("none" if expected is None else "name")


def test_safetensors_total_wins_over_the_name():
    got = one(params, model_id="mistralai/Mixtral-8x7B-Instruct-v0.1", params_total=46_702_792_704)
    assert got == {"params": 46_702_792_704, "params_source": "safetensors"}


def test_gguf_total_comes_after_safetensors_and_before_the_name():
    rows = frame(
        {"model_id": "a/x-7b-GGUF", "params_total": 5},
        {"model_id": "a/x-7b-GGUF"},
        {"model_id": "a/x-7b-GGUF", "params_total": 0},  # a zero total is no size
        extra={"gguf_total": pl.Int64},
    ).with_columns(pl.Series("gguf_total", [9, 7_241_732_096, None]))
    assert params(rows).rows() == [(5, "safetensors"), (7_241_732_096, "gguf"), (7_000_000_000, "name")]


@given(
    number=st.integers(min_value=1, max_value=999),
    unit=st.sampled_from([("b", 10**9), ("B", 10**9), ("m", 10**6), ("M", 10**6)]),
    experts=st.sampled_from([None, 2, 8, 16]),
)
def test_size_token_is_experts_times_number_times_unit(number, unit, experts):
    letter, scale = unit
    token = f"{number}{letter}" if experts is None else f"{experts}x{number}{letter}"
    got = one(params, model_id=f"someone/family-{token}-chat")
    assert got["params"] == (experts or 1) * number * scale


@given(total=st.integers(min_value=1, max_value=10**12))
def test_a_positive_safetensors_total_always_wins(total):
    assert one(params, model_id="org/llama-70b", params_total=total)["params"] == total


# --- quantization -----------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"model_id": "TheBloke/Mixtral-8x7B-Instruct-v0.1-GGUF"}, True),
        ({"model_id": "TheBloke/Llama-2-7B-Chat-AWQ"}, True),
        ({"model_id": "TheBloke/Llama-2-7B-Chat-GPTQ"}, True),
        ({"model_id": "unsloth/llama-3-8b-Instruct-bnb-4bit"}, True),
        ({"model_id": "mlx-community/Qwen2.5-7B-Instruct-MLX-4bit"}, True),
        ({"model_id": "turboderp/Llama-3-8B-exl2"}, True),
        ({"model_id": "someone/model-8bit"}, True),
        ({"model_id": "Qwen/Qwen3-8B-FP8"}, True),
        ({"model_id": "org/plain", "base_relation": "quantized"}, True),
        ({"model_id": "org/plain", "library_name": "gguf"}, True),
        ({"model_id": "org/plain", "tags": ["gptq", "4-bit"]}, True),
        ({"model_id": "org/plain", "tags": ["bitsandbytes"]}, True),
        ({"model_id": "org/plain", "tags": ["8-bit"]}, True),
        ({"model_id": "org/plain", "tags": ["GGUF"]}, True),  # tags compared in lower case
        ({"model_id": "mlx-community/Qwen2.5-7B-Instruct-bf16", "tags": ["mlx"]}, False),  # mlx alone
        ({"model_id": "deepseek-ai/DeepSeek-V3", "tags": ["deepseek_v3", "fp8"]}, False),  # released in FP8
        ({"model_id": "org/plain", "base_relation": "finetune"}, False),
        ({"model_id": "meta-llama/Llama-3.1-8B-Instruct", "tags": None}, False),
        ({"model_id": "org/awqward-model"}, False),  # a quantization word inside another word
    ],
)
def test_quantized(row, expected):
    assert one(is_quantized, **row)["is_quantized"] is expected


# --- mixture of experts ---------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"model_id": "TheBloke/Mixtral-8x7B-Instruct-v0.1-GGUF"}, True),
        ({"model_id": "Qwen/Qwen3-30B-A3B"}, True),
        ({"model_id": "Qwen/Qwen3-235B-A22B"}, True),
        ({"model_id": "Qwen/Qwen1.5-MoE-A2.7B"}, True),
        ({"model_id": "allenai/OLMoE-1B-7B-0924"}, True),
        ({"model_id": "openai/gpt-oss-20b"}, True),
        ({"model_id": "meta-llama/Llama-4-Scout-17B-16E-Instruct"}, True),
        ({"model_id": "org/plain", "tags": ["moe"]}, True),
        ({"model_id": "org/plain", "tags": ["qwen3_moe"]}, True),
        ({"model_id": "org/plain", "tags": ["qwen2_moe"]}, True),
        ({"model_id": "org/plain", "tags": ["mixture-of-experts"]}, True),
        ({"model_id": "deepseek-ai/DeepSeek-R1", "tags": ["deepseek_v3"]}, True),
        ({"model_id": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "tags": ["qwen2"]}, False),  # distills are dense
        ({"model_id": "org/plain", "tags": ["dataset:someone/moe-data"]}, False),  # only architecture tags count
        ({"model_id": "meta-llama/Llama-3.1-8B-Instruct", "tags": ["llama"]}, False),
        ({"model_id": "org/a2c-PandaReach"}, False),
    ],
)
def test_mixture_of_experts(row, expected):
    assert one(is_moe, **row)["is_moe"] is expected


# --- modality ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "inputs", "output", "generation"),
    [
        ("automatic-speech-recognition", "audio", "text", False),  # openai/whisper-large-v3
        ("text-to-image", "text", "image", True),  # black-forest-labs/FLUX.1-dev
        ("text-generation", "text", "text", False),
        ("image-text-to-text", "multimodal", "text", False),
        ("text-to-speech", "text", "audio", True),
        ("image-to-video", "image", "video", True),
        ("any-to-any", "multimodal", "multimodal", True),
        ("image-to-3d", "image", "3d", True),
        ("image-classification", "image", "prediction", False),  # a label is not generation
        ("mask-generation", "image", "prediction", False),
        ("sentence-similarity", "text", "embedding", False),
        ("time-series-forecasting", "tabular", "prediction", False),
        ("reinforcement-learning", "other", "action", False),
        ("Text-To-Image", "text", "image", True),
        ("a-task-nobody-knows", "unknown", "unknown", False),
        (None, "unknown", "unknown", False),
    ],
)
def test_modality(task, inputs, output, generation):
    got = one(modality, pipeline_tag=task)
    assert got == {"input_modality": inputs, "output_modality": output, "is_multimodal_generation": generation}


def test_the_demo_plants_generation_exactly_on_its_non_text_output_tasks():
    tasks = [*NON_TEXT_OUTPUT_TASKS, *TEXT_TASKS, "image-text-to-text"]
    got = modality(frame(*({"pipeline_tag": t} for t in tasks))).get_column("is_multimodal_generation").to_list()
    assert got == [t in NON_TEXT_OUTPUT_TASKS for t in tasks]


def test_every_listed_task_maps_into_the_vocabulary():
    inputs = {pair[0] for pair in MODALITY_OF_TASK.values()}
    outputs = {pair[1] for pair in MODALITY_OF_TASK.values()}
    assert inputs == {"text", "image", "audio", "video", "multimodal", "tabular", "other"}
    assert outputs == {
        "text",
        "image",
        "audio",
        "video",
        "3d",
        "multimodal",
        "prediction",
        "embedding",
        "action",
        "other",
    }


# --- licence ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["license:apache-2.0"], "osi_open_source"),
        (["license:mit"], "osi_open_source"),
        (["license:MIT"], "osi_open_source"),
        (["license:bsd-3-clause"], "osi_open_source"),
        (["license:gpl-3.0"], "osi_open_source"),
        (["license:lgpl-2.1"], "osi_open_source"),
        (["license:mpl-2.0"], "osi_open_source"),
        (["license:cc-by-4.0"], "open_non_osi"),  # Creative Commons is not OSI-approved
        (["license:cc-by-sa-4.0"], "open_non_osi"),
        (["license:cc0-1.0"], "open_non_osi"),
        (["license:llama2"], "open_with_use_restrictions"),
        (["license:llama3.1"], "open_with_use_restrictions"),
        (["license:llama4"], "open_with_use_restrictions"),
        (["license:gemma"], "open_with_use_restrictions"),
        (["license:openrail"], "open_with_use_restrictions"),
        (["license:openrail++"], "open_with_use_restrictions"),
        (["license:creativeml-openrail-m"], "open_with_use_restrictions"),
        (["license:bigscience-bloom-rail-1.0"], "open_with_use_restrictions"),
        (["license:deepseek"], "open_with_use_restrictions"),
        (["license:tongyi-qianwen"], "open_with_use_restrictions"),
        (["license:cc-by-nc-4.0"], "non_commercial"),
        (["license:cc-by-nc-sa-4.0"], "non_commercial"),
        (["license:fair-noncommercial-research-license"], "non_commercial"),
        (["license:other"], "other"),
        (["license:cc-by-nd-4.0"], "other"),
        (["license:some-new-licence"], "other"),
        (["license:unknown"], "unknown"),
        (["transformers", "dataset:x"], "unknown"),
        (None, "unknown"),
        (["license:llama3", "license:mit"], "osi_open_source"),  # dual licence: the more open one
        (["license:cc-by-nc-4.0", "license:other"], "non_commercial"),
    ],
)
def test_license_class(tags, expected):
    assert one(license_class, tags=tags)["license_class"] == expected


def test_license_classes_are_ordered_from_most_to_least_open():
    assert LICENSE_CLASSES == (
        "osi_open_source",
        "open_non_osi",
        "open_with_use_restrictions",
        "non_commercial",
        "other",
        "unknown",
    )


# --- training data and openness ------------------------------------------


@pytest.mark.parametrize(
    ("tags", "transparency"),
    [
        (["dataset:HuggingFaceFW/fineweb", "license:mit"], "disclosed"),
        (["license:mit"], "not_disclosed"),
        ([], "not_disclosed"),
        (None, "unknown"),
    ],
)
def test_training_data_from_dataset_tags(tags, transparency):
    got = one(training_data, tags=tags)
    assert got == {"training_data_transparency": transparency, "training_data_disclosed": transparency == "disclosed"}


def test_a_datasets_column_also_discloses():
    rows = frame({"tags": []}, {"tags": None}, {"tags": None}, extra={"datasets": pl.List(pl.String)}).with_columns(
        pl.Series("datasets", [["squad"], ["c4"], None], dtype=pl.List(pl.String))
    )
    assert training_data(rows).get_column("training_data_transparency").to_list() == [
        "disclosed",
        "disclosed",
        "unknown",
    ]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["license:apache-2.0", "dataset:c4"], "open_source"),
        (["license:apache-2.0"], "open_weights"),  # OSI licence, data not named
        (["license:cc-by-4.0", "dataset:c4"], "open_weights"),  # data named, licence not OSI
        (["license:llama3", "dataset:c4"], "open_weights"),
        (None, "open_weights"),
    ],
)
def test_openness(tags, expected):
    assert one(openness, tags=tags)["openness"] == expected


# --- all together -----------------------------------------------------------


def test_model_properties_on_well_known_models():
    rows = frame(
        {
            "model_id": "TheBloke/Mixtral-8x7B-Instruct-v0.1-GGUF",
            "pipeline_tag": "text-generation",
            "tags": ["gguf", "mixtral", "license:apache-2.0"],
            "base_relation": "quantized",
        },
        {
            "model_id": "openai/whisper-large-v3",
            "pipeline_tag": "automatic-speech-recognition",
            "tags": ["license:apache-2.0"],
            "params_total": 1_543_490_560,
        },
        {"model_id": "black-forest-labs/FLUX.1-dev", "pipeline_tag": "text-to-image", "tags": ["license:other"]},
    )
    got = model_properties(rows)
    assert got.columns == [
        "model_key",
        "params",
        "params_source",
        "is_quantized",
        "is_moe",
        "input_modality",
        "output_modality",
        "is_multimodal_generation",
        "license_class",
        "training_data_transparency",
        "training_data_disclosed",
        "openness",
    ]
    mixtral, whisper, flux = got.rows(named=True)
    assert (mixtral["model_key"], mixtral["is_quantized"], mixtral["is_moe"], mixtral["params"]) == (
        "k0",
        True,
        True,
        56 * 10**9,
    )
    assert (whisper["input_modality"], whisper["output_modality"], whisper["params_source"]) == (
        "audio",
        "text",
        "safetensors",
    )
    assert (flux["is_multimodal_generation"], flux["license_class"], flux["openness"]) == (
        True,
        "other",
        "open_weights",
    )


def test_model_properties_names_missing_columns():
    with pytest.raises(PropertiesError, match="tags, base_relation"):
        model_properties(frame({}).drop("tags", "base_relation"))
