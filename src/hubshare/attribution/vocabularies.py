"""The controlled vocabularies of attribution: country groups and developer types (`vocabularies.yaml`).

The loader checks every rule the attribution stage relies on and fails with a
message naming the file and the problem. It needs YAML alone, so the figure
jobs that only label groups do not import the registry's table contracts
(pandera, and pandas through it: about 0.8 s a job).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import yaml

INTERNATIONAL = "international"
REST_OF_WORLD = "rest_of_world"
UNAFFILIATED = "unaffiliated_user"
UNKNOWN = "unknown"

# Ids the loaders and `group_of_country` hand out themselves, so the
# vocabulary file must define them.
_REQUIRED_GROUP_IDS = (INTERNATIONAL, REST_OF_WORLD, UNAFFILIATED)
_REQUIRED_TYPE_IDS = (UNAFFILIATED,)

ISO_CODE = re.compile(r"^[A-Z]{2}$")


class _Yaml12BoolLoader(yaml.SafeLoader):
    """Safe YAML loader that reads only true/false as booleans (YAML 1.2).

    PyYAML follows YAML 1.1, where an unquoted `NO` is false: Norway's ISO code
    in a country list would silently turn into a boolean.
    """


_Yaml12BoolLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12BoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class Vocabularies:
    """The controlled vocabularies of `vocabularies.yaml`.

    `country_groups` and `developer_types` map each id to a dict with `label`
    and `definition`; country groups also carry `countries`, a tuple of ISO
    3166-1 alpha-2 codes (empty for residual and non-geographic groups).
    """

    version: str
    country_groups: dict[str, dict]
    developer_types: dict[str, dict]

    def group_of_country(self, code: str | None) -> str:
        """Country group of an ISO code: its listed group, else `rest_of_world`; no code -> `international`."""
        if code is None or not code.strip():
            return INTERNATIONAL
        wanted = code.strip().upper()
        for group_id, group in self.country_groups.items():
            if wanted in group["countries"]:
                return group_id
        return REST_OF_WORLD


def _vocabulary_error(path: str | os.PathLike, problem: str) -> ValueError:
    return ValueError(f"{path}: {problem}")


def _vocabulary_entries(path: str | os.PathLike, raw: dict, key: str, with_countries: bool) -> dict[str, dict]:
    entries = raw.get(key)
    if not isinstance(entries, list) or not entries:
        raise _vocabulary_error(path, f"'{key}' must be a non-empty list of entries")
    parsed: dict[str, dict] = {}
    for position, entry in enumerate(entries):
        where = f"{key}[{position}]"
        if not isinstance(entry, dict):
            raise _vocabulary_error(path, f"{where} must be a mapping with id, label and definition")
        entry_id = entry.get("id")
        if not isinstance(entry_id, str) or not entry_id.strip():
            raise _vocabulary_error(path, f"{where} has no 'id'")
        where = f"{key}[{position}] (id '{entry_id}')"
        if entry_id in parsed:
            raise _vocabulary_error(path, f"{where}: id is not unique")
        for field in ("label", "definition"):
            value = entry.get(field)
            if not isinstance(value, str) or not value.strip():
                raise _vocabulary_error(path, f"{where}: '{field}' is missing or empty")
        item = {"label": entry["label"].strip(), "definition": " ".join(entry["definition"].split())}
        if with_countries:
            countries = entry.get("countries")
            if not isinstance(countries, list):
                raise _vocabulary_error(
                    path, f"{where}: 'countries' must be a list (empty for groups without a country)"
                )
            bad = [c for c in countries if not isinstance(c, str) or not ISO_CODE.match(c)]
            if bad:
                raise _vocabulary_error(
                    path, f"{where}: 'countries' holds values that are not ISO 3166-1 alpha-2 codes: {bad}"
                )
            if len(set(countries)) != len(countries):
                raise _vocabulary_error(path, f"{where}: 'countries' lists a code twice")
            item["countries"] = tuple(countries)
        parsed[entry_id] = item
    return parsed


def load_vocabularies(path: str | os.PathLike) -> Vocabularies:
    """Read and check `vocabularies.yaml`; raise `ValueError` naming the file and the problem."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.load(handle, Loader=_Yaml12BoolLoader)
    if not isinstance(raw, dict):
        raise _vocabulary_error(path, "must be a mapping with version, country_groups and developer_types")
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        raise _vocabulary_error(path, "'version' must be a non-empty string")
    groups = _vocabulary_entries(path, raw, "country_groups", with_countries=True)
    types = _vocabulary_entries(path, raw, "developer_types", with_countries=False)

    owner: dict[str, str] = {}
    for group_id, group in groups.items():
        for code in group["countries"]:
            if code in owner:
                raise _vocabulary_error(
                    path, f"country code {code} is listed in two groups: '{owner[code]}' and '{group_id}'"
                )
            owner[code] = group_id
    for required in _REQUIRED_GROUP_IDS:
        if required not in groups:
            raise _vocabulary_error(path, f"country_groups lacks the id '{required}', which attribution assigns")
        if groups[required]["countries"]:
            raise _vocabulary_error(path, f"country group '{required}' is assigned by rule and must list no countries")
    for required in _REQUIRED_TYPE_IDS:
        if required not in types:
            raise _vocabulary_error(path, f"developer_types lacks the id '{required}', which attribution assigns")
    return Vocabularies(version=version.strip(), country_groups=groups, developer_types=types)
