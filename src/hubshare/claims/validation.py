"""Reading the claims file against its schema, `workflow/schemas/claims.schema.yaml`."""

from __future__ import annotations

import os

from hubshare.contracts.json_schemas import CLAIMS_SCHEMA, problems, read_yaml, with_defaults


class ClaimsError(ValueError):
    """The claims file breaks a rule; the message names the file, the claim and the key."""


def load_claims(path: str | os.PathLike, schema: str | os.PathLike = CLAIMS_SCHEMA) -> list[dict]:
    """Read and validate the claims file: a YAML list of claims.

    Returns the claims with the schema's defaults filled in (`comparison`
    `equal`, absent `unit`, `tolerance` and `window_dates` null, optional
    metric keys) and numbers as floats. Raises `ClaimsError` listing every
    broken rule, one a line: the file, the claim (its id, or its position
    when it has none), the key, what was found and what is allowed.
    `schema`: the claims schema (the workflow passes it as an input, so that
    editing it reruns the ledger).
    """
    entries = read_yaml(path)
    found = list(problems(entries, schema, start=1))
    if isinstance(entries, list):
        found += _repeated_ids(entries)
    if found:
        lines = [
            f"{path}: {_claim_name(entries, parts)}: " + (f"key '{key}': " if len(parts) > 1 else "") + message
            for parts, key, message in found
        ]
        raise ClaimsError("\n".join(lines))
    return [_numbers_as_floats(claim) for claim in with_defaults(entries, schema)]


def _claim_name(entries: object, parts: list) -> str:
    if not parts:
        return "the file"
    entry = entries[parts[0]]
    claim_id = entry.get("id") if isinstance(entry, dict) else None
    return f"claim '{claim_id}'" if isinstance(claim_id, str) and claim_id.strip() else f"claim {parts[0] + 1}"


def _repeated_ids(entries: list) -> list[tuple[list, str, str]]:
    """Ids must be unique, a rule JSON schema cannot state about one key of the items."""
    first: dict[str, int] = {}
    repeated = []
    for index, entry in enumerate(entries):
        claim_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(claim_id, str):
            continue
        if claim_id in first:
            repeated.append(([index, "id"], "id", f"repeats claim {first[claim_id] + 1}; ids must be unique"))
        first.setdefault(claim_id, index)
    return repeated


def _numbers_as_floats(claim: dict) -> dict:
    for key in ("published_value", "tolerance"):
        if claim[key] is not None:
            claim[key] = float(claim[key])
    return claim
