"""Model properties read from Hub metadata: size, quantization, mixture of experts,
modality, licence, training-data transparency and openness.

Every rule is a vectorised polars expression over the normalized-snapshot
columns `model_id, pipeline_tag, library_name, tags, base_relation,
params_total` (plus the optional `gguf_total` and `datasets` when a source
carries them), so a full Hub snapshot is classified in one pass. Each public
function returns its property columns row-aligned with the input frame;
`model_properties` puts them together behind `model_key`.

Tags are compared in lower case. A null `tags` list means the source did not
say: flags read from tags are then False, the licence class is `unknown` and
the training-data transparency is `unknown`.
"""

from __future__ import annotations

import polars as pl

REQUIRED_COLUMNS = ("model_key", "model_id", "pipeline_tag", "library_name", "tags", "base_relation", "params_total")

PARAMS_SOURCES = ("safetensors", "gguf", "name", "none")

# A size token of a model name, after splitting the lower-cased name at `-`
# and `_`: optional expert count, number, unit (`7b`, `1.5b`, `8x7b`, `350m`).
# `a3b` (active parameters) and `4k` / `128k` (context lengths) do not match.
SIZE_TOKEN = r"^(?:(\d+)x)?(\d+(?:\.\d+)?)([bm])$"
SIZE_UNITS = {"b": 1e9, "m": 1e6}

QUANTIZATION_TAGS = (
    "gguf",
    "ggml",
    "gptq",
    "awq",
    "exl2",
    "exl3",
    "bitsandbytes",
    "4-bit",
    "8-bit",
    "hqq",
    "aqlm",
    "quanto",
)
QUANTIZATION_NAME = (
    r"(?:^|[-_.])(?:gguf|ggml|gptq|awq|exl2|exl3|bnb|nf4|int4|int8|fp8|[2-8]-?bits?|w4a16|w8a8)(?:[-_.]|$)"
)

MOE_TAG = (
    r"(?:^|[-_])moe(?:[-_]|$)|moe$|^mixtral$|^mixture[-_ ]of[-_ ]experts$"
    r"|^(?:deepseek_v2|deepseek_v3|dbrx|jamba|gpt_oss|llama4|switch_transformers)$"
)
MOE_NAME = (
    r"(?:^|[-_.])(?:\d+x\d+(?:\.\d+)?[bm]|a\d+(?:\.\d+)?b|moe)(?:[-_.]|$)"
    r"|mixtral|olmoe|deepseek-(?:coder-)?v[23]|gpt-oss|llama-4-(?:scout|maverick)"
)

# Hub pipeline tag -> (input modality, output modality). Outputs that are
# judgements about the input (labels, scores, boxes, masks, depth maps) are
# `prediction`, vectors are `embedding`, agent outputs are `action`; only
# newly generated media (image, audio, video, 3d, several at once) count as
# multimodal generation.
MODALITY_OF_TASK: dict[str, tuple[str, str]] = {
    "text-generation": ("text", "text"),
    "text2text-generation": ("text", "text"),
    "conversational": ("text", "text"),
    "summarization": ("text", "text"),
    "translation": ("text", "text"),
    "question-answering": ("text", "text"),
    "fill-mask": ("text", "text"),
    "text-classification": ("text", "prediction"),
    "token-classification": ("text", "prediction"),
    "zero-shot-classification": ("text", "prediction"),
    "multiple-choice": ("text", "prediction"),
    "text-ranking": ("text", "prediction"),
    "feature-extraction": ("text", "embedding"),
    "sentence-similarity": ("text", "embedding"),
    "text-retrieval": ("text", "embedding"),
    "text-to-image": ("text", "image"),
    "text-to-video": ("text", "video"),
    "text-to-speech": ("text", "audio"),
    "text-to-audio": ("text", "audio"),
    "text-to-3d": ("text", "3d"),
    "image-to-text": ("image", "text"),
    "image-to-image": ("image", "image"),
    "image-to-video": ("image", "video"),
    "image-to-3d": ("image", "3d"),
    "image-classification": ("image", "prediction"),
    "zero-shot-image-classification": ("image", "prediction"),
    "object-detection": ("image", "prediction"),
    "zero-shot-object-detection": ("image", "prediction"),
    "image-segmentation": ("image", "prediction"),
    "mask-generation": ("image", "prediction"),
    "depth-estimation": ("image", "prediction"),
    "keypoint-detection": ("image", "prediction"),
    "image-feature-extraction": ("image", "embedding"),
    "unconditional-image-generation": ("other", "image"),
    "video-classification": ("video", "prediction"),
    "video-to-video": ("video", "video"),
    "automatic-speech-recognition": ("audio", "text"),
    "audio-to-audio": ("audio", "audio"),
    "audio-classification": ("audio", "prediction"),
    "voice-activity-detection": ("audio", "prediction"),
    "image-text-to-text": ("multimodal", "text"),
    "visual-question-answering": ("multimodal", "text"),
    "document-question-answering": ("multimodal", "text"),
    "video-text-to-text": ("multimodal", "text"),
    "audio-text-to-text": ("multimodal", "text"),
    "image-text-to-image": ("multimodal", "image"),
    "image-text-to-video": ("multimodal", "video"),
    "visual-document-retrieval": ("multimodal", "embedding"),
    "any-to-any": ("multimodal", "multimodal"),
    "table-question-answering": ("tabular", "text"),
    "table-to-text": ("tabular", "text"),
    "tabular-to-text": ("tabular", "text"),
    "tabular-classification": ("tabular", "prediction"),
    "tabular-regression": ("tabular", "prediction"),
    "time-series-forecasting": ("tabular", "prediction"),
    "reinforcement-learning": ("other", "action"),
    "robotics": ("other", "action"),
    "graph-ml": ("other", "other"),
    "other": ("other", "other"),
}
UNKNOWN = "unknown"
GENERATED_MEDIA = ("image", "audio", "video", "3d", "multimodal")

# Licence classes from most to least open; a model under several licences may
# be used under any of them, so the most open class wins.
OSI_OPEN_SOURCE = "osi_open_source"
OPEN_NON_OSI = "open_non_osi"
USE_RESTRICTED = "open_with_use_restrictions"
NON_COMMERCIAL = "non_commercial"
OTHER = "other"
LICENSE_CLASSES = (OSI_OPEN_SOURCE, OPEN_NON_OSI, USE_RESTRICTED, NON_COMMERCIAL, OTHER, UNKNOWN)

# Hub licence identifiers approved by the Open Source Initiative (the `bsd`,
# `gpl` and `lgpl` family ids included).
OSI_LICENSES = (
    "apache-2.0",
    "mit",
    "afl-3.0",
    "artistic-2.0",
    "bsl-1.0",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "ecl-2.0",
    "epl-1.0",
    "epl-2.0",
    "eupl-1.1",
    "eupl-1.2",
    "agpl-3.0",
    "gpl",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl",
    "lgpl-2.1",
    "lgpl-3.0",
    "isc",
    "ms-pl",
    "mpl-2.0",
    "osl-3.0",
    "postgresql",
    "ncsa",
    "unlicense",
    "zlib",
    "ofl-1.1",
    "lppl-1.3c",
)
# Free of use restrictions but not OSI-approved: Creative Commons BY / BY-SA /
# CC0 and data licences written for content rather than software.
OPEN_NON_OSI_LICENSES = (
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cdla-sharing-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "odc-by",
    "odbl",
    "pddl",
    "wtfpl",
    "etalab-2.0",
    "gfdl",
    "bsd-3-clause-clear",
    "lgpl-lr",
    "openmdw-1.0",
    "apple-ascl",
)
# Weights anyone may download, under behavioural use policies or user caps
# (RAIL licences, Llama, Gemma, DeepSeek and Qwen community licences).
USE_RESTRICTED_LICENSES = (
    "openrail",
    "openrail++",
    "creativeml-openrail-m",
    "bigscience-openrail-m",
    "bigcode-openrail-m",
    "bigscience-bloom-rail-1.0",
    "gemma",
    "deepseek",
    "tongyi-qianwen",
    "qwen",
)
USE_RESTRICTED_PATTERN = r"^llama\d"  # llama2, llama3, llama3.1, ..., llama4
NON_COMMERCIAL_LICENSES = (
    "fair-noncommercial-research-license",
    "deepfloyd-if-license",
    "h-research",
    "intel-research",
    "apple-amlr",
    "qwen-research",
)
NON_COMMERCIAL_PATTERN = r"^cc-by-nc"  # every CC NonCommercial variant

OPEN_SOURCE = "open_source"
OPEN_WEIGHTS = "open_weights"
TRANSPARENCY_LEVELS = ("disclosed", "not_disclosed", UNKNOWN)


class PropertiesError(ValueError):
    pass


def params(frame: pl.DataFrame) -> pl.DataFrame:
    """Total parameter count `params` (Int64) and where it came from, `params_source`.

    Rule, first source that has a positive value wins:
    1. `safetensors` - `params_total` (the Hub's `safetensors.total`);
    2. `gguf` - `gguf_total` (the Hub's GGUF metadata), when the frame has it;
    3. `name` - the largest size token of the model name: `7B` = 7e9,
       `1.5b` = 1.5e9, `350M` = 3.5e8, and `8x7B` = 8 * 7e9 = 56e9, because
       the name rule counts experts times expert size (Mixtral-8x7B really
       has 46.7e9 parameters, which its safetensors total gives when present).
       Active-parameter suffixes (`A3B`) and context lengths (`128k`) are not
       sizes; taking the largest token keeps `Qwen2.5-7B-Instruct-1M` at 7e9.
       An adapter's name usually states its base model's size, not its own.
    4. `none` - no size known (`params` null).
    """
    gguf = pl.col("gguf_total") if "gguf_total" in frame.columns else pl.lit(None, dtype=pl.Int64)
    # One column per source first, so that the costly name parse runs once.
    sources = frame.select(
        safetensors=pl.when(pl.col("params_total") > 0).then(pl.col("params_total")),
        gguf=pl.when(gguf > 0).then(gguf),
        name=_name_size().cast(pl.Int64),
    )
    return sources.select(
        pl.coalesce(PARAMS_SOURCES[:-1]).alias("params"),
        pl.coalesce(
            *(pl.when(pl.col(source).is_not_null()).then(pl.lit(source)) for source in PARAMS_SOURCES[:-1]),
            pl.lit("none"),
        ).alias("params_source"),
    )


def is_quantized(frame: pl.DataFrame) -> pl.DataFrame:
    """`is_quantized`: the model is a reduced-precision copy of weights.

    True when any of: `base_relation == "quantized"`; `library_name == "gguf"`;
    a tag in QUANTIZATION_TAGS (gguf, ggml, gptq, awq, exl2/3, bitsandbytes,
    4-bit, 8-bit, hqq, aqlm, quanto); a name token such as `-GGUF`, `-AWQ`,
    `-GPTQ`, `-exl2`, `-bnb-4bit`, `-4bit`, `-8bit`, `-MLX-4bit`, `-int4`,
    `-fp8`, `-nf4`. Not enough on their own: the `mlx` tag (MLX conversions
    are also published at full precision; quantized ones state the bit width)
    and the `fp8` tag (also worn by models trained and released in FP8, such
    as DeepSeek-V3, which are originals, not copies).
    """
    by_tag = _lower_tags().list.eval(pl.element().is_in(QUANTIZATION_TAGS)).list.any().fill_null(False)
    return frame.select(
        (
            (pl.col("base_relation") == "quantized").fill_null(False)
            | (pl.col("library_name").str.to_lowercase() == "gguf").fill_null(False)
            | by_tag
            | _name().str.contains(QUANTIZATION_NAME).fill_null(False)
        ).alias("is_quantized")
    )


def is_moe(frame: pl.DataFrame) -> pl.DataFrame:
    """`is_moe`: the model uses a mixture-of-experts architecture.

    True when a tag names one (`moe`, `mixture-of-experts`, an architecture
    tag ending in `moe` such as `qwen2_moe`, `qwen3_moe`, `olmoe`, or
    `mixtral`, `deepseek_v2`, `deepseek_v3`, `dbrx`, `jamba`, `gpt_oss`,
    `llama4`, `switch_transformers`), or the name does: an `NxM` size
    (`8x7B`), an active-parameter suffix (`A3B`, `A22B`), a `MoE` token, or
    the family names Mixtral, OLMoE, DeepSeek-V2/V3, gpt-oss, Llama-4
    Scout/Maverick. DeepSeek-R1 is caught by its `deepseek_v3` tag, not by
    name, because its distilled models are dense.
    """
    architecture_tags = _lower_tags().list.eval(pl.element().filter(~pl.element().str.contains(":")))
    by_tag = architecture_tags.list.eval(pl.element().str.contains(MOE_TAG)).list.any().fill_null(False)
    return frame.select((by_tag | _name().str.contains(MOE_NAME).fill_null(False)).alias("is_moe"))


def modality(frame: pl.DataFrame) -> pl.DataFrame:
    """`input_modality`, `output_modality` and `is_multimodal_generation` from `pipeline_tag`.

    The modalities come from MODALITY_OF_TASK; a null or unlisted pipeline tag
    gives `unknown`. Multimodal generation (FACTS.md: "share of downloads to
    models whose output is not text", our reading) is an output of newly
    generated image, audio, video, 3D or several modalities at once:
    text-to-image, image-to-image, text-to-video, image-to-video,
    text-to-speech, text-to-audio, audio-to-audio, text-to-3d, any-to-any,
    ... Outputs that are judgements about the input (class labels, boxes,
    segmentation masks, depth maps), embeddings and agent actions are not
    text either but are not generation, so they do not count. An unknown
    task does not count.
    """
    task = pl.col("pipeline_tag").str.to_lowercase()
    inputs = {tag: pair[0] for tag, pair in MODALITY_OF_TASK.items()}
    outputs = {tag: pair[1] for tag, pair in MODALITY_OF_TASK.items()}
    output = task.replace_strict(outputs, default=UNKNOWN, return_dtype=pl.String)
    return frame.select(
        task.replace_strict(inputs, default=UNKNOWN, return_dtype=pl.String).alias("input_modality"),
        output.alias("output_modality"),
        output.is_in(GENERATED_MEDIA).alias("is_multimodal_generation"),
    )


def license_class(frame: pl.DataFrame) -> pl.DataFrame:
    """`license_class` from the `license:` tags, one of LICENSE_CLASSES.

    - `osi_open_source`: an OSI-approved licence (apache-2.0, mit, bsd-*,
      gpl-*, lgpl-*, agpl-3.0, mpl-2.0, ...; OSI_LICENSES);
    - `open_non_osi`: no use restrictions but not OSI-approved: Creative
      Commons BY, BY-SA and CC0 and data licences (OPEN_NON_OSI_LICENSES).
      The OSI has approved no Creative Commons licence, so cc-by-4.0 is not
      open source here;
    - `open_with_use_restrictions`: RAIL licences (openrail, openrail++,
      creativeml-openrail-m, bigscience-bloom-rail-1.0, ...), llama2/3/4
      community licences, gemma, deepseek, qwen (tongyi-qianwen);
    - `non_commercial`: cc-by-nc-* and research-only licences;
    - `other`: `license:other`, the ambiguous `cc` family id, no-derivatives
      licences and any identifier not listed;
    - `unknown`: `license:unknown`, no licence tag, or no tags at all.
    With several licence tags the most open class wins (a dual-licensed model
    may be used under either).
    """
    licences = _lower_tags().list.eval(
        pl.element().filter(pl.element().str.starts_with("license:")).str.strip_prefix("license:")
    )
    rank = licences.list.eval(_license_rank(pl.element())).list.min()
    classes = dict(enumerate(LICENSE_CLASSES))
    return frame.select(rank.replace_strict(classes, default=UNKNOWN, return_dtype=pl.String).alias("license_class"))


def training_data(frame: pl.DataFrame) -> pl.DataFrame:
    """`training_data_transparency` (disclosed, not_disclosed, unknown) and the flag `training_data_disclosed`.

    `disclosed`: the model names at least one training dataset, as a
    `dataset:` tag (the Hub derives these from the card's `datasets:` field)
    or in a `datasets` column when the source carries one. `not_disclosed`:
    tags are known and name none. `unknown`: the source gave no tags (and no
    `datasets`). The paper's "disclosed and available" needs one more check
    that this metadata cannot make: that the named data can actually be
    obtained (a `dataset:` tag need not point to a public dataset); so
    `disclosed` here is "disclosed", an upper bound on "disclosed and available".
    """
    tagged = pl.col("tags").list.eval(pl.element().str.starts_with("dataset:")).list.any()
    known = pl.col("tags").is_not_null()
    if "datasets" in frame.columns:
        listed = pl.col("datasets").list.len() > 0
        tagged = tagged.fill_null(False) | listed.fill_null(False)
        known = known | pl.col("datasets").is_not_null()
    transparency = (
        pl.when(~known)
        .then(pl.lit(UNKNOWN))
        .when(tagged.fill_null(False))
        .then(pl.lit("disclosed"))
        .otherwise(pl.lit("not_disclosed"))
    )
    return frame.select(
        transparency.alias("training_data_transparency"),
        (transparency == "disclosed").alias("training_data_disclosed"),
    )


def openness(frame: pl.DataFrame) -> pl.DataFrame:
    """`openness`: `open_source` or `open_weights`.

    Our reading of the paper's distinction: a model is open source when its
    licence is OSI-approved AND it discloses its training data
    (`license_class == "osi_open_source"` and
    `training_data_transparency == "disclosed"`); every other model on the
    Hub is open weights (its weights can be downloaded, under whatever terms).
    Unknown licence or transparency is not evidence of openness, so it gives
    open weights. Gated repositories cannot be told apart in this metadata.
    """
    parts = pl.concat([license_class(frame), training_data(frame)], how="horizontal")
    return parts.select(_openness_of_columns())


def model_properties(frame: pl.DataFrame) -> pl.DataFrame:
    """`model_key` and every property column, one row per input row, in input order.

    Give it one snapshot (e.g. the latest in which each model appears) to get
    one row per model.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise PropertiesError(f"model properties: the frame lacks the column(s) {', '.join(missing)}")
    return pl.concat(
        [
            frame.select("model_key"),
            params(frame),
            is_quantized(frame),
            is_moe(frame),
            modality(frame),
            license_class(frame),
            training_data(frame),
        ],
        how="horizontal",
    ).with_columns(_openness_of_columns())


def _openness_of_columns() -> pl.Expr:
    """`openness` from the `license_class` and `training_data_transparency` columns (rule in `openness`)."""
    is_open_source = (pl.col("license_class") == OSI_OPEN_SOURCE) & (
        pl.col("training_data_transparency") == "disclosed"
    )
    return pl.when(is_open_source).then(pl.lit(OPEN_SOURCE)).otherwise(pl.lit(OPEN_WEIGHTS)).alias("openness")


def _name() -> pl.Expr:
    """The lower-cased model name without its namespace."""
    return pl.col("model_id").str.to_lowercase().str.replace(r"^.*/", "")


def _lower_tags() -> pl.Expr:
    return pl.col("tags").list.eval(pl.element().str.to_lowercase())


def _name_size() -> pl.Expr:
    token = pl.element()
    # Keep only size tokens before parsing: most tokens are words, and the
    # three extractions below are the costly part on a full snapshot.
    size_tokens = (
        _name().str.replace_all("_", "-").str.split("-").list.eval(token.filter(token.str.contains(SIZE_TOKEN)))
    )
    experts = token.str.extract(SIZE_TOKEN, 1).cast(pl.Float64).fill_null(1.0)
    number = token.str.extract(SIZE_TOKEN, 2).cast(pl.Float64)
    unit = token.str.extract(SIZE_TOKEN, 3).replace_strict(SIZE_UNITS, return_dtype=pl.Float64)
    return size_tokens.list.eval(experts * number * unit).list.max().round(0)


def _license_rank(licence: pl.Expr) -> pl.Expr:
    """Index in LICENSE_CLASSES of one licence identifier."""
    rank = LICENSE_CLASSES.index
    return (
        pl.when(licence.is_in(OSI_LICENSES))
        .then(rank(OSI_OPEN_SOURCE))
        .when(licence.is_in(OPEN_NON_OSI_LICENSES))
        .then(rank(OPEN_NON_OSI))
        .when(licence.is_in(USE_RESTRICTED_LICENSES) | licence.str.contains(USE_RESTRICTED_PATTERN))
        .then(rank(USE_RESTRICTED))
        .when(licence.is_in(NON_COMMERCIAL_LICENSES) | licence.str.contains(NON_COMMERCIAL_PATTERN))
        .then(rank(NON_COMMERCIAL))
        .when(licence == UNKNOWN)
        .then(rank(UNKNOWN))
        .otherwise(rank(OTHER))
    )
