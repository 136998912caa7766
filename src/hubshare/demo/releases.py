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

The releases are data, not code: `releases.csv` beside this module, one row
per release, checked against `ReleaseTable` when read. The file is package
data, and part of the code hash of every job that imports this module.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandera.polars as pa
import polars as pl

from hubshare.contracts.base import Contract
from hubshare.contracts.curated_csv import read_contract_csv
from hubshare.demo.namespaces import Namespaces
from hubshare.demo.population import NO_RELATION, Models


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


RELEASES_CSV = Path(__file__).with_name("releases.csv")


class ReleaseTable(Contract):
    """`src/hubshare/demo/releases.csv`: one row per release of a family developer, its lines in order.

    Rows of one line (namespace and line number) state its family, date, task
    and architecture alike; the order of the lines and of the names within a
    line is the order the simulator draws from.
    """

    namespace: str = pa.Field(
        nullable=False,
        str_matches=r"^[a-z0-9][a-z0-9._-]*$",
        description="Developer namespace in lower case: one of model_families.csv, from whose Hub page the line is.",
    )
    line: pl.Int64 = pa.Field(nullable=False, ge=1, description="Number of the line within its namespace.")
    family: str = pa.Field(nullable=False, description="Family of the line, as in model_families.csv.")
    released: pl.Date = pa.Field(nullable=False, description="Date of the line's first release on the Hub.")
    task: str = pa.Field(nullable=False, str_matches=r"^[a-z0-9-]+$", description="Hub task (pipeline tag).")
    moe: bool = pa.Field(nullable=False, description="The line's models are mixtures of experts.")
    name: str = pa.Field(
        nullable=False,
        str_matches=r"^[A-Za-z0-9][\w.-]*$",
        description="Model name as the developer writes it; a size in it is the planted parameter count.",
    )
    parameters: pl.Int64 = pa.Field(
        nullable=False,
        gt=0,
        description="Total parameters (of an image pipeline, all its parts: UNet or transformer, text encoders, VAE).",
    )

    @pa.check("family", "released", "task", "moe", error="as in the first row of its line")
    def _as_its_line(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) == pl.col(data.key).first().over("namespace", "line"))

    @pa.check("name", error="once per namespace, ignoring case (as the Hub compares names)")
    def _name_once(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.to_lowercase().is_first_distinct().over("namespace"))


class ReleaseTableError(ValueError):
    """The release table breaks its contract."""


def read_release_lines(path: str | os.PathLike = RELEASES_CSV) -> dict[str, tuple[Line, ...]]:
    """Lines per developer namespace (lower case), in the file's order."""
    rows = read_contract_csv(path, ReleaseTable, ReleaseTableError)
    lines: dict[str, list[Line]] = {}
    for (namespace, _), line in rows.group_by("namespace", "line", maintain_order=True):
        first = line.row(0, named=True)
        names = dict(zip(line["name"], line["parameters"], strict=True))
        lines.setdefault(namespace, []).append(
            Line(first["family"], first["released"].isoformat(), first["task"], names, first["moe"])
        )
    return {namespace: tuple(of) for namespace, of in lines.items()}


@functools.cache
def release_lines() -> dict[str, tuple[Line, ...]]:
    """The package's release table, read once."""
    return read_release_lines()


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
    lines_by_namespace = release_lines()
    lines_of = {
        i: lines_by_namespace[n.lower()] for i, n in enumerate(namespaces.name) if n.lower() in lines_by_namespace
    }
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
