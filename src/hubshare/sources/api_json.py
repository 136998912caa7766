"""Dumps of the Hub models API -> one raw-contract snapshot and its origin record.

A dump is one saved call of the Hub models API:

    {"date": "YYYY-MM-DD", "fetched_at": ISO-8601, "source": "huggingface.co/api/models",
     "models": [{"id", "likes", "downloads", "pipeline_tag", "library_name", "createdAt", "lastModified"}]}

It carries the rolling 30-day `downloads` only: no stable `_id`, no
cumulative count, no tags, base models or sizes. Those contract columns are
written as nulls (tags as empty lists), so a panel built from such dumps must
use the `rolling30` measure, and a renamed model starts a new series.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

from hubshare.atomic import write_parquet, write_yaml
from hubshare.schemas import RAW_COLUMNS
from hubshare.sources.converted import converted_fields

SOURCE = "api-json"
LICENSE = "no licence declared; facts with attribution"
DOWNLOAD_MEASURE = "rolling30"
API_ADDRESS = "huggingface.co/api/models"
COUNT_FIELDS = ("downloads", "likes")
TEXT_FIELDS = ("pipeline_tag", "library_name")


class DumpError(ValueError):
    """A malformed dump, with the file and the offending field named."""

    def __init__(self, path: str | Path, field: str, detail: str):
        self.path, self.field = str(path), field
        super().__init__(f"{path}: field '{field}' {detail}")


def read_dump(json_path: str | Path) -> dict:
    """The dump as a dict, with its top-level fields checked."""
    try:
        dump = json.loads(Path(json_path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DumpError(json_path, "*", f"is not valid UTF-8 JSON: {error}") from error
    if not isinstance(dump, dict):
        raise DumpError(json_path, "*", "must be a JSON object")
    if not isinstance(dump.get("models"), list):
        raise DumpError(json_path, "models", "is missing or not a list of model objects")
    _parse_date(dump.get("date"), json_path, "date")
    _parse_time(dump.get("fetched_at"), json_path, "fetched_at")
    return dump


def dump_frame(dump: dict, json_path: str | Path) -> pl.DataFrame:
    """The dump's models as a frame with every `RAW_COLUMNS` column, typed as the contract says."""
    fields: dict[str, list] = {name: [] for name in ("id", "author", "createdAt", "tags", *COUNT_FIELDS, *TEXT_FIELDS)}
    for index, model in enumerate(dump["models"]):
        where = f"models[{index}]"
        if not isinstance(model, dict):
            raise DumpError(json_path, where, "is not a JSON object")
        model_id = model.get("id")
        if not isinstance(model_id, str) or not model_id:
            raise DumpError(json_path, f"{where}.id", f"is missing or not a non-empty string: {model_id!r}")
        fields["id"].append(model_id)
        # Dumps carry no author field; on the Hub the author is the id's namespace.
        fields["author"].append(model_id.split("/", 1)[0] if "/" in model_id else None)
        fields["createdAt"].append(_parse_time(model.get("createdAt"), json_path, f"{where}.createdAt", nullable=True))
        fields["tags"].append([])
        for name in COUNT_FIELDS:
            value = model.get(name)
            # bool is an int subclass in Python; a true/false count is a broken dump.
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63):
                raise DumpError(json_path, f"{where}.{name}", f"must be a 64-bit integer or null, found {value!r}")
            fields[name].append(value)
        for name in TEXT_FIELDS:
            value = model.get(name)
            if value is not None and not isinstance(value, str):
                raise DumpError(json_path, f"{where}.{name}", f"must be a string or null, found {value!r}")
            fields[name].append(value)
    schema = {name: dtype for name, (dtype, _) in RAW_COLUMNS.items()}
    given = pl.DataFrame(fields, schema={name: schema[name] for name in fields})
    return given.select(
        pl.col(name) if name in given.columns else pl.lit(None, dtype=dtype).alias(name) for name, dtype in schema.items()
    )


def origin_metadata(dump: dict, frame: pl.DataFrame, json_path: str | Path, parquet_path: str | Path) -> dict:
    """The `.meta.yaml` record of a converted dump (same fields as the other sources)."""
    date = _parse_date(dump["date"], json_path, "date").isoformat()
    address = str(dump.get("source") or API_ADDRESS)
    return {
        "title": f"Hugging Face Hub models API dump {date}",
        "description": (
            f"Models returned by one call of the Hub models API ({address}) on {date}, converted to the raw "
            "contract. `downloads` is the Hub's rolling 30-day count at fetch time; the dump has no cumulative "
            "count, stable id, tags, licence, base model or size, and covers only the models the call returned, "
            "not the whole Hub."
        ),
        "producer": "Hugging Face (Hub models API)",
        "url": address if "://" in address else f"https://{address}",
        "date_accessed": dump["fetched_at"],
        "license": LICENSE,
        **converted_fields(frame, SOURCE, DOWNLOAD_MEASURE, date, parquet_path, json_path),
    }


def convert_api_json(json_path: str | Path, parquet_path: str | Path, meta_path: str | Path) -> dict:
    """Write the dump as a raw-contract parquet and its `.meta.yaml`, both atomically; return the metadata."""
    dump = read_dump(json_path)
    frame = dump_frame(dump, json_path)
    write_parquet(frame, parquet_path)
    meta = origin_metadata(dump, frame, json_path, parquet_path)
    write_yaml(meta, meta_path)
    return meta


def _parse_date(value: object, path: str | Path, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise DumpError(path, field, f"must be an ISO date (YYYY-MM-DD), found {value!r}") from error


def _parse_time(value: object, path: str | Path, field: str, nullable: bool = False) -> dt.datetime | None:
    """An ISO-8601 time as UTC; a time without offset is taken as UTC, as the Hub writes its times."""
    if value is None and nullable:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise DumpError(path, field, f"must be an ISO-8601 time, found {value!r}") from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)
