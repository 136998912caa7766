"""Hub-scale weekly snapshots in the raw contract, for the performance benchmark.

Writes `<out>/<date>.parquet` (zstd) for each weekly snapshot and
`<out>/manifest.json` (dates, rows per snapshot, the arguments and seed).
Everything is drawn with numpy and assembled with polars expressions, one
vectorised pass per snapshot, so 2 million rows a week take seconds.

Calibration (public figures for the Hub's `models.parquet`, October 2025):
about a third of models have 30-day downloads; `baseModels` is present on 28%
(adapter 43%, finetune 36%, quantized 19%, merge 2%); `safetensors` on 23%
with total parameters of median 765M and quartiles 124M and 6.7B; downloads
are extremely concentrated (1% of models hold nearly all of them). `--models`
is the mean number of rows per snapshot: the Hub grows about 1.5% a week and
loses about 0.15% of its models a week, so the first snapshot is smaller and
the last larger than the mean.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from hubshare.contracts.base import UTC_MICROS
from hubshare.contracts.raw_tables import RAW_COLUMNS

REPO = Path(__file__).resolve().parent.parent
REGISTRY_CSV = REPO / "data" / "raw" / "attribution" / "organizations.csv"
LEGACY_CSV = REPO / "data" / "raw" / "attribution" / "legacy_ids.csv"

WEEKLY_NEW_MODELS = 0.015
WEEKLY_DELETION = 0.0015
WEEKLY_ABSENCE = 0.0005  # a model missing from one snapshot and back the next
WEEKLY_COUNTER_RESET = 2e-6
RENAMED = 0.002
MODELS_PER_NAMESPACE = 5
DERIVED = 0.2809
RELATIONS = ["adapter", "finetune", "quantized", "merge"]
RELATION_WEIGHTS = [0.4257, 0.3591, 0.1922, 0.0230]
PRIVATE_PARENT = 0.01  # parent id never listed (private or deleted before the window)
PLANTED_CYCLES = 5
SAFETENSORS = 0.2338

PIPELINE_TAGS = [
    "text-generation",
    "text-classification",
    "text-to-image",
    "automatic-speech-recognition",
    "feature-extraction",
    "sentence-similarity",
    "fill-mask",
    "token-classification",
    "image-classification",
    "text2text-generation",
    "reinforcement-learning",
    "image-text-to-text",
    "translation",
    "question-answering",
    "object-detection",
    "text-to-speech",
    "summarization",
    "image-segmentation",
    "zero-shot-classification",
    "audio-classification",
]
LIBRARIES = [
    "transformers",
    "diffusers",
    "peft",
    "sentence-transformers",
    "gguf",
    "stable-baselines3",
    "timm",
    "mlx",
    "ml-agents",
    "keras",
    "onnx",
    "adapter-transformers",
    "pytorch",
    "open_clip",
]
LICENSES = [
    "apache-2.0",
    "mit",
    "other",
    "llama3.1",
    "cc-by-4.0",
    "openrail",
    "gemma",
    "cc-by-nc-4.0",
    "llama3",
    "gpl-3.0",
]
DATASETS = [
    "HuggingFaceH4/ultrachat_200k",
    "teknium/OpenHermes-2.5",
    "wikitext",
    "imagenet-1k",
    "squad",
    "glue",
    "common_voice",
    "laion/laion2B-en",
    "Open-Orca/SlimOrca",
    "tatsu-lab/alpaca",
]
DTYPES = ["BF16", "F16", "F32", "I8", "U8", "F8_E4M3"]
FAMILIES = [
    "llama",
    "qwen2",
    "mistral",
    "gemma",
    "phi",
    "bert",
    "roberta",
    "t5",
    "whisper",
    "stable-diffusion",
    "flux",
    "deepseek",
    "falcon",
    "gpt2",
    "electra",
    "vit",
    "clip",
    "wav2vec2",
    "bart",
    "distilbert",
    "mixtral",
    "yi",
    "olmo",
    "smollm",
    "granite",
    "internlm",
    "baichuan",
    "chatglm",
    "xlm-roberta",
    "deberta",
]
SIZES = ["0.5b", "1b", "1.5b", "3b", "7b", "8b", "13b", "14b", "32b", "70b", "base", "large", "small", "tiny", "mini"]
VARIANTS = [
    "instruct",
    "chat",
    "finetuned",
    "lora",
    "gguf",
    "awq",
    "gptq",
    "sft",
    "dpo",
    "merged",
    "v2",
    "uncensored",
    "ft-imdb",
    "squad",
    "ner",
    "sentiment",
    "summarizer",
    "coder",
    "math",
    "distilled",
]
WORDS = [
    "quiet",
    "brisk",
    "amber",
    "lunar",
    "solar",
    "tidal",
    "cobalt",
    "maple",
    "cedar",
    "ember",
    "falcon",
    "otter",
    "heron",
    "lynx",
    "raven",
    "badger",
    "willow",
    "aspen",
    "delta",
    "nova",
    "pixel",
    "vector",
    "tensor",
    "kernel",
    "neural",
    "quantum",
    "sparse",
    "dense",
    "latent",
    "signal",
]


@dataclass
class Population:
    """Every model that is listed in at least one snapshot, in creation order."""

    created_k: np.ndarray  # first snapshot listing the model
    deleted_k: np.ndarray  # first snapshot no longer listing it (weeks: never)
    renamed_k: np.ndarray  # first snapshot listing the new id (weeks: never)
    popularity: np.ndarray  # expected downloads per week
    initial_downloads: np.ndarray  # cumulative count before the first snapshot
    static: pl.DataFrame  # columns that do not change between snapshots, plus `renamed_id`


def snapshot_dates(last: dt.date, weeks: int) -> list[dt.date]:
    return [last - dt.timedelta(weeks=weeks - 1 - k) for k in range(weeks)]


def hex_strings(values: np.ndarray, width: int) -> pl.Series:
    """Lower-case hex of unsigned integers, zero-padded to `width` digits, as a polars String series."""
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    nibbles = (values.astype(np.uint64)[:, None] >> shifts) & np.uint64(15)
    characters = np.ascontiguousarray(digits[nibbles])
    return pl.Series(characters.view(f"S{width}").ravel()).cast(pl.String)


def pick(rng: np.random.Generator, vocabulary: list[str], n: int, weights: np.ndarray | None = None) -> pl.Series:
    return pl.Series(np.asarray(vocabulary, dtype=object)[rng.choice(len(vocabulary), n, p=weights)], dtype=pl.String)


def zipf_weights(n: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def namespaces(rng: np.random.Generator, n_models: int) -> tuple[pl.Series, int]:
    """Namespace names: the registry's namespaces first (they own the most models), then synthetic users.

    Returns the names and how many of them come from the registry.
    """
    registry = pl.read_csv(REGISTRY_CSV, columns=["namespace"], infer_schema=False)["namespace"]
    registry = registry.sample(fraction=1.0, shuffle=True, seed=int(rng.integers(2**31)))
    n_users = max(n_models // MODELS_PER_NAMESPACE - registry.len(), 1)
    users = pl.DataFrame(
        {
            "first": pick(rng, WORDS, n_users),
            "second": pick(rng, WORDS, n_users),
            # A serial number keeps the names unique.
            "serial": pl.Series(np.arange(1000, 1000 + n_users), dtype=pl.Int64),
        }
    ).select(pl.concat_str("first", pl.lit("-"), "second", "serial").alias("namespace"))["namespace"]
    return pl.concat([registry, users]), registry.len()


def draw_population(rng: np.random.Generator, mean_models: int, dates: list[dt.date]) -> Population:
    weeks = len(dates)
    new_per_week = int(round(WEEKLY_NEW_MODELS * mean_models)) if weeks > 1 else 0
    initial = max(mean_models - new_per_week * (weeks - 1) // 2, 1)
    n = initial + new_per_week * (weeks - 1)
    created_k = np.concatenate([np.zeros(initial, dtype=np.int64), np.repeat(np.arange(1, weeks), new_per_week)])
    lifetime = rng.geometric(WEEKLY_DELETION, n)
    deleted_k = np.minimum(created_k + lifetime, weeks)
    renamed_k = np.full(n, weeks, dtype=np.int64)

    # Creation times: the initial models over the Hub's history, denser recently; new ones in the week before they appear.
    first_day = dt.datetime.combine(dates[0], dt.time(), tzinfo=dt.UTC)
    first_us = int(first_day.timestamp() * 1e6)
    day_us = 86_400 * 10**6
    age_days = np.sort(np.minimum(rng.exponential(300.0, initial), 2400.0))[::-1]
    created_us = np.empty(n, dtype=np.int64)
    created_us[:initial] = first_us - (age_days * day_us).astype(np.int64) - day_us
    created_us[initial:] = first_us + ((created_k[initial:] - 1) * 7 + rng.uniform(0, 7, n - initial)) * day_us
    created_us[initial:] = np.sort(created_us[initial:])

    ns_names, n_registry = namespaces(rng, n)
    # Namespace sizes are heavy-tailed: a power of a uniform favours the first (registry) namespaces.
    namespace = np.minimum((ns_names.len() * rng.uniform(size=n) ** 3).astype(np.int64), ns_names.len() - 1)
    legacy = pl.read_csv(LEGACY_CSV, columns=["model_id"], infer_schema=False)["model_id"]
    n_legacy = min(legacy.len(), initial // 2)

    popularity = np.exp(rng.normal(-3.6, 3.3, n))
    popularity[namespace < n_registry] *= 20.0
    popularity[:n_legacy] *= 200.0
    initial_downloads = rng.poisson(np.minimum(popularity[:initial] * age_days / 7.0, 1e12))
    initial_downloads = np.concatenate([initial_downloads, np.zeros(n - initial, dtype=np.int64)])

    parents = draw_lineage(rng, n, n_legacy, popularity)
    is_parent = np.zeros(n, dtype=bool)
    is_parent[parents["parent"].filter(parents["parent"] >= 0).to_numpy()] = True
    # Renames only of models that nobody names as a parent, so parent ids stay valid in every snapshot.
    renamable = np.flatnonzero(~is_parent & (deleted_k - created_k >= 2))
    renamed = rng.choice(renamable, min(int(RENAMED * n), renamable.size), replace=False)
    renamed_k[renamed] = rng.integers(created_k[renamed] + 1, deleted_k[renamed])

    frame = pl.DataFrame(
        {
            "row": np.arange(n, dtype=np.int64),
            "namespace": ns_names.gather(namespace),
            "family": pick(rng, FAMILIES, n),
            "size": pick(rng, SIZES, n),
            "variant": pick(rng, VARIANTS, n),
            # An odd multiplier permutes the integers modulo 2**28, so the suffix is unique per model.
            "suffix": hex_strings((np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B1)) % np.uint64(2**28), 7),
            "legacy_id": pl.concat([legacy.head(n_legacy), pl.repeat(None, n - n_legacy, dtype=pl.String, eager=True)]),
            # ObjectIds: creation second, then a number unique to the model, as the Hub's `_id`.
            "id_time": hex_strings((created_us // 10**6).astype(np.uint64), 8),
            "id_counter": hex_strings(np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15), 16),
            "createdAt": pl.Series(created_us, dtype=pl.Int64).cast(UTC_MICROS),
            "author_missing": rng.uniform(size=n) < 0.002,
        }
    )
    name = pl.concat_str(
        "namespace", pl.lit("/"), "family", pl.lit("-"), "size", pl.lit("-"), "variant", pl.lit("-"), "suffix"
    )
    frame = frame.select(
        "row",
        pl.concat_str("id_time", "id_counter").alias("_id"),
        pl.coalesce("legacy_id", name).alias("id"),
        pl.concat_str(name, pl.lit("-renamed")).alias("renamed_id"),
        # A legacy id has no author; a few other rows miss it too, as on the Hub.
        pl.when(pl.col("legacy_id").is_null() & ~pl.col("author_missing")).then(pl.col("namespace")).alias("author"),
        "createdAt",
    )
    static = static_columns(rng, frame, parents)
    return Population(created_k, deleted_k, renamed_k, popularity, initial_downloads, static)


def draw_lineage(rng: np.random.Generator, n: int, n_legacy: int, popularity: np.ndarray) -> pl.DataFrame:
    """Edges (child, position, parent, relation) of the base-model graph; parent -1 is a private model.

    Most derived models build on a popular foundation model; the rest on any
    earlier model, which gives chains (quantized fine-tunes) a few levels deep.
    """
    children = np.flatnonzero(rng.uniform(size=n) < DERIVED)
    children = children[children > n_legacy]
    relation = rng.choice(len(RELATIONS), children.size, p=RELATION_WEIGHTS)
    n_parents = np.where(relation == RELATIONS.index("merge"), rng.integers(2, 4, children.size), 1)
    child = np.repeat(children, n_parents)
    position = np.arange(child.size) - np.repeat(np.cumsum(n_parents) - n_parents, n_parents)
    foundations = np.sort(np.argsort(popularity)[-max(n // 400, 1) :])
    chosen = foundations[rng.integers(0, foundations.size, child.size)]
    uniform = (rng.uniform(size=child.size) * child).astype(np.int64)
    # Rows are in creation order, so a lower row is an older model.
    parent = np.where((rng.uniform(size=child.size) < 0.6) & (chosen < child), chosen, uniform)
    parent[rng.uniform(size=child.size) < PRIVATE_PARENT] = -1
    edges = pl.DataFrame(
        {
            "child": child,
            "position": position,
            "parent": parent,
            "relation": pl.Series(np.asarray(RELATIONS, dtype=object)[np.repeat(relation, n_parents)], dtype=pl.String),
        }
    )
    # Mutual parents, which the Hub's data contain through re-uploads: the lineage walk must stop on them.
    singles = edges.filter(pl.col("relation") != "merge").head(2 * PLANTED_CYCLES)
    pairs = singles.with_columns(pl.col("child").reverse().alias("parent"))
    return edges.join(pairs, on=["child", "position"], how="anti").vstack(pairs).sort("child", "position")


def static_columns(rng: np.random.Generator, frame: pl.DataFrame, parents: pl.DataFrame) -> pl.DataFrame:
    """Columns of the raw contract that do not change between snapshots, plus the bookkeeping ones."""
    n = frame.height
    base = (
        parents.join(frame.select("row", "_id", "id"), left_on="parent", right_on="row", how="left")
        .with_columns(
            pl.coalesce("id", pl.concat_str(pl.lit("private-lab/hidden-"), pl.col("child").cast(pl.String))).alias(
                "id"
            ),
            pl.coalesce("_id", pl.lit("000000000000000000000000")).alias("_id"),
        )
        .group_by("child", maintain_order=True)
        .agg(
            pl.struct("_id", "id").alias("models"),
            pl.col("relation").first(),
            pl.format("base_model:{}", "id").alias("plain_tags"),
            pl.format("base_model:{}:{}", "relation", "id").alias("relation_tags"),
        )
        .select(
            pl.col("child").alias("row"),
            pl.struct("models", "relation").alias("baseModels"),
            pl.concat_list("plain_tags", "relation_tags").alias("base_model_tags"),
            (pl.col("relation") == "quantized").alias("quantized"),
        )
    )
    total = np.minimum(np.exp(rng.normal(np.log(765e6), 2.96, n)), 684.5e9).astype(np.int64)
    first_share = np.where(rng.uniform(size=n) < 0.7, 1.0, rng.uniform(0.5, 0.99, n))
    pipeline = pick(rng, PIPELINE_TAGS, n, zipf_weights(len(PIPELINE_TAGS)))
    library = pick(rng, LIBRARIES, n, zipf_weights(len(LIBRARIES), 1.4))
    draws = pl.DataFrame(
        {
            "pipeline_tag": pl.select(pl.when(pl.lit(rng.uniform(size=n)) > 0.4).then(pl.lit(pipeline))).to_series(),
            "library_name": pl.select(pl.when(pl.lit(rng.uniform(size=n)) > 0.3).then(pl.lit(library))).to_series(),
            "license": pick(rng, LICENSES, n, zipf_weights(len(LICENSES))),
            "dataset": pl.select(
                pl.when(pl.lit(rng.uniform(size=n)) < 0.3).then(
                    pl.concat_str(pl.lit("dataset:"), pl.lit(pick(rng, DATASETS, n)))
                )
            ).to_series(),
            "has_safetensors": rng.uniform(size=n) < SAFETENSORS,
            "dtype_first": pick(rng, DTYPES, n, zipf_weights(len(DTYPES))),
            "dtype_second": pick(rng, DTYPES, n),
            "count_first": (total * first_share).astype(np.int64),
            "count_second": total - (total * first_share).astype(np.int64),
        }
    )
    parameters = pl.concat_list(
        pl.struct(pl.col("dtype_first").alias("dtype"), pl.col("count_first").alias("count")),
        pl.when(pl.col("count_second") > 0).then(
            pl.struct(pl.col("dtype_second").alias("dtype"), pl.col("count_second").alias("count"))
        ),
    ).list.drop_nulls()
    return (
        pl.concat([frame, draws], how="horizontal")
        .join(base, on="row", how="left", maintain_order="left")
        .select(
            "_id",
            "id",
            "renamed_id",
            "author",
            "createdAt",
            "pipeline_tag",
            "library_name",
            pl.concat_list(
                "library_name",
                "pipeline_tag",
                pl.when(pl.col("quantized")).then(pl.lit("gguf")),
                pl.when(pl.col("has_safetensors")).then(pl.lit("safetensors")),
                "dataset",
                pl.concat_str(pl.lit("license:"), "license"),
                pl.lit("region:us"),
            )
            .list.concat(pl.col("base_model_tags").fill_null(pl.lit([], dtype=pl.List(pl.String))))
            .list.drop_nulls()
            .alias("tags"),
            "baseModels",
            pl.when("has_safetensors")
            .then(
                pl.struct(
                    parameters.alias("parameters"), (pl.col("count_first") + pl.col("count_second")).alias("total")
                )
            )
            .alias("safetensors"),
        )
    )


def write_snapshots(population: Population, dates: list[dt.date], rng: np.random.Generator, out: Path) -> list[dict]:
    """Advance the counters week by week and write each snapshot; returns one manifest entry per snapshot."""
    n = population.static.height
    all_time = population.initial_downloads.copy()
    recent = np.zeros((4, n), dtype=np.int64)  # the last four weekly increments: the rolling 30-day count
    written = []
    for k, day in enumerate(dates):
        started = time.perf_counter()
        listed = (population.created_k <= k) & (k < population.deleted_k)
        increment = rng.poisson(population.popularity * rng.gamma(2.0, 0.5, n))
        increment[population.created_k > k] = 0
        if k > 0:
            reset = rng.uniform(size=n) < WEEKLY_COUNTER_RESET
            all_time = np.where(reset, increment, all_time + increment)
        first_seen = population.created_k == k
        if k > 0:
            # A new model's cumulative count holds its downloads since creation, a few days.
            increment[first_seen] = rng.poisson(
                population.popularity[first_seen] * rng.uniform(0.1, 1.0, first_seen.sum())
            )
            all_time[first_seen] = increment[first_seen]
        recent[k % 4] = increment
        rolling = (
            np.minimum(recent.sum(axis=0), all_time)
            if k >= 3
            else np.minimum(all_time, recent.sum(axis=0) * 4 // (k + 1))
        )
        likes = (np.sqrt(all_time) / 25.0).astype(np.int64)
        absent = (rng.uniform(size=n) < WEEKLY_ABSENCE) & (population.created_k < k)
        rows = np.flatnonzero(listed & ~absent)
        frame = (
            population.static[rows]
            .with_columns(
                pl.when(pl.lit(population.renamed_k[rows] <= k))
                .then(pl.col("renamed_id"))
                .otherwise(pl.col("id"))
                .alias("id"),
                pl.lit(rolling[rows]).alias("downloads"),
                pl.lit(all_time[rows]).alias("downloadsAllTime"),
                pl.lit(likes[rows]).alias("likes"),
            )
            .select([pl.col(name).cast(dtype) for name, (dtype, _) in RAW_COLUMNS.items()])
        )
        path = out / f"{day.isoformat()}.parquet"
        partial = path.with_suffix(".parquet.part")
        frame.write_parquet(partial, compression="zstd")
        os.replace(partial, path)
        written.append({"date": day.isoformat(), "rows": frame.height, "bytes": path.stat().st_size})
        print(
            f"{day}: {frame.height:,} rows, {path.stat().st_size / 2**20:.0f} MiB, {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=2_000_000, help="mean rows per weekly snapshot")
    parser.add_argument("--weeks", type=int, default=60, help="number of weekly snapshots")
    parser.add_argument(
        "--last", type=dt.date.fromisoformat, default=dt.date(2025, 8, 27), help="date of the last snapshot"
    )
    parser.add_argument("--seed", type=int, default=20251203)
    parser.add_argument("--out", type=Path, help="output folder (default bench/data/raw/<models>x<weeks>)")
    args = parser.parse_args(argv)
    out = args.out or REPO / "bench" / "data" / "raw" / f"{args.models}x{args.weeks}"
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    dates = snapshot_dates(args.last, args.weeks)
    population = draw_population(rng, args.models, dates)
    print(f"population: {population.static.height:,} models in {time.perf_counter() - started:.1f} s", flush=True)
    snapshots = write_snapshots(population, dates, rng, out)
    manifest = {
        "models": args.models,
        "weeks": args.weeks,
        "seed": args.seed,
        "population": population.static.height,
        "model_weeks": sum(s["rows"] for s in snapshots),
        "bytes": sum(s["bytes"] for s in snapshots),
        "seconds": round(time.perf_counter() - started, 1),
        "snapshots": snapshots,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"{manifest['model_weeks']:,} model-weeks, {manifest['bytes'] / 2**30:.2f} GiB in {manifest['seconds']} s")


if __name__ == "__main__":
    main()
