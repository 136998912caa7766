"""Model names and ids: plausible, unique, and in the family the simulator planted.

A model's family is the lineage of its weights as its name states it
(`hubshare.attribution.families`), so names carry the family and nothing else does:
originals of a family's developer are its releases (`Qwen2.5-7B-Instruct`,
see `releases.py`); legacy ids are kept as given; derived models append what
was done to their first parent's name (`Qwen2.5-7B-Instruct-GGUF`,
`bert-base-uncased-finetuned-ner`), so every derived name starts with the name
of its root base model, and a merge follows its first parent. Every other
original gets a name that no family pattern matches: organisations number a
series with a size tag (`cedar-2-7b`); users name what the model does
(`tiny-sentiment`). `_id` imitates the Hub's object ids: 8 hex digits of the
creation time, then 16 random ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubshare.demo.lineage import ADAPTER, FINETUNE, Lineage
from hubshare.demo.metadata import Metadata
from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import MERGE, NO_RELATION, QUANTIZED, Models
from hubshare.demo.releases import Releases, legacy_family

# Words that no family pattern matches, even followed by a number or a size
# (`wan-2`, `yi-6b` and `sd-2` would; a test keeps these clear).
SERIES_WORDS = (
    "atlas",
    "beacon",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "iris",
    "juniper",
    "kestrel",
    "lumen",
    "meridian",
    "nova",
    "orbit",
    "prism",
    "quartz",
    "relay",
    "sierra",
    "tundra",
    "umbra",
    "vertex",
    "willow",
    "xenon",
    "yarrow",
    "zephyr",
    "aurora",
    "basalt",
    "cobalt",
    "dune",
    "finch",
    "glacier",
)
USER_PREFIXES = ("tiny", "my", "distil", "fast", "mini", "small", "custom", "demo", "test", "awesome", "simple")
TASK_WORDS = {
    "text-generation": ("chat", "writer", "coder", "assistant"),
    "text-classification": ("sentiment", "topic-classifier", "emotion", "spam-detector"),
    "fill-mask": ("mlm", "masked-lm"),
    "feature-extraction": ("embeddings", "encoder"),
    "sentence-similarity": ("sentence-embeddings", "retriever"),
    "token-classification": ("ner", "pos-tagger"),
    "text2text-generation": ("paraphraser", "rewriter"),
    "question-answering": ("qa", "squad"),
    "translation": ("translator", "mt-en-fr"),
    "summarization": ("summarizer",),
    "automatic-speech-recognition": ("asr", "transcriber"),
    "image-classification": ("vit", "image-classifier"),
    "object-detection": ("detector", "yolo"),
    "image-text-to-text": ("vlm", "captioner"),
    "text-to-image": ("diffusion", "anime-diffusion"),
    "image-to-image": ("inpainting", "upscaler"),
    "text-to-speech": ("tts", "voice"),
    "text-to-audio": ("music", "audio-gen"),
    "text-to-video": ("video-gen",),
    "image-to-video": ("animator",),
}
RL_NAMES = ("ppo-LunarLander-v2", "dqn-SpaceInvaders", "ppo-Huggy", "a2c-PandaReach")
# What a fine-tune was trained for, by task (`-finetuned-ner`, `-sql`).
FINETUNE_TOPICS = {
    "text-generation": ("alpaca", "sql", "math", "roleplay", "medical"),
    "image-text-to-text": ("docvqa", "chartqa", "ocr"),
    "text-classification": ("sentiment", "emotion", "imdb", "spam"),
    "fill-mask": ("legal", "clinical", "finance"),
    "feature-extraction": ("retrieval", "legal", "finance"),
    "sentence-similarity": ("retrieval", "legal", "finance"),
    "token-classification": ("ner", "pos"),
    "text2text-generation": ("paraphrase", "grammar"),
    "question-answering": ("squad",),
    "translation": ("en-fr", "en-de"),
    "summarization": ("cnn-dailymail", "xsum"),
    "automatic-speech-recognition": ("common-voice", "librispeech"),
    "image-classification": ("food101", "cifar10"),
    "object-detection": ("coco", "pcb-defects"),
    "text-to-image": ("anime", "pixel-art", "realistic"),
    "image-to-image": ("anime", "pixel-art", "realistic"),
    "text-to-speech": ("expressive", "japanese"),
    "text-to-video": ("anime", "cinematic"),
    "image-to-video": ("anime", "cinematic"),
}
OTHER_TOPICS = ("custom",)
FINETUNE_FORMS = ("-finetuned-{}", "-{}", "-ft")
# Preference tuning and refusal removal are done to chat models only.
CHAT_FINETUNE_FORMS = (*FINETUNE_FORMS, "-sft", "-dpo", "-orpo", "-abliterated")
CHAT_TASKS = ("text-generation", "image-text-to-text")
DERIVED_SUFFIXES = {
    ADAPTER: ("-lora", "-qlora", "-adapter", "-peft"),
    MERGE: ("-merged", "-slerp", "-ties"),
}
QUANT_SUFFIXES = {"gguf": "-GGUF", "gptq": "-GPTQ", "awq": "-AWQ", "mlx": "-4bit", "bnb": "-bnb-4bit"}
RENAME_SUFFIXES = ("v2", "final", "hf", "new", "fixed", "v1.1")
MAX_STEM = 60


@dataclass
class Names:
    name: list[str]  # the part after `namespace/` (the bare id for legacy models)
    object_id: list[str]
    private_id: list[str]
    private_object_id: list[str]
    taken: set[str]  # every id used so far, lower case
    family: list[str | None]  # the family each model's name places it in (None: no family)


def build_names(
    models: Models,
    namespaces: Namespaces,
    lineage: Lineage,
    meta: Metadata,
    releases: Releases,
    rng: np.random.Generator,
) -> Names:
    series = [SERIES_WORDS[i] for i in rng.integers(0, len(SERIES_WORDS), len(namespaces))]
    first_parent = lineage.first_parents(len(models))
    originals_so_far = np.zeros(len(namespaces), dtype=np.int64)
    # Legacy ids move into their owner's namespace, where no other model may take the name.
    taken: set[str] = {
        f"{namespaces.name[ns]}/{lid}".lower()
        for lid, ns in zip(models.legacy_id, models.namespace, strict=True)
        if lid is not None
    }
    names: list[str] = []
    family: list[str | None] = []
    for m in range(len(models)):
        ns = int(models.namespace[m])
        if models.legacy_id[m] is not None:
            names.append(str(models.legacy_id[m]))
            family.append(legacy_family(names[m]))
            continue
        parent = first_parent[m]
        release = releases.release[m]
        if release is not None:
            stem, family_ = release.name, release.family
        elif models.relation[m] != NO_RELATION and parent >= 0:
            stem = _derived_stem(rng, names[parent], int(models.relation[m]), meta.task[m], meta.quant_format[m])
            family_ = family[parent]
        elif models.uploader_class[m] == "user":
            stem, family_ = _user_stem(rng, meta.task[m]), None
        else:
            originals_so_far[ns] += 1
            stem, family_ = _series_stem(series[ns], int(originals_so_far[ns]), int(meta.params[m])), None
        names.append(_unique(namespaces.name[ns], stem, taken))
        family.append(family_)
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
        family=family,
    )


def renamed(namespace: str, name: str, taken: set[str], rng: np.random.Generator) -> str:
    """A new name in the same namespace (`stem-v2`, `stem-final`, ...)."""
    return _unique(namespace, f"{shortened(name)}-{RENAME_SUFFIXES[rng.integers(0, len(RENAME_SUFFIXES))]}", taken)


def shortened(name: str) -> str:
    """At most MAX_STEM characters, cut at a hyphen so that no word is cut into another
    (`...-sentiment` cut to `...-se` could read as a family)."""
    if len(name) <= MAX_STEM:
        return name
    cut = name.rfind("-", 0, MAX_STEM + 1)
    return name[:cut] if cut > 0 else name[:MAX_STEM]


def size_tag(params: int) -> str:
    if params >= 1e9:
        value = params / 1e9
        return f"{value:.0f}b" if value >= 10 else f"{value:.1f}b".replace(".0b", "b")
    return f"{max(params / 1e6, 1):.0f}m"


def _derived_stem(rng: np.random.Generator, parent_name: str, relation: int, task: str, quant: str | None) -> str:
    base = shortened(parent_name)
    if relation == QUANTIZED:
        return base + QUANT_SUFFIXES[quant or "gguf"]
    if relation == FINETUNE:
        topics = FINETUNE_TOPICS.get(task, OTHER_TOPICS)
        forms = CHAT_FINETUNE_FORMS if task in CHAT_TASKS else FINETUNE_FORMS
        form = forms[rng.integers(0, len(forms))]
        return base + form.format(topics[rng.integers(0, len(topics))])
    options = DERIVED_SUFFIXES[relation]
    return base + options[rng.integers(0, len(options))]


def _user_stem(rng: np.random.Generator, task: str) -> str:
    if task == "reinforcement-learning":
        return RL_NAMES[rng.integers(0, len(RL_NAMES))]
    words = TASK_WORDS[task]
    return f"{USER_PREFIXES[rng.integers(0, len(USER_PREFIXES))]}-{words[rng.integers(0, len(words))]}"


def _series_stem(word: str, version: int, params: int) -> str:
    generation = (version + 1) // 2
    return f"{word}-{size_tag(params)}" if generation == 1 else f"{word}-{generation}-{size_tag(params)}"


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
