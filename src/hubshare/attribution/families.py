"""Model families: the lineage of a model's weights, as the model's name states it.

A family (Qwen, Llama, BERT, FLUX, ...) is read from the model *name*, the
part of the id after `/` (or the whole legacy id), never from the uploader:
`bartowski/Qwen2.5-7B-Instruct-GGUF`, a quantized copy by an individual, is
in family Qwen. Family shares therefore answer claims about lineages
("DeepSeek and Qwen together hold 14.2% of downloads" sums two families),
while the registry's uploader and derived views answer claims about
organisations.

`data/raw/attribution/model_families.csv` lists the families: each row a
case-insensitive regular expression, the registry namespace of the family's
developer, and a priority. When several families match a name the lowest
priority wins, and a priority value belongs to one family, so every name has
at most one family. The priority bands and the reasons behind them (why
`DeepSeek-R1-Distill-Qwen-7B` is Qwen) are set out in that folder's README.
"""

from __future__ import annotations

import os
import re

import pandera.polars as pa
import polars as pl

from hubshare.attribution.registry import HTTPS_URL_PATTERN, NAMESPACE_PATTERN, RegistryError
from hubshare.contracts.base import Contract
from hubshare.contracts.curated_csv import read_curated_csv

FAMILY_COLUMNS = ["family", "developer_namespace", "pattern", "priority", "source_url", "note"]

# Patterns are matched ignoring case, as the Hub treats names.
CASE_INSENSITIVE = "(?i)"

_WHOLE_NUMBER = re.compile(r"^[0-9]+$")


class ModelFamilies(Contract):
    """`data/raw/attribution/model_families.csv` as loaded: one row per name pattern."""

    family: str = pa.Field(
        nullable=False,
        str_length={"min_value": 1},
        description="Family name, e.g. Qwen; a family may have several patterns.",
    )
    developer_namespace: str = pa.Field(
        nullable=False,
        str_matches=NAMESPACE_PATTERN,
        description="Registry namespace of the family's developer, spelled as in the registry; one per family.",
    )
    pattern: str = pa.Field(
        nullable=False,
        unique=True,
        str_length={"min_value": 1},
        description="Regular expression (polars/Rust syntax) matched, ignoring case, against the model name "
        "(after '/') or the legacy id.",
    )
    priority: int = pa.Field(
        nullable=False, ge=0, description="Lower wins when several families match; one family per value."
    )
    source_url: str = pa.Field(
        nullable=False, str_matches=HTTPS_URL_PATTERN, description="https page of the family's release."
    )
    note: str = pa.Field(nullable=True, description="What the pattern catches on purpose and what it avoids.")


def _pattern_problem(pattern: str) -> str | None:
    """Why a pattern cannot be used, or None. Compiled by polars, the engine that will run it."""
    try:
        matches_empty = pl.Series([""]).str.contains(CASE_INSENSITIVE + pattern).item()
    except pl.exceptions.ComputeError as exc:
        # The regex crate puts the reason on a line of its own ("error: unclosed group").
        reasons = [line.strip() for line in str(exc).splitlines() if line.strip().startswith("error:")]
        reason = reasons[0] if reasons else str(exc).splitlines()[0]
        return f"is not a regular expression polars can run ({reason}; polars uses the syntax of the Rust regex crate)"
    if matches_empty:
        return "matches an empty name, so it would match every model"
    return None


def load_families(path: str | os.PathLike, registry: pl.DataFrame) -> pl.DataFrame:
    """Load `model_families.csv` and check it against the organisation registry.

    Returns the columns of `ModelFamilies`, `priority` as Int64 and
    `developer_namespace` spelled as in the registry. Raises `RegistryError`
    listing every broken rule, each naming the file, the family and line, the
    column and the rule: every cell but `note` present, `source_url` https,
    `priority` a whole number, the pattern runnable by polars and not matching
    an empty name, patterns unique (ignoring case), the developer namespace in
    the registry, one developer per family and one family per priority.
    """
    frame = read_curated_csv(path, FAMILY_COLUMNS, RegistryError)
    canonical = dict(zip(registry["namespace_lower"].to_list(), registry["namespace"].to_list(), strict=True))
    problems = []
    first_line_of_pattern: dict[str, int] = {}
    developer_of: dict[str, tuple[str, int]] = {}
    family_of_priority: dict[int, tuple[str, int]] = {}
    resolved, priorities = [], []
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        family, namespace, pattern, priority = (
            row["family"],
            row["developer_namespace"],
            row["pattern"],
            row["priority"],
        )
        where = f"line {line}" if family is None else f"family '{family}' (line {line})"
        for column in ("family", "developer_namespace", "pattern", "priority", "source_url"):
            if row[column] is None:
                problems.append(f"{where}: column '{column}': must not be empty")
        if row["source_url"] is not None and not re.match(HTTPS_URL_PATTERN, row["source_url"]):
            problems.append(f"{where}: column 'source_url': must be an https:// URL without spaces")

        if pattern is not None:
            problem = _pattern_problem(pattern)
            if problem:
                problems.append(f"{where}: column 'pattern': {pattern!r} {problem}")
            elif pattern.lower() in first_line_of_pattern:
                problems.append(
                    f"{where}: column 'pattern': {pattern!r} repeats line {first_line_of_pattern[pattern.lower()]} "
                    "(patterns are matched ignoring case, so one pattern can name only one family)"
                )
            else:
                first_line_of_pattern[pattern.lower()] = line

        developer = None if namespace is None else canonical.get(namespace.lower())
        if namespace is not None and developer is None:
            problems.append(f"{where}: column 'developer_namespace': {namespace!r} is not in the organisation registry")
        if family is not None and developer is not None:
            earlier = developer_of.setdefault(family, (developer, line))
            if earlier[0] != developer:
                problems.append(
                    f"{where}: column 'developer_namespace': {developer!r}, but line {earlier[1]} gives the family "
                    f"developer {earlier[0]!r}; a family has one developer"
                )
        resolved.append(developer if developer is not None else namespace)

        number = None
        if priority is not None:
            if _WHOLE_NUMBER.match(priority):
                number = int(priority)
            else:
                problems.append(f"{where}: column 'priority': {priority!r} is not a whole number")
        if number is not None and family is not None:
            earlier = family_of_priority.setdefault(number, (family, line))
            if earlier[0] != family:
                problems.append(
                    f"{where}: column 'priority': {number} is already the priority of family {earlier[0]!r} "
                    f"(line {earlier[1]}); a priority value belongs to one family, "
                    "so that the winner among matching families is unique"
                )
        priorities.append(number)
    if problems:
        raise RegistryError(f"{path}: " + f"\n{path}: ".join(problems))
    loaded = frame.with_columns(
        pl.Series("developer_namespace", resolved, dtype=pl.String),
        pl.Series("priority", priorities, dtype=pl.Int64),
    )
    return ModelFamilies.validate(loaded)


def family_of(model_ids: pl.Series, families: pl.DataFrame) -> pl.Series:
    """Family of each model id, read from its name; null where no pattern matches (or the id is null).

    The name is the part of the id after `/`, or the whole id for a legacy id
    without a namespace, so the uploader never decides the family. Patterns
    are tried from the lowest priority up and the first match wins.
    """
    names = model_ids.str.split("/").list.last()
    ranked = families.sort("priority", "pattern").select("family", "pattern").rows()
    found = pl.Series("family", [None] * len(names), dtype=pl.String)
    # Each pattern is tried only on the names no earlier pattern matched: most names
    # have a family, so the later patterns read a small remainder of the snapshot.
    remaining = pl.int_range(0, len(names), dtype=pl.UInt32, eager=True)
    unmatched = names
    for family, pattern in ranked:
        if remaining.is_empty():
            break
        hit = unmatched.str.contains(CASE_INSENSITIVE + pattern).fill_null(False)
        found = found.scatter(remaining.filter(hit), family)
        remaining, unmatched = remaining.filter(~hit), unmatched.filter(~hit)
    return found
