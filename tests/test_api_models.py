"""Model objects of the Hub models API read field by field: properties of the strict readers."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubshare.sources.api_models import ValueRefused, read_count, read_safetensors, read_time

INT64 = st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)


@given(st.dictionaries(st.text(min_size=1, max_size=6), INT64, max_size=5), INT64)
def test_safetensors_parameters_keep_every_dtype_in_the_dumps_order(parameters, total):
    read = read_safetensors({"total": total, "parameters": parameters})
    assert read == {"parameters": [{"dtype": k, "count": v} for k, v in parameters.items()], "total": total}


@given(st.datetimes(timezones=st.timezones()))
def test_any_iso_time_is_the_same_instant_in_utc(moment):
    read = read_time(moment.isoformat())
    # Compared in UTC: by PEP 495, a local time in a daylight-saving gap never equals a time in another zone.
    assert read == moment.astimezone(dt.UTC) and read.utcoffset() == dt.timedelta(0)


def test_a_time_without_offset_is_utc():
    assert read_time("2024-07-31T21:13:44.000") == dt.datetime(2024, 7, 31, 21, 13, 44, tzinfo=dt.UTC)


@given(INT64)
def test_every_64_bit_integer_is_a_count(value):
    assert read_count(value) == value


@pytest.mark.parametrize("value", [True, False, 2**63, -(2**63), 1.0, "1", None])
def test_anything_else_is_not_a_count(value):
    with pytest.raises(ValueRefused) as refused:
        read_count(value)
    assert refused.value.where == "" and refused.value.found == f"found {value!r}"
