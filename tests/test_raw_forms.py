"""Documented forms of raw columns in, anything else refused with what was found and what is accepted."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubshare.contracts.base import UTC_MICROS
from hubshare.contracts.raw_tables import BASE_MODELS_DTYPE, SAFETENSORS_DTYPE
from hubshare.sources.raw_forms import FormError, conform

UTC = dt.UTC


@given(
    st.datetimes(min_value=dt.datetime(1991, 1, 1), max_value=dt.datetime(2099, 1, 1)),
    st.sampled_from(["s", "ms", "us", "ns"]),
)
def test_epoch_time_in_any_unit_is_the_same_instant(moment, unit):
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    ticks = int(moment.timestamp()) * per_second
    assert conform(pl.Series([ticks, None]), UTC_MICROS).to_list() == [moment, None]


def test_epoch_times_of_mixed_units_are_refused():
    seconds, millis = 1_700_000_000, 1_700_000_000_000
    with pytest.raises(FormError, match="fit no single unit"):
        conform(pl.Series([seconds, millis]), UTC_MICROS)


NOON_UTC = dt.datetime(2024, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "series",
    [
        # 13:00 in Rome in winter is 12:00 UTC.
        pl.Series([dt.datetime(2024, 1, 1, 13)]).dt.replace_time_zone("Europe/Rome").dt.cast_time_unit("ns"),
        # A time without a zone is read as UTC.
        pl.Series([dt.datetime(2024, 1, 1, 12)], dtype=pl.Datetime("ms")),
        pl.Series(["2024-01-01T12:00:00.000Z"]),
        pl.Series(["2024-01-01T13:00:00+01:00"]),
    ],
)
def test_times_in_any_unit_or_zone_are_utc_microseconds(series):
    converted = conform(series, UTC_MICROS)
    assert converted.dtype == UTC_MICROS and converted.to_list() == [NOON_UTC]


PAIRS = [{"dtype": "BF16", "count": 8}, {"dtype": "F32", "count": 2}]


@pytest.mark.parametrize(
    "parameters",
    [
        PAIRS,
        {"BF16": 8, "F32": 2},
        [{"key": "BF16", "value": 8}, {"key": "F32", "value": 2}],
    ],
)
def test_safetensors_parameters_in_each_documented_form(parameters):
    series = pl.Series("safetensors", [{"total": 10, "parameters": parameters}, None])
    assert conform(series, SAFETENSORS_DTYPE).to_list() == [{"parameters": PAIRS, "total": 10}, None]


def test_a_dtype_field_absent_in_one_row_is_not_a_parameter_count():
    series = pl.Series("safetensors", [{"parameters": {"BF16": 8, "F32": None}, "total": 8}])
    assert conform(series, SAFETENSORS_DTYPE).to_list() == [{"parameters": [{"dtype": "BF16", "count": 8}], "total": 8}]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"parameters": "BF16=8", "total": 8}, "safetensors.parameters: found String"),
        ({"parameters": {"BF16": 8}, "total": 8, "sharded": True}, "exactly the fields"),
        ({"params": {"BF16": 8}, "total": 8}, "exactly the fields"),
    ],
)
def test_safetensors_in_another_form_is_refused(value, message):
    with pytest.raises(FormError, match=message):
        conform(pl.Series("safetensors", [value]), SAFETENSORS_DTYPE)


def test_base_models_in_either_field_order():
    expected = [{"models": [{"_id": "x", "id": "a/b"}], "relation": "finetune"}]
    swapped = pl.Series("baseModels", [{"relation": "finetune", "models": [{"id": "a/b", "_id": "x"}]}])
    assert conform(swapped, BASE_MODELS_DTYPE).to_list() == expected


@pytest.mark.parametrize(
    "value",
    [
        {"parents": [{"_id": "x", "id": "a/b"}], "relation": "finetune"},
        {"models": [{"_id": "x", "name": "a/b"}], "relation": "finetune"},
        {"models": [{"_id": "x", "id": "a/b"}]},
    ],
)
def test_renamed_or_missing_inner_fields_are_refused(value):
    with pytest.raises(FormError, match="exactly the fields"):
        conform(pl.Series("baseModels", [value]), BASE_MODELS_DTYPE)


def test_counts_beyond_int64_are_refused_not_wrapped():
    with pytest.raises(FormError, match="largest 64-bit"):
        conform(pl.Series([2**63 + 5], dtype=pl.UInt64), pl.Int64)
    assert conform(pl.Series([7], dtype=pl.UInt32), pl.Int64).to_list() == [7]
    assert conform(pl.Series([7.0, None]), pl.Int64).to_list() == [7, None]


def test_binary_text_must_be_utf8():
    assert conform(pl.Series(["org/mødel".encode()], dtype=pl.Binary), pl.String).to_list() == ["org/mødel"]
    with pytest.raises(FormError, match="UTF-8"):
        conform(pl.Series([b"\xff\xfe"], dtype=pl.Binary), pl.String)
