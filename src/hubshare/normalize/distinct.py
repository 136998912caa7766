"""Whether a column's values are all different, cheaply in the usual case."""

from __future__ import annotations

import polars as pl


def all_distinct(values: pl.Series) -> bool:
    """True when no value repeats (nulls count as one value).

    Equal values hash equally, so as many distinct hashes as rows proves the
    values distinct; counting 64-bit hashes is several times faster than
    counting millions of strings. Only when hashes repeat (a real repeat, or
    a rare collision) are the values themselves counted.
    """
    return values.hash().n_unique() == values.len() or values.n_unique() == values.len()
