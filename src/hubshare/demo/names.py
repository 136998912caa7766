"""Model names and ids: plausible, clearly synthetic, unique.

Organisations name a family and number its versions with a size tag
(`nova-2-7b`); users name what the model does (`tiny-sentiment`); derived
models append what was done to the parent (`nova-2-7b-GGUF`,
`nova-2-7b-instruct-lora`). `_id` imitates the Hub's object ids: 8 hex digits
of the creation time, then 16 random ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubshare.demo.lineage import ADAPTER, FINETUNE, Lineage
from hubshare.demo.metadata import Metadata
from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import MERGE, NO_RELATION, QUANTIZED, Models

FAMILIES = (
    "atlas", "beacon", "cedar", "delta", "ember", "fjord", "granite", "harbor", "iris", "juniper", "kestrel",
    "lumen", "meridian", "nova", "orbit", "prism", "quartz", "relay", "sierra", "tundra", "umbra", "vertex",
    "willow", "xenon", "yarrow", "zephyr", "aurora", "basalt", "cobalt", "dune", "falcon", "glacier",
)
USER_PREFIXES = ("tiny", "my", "distil", "fast", "mini", "small", "custom", "demo", "test", "awesome", "simple")
TASK_WORDS = {
    "text-generation": ("chat", "gpt", "writer", "coder"),
    "text-classification": ("sentiment", "topic-classifier", "emotion", "spam-detector"),
    "fill-mask": ("bert", "roberta", "mlm"),
    "feature-extraction": ("embeddings", "encoder"),
    "sentence-similarity": ("sentence-embeddings", "retriever"),
    "token-classification": ("ner", "pos-tagger"),
    "text2text-generation": ("t5", "paraphraser"),
    "question-answering": ("qa", "squad"),
    "translation": ("translator", "mt-en-fr"),
    "summarization": ("summarizer",),
    "automatic-speech-recognition": ("asr", "whisper"),
    "image-classification": ("vit", "image-classifier"),
    "object-detection": ("detector", "yolo"),
    "image-text-to-text": ("vlm", "captioner"),
    "text-to-image": ("diffusion", "anime-diffusion", "sd"),
    "image-to-image": ("inpainting", "upscaler"),
    "text-to-speech": ("tts", "voice"),
    "text-to-audio": ("music", "audio-gen"),
    "text-to-video": ("video-gen",),
    "image-to-video": ("animator",),
}
RL_NAMES = ("ppo-LunarLander-v2", "dqn-SpaceInvaders", "ppo-Huggy", "a2c-PandaReach")
DERIVED_SUFFIXES = {
    FINETUNE: ("instruct", "sft", "dpo", "finetuned", "chat", "ft"),
    ADAPTER: ("lora", "qlora", "adapter"),
    MERGE: ("merge", "slerp", "ties"),
}
QUANT_SUFFIXES = {"gguf": "GGUF", "gptq": "GPTQ", "awq": "AWQ", "mlx": "4bit"}
RENAME_SUFFIXES = ("v2", "final", "hf", "new", "fixed", "v1.1")
MAX_STEM = 60


@dataclass
class Names:
    name: list[str]  # the part after `namespace/` (the bare id for legacy models)
    object_id: list[str]
    private_id: list[str]
    private_object_id: list[str]
    taken: set[str]  # every id used so far, lower case


def build_names(models: Models, namespaces: Namespaces, lineage: Lineage, meta: Metadata, rng: np.random.Generator) -> Names:
    families = [FAMILIES[i] for i in rng.integers(0, len(FAMILIES), len(namespaces))]
    first_parent = lineage.first_parents(len(models))
    originals_so_far = np.zeros(len(namespaces), dtype=np.int64)
    taken: set[str] = {str(lid).lower() for lid in models.legacy_id if lid is not None}
    names: list[str] = []
    for m in range(len(models)):
        ns = int(models.namespace[m])
        if models.legacy_id[m] is not None:
            names.append(str(models.legacy_id[m]))
            continue
        parent = first_parent[m]
        if models.relation[m] != NO_RELATION and parent >= 0:
            stem = _derived_stem(rng, names[parent], int(models.relation[m]), meta.quant_format[m])
        elif models.uploader_class[m] == "user":
            stem = _user_stem(rng, meta.task[m])
        else:
            originals_so_far[ns] += 1
            stem = _family_stem(families[ns], int(originals_so_far[ns]), int(meta.params[m]))
        names.append(_unique(namespaces.name[ns], stem, taken))
    private_id = []
    for p, echoed in enumerate(lineage.private_echo):
        ns_name = namespaces.name[lineage.private_namespace[p]]
        private_id.append(f"{ns_name}/{_unique(ns_name, names[echoed].split('/')[-1] + '-private', taken)}")
    return Names(
        name=names,
        object_id=_object_ids(models.created_us, rng),
        private_id=private_id,
        private_object_id=_object_ids(models.created_us[lineage.private_echo], rng) if private_id else [],
        taken=taken,
    )


def renamed(namespace: str, name: str, taken: set[str], rng: np.random.Generator) -> str:
    """A new name in the same namespace (`stem-v2`, `stem-final`, ...)."""
    return _unique(namespace, f"{name[:MAX_STEM]}-{RENAME_SUFFIXES[rng.integers(0, len(RENAME_SUFFIXES))]}", taken)


def size_tag(params: int) -> str:
    if params >= 1e9:
        value = params / 1e9
        return f"{value:.0f}b" if value >= 10 else f"{value:.1f}b".replace(".0b", "b")
    return f"{max(params / 1e6, 1):.0f}m"


def _derived_stem(rng: np.random.Generator, parent_name: str, relation: int, quant: str | None) -> str:
    base = parent_name.split("/")[-1][:MAX_STEM]
    if relation == QUANTIZED:
        return f"{base}-{QUANT_SUFFIXES[quant or 'gguf']}"
    options = DERIVED_SUFFIXES[relation]
    return f"{base}-{options[rng.integers(0, len(options))]}"


def _user_stem(rng: np.random.Generator, task: str) -> str:
    if task == "reinforcement-learning":
        return RL_NAMES[rng.integers(0, len(RL_NAMES))]
    words = TASK_WORDS[task]
    return f"{USER_PREFIXES[rng.integers(0, len(USER_PREFIXES))]}-{words[rng.integers(0, len(words))]}"


def _family_stem(family: str, version: int, params: int) -> str:
    generation = (version + 1) // 2
    return f"{family}-{size_tag(params)}" if generation == 1 else f"{family}-{generation}-{size_tag(params)}"


def _unique(namespace: str, stem: str, taken: set[str]) -> str:
    name, n = stem, 1
    while f"{namespace}/{name}".lower() in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(f"{namespace}/{name}".lower())
    return name


def _object_ids(created_us: np.ndarray, rng: np.random.Generator) -> list[str]:
    seconds = created_us // 1_000_000
    tails = rng.integers(0, 2**63, size=len(seconds))
    ids = [f"{int(s) & 0xFFFFFFFF:08x}{int(t):016x}" for s, t in zip(seconds, tails, strict=True)]
    if len(set(ids)) != len(ids):
        raise ValueError("demo: duplicate object ids; change the seed")
    return ids
