"""Every documented form of a raw column, brought to the raw contract's type; anything else refused.

The Hub's `models.parquet` has changed shape over time, and dumps of its API
differ again. The forms accepted here are the ones public code and the API's
own client document:

- `createdAt`: a timestamp in any unit, with or without a zone (no zone is
  read as UTC); ISO-8601 text with an offset or `Z`; or integer epoch time,
  whose unit (s, ms, us, ns) is told by its size, the same for every value.
- `safetensors`: a struct `{parameters, total}` in either field order, where
  `parameters` is a list of `{dtype, count}`, a map dtype -> count (read as a
  list of `{key, value}`), or a struct with one integer field per dtype.
- `baseModels`: a struct `{models, relation}` in either field order, `models`
  a list of `{_id, id}` in either field order.
- counts: integers of any width, or floats holding whole numbers.
- text: strings, categoricals, or binary holding valid UTF-8.

Nested fields are matched by name, never by position, and an unknown or
missing inner field is an error: a renamed field would otherwise turn into
nulls and silently erase lineage or sizes.
"""

from __future__ import annotations

import polars as pl

from hubshare.contracts.base import UTC_MICROS
from hubshare.contracts.raw_tables import BASE_MODELS_DTYPE, SAFETENSORS_DTYPE

INT64_MAX = 2**63 - 1
# Epoch-time units told apart by size: a time between 1990 and 2100 is about
# 6.3e8..4.1e9 seconds, so each unit owns its own range of magnitudes.
EPOCH_UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
EPOCH_SECONDS = (631_152_000, 4_102_444_800)


class FormError(ValueError):
    """A column in no accepted form: what was found and what is accepted."""


def conform(series: pl.Series, dtype: pl.DataType) -> pl.Series:
    """`series` in the contract's `dtype`, from any accepted form; `FormError` otherwise."""
    if series.dtype == dtype:
        return series
    if dtype == UTC_MICROS:
        return _times(series)
    if dtype == SAFETENSORS_DTYPE:
        return _safetensors(series)
    if dtype == BASE_MODELS_DTYPE:
        return _base_models(series)
    if dtype == pl.Int64:
        return _counts(series)
    if series.dtype == pl.Null:
        return series.cast(dtype)
    if dtype == pl.String and (series.dtype in (pl.Categorical, pl.Binary) or isinstance(series.dtype, pl.Enum)):
        try:
            return series.cast(pl.String, strict=True)
        except Exception as error:  # polars raises several error types for invalid UTF-8
            raise FormError(f"found {series.dtype} that is not valid UTF-8 text ({error})") from None
    if dtype == pl.List(pl.String) and series.dtype == pl.List(pl.Categorical):
        return series.cast(dtype)
    raise FormError(f"found {series.dtype}, accepted {dtype}")


def _times(series: pl.Series) -> pl.Series:
    if isinstance(series.dtype, pl.Datetime):
        if series.dtype.time_zone is None:
            series = series.dt.replace_time_zone("UTC")
        return series.dt.convert_time_zone("UTC").cast(UTC_MICROS)
    if series.dtype == pl.String:
        try:
            return series.str.to_datetime(time_zone="UTC", time_unit="us", strict=True)
        except Exception as error:  # polars raises several error types for unparsable text
            raise FormError(f"text that is not an ISO-8601 time with a zone ({error})") from None
    if series.dtype.is_integer():
        return _epoch(series)
    if series.dtype == pl.Null:
        return series.cast(UTC_MICROS)
    raise FormError(f"found {series.dtype}, accepted a timestamp, ISO-8601 text or integer epoch time")


def _epoch(series: pl.Series) -> pl.Series:
    values = series.drop_nulls()
    if values.is_empty():
        return series.cast(UTC_MICROS)
    low, high = int(values.min()), int(values.max())
    for per_second in EPOCH_UNITS.values():
        if EPOCH_SECONDS[0] * per_second <= low and high <= EPOCH_SECONDS[1] * per_second:
            ticks = series.cast(pl.Int64)
            micros = (
                ticks * (1_000_000 // per_second) if per_second <= 1_000_000 else ticks // (per_second // 1_000_000)
            )
            return micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    raise FormError(
        f"integer epoch times from {low} to {high} fit no single unit (s, ms, us, ns) between 1990 and 2100"
    )


def _counts(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Boolean:
        raise FormError("found true/false values, accepted integer counts")
    if series.dtype.is_integer():
        if series.dtype == pl.UInt64 and (series.max() or 0) > INT64_MAX:
            raise FormError(f"a count of {series.max()} exceeds the largest 64-bit signed integer")
        return series.cast(pl.Int64)
    if series.dtype.is_float():
        values = series.drop_nulls()
        if (values % 1 != 0).any():
            raise FormError("found non-integer counts")
        if (values.abs() > INT64_MAX).any():
            raise FormError("a count exceeds the largest 64-bit signed integer")
        return series.cast(pl.Int64)
    if series.dtype == pl.Null:
        return series.cast(pl.Int64)
    raise FormError(f"found {series.dtype}, accepted integer counts")


def _fields(dtype: pl.DataType) -> dict[str, pl.DataType]:
    return {f.name: f.dtype for f in dtype.fields} if isinstance(dtype, pl.Struct) else {}


def _require_fields(dtype: pl.DataType, expected: set[str], what: str) -> dict[str, pl.DataType]:
    fields = _fields(dtype)
    if set(fields) != expected:
        raise FormError(f"{what}: found {dtype}, accepted a struct with exactly the fields {sorted(expected)}")
    return fields


def _safetensors(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Null:
        return series.cast(SAFETENSORS_DTYPE)
    fields = _require_fields(series.dtype, {"parameters", "total"}, "safetensors")
    parameters = series.struct.field("parameters")
    form = fields["parameters"]
    map_type = getattr(pl, "Map", None)  # newer polars reads a parquet map as Map, older as a key/value list
    if map_type is not None and isinstance(form, map_type):
        form = pl.List(pl.Struct({"key": form.key, "value": form.value}))
        parameters = parameters.cast(form)
    if isinstance(form, pl.List) and set(_fields(form.inner)) == {"dtype", "count"}:
        pairs = parameters.list.eval(
            pl.struct(
                pl.element().struct.field("dtype").cast(pl.String), pl.element().struct.field("count").cast(pl.Int64)
            )
        )
    elif isinstance(form, pl.List) and set(_fields(form.inner)) == {"key", "value"}:
        pairs = parameters.list.eval(
            pl.struct(
                pl.element().struct.field("key").cast(pl.String).alias("dtype"),
                pl.element().struct.field("value").cast(pl.Int64).alias("count"),
            )
        )
    elif isinstance(form, pl.Struct) and all(
        inner.is_integer() or inner == pl.Null for inner in _fields(form).values()
    ):
        dtypes = list(_fields(form))
        frame = parameters.struct.unnest() if dtypes else pl.DataFrame({"_": [None] * series.len()})
        pairs = frame.select(
            pl.concat_list(
                [pl.struct(pl.lit(name).alias("dtype"), pl.col(name).cast(pl.Int64).alias("count")) for name in dtypes]
            ).list.eval(pl.element().filter(pl.element().struct.field("count").is_not_null()))
            if dtypes
            else pl.lit(None, dtype=pl.List(pl.Struct({"dtype": pl.String, "count": pl.Int64})))
        ).to_series()
    else:
        raise FormError(
            f"safetensors.parameters: found {form}, accepted a list of {{dtype, count}}, a map "
            "dtype -> count, or a struct of integer dtype fields"
        )
    total = _counts(series.struct.field("total"))
    return (
        pl.DataFrame({"parameters": pairs, "total": total})
        .select(pl.when(series.is_not_null()).then(pl.struct("parameters", "total")).alias(series.name))
        .to_series()
        .cast(SAFETENSORS_DTYPE)
    )


def _base_models(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Null:
        return series.cast(BASE_MODELS_DTYPE)
    fields = _require_fields(series.dtype, {"models", "relation"}, "baseModels")
    models = fields["models"]
    if not isinstance(models, pl.List):
        raise FormError(f"baseModels.models: found {models}, accepted a list of {{_id, id}}")
    _require_fields(models.inner, {"_id", "id"}, "baseModels.models[]")
    parents = series.struct.field("models").list.eval(
        pl.struct(pl.element().struct.field("_id").cast(pl.String), pl.element().struct.field("id").cast(pl.String))
    )
    return (
        pl.DataFrame({"models": parents, "relation": series.struct.field("relation").cast(pl.String)})
        .select(pl.when(series.is_not_null()).then(pl.struct("models", "relation")).alias(series.name))
        .to_series()
        .cast(BASE_MODELS_DTYPE)
    )
