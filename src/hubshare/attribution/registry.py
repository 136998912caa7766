"""The curated attribution registry.

`data/raw/attribution/` holds hand-curated inputs: the controlled
vocabularies (country groups, developer types; `hubshare.attribution.vocabularies`),
the ISO 3166-1 alpha-2 codes, the organisation registry (one row per Hub
namespace, with the curator's confidence in it) and the legacy model ids
without a namespace. The loaders here read the last three, check every rule the attribution stage relies on, and fail
with a message that names the file, the namespace (or line), the column and
the rule broken, listing every problem at once so a curator can fix the file
in one pass.

Namespaces are compared case-insensitively, as the Hub does (`qwen/...` and
`Qwen/...` resolve to the same repository); `namespace_lower` is the join key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import pandera.polars as pa
import polars as pl

from hubshare.attribution.vocabularies import ISO_CODE, UNAFFILIATED, UNKNOWN, Vocabularies
from hubshare.contracts.base import Contract
from hubshare.contracts.curated_csv import read_curated_csv

REGISTRY_COLUMNS = [
    "namespace",
    "organization",
    "country_code",
    "country_group",
    "developer_type",
    "source_url",
    "confidence",
    "note",
]
LEGACY_COLUMNS = ["model_id", "namespace", "source_url", "note"]
ISO_COLUMNS = ["code", "name"]

# How well a registry row's source settles it, strongest first: `high`, the
# organisation's own page or its Wikipedia page states the affiliation and the
# headquarters; `medium`, strong indirect evidence (the namespace's Hub page, a
# paper's affiliations, a code repository); `low`, the curator's best guess.
CONFIDENCE_LEVELS = ("high", "medium", "low")

# Hub account names: letters, digits, '-', '_' and '.', starting with a letter or digit.
NAMESPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
HTTPS_URL_PATTERN = r"^https://\S+$"


class RegistryError(ValueError):
    """A curated attribution file breaks one of its rules."""


def load_iso_codes(path: str | os.PathLike) -> frozenset[str]:
    """Read `iso3166_alpha2.csv` (columns code, name) into the set of valid codes."""
    frame = read_curated_csv(path, ISO_COLUMNS, ValueError)
    problems = []
    seen: set[str] = set()
    for line, (code, name) in enumerate(frame.iter_rows(), start=2):
        if code is None or not ISO_CODE.match(code):
            problems.append(f"line {line}: column 'code': {code!r} is not two upper-case letters")
        elif code in seen:
            problems.append(f"line {line}: column 'code': {code} appears twice")
        if name is None:
            problems.append(f"line {line}: column 'name': missing")
        if code is not None:
            seen.add(code)
    if problems:
        raise ValueError(f"{path}: " + f"\n{path}: ".join(problems))
    return frozenset(seen)


class OrganizationRegistry(Contract):
    """`data/raw/attribution/organizations.csv` as loaded: one row per Hub namespace.

    The vocabulary and ISO checks depend on files read at run time, so
    `load_registry` applies them after this static contract.
    """

    namespace: str = pa.Field(
        nullable=False,
        str_matches=NAMESPACE_PATTERN,
        description="Hub namespace (user or organisation account), spelled as on the Hub.",
    )
    organization: str = pa.Field(
        nullable=False,
        str_length={"min_value": 1},
        description="Stable organisation name; alias and renamed namespaces of one organisation share it.",
    )
    country_code: str = pa.Field(
        nullable=True,
        str_matches=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2 code of the headquarters; null for international collectives and unaffiliated users.",
    )
    country_group: str = pa.Field(
        nullable=False,
        description="Country group id from vocabularies.yaml, consistent with country_code.",
    )
    developer_type: str = pa.Field(
        nullable=False,
        description="Developer type id from vocabularies.yaml (industry, academia, nonprofit, government, unaffiliated_user).",
    )
    source_url: str = pa.Field(
        nullable=False,
        str_matches=HTTPS_URL_PATTERN,
        description="https URL where the affiliation and headquarters can be checked.",
    )
    confidence: str = pa.Field(
        nullable=False,
        isin=list(CONFIDENCE_LEVELS),
        description="How well source_url settles the row: high (the organisation's own page or Wikipedia states it), "
        "medium (strong indirect evidence), low (best guess).",
    )
    note: str = pa.Field(
        nullable=True,
        description="Free-text curation note: aliases, renames, judgement calls.",
    )
    namespace_lower: str = pa.Field(
        nullable=False,
        unique=True,
        description="Lower-cased namespace: the join key, since the Hub treats namespaces case-insensitively.",
    )


# Plain-language statements of the static rules, keyed by pandera check name.
_RULES = {
    "not_nullable": "must not be empty",
    "field_uniqueness": "must be unique ignoring case (the Hub treats namespaces case-insensitively)",
    f"str_matches('{NAMESPACE_PATTERN}')": "must be a Hub account name (letters, digits, '-', '_', '.')",
    "str_matches('^[A-Z]{2}$')": "must be two upper-case letters (ISO 3166-1 alpha-2)",
    f"str_matches('{HTTPS_URL_PATTERN}')": "must be an https:// URL without spaces",
    "str_length(1, None)": "must not be empty",
    f"isin({list(CONFIDENCE_LEVELS)})": f"must be one of {', '.join(CONFIDENCE_LEVELS)}",
}


def _where(namespaces: Sequence[str | None], index: int) -> str:
    """Locate a data row for a message: its namespace and its line in the file (header is line 1)."""
    namespace = namespaces[index]
    line = index + 2
    return f"line {line}" if namespace is None else f"namespace '{namespace}' (line {line})"


def _schema_problems(frame: pl.DataFrame) -> list[str]:
    try:
        OrganizationRegistry.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        namespaces = frame["namespace"].to_list()
        problems = []
        for case in exc.failure_cases.iter_rows(named=True):
            column = "namespace" if case["column"] == "namespace_lower" else case["column"]
            rule = _RULES.get(case["check"], f"breaks check {case['check']}")
            where = "file" if case["index"] is None else _where(namespaces, case["index"])
            value = "" if case["failure_case"] is None else f" (value {case['failure_case']!r})"
            problems.append(f"{where}: column '{column}': {rule}{value}")
        # A missing namespace also fails on namespace_lower, derived from it: report it once.
        return list(dict.fromkeys(problems))
    return []


def _row_problems(frame: pl.DataFrame, vocabularies: Vocabularies, iso_codes: frozenset[str]) -> list[str]:
    """Rules that need the vocabularies and ISO codes, or that relate columns of one row."""
    problems = []
    assignable_groups = set(vocabularies.country_groups) - {UNKNOWN}
    assignable_types = set(vocabularies.developer_types) - {UNKNOWN}
    namespaces = frame["namespace"].to_list()
    for index, row in enumerate(frame.iter_rows(named=True)):
        where = _where(namespaces, index)
        code, group, developer = row["country_code"], row["country_group"], row["developer_type"]
        if code is not None and code not in iso_codes:
            problems.append(f"{where}: column 'country_code': {code!r} is not an ISO 3166-1 alpha-2 code")
        # A best guess is only reviewable if the row says what it rests on.
        if row["confidence"] == "low" and row["note"] is None:
            problems.append(
                f"{where}: column 'note': a row with confidence 'low' must say in its note what the guess rests on"
            )
        if group is not None and group not in assignable_groups:
            problems.append(
                f"{where}: column 'country_group': {group!r} is not an assignable country group of vocabularies.yaml "
                f"(one of {', '.join(sorted(assignable_groups))})"
            )
        if developer is not None and developer not in assignable_types:
            problems.append(
                f"{where}: column 'developer_type': {developer!r} is not an assignable developer type of vocabularies.yaml "
                f"(one of {', '.join(sorted(assignable_types))})"
            )
        if group == UNAFFILIATED:
            if code is not None:
                problems.append(f"{where}: column 'country_code': must be empty when country_group is '{UNAFFILIATED}'")
        elif group in assignable_groups and (code is None or code in iso_codes):
            expected = vocabularies.group_of_country(code)
            if group != expected:
                problems.append(
                    f"{where}: column 'country_group': {group!r} is inconsistent with country_code {code!r}, "
                    f"which belongs to '{expected}'"
                )
        if (group == UNAFFILIATED) != (developer == UNAFFILIATED) and group is not None and developer is not None:
            problems.append(
                f"{where}: column 'developer_type': {developer!r} with country_group {group!r}; "
                f"'{UNAFFILIATED}' must be used for both or neither"
            )
    return problems


def _organization_problems(frame: pl.DataFrame) -> list[str]:
    """Alias namespaces of one organisation must agree on its headquarters and type."""
    problems = []
    for column in ("country_code", "developer_type"):
        conflicts = (
            frame.filter(pl.col("organization").is_not_null())
            .group_by("organization")
            .agg(pl.col("namespace"), pl.col(column).unique().sort(nulls_last=True).alias("values"))
            .filter(pl.col("values").list.len() > 1)
            .sort("organization")
        )
        for organization, namespaces, values in conflicts.iter_rows():
            problems.append(
                f"organization '{organization}' (namespaces {', '.join(map(str, namespaces))}): column '{column}': "
                f"one organisation takes one value, found {', '.join(repr(v) for v in values)}"
            )
    return problems


def load_registry(path: str | os.PathLike, vocabularies: Vocabularies, iso_codes: frozenset[str]) -> pl.DataFrame:
    """Load `organizations.csv`, check every rule, and add the join key `namespace_lower`.

    All columns are strings; empty `country_code` and `note` cells are null.
    Raises `RegistryError` listing every broken rule, one per line, each
    naming the file, the namespace (or line), the column and the rule.
    """
    frame = read_curated_csv(path, REGISTRY_COLUMNS, RegistryError)
    frame = frame.with_columns(pl.col("namespace").str.to_lowercase().alias("namespace_lower"))
    problems = _schema_problems(frame) + _row_problems(frame, vocabularies, iso_codes) + _organization_problems(frame)
    if problems:
        raise RegistryError(f"{path}: " + f"\n{path}: ".join(problems))
    return frame


def load_legacy_ids(path: str | os.PathLike, registry: pl.DataFrame) -> pl.DataFrame:
    """Load `legacy_ids.csv`: legacy model ids without a namespace and the namespace that owns them today.

    Returns columns `model_id` and `namespace` (spelled as in the registry).
    Raises `RegistryError` if a model id repeats (ignoring case), carries a
    namespace itself, lacks an https source, or maps to a namespace absent
    from the registry.
    """
    frame = read_curated_csv(path, LEGACY_COLUMNS, RegistryError)
    canonical = dict(zip(registry["namespace_lower"].to_list(), registry["namespace"].to_list(), strict=True))
    problems = []
    first_line: dict[str, int] = {}
    resolved = []
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        model_id, namespace = row["model_id"], row["namespace"]
        where = f"line {line}" if model_id is None else f"model_id '{model_id}' (line {line})"
        if model_id is None:
            problems.append(f"{where}: column 'model_id': must not be empty")
        elif "/" in model_id:
            problems.append(f"{where}: column 'model_id': a legacy id has no namespace, so no '/'")
        elif model_id.lower() in first_line:
            problems.append(
                f"{where}: column 'model_id': repeats line {first_line[model_id.lower()]} "
                "(model ids are compared ignoring case, as on the Hub)"
            )
        else:
            first_line[model_id.lower()] = line
        if namespace is None:
            problems.append(f"{where}: column 'namespace': must not be empty")
        elif namespace.lower() not in canonical:
            problems.append(f"{where}: column 'namespace': {namespace!r} is not in the organisation registry")
        if row["source_url"] is None or not re.match(HTTPS_URL_PATTERN, row["source_url"]):
            problems.append(f"{where}: column 'source_url': must be an https:// URL without spaces")
        resolved.append(canonical.get(namespace.lower()) if namespace is not None else None)
    if problems:
        raise RegistryError(f"{path}: " + f"\n{path}: ".join(problems))
    return pl.DataFrame(
        {"model_id": frame["model_id"], "namespace": resolved}, schema={"model_id": pl.String, "namespace": pl.String}
    )
