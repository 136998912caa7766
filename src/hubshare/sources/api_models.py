"""Model objects of the Hub models API -> values of the raw contract, field by field and strictly.

The keys are the API's own, as `GET https://huggingface.co/api/models` returns
them (with `?full=true` and `expand[]=<field>` for the fields a plain call
leaves out) and as `huggingface_hub`'s `ModelInfo` reads them:

| key | accepted in JSON | contract value |
|---|---|---|
| `id` | non-empty string (required) | `id` |
| `_id` | non-empty string (the stable object id) | `_id` |
| `author`, `pipeline_tag`, `library_name` | string | the same |
| `createdAt` | ISO-8601 time; without an offset it is UTC, as the Hub writes times | UTC time |
| `downloads`, `downloadsAllTime`, `likes` | integer (not true/false), below 2^63 in size | Int64 |
| `tags` | list of strings | the list |
| `baseModels` | `{"models": [{"id", "_id"}], "relation"}` (the form the Hub's snapshots store; `_id` may be absent), or a list of ids (the form `ModelInfo` documents; relation unknown) | the contract's struct |
| `safetensors` | `{"parameters": {<dtype>: count}, "total": count}` | `parameters` as a list of `{dtype, count}` in the dump's order |

A key that is absent or null gives null. Every other key (`sha`,
`lastModified`, `private`, `gated`, `siblings`, `cardData`, `config`, ...) is
not part of the contract and is not read. Any other form, and any unknown or
missing key inside a nested value, is refused with the path of the offending
value and what is accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable


class ValueRefused(ValueError):
    """A value of a form the contract does not accept; `where` is its path inside the field ('' for the field)."""

    def __init__(self, where: str, found: object, shown: str | None = None):
        self.where = where
        self.found = shown if shown is not None else f"found {found!r}"
        super().__init__(f"{where or 'value'}: {self.found}")


def read_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueRefused("", value)
    return value


def read_identifier(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueRefused("", value)
    return value


def read_count(value: object) -> int:
    # bool is an int subclass in Python; a true/false count is a broken dump.
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
        raise ValueRefused("", value)
    return value


def read_time(value: object) -> dt.datetime:
    """An ISO-8601 time as UTC; a time without offset is taken as UTC, as the Hub writes its times."""
    try:
        parsed = dt.datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise ValueRefused("", value) from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def read_tags(value: object) -> list[str]:
    if not isinstance(value, list):
        raise ValueRefused("", value)
    for index, tag in enumerate(value):
        if not isinstance(tag, str):
            raise ValueRefused(f"[{index}]", tag)
    return value


def read_base_models(value: object) -> dict:
    if isinstance(value, list):
        return {
            "models": [
                {"_id": None, "id": _inner(read_identifier, parent, f"[{i}]")} for i, parent in enumerate(value)
            ],
            "relation": None,
        }
    _exact_keys(value, required={"models", "relation"})
    parents = value["models"]  # type: ignore[index]
    if not isinstance(parents, list):
        raise ValueRefused(".models", parents)
    models = []
    for index, parent in enumerate(parents):
        where = f".models[{index}]"
        _exact_keys(parent, required={"id"}, optional={"_id"}, where=where)
        object_id = parent.get("_id")
        models.append(
            {
                "_id": None if object_id is None else _inner(read_identifier, object_id, f"{where}._id"),
                "id": _inner(read_identifier, parent["id"], f"{where}.id"),
            }
        )
    return {"models": models, "relation": _inner(read_text, value["relation"], ".relation")}  # type: ignore[index]


def read_safetensors(value: object) -> dict:
    _exact_keys(value, required={"parameters", "total"})
    parameters = value["parameters"]  # type: ignore[index]
    if not isinstance(parameters, dict):
        raise ValueRefused(".parameters", parameters)
    return {
        "parameters": [
            {"dtype": dtype, "count": _inner(read_count, count, f".parameters.{dtype}")}
            for dtype, count in parameters.items()
        ],
        "total": _inner(read_count, value["total"], ".total"),  # type: ignore[index]
    }


# Contract field -> (reader of its JSON value, what is accepted, for messages).
FIELD_READERS: dict[str, tuple[Callable[[object], object], str]] = {
    "_id": (read_identifier, "a non-empty string or null"),
    "id": (read_identifier, "a non-empty string (required)"),
    "author": (read_text, "a string or null"),
    "createdAt": (read_time, "an ISO-8601 time or null"),
    "downloads": (read_count, "a 64-bit integer or null"),
    "downloadsAllTime": (read_count, "a 64-bit integer or null"),
    "likes": (read_count, "a 64-bit integer or null"),
    "pipeline_tag": (read_text, "a string or null"),
    "library_name": (read_text, "a string or null"),
    "tags": (read_tags, "a list of strings or null"),
    "baseModels": (
        read_base_models,
        'null, {"models": [{"id": <string>, "_id": <string, optional>}], "relation": <string>} '
        "with no other keys, or a list of model ids",
    ),
    "safetensors": (
        read_safetensors,
        'null or {"parameters": {<dtype>: <integer>, ...}, "total": <integer>} with no other keys',
    ),
}


def _inner(reader: Callable[[object], object], value: object, where: str):
    """`reader(value)`, with a refusal located at `where` inside the field."""
    try:
        return reader(value)
    except ValueRefused as refused:
        raise ValueRefused(where + refused.where, None, refused.found) from None


def _exact_keys(
    value: object, required: set[str], optional: frozenset[str] | set[str] = frozenset(), where: str = ""
) -> None:
    if not isinstance(value, dict):
        raise ValueRefused(where, value)
    missing = sorted(required - value.keys())
    if missing:
        raise ValueRefused(f"{where}.{missing[0]}", None, "found it missing")
    unknown = sorted(value.keys() - required - optional)
    if unknown:
        raise ValueRefused(f"{where}.{unknown[0]}", None, "found an unknown key")
