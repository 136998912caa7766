"""What the Hub says about each model: task, library, licence, datasets, size, format.

Drawn once per model (metadata does not change between snapshots, except the
base-model tags that the writer adds). Trends are planted through creation
dates: newer originals are larger, more often generate images, audio or video,
more often use a mixture of experts, and less often name their training data.
An original that is a family developer's release (`releases.py`) takes the
release's task, size and architecture instead. Derived models inherit task,
size and mostly licence from their first parent. Rates of missing fields are
exact counts over all models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubshare.demo.lineage import ADAPTER, FINETUNE, Lineage
from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import MERGE, NO_RELATION, QUANTIZED, Models
from hubshare.demo.releases import Releases

TEXT_TASKS = {
    "text-generation": 0.15,
    "text-classification": 0.14,
    "fill-mask": 0.07,
    "feature-extraction": 0.05,
    "sentence-similarity": 0.05,
    "token-classification": 0.05,
    "text2text-generation": 0.05,
    "question-answering": 0.03,
    "translation": 0.03,
    "summarization": 0.02,
    "automatic-speech-recognition": 0.05,
    "image-classification": 0.05,
    "object-detection": 0.02,
    "reinforcement-learning": 0.05,
}
# Tasks whose output is not text (the paper's "multimodal generation").
NON_TEXT_OUTPUT_TASKS = {
    "text-to-image": 0.6,
    "image-to-image": 0.1,
    "text-to-speech": 0.15,
    "text-to-audio": 0.05,
    "text-to-video": 0.05,
    "image-to-video": 0.05,
}
# What well-known namespaces without a family of their own mostly publish (when
# the registry lists them), so that the rise of image, video and speech
# generators is carried by the developers who carried it; family developers'
# tasks are those of their releases.
SIGNATURE_TASKS = {
    "comfy-org": "text-to-image",
    "stable-diffusion-v1-5": "text-to-image",
    "compvis": "text-to-image",
    "runwayml": "text-to-image",
    "lllyasviel": "image-to-image",
    "city96": "text-to-image",
    "sg161222": "text-to-image",
    "lykon": "text-to-image",
    "kijai": "text-to-video",
    "jonatasgrosman": "automatic-speech-recognition",
}
SIGNATURE_SHARE = 0.8
IMAGE_GENERATION = {"text-to-image", "image-to-image", "text-to-video", "image-to-video"}
OPEN_LICENSES = ("apache-2.0", "mit", "cc-by-4.0", "bsd-3-clause", "cc-by-sa-4.0", "gpl-3.0")
OPEN_LICENSE_WEIGHTS = (0.5, 0.25, 0.1, 0.05, 0.05, 0.05)
RESTRICTED_LICENSES = ("llama2", "llama3", "llama3.1", "gemma", "cc-by-nc-4.0", "other")
RESTRICTED_LICENSE_WEIGHTS = (0.12, 0.15, 0.15, 0.1, 0.18, 0.3)
IMAGE_LICENSES = ("creativeml-openrail-m", "openrail", "openrail++", "other")
DATASET_IDS = (
    "wikipedia",
    "bookcorpus",
    "c4",
    "squad",
    "imdb",
    "glue",
    "conll2003",
    "common_voice",
    "librispeech_asr",
    "imagenet-1k",
    "laion/laion2B-en",
    "tatsu-lab/alpaca",
    "HuggingFaceH4/ultrachat_200k",
    "teknium/OpenHermes-2.5",
    "Open-Orca/OpenOrca",
    "HuggingFaceFW/fineweb",
    "openai/gsm8k",
    "cais/mmlu",
)
GGUF_FROM = np.datetime64("2023-08-21", "D")  # GGUF format released
MOE_RESEARCH_FROM = np.datetime64("2021-01-11", "D")  # Switch Transformers paper
MOE_FROM = np.datetime64("2023-12-11", "D")  # first widely used open mixture-of-experts release
QUANT_FORMATS = ("gguf", "gptq", "awq", "mlx", "bnb")
QUANT_FORMAT_WEIGHTS = (0.70, 0.10, 0.07, 0.05, 0.08)
STORY_ORIGIN = np.datetime64("2020-06-01", "D")
STORY_YEARS = 5.25


@dataclass
class Metadata:
    task: list[str]
    pipeline_tag: list[str | None]
    library_name: list[str | None]
    params: np.ndarray  # int64 total parameters (what the name's size tag says)
    parameters: list[list[tuple[str, int]] | None]  # safetensors dtype counts, None when absent
    quant_format: list[str | None]
    moe: np.ndarray
    datasets: list[list[str]]
    license: list[str]

    def static_tags(self, models: Models) -> list[list[str]]:
        """Tags that do not change between snapshots (base-model tags are added per snapshot)."""
        tags = []
        for m in range(len(self.task)):
            row = []
            if self.library_name[m]:
                row.append(self.library_name[m])
            if self.parameters[m] is not None:
                row.append("safetensors")
            elif models.created_day[m] < np.datetime64("2023-01-01", "D"):
                row.append("pytorch")
            fmt = self.quant_format[m]
            if fmt == "gguf":
                row.append("gguf")
            elif fmt in ("gptq", "awq"):
                row += [fmt, "4-bit"]
            elif fmt == "bnb":
                row += ["bitsandbytes", "4-bit"]
            elif fmt == "mlx":
                row.append("mlx")
            if self.pipeline_tag[m]:
                row.append(self.pipeline_tag[m])
            if self.moe[m]:
                row.append("moe")
            if models.relation[m] == ADAPTER:
                row.append("lora")
            if models.relation[m] == MERGE:
                row += ["mergekit", "merge"]
            row += [f"dataset:{d}" for d in self.datasets[m]]
            row += [f"license:{self.license[m]}", "region:us"]
            tags.append(row)
        return tags


def build_metadata(
    models: Models,
    namespaces: Namespaces,
    lineage: Lineage,
    releases: Releases,
    settings: dict,
    rng: np.random.Generator,
) -> Metadata:
    n = len(models)
    signature = [SIGNATURE_TASKS.get(name.lower()) for name in namespaces.name]
    first_parent = lineage.first_parents(n)
    years = (models.created_day - STORY_ORIGIN).astype(np.float64) / 365.25
    trend = np.clip(years / STORY_YEARS, 0.0, 1.0)
    task, params, quant, moe, datasets, license_ = [], np.zeros(n, dtype=np.int64), [], np.zeros(n, bool), [], []
    for m in range(n):
        relation = int(models.relation[m])
        parent = first_parent[m]
        inherits = relation != NO_RELATION and parent >= 0
        own = signature[models.namespace[m]]
        release = releases.release[m]
        if inherits:
            task.append(task[parent])
        elif release is not None:
            task.append(release.task)
        else:
            task.append(own if own and rng.random() < SIGNATURE_SHARE else _task(rng, trend[m]))
        quant.append(_quant_format(rng, models, m) if relation == QUANTIZED else None)
        if relation == ADAPTER:
            params[m] = _log_normal_params(rng, 7.0, 0.6)
        elif inherits:
            params[m] = params[parent]
        elif release is not None:
            params[m] = release.params
        else:
            params[m] = _original_params(
                rng, task[m], trend[m], models.uploader_class[m] != "user", models.created_day[m]
            )
        if inherits:
            moe[m] = moe[parent]
        elif release is not None:
            moe[m] = release.moe
        else:
            moe[m] = task[m] == "text-generation" and rng.random() < _moe_chance(models.created_day[m], trend[m])
        datasets.append(_datasets(rng, relation, trend[m], datasets[parent] if inherits else []))
        license_.append(license_[parent] if inherits and rng.random() < 0.8 else _license(rng, task[m], trend[m]))
    library = [_library(rng, task[m], int(models.relation[m]), quant[m]) for m in range(n)]
    parameters = _safetensors(rng, models, settings["safetensors_rate"], params, quant)
    return Metadata(
        task=task,
        pipeline_tag=_mask(rng, task, settings["missing_pipeline_tag_rate"]),
        library_name=_mask(rng, library, settings["missing_library_name_rate"]),
        params=params,
        parameters=parameters,
        quant_format=quant,
        moe=moe,
        datasets=datasets,
        license=license_,
    )


def _task(rng: np.random.Generator, trend: float) -> str:
    if rng.random() < 0.06 + 0.06 * trend:
        return _pick(rng, NON_TEXT_OUTPUT_TASKS)
    weights = dict(TEXT_TASKS)
    weights["text-generation"] += 0.35 * trend
    weights["image-text-to-text"] = 0.08 * trend
    return _pick(rng, weights)


def _original_params(
    rng: np.random.Generator, task: str, trend: float, by_organisation: bool, day: np.datetime64
) -> int:
    """Organisations' originals grow fast (BERT-sized in 2020, billions by 2025); users' slowly."""
    growth, spread = (1.7, 0.8) if by_organisation else (0.8, 1.1)
    mean = (7.9 if by_organisation else 8.1) + growth * trend + (0.3 if task == "text-generation" else 0.0)
    return _log_normal_params(rng, mean, spread, _largest_params(day))


def _largest_params(day: np.datetime64) -> float:
    """log10 of the largest open model released by `day` (T5-11B, BLOOM-176B, Llama-3.1-405B, DeepSeek-V3)."""
    era = [("2022-07-01", 10.05), ("2024-07-23", 11.25), ("2024-12-26", 11.61)]
    return next((cap for until, cap in era if day < np.datetime64(until, "D")), 11.835)


def _log_normal_params(rng: np.random.Generator, mean_log10: float, sd_log10: float, max_log10: float = 11.835) -> int:
    return int(10 ** np.clip(rng.normal(mean_log10, sd_log10), 6.0, max_log10))


def _moe_chance(day: np.datetime64, trend: float) -> float:
    """Rare research MoEs before the first widely used open release, then a fast rise."""
    if day < MOE_RESEARCH_FROM:
        return 0.0
    return 0.02 if day < MOE_FROM else 0.1 + 0.4 * trend


def _quant_format(rng: np.random.Generator, models: Models, m: int) -> str:
    if models.created_day[m] < GGUF_FROM:
        return "gptq"
    return QUANT_FORMATS[rng.choice(len(QUANT_FORMATS), p=QUANT_FORMAT_WEIGHTS)]


def _datasets(rng: np.random.Generator, relation: int, trend: float, inherited: list[str]) -> list[str]:
    if relation == QUANTIZED:
        return list(inherited) if rng.random() < 0.3 else []
    chance = {NO_RELATION: 0.9 - 0.6 * trend, FINETUNE: 0.7 - 0.4 * trend, ADAPTER: 0.3, MERGE: 0.1}[relation]
    if rng.random() >= chance:
        return []
    return sorted(rng.choice(DATASET_IDS, size=int(rng.integers(1, 4)), replace=False).tolist())


def _license(rng: np.random.Generator, task: str, trend: float) -> str:
    if task in IMAGE_GENERATION and rng.random() < 0.7:
        return IMAGE_LICENSES[rng.choice(len(IMAGE_LICENSES))]
    if rng.random() < 0.85 - 0.35 * trend:
        return OPEN_LICENSES[rng.choice(len(OPEN_LICENSES), p=OPEN_LICENSE_WEIGHTS)]
    return RESTRICTED_LICENSES[rng.choice(len(RESTRICTED_LICENSES), p=RESTRICTED_LICENSE_WEIGHTS)]


def _library(rng: np.random.Generator, task: str, relation: int, quant: str | None) -> str:
    if quant is not None:
        return {"gguf": "gguf", "mlx": "mlx"}.get(quant, "transformers")
    if task in IMAGE_GENERATION:
        return "diffusers"
    if relation == ADAPTER:
        return "peft"
    if task == "sentence-similarity":
        return "sentence-transformers"
    if task == "reinforcement-learning":
        return "stable-baselines3"
    if task == "image-classification" and rng.random() < 0.3:
        return "timm"
    return "transformers"


def _safetensors(
    rng: np.random.Generator, models: Models, rate: float, params: np.ndarray, quant: list[str | None]
) -> list:
    """Exactly round(rate * n) models carry `safetensors` (never GGUF files, seldom adapters or old models)."""
    n = len(models)
    preference = np.ones(n)
    preference[models.relation == ADAPTER] = 0.2
    preference[models.created_day < np.datetime64("2022-06-01", "D")] *= 0.4
    preference[[q == "gguf" for q in quant]] = 0.0
    wanted = min(round(rate * n), int((preference > 0).sum()))
    chosen = set(rng.choice(n, size=wanted, replace=False, p=preference / preference.sum()).tolist())
    out: list = []
    for m in range(n):
        if m not in chosen:
            out.append(None)
            continue
        total = int(params[m])
        if quant[m] in ("gptq", "awq"):
            packed = total * 85 // 100
            out.append([("F16", total - packed), ("I32", packed)])
        elif quant[m] == "bnb":
            packed = total * 85 // 100
            out.append([("F16", total - packed), ("U8", packed)])
        elif quant[m] == "mlx":
            packed = total * 80 // 100
            out.append([("BF16", total - packed), ("U32", packed)])
        elif models.created_day[m] < np.datetime64("2022-06-01", "D"):
            out.append([("F32", total)])
        else:
            out.append([(("BF16", "F16", "F32")[rng.choice(3, p=(0.6, 0.3, 0.1))], total)])
    return out


def _mask(rng: np.random.Generator, values: list[str], rate: float) -> list[str | None]:
    """The values with exactly round(rate * n) of them removed."""
    gone = set(rng.choice(len(values), size=round(rate * len(values)), replace=False).tolist())
    return [None if i in gone else v for i, v in enumerate(values)]


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys])
    return keys[rng.choice(len(keys), p=p / p.sum())]
