"""One validation mechanism for every hand-written input: JSON schemas in `workflow/schemas/`.

The workflow configuration, the claims file and the demo settings are each
described by a JSON schema written in YAML, with a description and a default
for every key. This module reads a schema, lists an input's breaks of it
(formats such as `date` checked too; a `$ref` to another schema file resolved
beside it), explains each break in one line naming the key, what was found
and what is allowed, and fills the defaults the schema gives.

A schema's `title` on a key says in words what the key allows (it replaces the
generic phrase of the broken keyword); on a mapping it names the mapping in
"is missing (<title> needs it)" and "is not a key of <title>". Numbers are
finite, as in JSON: YAML's `.nan` and `.inf` are not numbers here.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# The schemas live with the workflow they describe; the library is installed from the repository (editable).
SCHEMA_DIR = Path(__file__).resolve().parents[3] / "workflow" / "schemas"
CONFIG_SCHEMA = SCHEMA_DIR / "config.schema.yaml"
CLAIMS_SCHEMA = SCHEMA_DIR / "claims.schema.yaml"
DEMO_SCHEMA = SCHEMA_DIR / "demo.schema.yaml"

_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "number",
        lambda checker, value: isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
    ),
)


class _DatesAsText(yaml.SafeLoader):
    """YAML as JSON sees it: an unquoted date stays the text it is (schemas check it with `format: date`)."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: str | Path) -> object:
    """A hand-written YAML input, dates kept as text."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_DatesAsText)


@cache
def read_schema(path: str | Path) -> dict:
    """The schema in the YAML file, with its own file URI as `$id` so relative `$ref`s resolve beside it."""
    resolved = Path(path).resolve()
    return {"$id": resolved.as_uri(), **yaml.safe_load(resolved.read_text(encoding="utf-8"))}


def _referenced_schema(uri: str) -> Resource:
    return Resource.from_contents(read_schema(urlparse(uri).path), default_specification=DRAFT202012)


def _validator(path: str | Path) -> jsonschema.protocols.Validator:
    return _Validator(
        read_schema(path), registry=Registry(retrieve=_referenced_schema), format_checker=_Validator.FORMAT_CHECKER
    )


def schema_errors(instance: object, path: str | Path) -> list[ValidationError]:
    """Every break of the schema in `instance`, in the order of the keys' paths."""
    return sorted(_validator(path).iter_errors(instance), key=lambda e: [_path_order(p) for p in e.absolute_path])


def _path_order(part: str | int) -> tuple:
    # List positions in numeric order (claim 2 before claim 10), and before the keys of a mapping.
    return (0, part, "") if isinstance(part, int) else (1, 0, part)


def _shown(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}
RANGE_WORDS = {
    "minimum": "at least",
    "exclusiveMinimum": "more than",
    "maximum": "at most",
    "exclusiveMaximum": "less than",
}


def _generic_allowed(error: ValidationError) -> str:
    value = error.validator_value
    if error.validator in RANGE_WORDS:
        # The whole range, not only the bound that broke: "at least 0 and at most 1".
        return " and ".join(f"{words} {error.schema[key]}" for key, words in RANGE_WORDS.items() if key in error.schema)
    phrases = {
        "type": lambda: " or ".join(
            TYPE_WORDS.get(kind, kind) for kind in ([value] if isinstance(value, str) else value)
        ),
        "enum": lambda: ", ".join(v if isinstance(v, str) else _shown(v) for v in value),
        "const": lambda: str(value),
        "minItems": lambda: f"a list of at least {value} item(s)",
        "minLength": lambda: f"a string of at least {value} character(s)",
        "pattern": lambda: f"a string matching {value}",
        "format": lambda: {"date": "a calendar date, YYYY-MM-DD"}.get(value, f"a {value}"),
    }
    phrase = phrases.get(error.validator)
    return phrase() if phrase else error.message


def explain(error: ValidationError) -> list[tuple[str, str]]:
    """(key path relative to the error's instance, what is wrong) for one break; a mapping's break may name several keys."""
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    if error.validator == "required":
        needs = f" ({title} needs it)" if title else ""
        return [(key, f"is missing{needs}") for key in error.validator_value if key not in error.instance]
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        of = f"a key of {title}" if title else "a known key"
        return [(key, f"is not {of} (use {', '.join(known)})") for key in error.instance if key not in known]
    if error.validator in ("oneOf", "anyOf", "not"):
        return [("", f"found {_shown(error.instance)}; allowed: {error.schema.get('description', error.message)}")]
    return [("", f"found {_shown(error.instance)}; allowed: {title or _generic_allowed(error)}")]


def problems(instance: object, path: str | Path, start: int = 0) -> Iterator[tuple[list, str, str]]:
    """(path parts, dotted key from the `start`-th part, what is wrong) for every broken key, the first break of each."""
    seen = set()
    for error in schema_errors(instance, path):
        parts = list(error.absolute_path)
        for key, message in explain(error):
            full = [*parts, key] if key else parts
            if tuple(map(str, full)) not in seen:
                seen.add(tuple(map(str, full)))
                yield full, ".".join(str(part) for part in full[start:]) or "(top level)", message


def _filling_validator(path: str | Path) -> jsonschema.protocols.Validator:
    """A validator that, on a valid input, sets every absent key to its schema default where the schema applies."""
    base = _Validator.VALIDATORS["properties"]

    def properties(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if key not in instance and isinstance(sub, dict) and "default" in sub:
                    instance[key] = copy.deepcopy(sub["default"])
        yield from base(validator, properties, instance, schema)

    filling = jsonschema.validators.extend(_Validator, {"properties": properties})
    return filling(
        read_schema(path), registry=Registry(retrieve=_referenced_schema), format_checker=_Validator.FORMAT_CHECKER
    )


def with_defaults(instance: object, path: str | Path) -> object:
    """A copy of a valid `instance` with the schema's defaults filled in (in the branches that apply to it)."""
    filled = copy.deepcopy(instance)
    for _ in _filling_validator(path).iter_errors(filled):
        pass
    return filled


def defaults(path: str | Path, block: str | None = None) -> dict:
    """The defaults of an object schema's keys (or of its key `block`'s keys), in the schema's order."""
    schema = read_schema(path)
    if block is not None:
        schema = schema["properties"][block]
    return {key: copy.deepcopy(sub["default"]) for key, sub in schema["properties"].items()}
