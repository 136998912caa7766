"""What the developers of model families release: names, sizes and tasks of their originals.

The pipeline reads a model's family from its name (`hubshare.attribution.families`), so
the demo names the originals of every namespace that develops a family in
`data/raw/attribution/model_families.csv` after that family, as the developer
does on the Hub: `Qwen/Qwen2.5-7B-Instruct`, `deepseek-ai/DeepSeek-V3`,
`google/gemma-2-9b-it`. Each original of such a namespace *is* one of its
releases: it takes the release's name, its task and its parameter count, so
that a size in the name (`7B`, `125m`) is the planted count. Releases come in
lines (Qwen2.5, Llama 3.1, FLUX.1, ...) that appear on their real release
dates; a model picks among the lines released by its creation day (the
first line when none is), newer lines more often, and never a name its
namespace already holds. Every other original gets a name that matches no family (`names.py`),
and derived models carry their parent's name, so the simulator knows every
model's family without matching a single pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import NO_RELATION, Models

MILLION = 10**6
BILLION = 10**9


@dataclass(frozen=True)
class Line:
    """Releases of one developer that share a family, a task and a release date."""

    family: str  # as in model_families.csv
    released: str  # ISO date of the line's first release on the Hub
    task: str
    names: dict[str, int]  # model name -> total parameters
    moe: bool = False


@dataclass(frozen=True)
class Release:
    family: str
    name: str
    params: int
    task: str
    moe: bool


@dataclass
class Releases:
    release: list[Release | None]  # per model: the release an original of a family developer is


def sized(*tokens: str) -> dict[str, int]:
    """Sizes as names write them (`0.5B`, `125m`) -> parameters, so that the name states the count."""
    out = {}
    for token in tokens:
        number, unit = token[:-1], token[-1].lower()
        out[token] = round(float(number) * {"b": BILLION, "m": MILLION}[unit])
    return out


def line(
    family: str, released: str, task: str, templates: tuple[str, ...], sizes: dict[str, int], moe: bool = False
) -> Line:
    """A line whose names put each size, as written, at the `{}` of each template."""
    return Line(family, released, task, {t.format(s): p for t in templates for s, p in sizes.items()}, moe)


TEXT = "text-generation"
VISION_LANGUAGE = "image-text-to-text"
IMAGE = "text-to-image"
EMBEDDING = "sentence-similarity"
BERT_SIZES = {"base": 110 * MILLION, "large": 340 * MILLION}
T5_V1_1_SIZES = {
    "small": 77 * MILLION,
    "base": 248 * MILLION,
    "large": 783 * MILLION,
    "xl": 2_850 * MILLION,
    "xxl": 11_300 * MILLION,
}
WHISPER_SIZES = {"tiny": 39 * MILLION, "base": 74 * MILLION, "small": 244 * MILLION, "medium": 769 * MILLION}
SD_1_3B = 1_290 * MILLION  # UNet, text encoder and VAE of Stable Diffusion 2.x
SDXL_3_5B = 3_500 * MILLION
VAE = 84 * MILLION

# Lines per developer namespace (lower case), from the developers' Hub pages.
# A test keeps the keys equal to the developer namespaces of model_families.csv
# and every name in its family there.
RELEASE_LINES: dict[str, tuple[Line, ...]] = {
    "tinyllama": (
        line(
            "TinyLlama",
            "2023-09-16",
            TEXT,
            ("TinyLlama-{}-intermediate-step-1431k-3T", "TinyLlama-{}-Chat-v0.6", "TinyLlama-{}-Chat-v1.0"),
            sized("1.1B"),
        ),
    ),
    "openlm-research": (
        line("OpenLLaMA", "2023-05-03", TEXT, ("open_llama_{}", "open_llama_{}_v2"), sized("3b", "7b", "13b")),
    ),
    "stabilityai": (
        Line("Stable Diffusion", "2022-10-05", IMAGE, {"sd-vae-ft-mse": VAE, "sd-vae-ft-ema": VAE}),
        Line(
            "Stable Diffusion",
            "2022-11-24",
            IMAGE,
            {
                "stable-diffusion-2": SD_1_3B,
                "stable-diffusion-2-base": SD_1_3B,
                "stable-diffusion-2-1": SD_1_3B,
                "stable-diffusion-2-1-base": SD_1_3B,
            },
        ),
        Line(
            "SDXL",
            "2023-07-26",
            IMAGE,
            {"stable-diffusion-xl-base-1.0": SDXL_3_5B, "stable-diffusion-xl-refiner-1.0": SDXL_3_5B, "sdxl-vae": VAE},
        ),
        Line("SDXL", "2023-11-28", IMAGE, {"sdxl-turbo": SDXL_3_5B}),
        Line("Stable Diffusion", "2023-11-28", IMAGE, {"sd-turbo": SD_1_3B}),
        Line(
            "Stable Diffusion",
            "2024-06-12",
            IMAGE,
            {"stable-diffusion-3-medium": 2 * BILLION, "stable-diffusion-3-medium-diffusers": 2 * BILLION},
        ),
        Line(
            "Stable Diffusion",
            "2024-10-22",
            IMAGE,
            {
                "stable-diffusion-3.5-large": 8_100 * MILLION,
                "stable-diffusion-3.5-large-turbo": 8_100 * MILLION,
                "stable-diffusion-3.5-medium": 2_500 * MILLION,
            },
        ),
    ),
    "tencent": (
        Line(
            "Hunyuan",
            "2024-05-14",
            IMAGE,
            {"HunyuanDiT": 1_500 * MILLION, "HunyuanDiT-v1.2-Diffusers": 1_500 * MILLION},
        ),
        Line(
            "Hunyuan",
            "2024-11-05",
            TEXT,
            {"Tencent-Hunyuan-Large": 389 * BILLION, "Hunyuan-A52B-Instruct": 389 * BILLION},
            moe=True,
        ),
        Line("HunyuanVideo", "2024-12-03", "text-to-video", {"HunyuanVideo": 13 * BILLION}),
        Line("HunyuanVideo", "2025-03-06", "image-to-video", {"HunyuanVideo-I2V": 13 * BILLION}),
        line(
            "Hunyuan",
            "2025-07-30",
            TEXT,
            ("Hunyuan-{}-Instruct", "Hunyuan-{}-Pretrain"),
            sized("0.5B", "1.8B", "4B", "7B"),
        ),
    ),
    "amazon": (
        line(
            "Chronos",
            "2024-03-13",
            "time-series-forecasting",
            ("chronos-t5-{}",),
            {
                "tiny": 8 * MILLION,
                "mini": 20 * MILLION,
                "small": 46 * MILLION,
                "base": 200 * MILLION,
                "large": 710 * MILLION,
            },
        ),
        line(
            "Chronos",
            "2024-11-26",
            "time-series-forecasting",
            ("chronos-bolt-{}",),
            {"tiny": 9 * MILLION, "mini": 21 * MILLION, "small": 48 * MILLION, "base": 205 * MILLION},
        ),
    ),
    "meta-llama": (
        line("Llama", "2023-07-18", TEXT, ("Llama-2-{}-hf", "Llama-2-{}-chat-hf"), sized("7b", "13b", "70b")),
        line(
            "Llama",
            "2023-08-24",
            TEXT,
            ("CodeLlama-{}-hf", "CodeLlama-{}-Instruct-hf", "CodeLlama-{}-Python-hf"),
            sized("7b", "13b", "34b"),
        ),
        line("Llama", "2024-04-18", TEXT, ("Meta-Llama-3-{}", "Meta-Llama-3-{}-Instruct"), sized("8B", "70B")),
        line("Llama", "2024-07-23", TEXT, ("Llama-3.1-{}", "Llama-3.1-{}-Instruct"), sized("8B", "70B", "405B")),
        line("Llama", "2024-07-23", "text-classification", ("Llama-Guard-3-{}",), sized("1B", "8B")),
        line("Llama", "2024-09-25", TEXT, ("Llama-3.2-{}", "Llama-3.2-{}-Instruct"), sized("1B", "3B")),
        line(
            "Llama",
            "2024-09-25",
            VISION_LANGUAGE,
            ("Llama-3.2-{}-Vision", "Llama-3.2-{}-Vision-Instruct"),
            sized("11B", "90B"),
        ),
        line("Llama", "2024-12-06", TEXT, ("Llama-3.3-{}-Instruct",), sized("70B")),
    ),
    "qwen": (
        line("Qwen", "2023-08-03", TEXT, ("Qwen-{}", "Qwen-{}-Chat"), sized("1.8B", "7B", "14B", "72B")),
        Line("Qwen", "2023-08-22", VISION_LANGUAGE, {"Qwen-VL": 9_600 * MILLION, "Qwen-VL-Chat": 9_600 * MILLION}),
        line(
            "Qwen",
            "2024-02-05",
            TEXT,
            ("Qwen1.5-{}", "Qwen1.5-{}-Chat"),
            sized("0.5B", "1.8B", "4B", "7B", "14B", "32B", "72B", "110B"),
        ),
        Line(
            "Qwen",
            "2024-03-28",
            TEXT,
            {"Qwen1.5-MoE-A2.7B": 14_300 * MILLION, "Qwen1.5-MoE-A2.7B-Chat": 14_300 * MILLION},
            moe=True,
        ),
        line("Qwen", "2024-06-06", TEXT, ("Qwen2-{}", "Qwen2-{}-Instruct"), sized("0.5B", "1.5B", "7B", "72B")),
        line(
            "Qwen",
            "2024-08-09",
            "automatic-speech-recognition",
            ("Qwen2-Audio-{}", "Qwen2-Audio-{}-Instruct"),
            sized("7B"),
        ),
        line("Qwen", "2024-08-29", VISION_LANGUAGE, ("Qwen2-VL-{}", "Qwen2-VL-{}-Instruct"), sized("2B", "7B", "72B")),
        line(
            "Qwen",
            "2024-09-19",
            TEXT,
            ("Qwen2.5-{}", "Qwen2.5-{}-Instruct"),
            sized("0.5B", "1.5B", "3B", "7B", "14B", "32B", "72B"),
        ),
        line(
            "Qwen",
            "2024-09-19",
            TEXT,
            ("Qwen2.5-Coder-{}", "Qwen2.5-Coder-{}-Instruct"),
            sized("0.5B", "1.5B", "3B", "7B", "14B", "32B"),
        ),
        line("Qwen", "2024-09-19", TEXT, ("Qwen2.5-Math-{}", "Qwen2.5-Math-{}-Instruct"), sized("1.5B", "7B", "72B")),
        line("Qwen", "2024-11-27", TEXT, ("QwQ-{}-Preview",), sized("32B")),
        line("Qwen", "2025-01-26", VISION_LANGUAGE, ("Qwen2.5-VL-{}-Instruct",), sized("3B", "7B", "32B", "72B")),
        line("Qwen", "2025-03-05", TEXT, ("QwQ-{}",), sized("32B")),
        line(
            "Qwen", "2025-04-29", TEXT, ("Qwen3-{}", "Qwen3-{}-Base"), sized("0.6B", "1.7B", "4B", "8B", "14B", "32B")
        ),
        line(
            "Qwen",
            "2025-04-29",
            TEXT,
            ("Qwen3-{}", "Qwen3-{}-Base"),
            {"30B-A3B": 30 * BILLION, "235B-A22B": 235 * BILLION},
            moe=True,
        ),
        line(
            "Qwen",
            "2025-07-22",
            TEXT,
            ("Qwen3-Coder-{}-Instruct",),
            {"480B-A35B": 480 * BILLION, "30B-A3B": 30 * BILLION},
            moe=True,
        ),
        Line("Qwen", "2025-08-04", IMAGE, {"Qwen-Image": 20 * BILLION}),
        Line("Qwen", "2025-08-18", "image-to-image", {"Qwen-Image-Edit": 20 * BILLION}),
    ),
    "mistralai": (
        line("Mistral", "2023-09-27", TEXT, ("Mistral-{}-v0.1", "Mistral-{}-Instruct-v0.1"), sized("7B")),
        line("Mistral", "2023-12-11", TEXT, ("Mistral-{}-Instruct-v0.2",), sized("7B")),
        Line(
            "Mistral",
            "2023-12-11",
            TEXT,
            {"Mixtral-8x7B-v0.1": 46_700 * MILLION, "Mixtral-8x7B-Instruct-v0.1": 46_700 * MILLION},
            moe=True,
        ),
        Line(
            "Mistral",
            "2024-04-17",
            TEXT,
            {"Mixtral-8x22B-v0.1": 141 * BILLION, "Mixtral-8x22B-Instruct-v0.1": 141 * BILLION},
            moe=True,
        ),
        line("Mistral", "2024-05-22", TEXT, ("Mistral-{}-v0.3", "Mistral-{}-Instruct-v0.3"), sized("7B")),
        line("Mistral", "2024-05-29", TEXT, ("Codestral-{}-v0.1",), sized("22B")),
        Line(
            "Mistral",
            "2024-07-18",
            TEXT,
            {
                "Mistral-Nemo-Base-2407": 12 * BILLION,
                "Mistral-Nemo-Instruct-2407": 12 * BILLION,
                "Mistral-Large-Instruct-2407": 123 * BILLION,
            },
        ),
        line("Mistral", "2024-09-17", VISION_LANGUAGE, ("Pixtral-{}-2409",), sized("12B")),
        line("Mistral", "2024-10-16", TEXT, ("Ministral-{}-Instruct-2410",), sized("8B")),
        line(
            "Mistral",
            "2025-01-30",
            TEXT,
            ("Mistral-Small-{}-Base-2501", "Mistral-Small-{}-Instruct-2501"),
            sized("24B"),
        ),
        line("Mistral", "2025-03-17", VISION_LANGUAGE, ("Mistral-Small-3.1-{}-Instruct-2503",), sized("24B")),
        Line("Mistral", "2025-05-21", TEXT, {"Devstral-Small-2505": 24 * BILLION}),
        Line("Mistral", "2025-06-10", TEXT, {"Magistral-Small-2506": 24 * BILLION}),
        line("Mistral", "2025-07-15", "automatic-speech-recognition", ("Voxtral-Mini-{}-2507",), sized("3B")),
    ),
    "google": (
        line(
            "ELECTRA",
            "2020-03-10",
            "fill-mask",
            ("electra-{}-discriminator", "electra-{}-generator"),
            {"small": 14 * MILLION, "base": 110 * MILLION, "large": 335 * MILLION},
        ),
        line(
            "T5",
            "2020-10-22",
            "text2text-generation",
            ("mt5-{}",),
            {
                "small": 300 * MILLION,
                "base": 580 * MILLION,
                "large": 1_200 * MILLION,
                "xl": 3_700 * MILLION,
                "xxl": 13 * BILLION,
            },
        ),
        line("T5", "2020-11-26", "text2text-generation", ("t5-v1_1-{}",), T5_V1_1_SIZES),
        line("T5", "2022-10-20", "text2text-generation", ("flan-t5-{}",), T5_V1_1_SIZES),
        Line(
            "SigLIP",
            "2024-01-08",
            "zero-shot-image-classification",
            {"siglip-base-patch16-224": 203 * MILLION, "siglip-so400m-patch14-384": 878 * MILLION},
        ),
        line("Gemma", "2024-02-21", TEXT, ("gemma-{}", "gemma-{}-it"), sized("2b", "7b")),
        line("Gemma", "2024-04-09", TEXT, ("codegemma-{}", "codegemma-{}-it"), sized("2b", "7b")),
        line("Gemma", "2024-05-14", VISION_LANGUAGE, ("paligemma-{}-pt-224", "paligemma-{}-mix-224"), sized("3b")),
        line("Gemma", "2024-06-27", TEXT, ("gemma-2-{}", "gemma-2-{}-it"), sized("2b", "9b", "27b")),
        line(
            "SigLIP",
            "2025-02-20",
            "zero-shot-image-classification",
            ("siglip2-{}-patch16-224",),
            {"base": 375 * MILLION, "large": 882 * MILLION},
        ),
        line(
            "Gemma", "2025-03-12", VISION_LANGUAGE, ("gemma-3-{}-pt", "gemma-3-{}-it"), sized("1b", "4b", "12b", "27b")
        ),
    ),
    "microsoft": (
        line(
            "DeBERTa",
            "2020-06-08",
            "fill-mask",
            ("deberta-{}", "deberta-{}-mnli"),
            {"base": 139 * MILLION, "large": 406 * MILLION},
        ),
        line(
            "DeBERTa",
            "2021-11-18",
            "fill-mask",
            ("deberta-v3-{}",),
            {"xsmall": 22 * MILLION, "small": 44 * MILLION, "base": 184 * MILLION, "large": 435 * MILLION},
        ),
        Line("DeBERTa", "2021-11-18", "fill-mask", {"mdeberta-v3-base": 278 * MILLION}),
        Line("Phi", "2023-09-10", TEXT, {"phi-1": 1_300 * MILLION, "phi-1_5": 1_400 * MILLION}),
        Line("Phi", "2023-12-12", TEXT, {"phi-2": 2_700 * MILLION}),
        Line(
            "Phi",
            "2024-04-23",
            TEXT,
            {
                "Phi-3-mini-4k-instruct": 3_800 * MILLION,
                "Phi-3-mini-128k-instruct": 3_800 * MILLION,
                "Phi-3-medium-4k-instruct": 14 * BILLION,
            },
        ),
        line(
            "Florence-2",
            "2024-06-18",
            VISION_LANGUAGE,
            ("Florence-2-{}", "Florence-2-{}-ft"),
            {"base": 232 * MILLION, "large": 771 * MILLION},
        ),
        Line("Phi", "2024-08-20", TEXT, {"Phi-3.5-mini-instruct": 3_800 * MILLION}),
        Line("Phi", "2024-08-20", TEXT, {"Phi-3.5-MoE-instruct": 41_900 * MILLION}, moe=True),
        Line("Phi", "2024-08-20", VISION_LANGUAGE, {"Phi-3.5-vision-instruct": 4_200 * MILLION}),
        Line("Phi", "2024-12-12", TEXT, {"phi-4": 14 * BILLION}),
        Line(
            "Phi",
            "2025-02-26",
            TEXT,
            {"Phi-4-mini-instruct": 3_800 * MILLION, "Phi-4-multimodal-instruct": 5_600 * MILLION},
        ),
        Line(
            "Phi",
            "2025-04-30",
            TEXT,
            {
                "Phi-4-reasoning": 14 * BILLION,
                "Phi-4-reasoning-plus": 14 * BILLION,
                "Phi-4-mini-reasoning": 3_800 * MILLION,
            },
        ),
    ),
    "01-ai": (
        line("Yi", "2023-11-02", TEXT, ("Yi-{}", "Yi-{}-Chat", "Yi-{}-200K"), sized("6B", "34B")),
        line("Yi", "2024-01-22", VISION_LANGUAGE, ("Yi-VL-{}",), sized("6B", "34B")),
        line("Yi", "2024-05-13", TEXT, ("Yi-1.5-{}", "Yi-1.5-{}-Chat"), sized("6B", "9B", "34B")),
        line("Yi", "2024-09-05", TEXT, ("Yi-Coder-{}", "Yi-Coder-{}-Chat"), sized("1.5B", "9B")),
    ),
    "zai-org": (
        line("GLM", "2023-03-14", TEXT, ("chatglm-{}",), sized("6b")),
        line("GLM", "2023-06-25", TEXT, ("chatglm2-{}",), sized("6b")),
        line("GLM", "2023-10-27", TEXT, ("chatglm3-{}", "chatglm3-{}-base"), sized("6b")),
        line("GLM", "2024-06-05", TEXT, ("glm-4-{}", "glm-4-{}-chat"), sized("9b")),
        line("GLM", "2024-06-05", VISION_LANGUAGE, ("glm-4v-{}",), sized("9b")),
        line("GLM", "2025-04-14", TEXT, ("GLM-4-{}-0414", "GLM-Z1-{}-0414"), sized("9B", "32B")),
        Line("GLM", "2025-07-28", TEXT, {"GLM-4.5": 355 * BILLION, "GLM-4.5-Air": 106 * BILLION}, moe=True),
    ),
    "internlm": (
        line("InternLM", "2023-07-06", TEXT, ("internlm-{}", "internlm-chat-{}"), sized("7b", "20b")),
        line("InternLM", "2024-01-17", TEXT, ("internlm2-{}", "internlm2-chat-{}"), sized("7b", "20b")),
        line("InternLM", "2024-07-03", TEXT, ("internlm2_5-{}", "internlm2_5-{}-chat"), sized("7b", "20b")),
        line("InternLM", "2025-01-15", TEXT, ("internlm3-{}-instruct",), sized("8b")),
    ),
    "opengvlab": (
        Line("InternVL", "2024-04-18", VISION_LANGUAGE, {"InternVL-Chat-V1-5": 25_500 * MILLION}),
        line(
            "InternVL",
            "2024-07-04",
            VISION_LANGUAGE,
            ("InternVL2-{}",),
            sized("1B", "2B", "4B", "8B", "26B", "40B", "76B"),
        ),
        line(
            "InternVL",
            "2024-12-05",
            VISION_LANGUAGE,
            ("InternVL2_5-{}", "InternVL2_5-{}-MPO"),
            sized("1B", "2B", "4B", "8B", "26B", "38B", "78B"),
        ),
        line(
            "InternVL",
            "2025-04-11",
            VISION_LANGUAGE,
            ("InternVL3-{}", "InternVL3-{}-Instruct"),
            sized("1B", "2B", "8B", "9B", "14B", "38B", "78B"),
        ),
    ),
    "baichuan-inc": (
        line("Baichuan", "2023-06-15", TEXT, ("Baichuan-{}", "Baichuan-{}-Chat"), sized("7B", "13B")),
        line("Baichuan", "2023-09-06", TEXT, ("Baichuan2-{}-Base", "Baichuan2-{}-Chat"), sized("7B", "13B")),
        line("Baichuan", "2025-01-24", TEXT, ("Baichuan-M1-{}-Base", "Baichuan-M1-{}-Instruct"), sized("14B")),
    ),
    "tiiuae": (
        line("Falcon", "2023-05-24", TEXT, ("falcon-{}", "falcon-{}-instruct"), sized("7b", "40b")),
        line("Falcon", "2023-09-06", TEXT, ("falcon-{}", "falcon-{}-chat"), sized("180B")),
        line("Falcon", "2024-05-13", TEXT, ("falcon-{}",), sized("11B")),
        line("Falcon", "2024-08-12", TEXT, ("falcon-mamba-{}", "falcon-mamba-{}-instruct"), sized("7b")),
        line("Falcon", "2024-12-17", TEXT, ("Falcon3-{}-Base", "Falcon3-{}-Instruct"), sized("1B", "3B", "7B", "10B")),
        line(
            "Falcon",
            "2025-05-21",
            TEXT,
            ("Falcon-H1-{}-Base", "Falcon-H1-{}-Instruct"),
            sized("0.5B", "1.5B", "3B", "7B", "34B"),
        ),
    ),
    "moonshotai": (
        Line(
            "Kimi",
            "2025-04-10",
            VISION_LANGUAGE,
            {"Kimi-VL-A3B-Instruct": 16_400 * MILLION, "Kimi-VL-A3B-Thinking": 16_400 * MILLION},
            moe=True,
        ),
        line(
            "Kimi",
            "2025-04-25",
            "automatic-speech-recognition",
            ("Kimi-Audio-{}", "Kimi-Audio-{}-Instruct"),
            sized("7B"),
        ),
        line("Kimi", "2025-06-16", TEXT, ("Kimi-Dev-{}",), sized("72B")),
        Line(
            "Kimi", "2025-07-11", TEXT, {"Kimi-K2-Base": 1_030 * BILLION, "Kimi-K2-Instruct": 1_030 * BILLION}, moe=True
        ),
    ),
    "minimaxai": (
        Line("MiniMax", "2025-01-14", TEXT, {"MiniMax-Text-01": 456 * BILLION}, moe=True),
        Line("MiniMax", "2025-01-14", VISION_LANGUAGE, {"MiniMax-VL-01": 456 * BILLION}, moe=True),
        Line(
            "MiniMax", "2025-06-16", TEXT, {"MiniMax-M1-40k": 456 * BILLION, "MiniMax-M1-80k": 456 * BILLION}, moe=True
        ),
    ),
    "openbmb": (
        line("MiniCPM", "2024-02-01", TEXT, ("MiniCPM-{}-sft-bf16", "MiniCPM-{}-dpo-bf16"), sized("2B")),
        Line("MiniCPM", "2024-08-06", VISION_LANGUAGE, {"MiniCPM-V-2_6": 8_100 * MILLION}),
        line("MiniCPM", "2024-09-05", TEXT, ("MiniCPM3-{}",), sized("4B")),
        Line("MiniCPM", "2025-01-13", VISION_LANGUAGE, {"MiniCPM-o-2_6": 8_700 * MILLION}),
        line("MiniCPM", "2025-06-06", TEXT, ("MiniCPM4-{}",), sized("0.5B", "8B")),
    ),
    "baidu": (
        line("ERNIE", "2025-06-30", TEXT, ("ERNIE-4.5-{}-PT", "ERNIE-4.5-{}-Base-PT"), sized("0.3B")),
        line(
            "ERNIE",
            "2025-06-30",
            TEXT,
            ("ERNIE-4.5-{}-PT", "ERNIE-4.5-{}-Base-PT"),
            {"21B-A3B": 21 * BILLION, "300B-A47B": 300 * BILLION},
            moe=True,
        ),
        line(
            "ERNIE",
            "2025-06-30",
            VISION_LANGUAGE,
            ("ERNIE-4.5-VL-{}-PT",),
            {"28B-A3B": 28 * BILLION, "424B-A47B": 424 * BILLION},
            moe=True,
        ),
    ),
    "ibm-granite": (
        line(
            "Granite",
            "2024-05-06",
            TEXT,
            ("granite-{}-code-base", "granite-{}-code-instruct"),
            sized("3b", "8b", "20b", "34b"),
        ),
        line("Granite", "2024-10-21", TEXT, ("granite-3.0-{}-base", "granite-3.0-{}-instruct"), sized("2b", "8b")),
        line("Granite", "2024-12-18", TEXT, ("granite-3.1-{}-base", "granite-3.1-{}-instruct"), sized("2b", "8b")),
        line("Granite", "2024-12-18", EMBEDDING, ("granite-embedding-{}-english",), sized("30m", "125m")),
        line("Granite", "2025-04-16", TEXT, ("granite-3.3-{}-base", "granite-3.3-{}-instruct"), sized("2b", "8b")),
    ),
    "allenai": (
        line("OLMo", "2024-02-01", TEXT, ("OLMo-{}", "OLMo-{}-hf", "OLMo-{}-Instruct"), sized("1B", "7B")),
        line("OLMo", "2024-11-26", TEXT, ("OLMo-2-1124-{}", "OLMo-2-1124-{}-Instruct"), sized("7B", "13B")),
        line("OLMo", "2025-03-13", TEXT, ("OLMo-2-0325-{}", "OLMo-2-0325-{}-Instruct"), sized("32B")),
    ),
    "huggingfacetb": (
        line("SmolLM", "2024-07-16", TEXT, ("SmolLM-{}", "SmolLM-{}-Instruct"), sized("135M", "360M", "1.7B")),
        line("SmolLM", "2024-10-31", TEXT, ("SmolLM2-{}", "SmolLM2-{}-Instruct"), sized("135M", "360M", "1.7B")),
        Line(
            "SmolLM",
            "2024-11-26",
            VISION_LANGUAGE,
            {"SmolVLM-Base": 2_250 * MILLION, "SmolVLM-Instruct": 2_250 * MILLION},
        ),
        line("SmolLM", "2025-02-20", VISION_LANGUAGE, ("SmolVLM2-{}-Instruct",), sized("256M", "500M", "2.2B")),
        line("SmolLM", "2025-07-08", TEXT, ("SmolLM3-{}", "SmolLM3-{}-Base"), sized("3B")),
    ),
    "openai": (
        Line(
            "CLIP",
            "2021-01-05",
            "zero-shot-image-classification",
            {
                "clip-vit-base-patch32": 151 * MILLION,
                "clip-vit-base-patch16": 150 * MILLION,
                "clip-vit-large-patch14": 428 * MILLION,
                "clip-vit-large-patch14-336": 428 * MILLION,
            },
        ),
        line("Whisper", "2022-09-21", "automatic-speech-recognition", ("whisper-{}", "whisper-{}.en"), WHISPER_SIZES),
        Line("Whisper", "2022-09-21", "automatic-speech-recognition", {"whisper-large": 1_550 * MILLION}),
        Line("Whisper", "2022-12-05", "automatic-speech-recognition", {"whisper-large-v2": 1_550 * MILLION}),
        Line("Whisper", "2023-11-06", "automatic-speech-recognition", {"whisper-large-v3": 1_550 * MILLION}),
        Line("Whisper", "2024-10-01", "automatic-speech-recognition", {"whisper-large-v3-turbo": 809 * MILLION}),
        line("gpt-oss", "2025-08-05", TEXT, ("gpt-oss-{}",), sized("20b", "120b"), moe=True),
    ),
    "bigscience": (
        line("BLOOM", "2022-07-12", TEXT, ("bloom-{}",), sized("560m", "3b")),
        Line("BLOOM", "2022-07-12", TEXT, {"bloom": 176 * BILLION}),
        line("BLOOM", "2022-11-03", TEXT, ("bloomz-{}",), sized("560m", "3b")),
        Line("BLOOM", "2022-11-03", TEXT, {"bloomz": 176 * BILLION}),
    ),
    "bigcode": (
        Line(
            "StarCoder",
            "2023-05-04",
            TEXT,
            {"starcoder": 15_500 * MILLION, "starcoderbase": 15_500 * MILLION, "tiny_starcoder_py": 164 * MILLION},
        ),
        line("StarCoder", "2023-05-04", TEXT, ("starcoderbase-{}",), sized("1b", "3b", "7b")),
        line("StarCoder", "2024-02-28", TEXT, ("starcoder2-{}",), sized("3b", "7b", "15b")),
    ),
    "google-bert": (
        line(
            "BERT",
            "2018-11-14",
            "fill-mask",
            (
                "bert-{}-uncased",
                "bert-{}-cased",
                "bert-{}-multilingual-cased",
                "bert-{}-multilingual-uncased",
                "bert-{}-chinese",
                "bert-{}-uncased-whole-word-masking",
                "bert-{}-cased-whole-word-masking",
            ),
            BERT_SIZES,
        ),
    ),
    "facebookai": (
        line(
            "RoBERTa",
            "2019-08-08",
            "fill-mask",
            ("roberta-{}", "roberta-{}-mnli"),
            {"base": 125 * MILLION, "large": 355 * MILLION},
        ),
        line(
            "RoBERTa",
            "2019-11-05",
            "fill-mask",
            (
                "xlm-roberta-{}",
                "xlm-roberta-{}-finetuned-conll03-english",
                "xlm-roberta-{}-finetuned-conll03-german",
                "xlm-roberta-{}-finetuned-conll02-spanish",
            ),
            {"base": 279 * MILLION, "large": 561 * MILLION},
        ),
    ),
    "answerdotai": (
        line(
            "ModernBERT", "2024-12-19", "fill-mask", ("ModernBERT-{}",), {"base": 149 * MILLION, "large": 395 * MILLION}
        ),
    ),
    "albert": (
        line(
            "ALBERT",
            "2019-12-20",
            "fill-mask",
            ("albert-{}-v1", "albert-{}-v2"),
            {"base": 11 * MILLION, "large": 17 * MILLION, "xlarge": 58 * MILLION, "xxlarge": 223 * MILLION},
        ),
    ),
    "facebook": (
        line(
            "BART",
            "2020-03-01",
            "summarization",
            ("bart-{}", "bart-{}-cnn", "bart-{}-xsum"),
            {"base": 139 * MILLION, "large": 406 * MILLION},
        ),
        Line("BART", "2020-03-01", "text-classification", {"bart-large-mnli": 406 * MILLION}),
        Line(
            "BART",
            "2020-06-10",
            "translation",
            {
                "mbart-large-cc25": 611 * MILLION,
                "mbart-large-50": 611 * MILLION,
                "mbart-large-50-many-to-many-mmt": 611 * MILLION,
            },
        ),
        line(
            "wav2vec 2.0",
            "2021-02-11",
            "automatic-speech-recognition",
            ("wav2vec2-{}", "wav2vec2-{}-960h"),
            {"base": 95 * MILLION, "large": 317 * MILLION},
        ),
        Line("wav2vec 2.0", "2021-02-11", "automatic-speech-recognition", {"wav2vec2-large-xlsr-53": 317 * MILLION}),
        Line(
            "DINO",
            "2021-04-29",
            "image-feature-extraction",
            {
                "dino-vitb16": 86 * MILLION,
                "dino-vits8": 21 * MILLION,
                "dino-vitb8": 86 * MILLION,
                "dino-vits16": 21 * MILLION,
            },
        ),
        line("wav2vec 2.0", "2021-11-17", "automatic-speech-recognition", ("wav2vec2-xls-r-{}",), sized("300m")),
        line(
            "OPT", "2022-05-03", TEXT, ("opt-{}",), sized("125m", "350m", "1.3b", "2.7b", "6.7b", "13b", "30b", "66b")
        ),
        line(
            "DINO",
            "2023-04-17",
            "image-feature-extraction",
            ("dinov2-{}",),
            {"small": 22 * MILLION, "base": 86 * MILLION, "large": 304 * MILLION, "giant": 1_100 * MILLION},
        ),
    ),
    "google-t5": (
        line(
            "T5",
            "2019-12-12",
            "text2text-generation",
            ("t5-{}",),
            {"small": 60 * MILLION, "base": 220 * MILLION, "large": 770 * MILLION, **sized("3b", "11b")},
        ),
        line(
            "T5",
            "2019-12-12",
            "text2text-generation",
            ("t5-{}-ssm",),
            {"small": 60 * MILLION, "base": 220 * MILLION, "large": 770 * MILLION},
        ),
    ),
    "openai-community": (
        line(
            "GPT-2",
            "2019-02-14",
            TEXT,
            ("gpt2{}",),
            {"": 124 * MILLION, "-medium": 355 * MILLION, "-large": 774 * MILLION, "-xl": 1_500 * MILLION},
        ),
    ),
    "helsinki-nlp": (
        Line(
            "OPUS-MT",
            "2020-05-14",
            "translation",
            {
                f"opus-mt-{pair}": 75 * MILLION
                for pair in (
                    "en-de",
                    "de-en",
                    "en-fr",
                    "fr-en",
                    "en-es",
                    "es-en",
                    "zh-en",
                    "en-zh",
                    "en-ru",
                    "ru-en",
                    "ja-en",
                    "ar-en",
                    "en-ar",
                    "ko-en",
                    "en-ROMANCE",
                    "mul-en",
                    "tr-en",
                    "en-hi",
                    "nl-en",
                    "it-en",
                )
            },
        ),
    ),
    "black-forest-labs": (
        Line("FLUX", "2024-08-01", IMAGE, {"FLUX.1-dev": 12 * BILLION, "FLUX.1-schnell": 12 * BILLION}),
        Line(
            "FLUX",
            "2024-11-21",
            "image-to-image",
            {
                "FLUX.1-Fill-dev": 12 * BILLION,
                "FLUX.1-Canny-dev": 12 * BILLION,
                "FLUX.1-Depth-dev": 12 * BILLION,
                "FLUX.1-Redux-dev": 12 * BILLION,
            },
        ),
        Line("FLUX", "2025-06-26", "image-to-image", {"FLUX.1-Kontext-dev": 12 * BILLION}),
        Line("FLUX", "2025-07-31", IMAGE, {"FLUX.1-Krea-dev": 12 * BILLION}),
    ),
    "wan-ai": (
        line("Wan", "2025-02-25", "text-to-video", ("Wan2.1-T2V-{}", "Wan2.1-T2V-{}-Diffusers"), sized("1.3B", "14B")),
        line("Wan", "2025-02-25", "image-to-video", ("Wan2.1-I2V-{}-480P", "Wan2.1-I2V-{}-720P"), sized("14B")),
        Line(
            "Wan",
            "2025-07-28",
            "text-to-video",
            {"Wan2.2-T2V-A14B": 27 * BILLION, "Wan2.2-I2V-A14B": 27 * BILLION},
            moe=True,
        ),
        line("Wan", "2025-07-28", "text-to-video", ("Wan2.2-TI2V-{}",), sized("5B")),
    ),
    "lightricks": (
        Line("LTX-Video", "2024-11-22", "text-to-video", {"LTX-Video": 2 * BILLION}),
        line(
            "LTX-Video", "2025-05-06", "text-to-video", ("ltxv-{}-0.9.7-dev", "ltxv-{}-0.9.7-distilled"), sized("13b")
        ),
    ),
    "hexgrad": (
        line("Kokoro", "2024-12-25", "text-to-speech", ("Kokoro-{}",), sized("82M")),
        line("Kokoro", "2025-02-26", "text-to-speech", ("Kokoro-{}-v1.1-zh",), sized("82M")),
    ),
    "eleutherai": (
        line(
            "Pythia",
            "2023-02-13",
            TEXT,
            ("pythia-{}", "pythia-{}-deduped"),
            sized("70m", "160m", "410m", "1b", "1.4b", "2.8b", "6.9b", "12b"),
        ),
    ),
    "salesforce": (
        line(
            "BLIP",
            "2022-12-12",
            "image-to-text",
            ("blip-image-captioning-{}",),
            {"base": 247 * MILLION, "large": 470 * MILLION},
        ),
        Line(
            "BLIP",
            "2022-12-12",
            "visual-question-answering",
            {"blip-vqa-base": 385 * MILLION, "blip-vqa-capfilt-large": 385 * MILLION},
        ),
    ),
    "deepseek-ai": (
        line(
            "DeepSeek",
            "2023-11-02",
            TEXT,
            ("deepseek-coder-{}-base", "deepseek-coder-{}-instruct"),
            sized("1.3b", "6.7b", "33b"),
        ),
        line("DeepSeek", "2023-11-29", TEXT, ("deepseek-llm-{}-base", "deepseek-llm-{}-chat"), sized("7b", "67b")),
        line(
            "DeepSeek",
            "2024-02-05",
            TEXT,
            ("deepseek-math-{}-base", "deepseek-math-{}-instruct", "deepseek-math-{}-rl"),
            sized("7b"),
        ),
        Line(
            "DeepSeek",
            "2024-05-06",
            TEXT,
            {
                "DeepSeek-V2": 236 * BILLION,
                "DeepSeek-V2-Chat": 236 * BILLION,
                "DeepSeek-V2-Lite": 15_700 * MILLION,
                "DeepSeek-V2-Lite-Chat": 15_700 * MILLION,
            },
            moe=True,
        ),
        Line(
            "DeepSeek",
            "2024-06-17",
            TEXT,
            {"DeepSeek-Coder-V2-Instruct": 236 * BILLION, "DeepSeek-Coder-V2-Lite-Instruct": 15_700 * MILLION},
            moe=True,
        ),
        Line("DeepSeek", "2024-09-05", TEXT, {"DeepSeek-V2.5": 236 * BILLION}, moe=True),
        Line(
            "DeepSeek",
            "2024-12-13",
            VISION_LANGUAGE,
            {
                "deepseek-vl2": 27_500 * MILLION,
                "deepseek-vl2-small": 16_100 * MILLION,
                "deepseek-vl2-tiny": 3_370 * MILLION,
            },
            moe=True,
        ),
        Line(
            "DeepSeek", "2024-12-26", TEXT, {"DeepSeek-V3": 671 * BILLION, "DeepSeek-V3-Base": 671 * BILLION}, moe=True
        ),
        Line(
            "DeepSeek", "2025-01-20", TEXT, {"DeepSeek-R1": 671 * BILLION, "DeepSeek-R1-Zero": 671 * BILLION}, moe=True
        ),
        Line("DeepSeek", "2025-03-24", TEXT, {"DeepSeek-V3-0324": 671 * BILLION}, moe=True),
        Line("DeepSeek", "2025-05-28", TEXT, {"DeepSeek-R1-0528": 671 * BILLION}, moe=True),
        Line(
            "DeepSeek",
            "2025-08-21",
            TEXT,
            {"DeepSeek-V3.1": 671 * BILLION, "DeepSeek-V3.1-Base": 671 * BILLION},
            moe=True,
        ),
    ),
    "nvidia": (
        line("Nemotron", "2024-06-14", TEXT, ("Nemotron-4-{}-Base", "Nemotron-4-{}-Instruct"), sized("340B")),
        line("Nemotron", "2024-09-13", TEXT, ("Nemotron-Mini-{}-Instruct",), sized("4B")),
        line("Nemotron", "2025-04-14", TEXT, ("Nemotron-H-{}-Base-8K",), sized("8B", "47B", "56B")),
        line("Nemotron", "2025-08-18", TEXT, ("NVIDIA-Nemotron-Nano-{}-v2",), sized("9B", "12B")),
    ),
    "baai": (
        line(
            "BGE",
            "2023-08-05",
            EMBEDDING,
            ("bge-{}-en", "bge-{}-zh"),
            {"small": 33 * MILLION, "base": 109 * MILLION, "large": 335 * MILLION},
        ),
        line(
            "BGE",
            "2023-09-12",
            EMBEDDING,
            ("bge-{}-en-v1.5", "bge-{}-zh-v1.5"),
            {"small": 33 * MILLION, "base": 109 * MILLION, "large": 335 * MILLION},
        ),
        line(
            "BGE",
            "2023-09-12",
            "text-classification",
            ("bge-reranker-{}",),
            {"base": 278 * MILLION, "large": 560 * MILLION},
        ),
        Line("BGE", "2024-01-30", EMBEDDING, {"bge-m3": 568 * MILLION}),
        Line("BGE", "2024-03-18", "text-classification", {"bge-reranker-v2-m3": 568 * MILLION}),
    ),
    "alibaba-nlp": (
        line("GTE", "2024-04-20", EMBEDDING, ("gte-{}-en-v1.5",), {"base": 137 * MILLION, "large": 434 * MILLION}),
        Line("GTE", "2024-07-20", EMBEDDING, {"gte-multilingual-base": 305 * MILLION}),
        Line("GTE", "2024-07-20", "text-classification", {"gte-multilingual-reranker-base": 306 * MILLION}),
    ),
    "intfloat": (
        line(
            "E5",
            "2022-12-05",
            EMBEDDING,
            ("e5-{}",),
            {"small": 33 * MILLION, "base": 109 * MILLION, "large": 335 * MILLION},
        ),
        line(
            "E5",
            "2023-05-19",
            EMBEDDING,
            ("e5-{}-v2",),
            {"small": 33 * MILLION, "base": 109 * MILLION, "large": 335 * MILLION},
        ),
        line(
            "E5",
            "2023-06-30",
            EMBEDDING,
            ("multilingual-e5-{}",),
            {"small": 118 * MILLION, "base": 278 * MILLION, "large": 560 * MILLION},
        ),
        Line("E5", "2024-02-08", EMBEDDING, {"multilingual-e5-large-instruct": 560 * MILLION}),
    ),
    "jinaai": (
        line(
            "Jina",
            "2023-10-25",
            "feature-extraction",
            ("jina-embeddings-v2-{}-en",),
            {"small": 33 * MILLION, "base": 137 * MILLION},
        ),
        Line("Jina", "2024-06-20", "text-classification", {"jina-reranker-v2-base-multilingual": 278 * MILLION}),
        Line(
            "Jina",
            "2024-09-18",
            "feature-extraction",
            {"jina-embeddings-v3": 572 * MILLION, "jina-colbert-v2": 560 * MILLION},
        ),
        Line("Jina", "2025-06-24", "feature-extraction", {"jina-embeddings-v4": 3_800 * MILLION}),
    ),
    "nomic-ai": (
        Line(
            "Nomic",
            "2024-02-01",
            EMBEDDING,
            {"nomic-embed-text-v1": 137 * MILLION, "nomic-embed-text-v1.5": 137 * MILLION},
        ),
        Line("Nomic", "2024-06-05", "image-feature-extraction", {"nomic-embed-vision-v1.5": 93 * MILLION}),
        Line("Nomic", "2025-02-13", EMBEDDING, {"nomic-embed-text-v2-moe": 475 * MILLION}, moe=True),
        Line("Nomic", "2025-03-25", EMBEDDING, {"nomic-embed-code": 7 * BILLION}),
    ),
    "sentence-transformers": (
        Line(
            "sentence-transformers",
            "2020-08-20",
            EMBEDDING,
            {
                "paraphrase-MiniLM-L6-v2": 23 * MILLION,
                "paraphrase-multilingual-MiniLM-L12-v2": 118 * MILLION,
                "paraphrase-multilingual-mpnet-base-v2": 278 * MILLION,
                "paraphrase-mpnet-base-v2": 109 * MILLION,
                "distiluse-base-multilingual-cased-v2": 135 * MILLION,
                "nli-mpnet-base-v2": 109 * MILLION,
                "stsb-mpnet-base-v2": 109 * MILLION,
            },
        ),
        Line(
            "sentence-transformers",
            "2021-08-30",
            EMBEDDING,
            {
                "all-MiniLM-L6-v2": 23 * MILLION,
                "all-MiniLM-L12-v2": 33 * MILLION,
                "all-mpnet-base-v2": 109 * MILLION,
                "multi-qa-MiniLM-L6-cos-v1": 23 * MILLION,
                "multi-qa-mpnet-base-dot-v1": 109 * MILLION,
                "msmarco-MiniLM-L6-cos-v5": 23 * MILLION,
            },
        ),
    ),
}

# Families of the legacy ids, by the architecture the id starts with (`bert-base-uncased` is BERT,
# `xlm-roberta-large` RoBERTa); an id starting with none of them (`ctrl`, `xlnet-base-cased`) has none.
LEGACY_FAMILIES = {
    "albert": "ALBERT",
    "bert": "BERT",
    "distilbert": "BERT",
    "roberta": "RoBERTa",
    "distilroberta": "RoBERTa",
    "xlm-roberta": "RoBERTa",
    "gpt2": "GPT-2",
    "distilgpt2": "GPT-2",
    "t5": "T5",
}
# Weight of a line against the line released just before it: new lines take over.
NEWER_LINE_WEIGHT = 2.0


def legacy_family(legacy_id: str) -> str | None:
    key = legacy_id.lower()
    for architecture in sorted(LEGACY_FAMILIES, key=len, reverse=True):
        if key == architecture or key.startswith(architecture + "-"):
            return LEGACY_FAMILIES[architecture]
    return None


def build_releases(models: Models, namespaces: Namespaces, rng: np.random.Generator) -> Releases:
    """The release each original of a family developer is, in creation order."""
    lines_of = {i: RELEASE_LINES[n.lower()] for i, n in enumerate(namespaces.name) if n.lower() in RELEASE_LINES}
    # Names already held: the legacy ids, which move into their owner's namespace.
    held: dict[int, set[str]] = {i: set() for i in lines_of}
    for m in np.flatnonzero(models.legacy_id != None):  # noqa: E711 (element-wise comparison)
        if int(models.namespace[m]) in held:
            held[int(models.namespace[m])].add(str(models.legacy_id[m]).lower())
    release: list[Release | None] = [None] * len(models)
    for m in range(len(models)):
        ns = int(models.namespace[m])
        if ns not in lines_of or models.relation[m] != NO_RELATION or models.legacy_id[m] is not None:
            continue
        line_, name = _pick(lines_of[ns], models.created_day[m], held[ns], rng)
        held[ns].add(name.lower())
        release[m] = Release(line_.family, name, line_.names[name], line_.task, line_.moe)
    return Releases(release=release)


def _pick(lines: tuple[Line, ...], day: np.datetime64, held: set[str], rng: np.random.Generator) -> tuple[Line, str]:
    """A line released by `day` (the first line if none is), newer ones more often, and a name of it
    the namespace does not hold yet; when every name is held, a held one (`names.py` numbers it)."""
    by_date = sorted(lines, key=lambda x: x.released)
    out = [x for x in by_date if np.datetime64(x.released, "D") <= day] or by_date[:1]
    with_free = [x for x in out if any(n.lower() not in held for n in x.names)]
    if not with_free:
        with_free = [x for x in by_date if any(n.lower() not in held for n in x.names)]
    candidates = with_free or out
    weights = NEWER_LINE_WEIGHT ** np.arange(len(candidates), dtype=np.float64)
    chosen = candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]
    free = [n for n in chosen.names if n.lower() not in held] or list(chosen.names)
    return chosen, free[int(rng.integers(0, len(free)))]
