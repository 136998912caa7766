"""Data contracts: the one base every table's pandera schema shares, and helpers for contracts.

Each table the pipeline writes has a pandera.polars schema in the module of
its stage: `raw_tables` (the raw contract and the normalized snapshots),
`panel_tables` (the panel, its ledger, and the attributed downloads) and
`result_tables` (shares, concentration, contrasts, eras, calibration). The
same classes validate at run time (in the library functions that produce the
tables) and in the tests. `docs/data_dictionary.md` is generated from their
field descriptions, so a column described there is a column documented.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera import extensions

from hubshare.normalize.distinct import all_distinct

UTC_MICROS = pl.Datetime(time_unit="us", time_zone="UTC")


@extensions.register_check_method(statistics=["distinct"])
def distinct_values(data: pa.PolarsData, *, distinct: bool) -> bool | pl.LazyFrame:
    """pandera's `unique=True` for key columns of millions of rows, in a fraction of its time: a column
    declared `pa.Field(distinct_values=True)`.

    Passes in one pass over hashes; only when values repeat are the repeating
    rows listed as failure cases.
    """
    if not distinct or all_distinct(data.lazyframe.select(data.key).collect().to_series()):
        return True
    return data.lazyframe.select(~pl.col(data.key).is_duplicated())


class Contract(pa.DataFrameModel):
    """The one configuration every table's schema shares (a schema that differs says why).

    strict: a column the schema does not list is an error, so every column
    written is a column documented; coerce: never, a wrong type is an error
    upstream, not something to convert silently.
    """

    class Config:
        strict = True
        coerce = False


def empty_frame(model: type[pa.DataFrameModel], columns: list[str] | None = None) -> pl.DataFrame:
    """A frame with no rows in the columns (all, or those named) and types of a schema: a period without data."""
    schema = model.to_schema().columns
    return pl.DataFrame(schema={c: schema[c].dtype.type for c in (columns or list(schema))})
