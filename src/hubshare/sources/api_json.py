"""Dumps of the Hub models API -> one raw-contract snapshot and its origin record.

A dump is a file `<YYYY-MM-DD>.json` holding one saved answer of the Hub
models API, in either of two forms:

- the API's own answer, a JSON array of model objects, as
  `GET https://huggingface.co/api/models` returns it (with `?full=true` and
  `expand[]=downloadsAllTime`, `expand[]=baseModels`, ... for more fields).
  It carries no date: the file name's date is the snapshot's.
- a wrapped answer, `{"date": "YYYY-MM-DD", "fetched_at": ISO-8601,
  "source": "huggingface.co/api/models", "models": [<model objects>]}`.
  Its `date` must equal the file name's date, so that no dump is counted
  under two days.

Either way the snapshot stands for the Hub's counts at the call on that date,
and a date after the run date (anywhere on Earth) is refused. Every contract
field a model object carries is kept, converted strictly (`api_models`); a
field no model carries is null. Without `downloadsAllTime` only the rolling
30-day `downloads` is there, so a panel built from such dumps uses the
`rolling30` measure; without `_id` a renamed model starts a new series.

Duplicate ids (a model listed twice, as when answers sorted in two ways are
merged): one row per id is kept, the one with the highest
`downloadsAllTime`, then the highest `downloads`, then the first listed; the
rows removed are counted in the `.meta.yaml` as `duplicate_id_rows_removed`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.jobs.atomic import write_parquet, write_yaml
from hubshare.sources.api_models import FIELD_READERS, ValueRefused, read_time
from hubshare.sources.converted import converted_fields
from hubshare.sources.folder import date_of_name

SOURCE = "api-json"
SUFFIX = ".json"
LICENSE = "no licence declared; facts with attribution"
API_ADDRESS = "huggingface.co/api/models"
WRAPPED_FIELDS = ("date", "fetched_at", "source", "models")
# The latest calendar date anywhere is UTC+14: a dump dated today there is not from the future.
LATEST_ZONE = dt.timezone(dt.timedelta(hours=14))


class DumpError(ValueError):
    """A malformed dump, with the file and the offending field named."""

    def __init__(self, path: str | Path, field: str, detail: str):
        self.path, self.field = str(path), field
        super().__init__(f"{path}: field '{field}' {detail}")


def read_dump(json_path: str | Path, now: dt.datetime | None = None) -> dict:
    """The dump as `{"date", "fetched_at", "source", "models", "form"}`, its dates checked against
    the file name and the run time `now` (default: the clock)."""
    path = Path(json_path)
    try:
        name_date = date_of_name(path.name, SUFFIX)
    except ValueError as error:
        raise DumpError(json_path, "file name", str(error)) from error
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DumpError(json_path, "*", f"is not valid UTF-8 JSON: {error}") from error
    now = now or dt.datetime.now(dt.UTC)
    if isinstance(content, list):
        dump = {"date": name_date, "fetched_at": None, "source": API_ADDRESS, "models": content, "form": "array"}
        date_field = "file name"
    elif isinstance(content, dict):
        dump = _wrapped(content, json_path, name_date)
        date_field = "date"
    else:
        raise DumpError(json_path, "*", "must be a JSON array of model objects or an object with a 'models' list")
    latest_today = now.astimezone(LATEST_ZONE).date()
    if dump["date"] > latest_today:
        raise DumpError(
            json_path,
            date_field,
            f"is {dump['date']}, after the run date {now.date()}: a dump cannot come from the future",
        )
    if dump["fetched_at"] is not None and read_time(dump["fetched_at"]) > now:
        raise DumpError(json_path, "fetched_at", f"is {dump['fetched_at']}, after the run time {now.isoformat()}")
    return dump


def dump_frame(models: list, json_path: str | Path) -> tuple[pl.DataFrame, dict[str, int], int]:
    """The models as a frame with every `RAW_COLUMNS` column, one row per id; the number of models
    giving each key a non-null value (every key found, contract or not); the duplicate rows removed."""
    columns: dict[str, list] = {name: [] for name in RAW_COLUMNS}
    carried: dict[str, int] = {}
    for index, model in enumerate(models):
        where = f"models[{index}]"
        if not isinstance(model, dict):
            raise DumpError(json_path, where, "is not a JSON object")
        if model.get("id") is None:
            raise DumpError(json_path, f"{where}.id", f"must be {FIELD_READERS['id'][1]}, found it missing or null")
        for key, value in model.items():
            carried[key] = carried.get(key, 0) + (value is not None)
        for name, (reader, accepted) in FIELD_READERS.items():
            value = model.get(name)
            try:
                columns[name].append(None if value is None else reader(value))
            except ValueRefused as refused:
                raise DumpError(
                    json_path, f"{where}.{name}{refused.where}", f"must be {accepted}, {refused.found}"
                ) from None
    schema = {name: dtype for name, (dtype, _) in RAW_COLUMNS.items()}
    frame = pl.DataFrame(columns, schema=schema)
    kept = _one_row_per_id(frame)
    return kept, carried, frame.height - kept.height


def origin_metadata(
    dump: dict,
    frame: pl.DataFrame,
    carried_by: dict[str, int],
    duplicates: int,
    json_path: str | Path,
    parquet_path: str | Path,
) -> dict:
    """The `.meta.yaml` record of a converted dump (the fields of the other sources, and what the dump carried)."""
    date = dump["date"].isoformat()
    address = str(dump["source"] or API_ADDRESS)
    carried = [name for name in RAW_COLUMNS if carried_by.get(name)]
    not_read = sorted(key for key in carried_by if key not in RAW_COLUMNS)
    if dump["form"] == "array":
        stands_for = (
            f"the Hub's counts at the API call on {date}, the date of the file name (the answer itself carries no date)"
        )
    else:
        stands_for = f"the Hub's counts at the API call on {date}, the dump's own date (equal to its file name), fetched at {dump['fetched_at']}"
    return {
        "title": f"Hugging Face Hub models API dump {date}",
        "description": (
            f"Models returned by one call of the Hub models API ({address}) on {date}, converted to the raw contract. "
            f"The dump carries {', '.join(carried)}; the other contract columns are null. `downloads` is the Hub's "
            "rolling 30-day count at the call, `downloadsAllTime` (where carried) the cumulative one. The dump covers "
            "only the models the call returned, not the whole Hub."
        ),
        "producer": "Hugging Face (Hub models API)",
        "url": address if "://" in address else f"https://{address}",
        "date_accessed": dump["fetched_at"] or date,
        "license": LICENSE,
        **converted_fields(
            frame,
            SOURCE,
            "alltime_diff" if carried_by.get("downloadsAllTime") else "rolling30",
            date,
            parquet_path,
            json_path,
        ),
        "snapshot_stands_for": stands_for,
        "dump_form": dump["form"],
        "contract_fields_carried": carried,
        "fields_not_read": not_read,
        "duplicate_id_rows_removed": duplicates,
    }


def convert_api_json(
    json_path: str | Path, parquet_path: str | Path, meta_path: str | Path, now: dt.datetime | None = None
) -> dict:
    """Write the dump as a raw-contract parquet and its `.meta.yaml`, both atomically; return the metadata."""
    dump = read_dump(json_path, now)
    frame, carried_by, duplicates = dump_frame(dump["models"], json_path)
    write_parquet(frame, parquet_path)
    meta = origin_metadata(dump, frame, carried_by, duplicates, json_path, parquet_path)
    write_yaml(meta, meta_path)
    return meta


def _wrapped(content: dict, json_path: str | Path, name_date: dt.date) -> dict:
    """A wrapped dump's fields, checked: `models` a list, `date` the file name's, `fetched_at` a time."""
    unknown = sorted(content.keys() - set(WRAPPED_FIELDS))
    if unknown:
        raise DumpError(
            json_path, unknown[0], f"is not a field of a wrapped dump (fields: {', '.join(WRAPPED_FIELDS)})"
        )
    if not isinstance(content.get("models"), list):
        raise DumpError(json_path, "models", "is missing or not a list of model objects")
    try:
        date = dt.date.fromisoformat(content.get("date"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise DumpError(
            json_path, "date", f"must be an ISO date (YYYY-MM-DD), found {content.get('date')!r}"
        ) from error
    if date != name_date:
        raise DumpError(
            json_path, "date", f"is {date}, but the file name says {name_date}: a dump is counted under one date only"
        )
    try:
        read_time(content.get("fetched_at"))
    except ValueRefused as error:
        raise DumpError(json_path, "fetched_at", f"must be an ISO-8601 time, {error.found}") from None
    source = content.get("source")
    if source is not None and not isinstance(source, str):
        raise DumpError(json_path, "source", f"must be a string or null, found {source!r}")
    return {
        "date": date,
        "fetched_at": content["fetched_at"],
        "source": source,
        "models": content["models"],
        "form": "wrapped",
    }


def _one_row_per_id(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per id: the highest `downloadsAllTime`, then `downloads`, then the first listed; in listed order."""
    return (
        frame.with_row_index("_listed")
        .sort(
            ["id", "downloadsAllTime", "downloads", "_listed"], descending=[False, True, True, False], nulls_last=True
        )
        .unique(subset="id", keep="first", maintain_order=True)
        .sort("_listed")
        .drop("_listed")
    )
