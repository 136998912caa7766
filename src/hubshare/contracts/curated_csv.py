"""Hand-written CSV inputs: read as text, then typed and checked against their contract.

A curated file is edited by hand, so a reader of it reports every broken
rule at once, each naming the file, the line, the column and what is wrong
with the cell as written, so that it can be fixed in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import pandera.polars as pa
import polars as pl

# A cell's text -> its value, for the column types the contracts of curated files use; text that is no
# such value reads as null and is reported with what it should have been.
_PARSERS: dict[pl.DataType, tuple[str, Callable[[str], pl.Expr]]] = {
    pl.Int64: ("a whole number", lambda column: pl.col(column).cast(pl.Int64, strict=False)),
    pl.Date: ("a date, YYYY-MM-DD", lambda column: pl.col(column).str.to_date("%Y-%m-%d", strict=False)),
    pl.Boolean: (
        "true or false",
        lambda column: pl.col(column).replace_strict({"true": True, "false": False}, default=None),
    ),
    pl.String: ("text", pl.col),
}


def read_curated_csv(path: str | os.PathLike, expected: Sequence[str], error: type[ValueError]) -> pl.DataFrame:
    """Read a curated CSV as strings, check its header, strip cells and read empty cells as null."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise error(f"{path}: not a readable CSV file: {exc}") from exc
    if frame.columns != list(expected):
        missing = [c for c in expected if c not in frame.columns]
        extra = [c for c in frame.columns if c not in expected]
        raise error(
            f"{path}: columns must be exactly {', '.join(expected)} in that order; "
            f"found {', '.join(frame.columns)} (missing: {missing or 'none'}, unexpected: {extra or 'none'})"
        )
    stripped = [pl.col(c).str.strip_chars() for c in expected]
    return frame.with_columns(stripped).with_columns(
        pl.when(pl.col(c).str.len_chars() == 0).then(None).otherwise(pl.col(c)).alias(c) for c in expected
    )


def read_contract_csv(
    path: str | os.PathLike, contract: type[pa.DataFrameModel], error: type[ValueError]
) -> pl.DataFrame:
    """A curated CSV with exactly the contract's columns, typed as it says and valid under it.

    Raises `error` listing every problem, one per line: `<path>: line <n>: column '<c>': <what>`.
    """
    columns = contract.to_schema().columns
    text = read_curated_csv(path, list(columns), error)
    kinds = {name: _PARSERS[column.dtype.type] for name, column in columns.items()}
    typed = text.with_columns(kinds[name][1](name).alias(name) for name in columns)
    problems: dict[tuple[int | None, str], str] = {}
    try:
        contract.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.iter_rows(named=True):
            row, column = case["index"], case["column"]
            written = None if row is None or column not in text.columns else text[column][row]
            if case["check"] == "not_nullable":
                what = "is empty" if written is None else f"{written!r} is not {kinds[column][0]}"
            else:
                what = f"{'' if written is None else f'{written!r} '}breaks the check {case['check']}"
            where = "file" if row is None else f"line {row + 2}"  # the header is line 1
            problems.setdefault((row, column), f"{where}: column '{column}': {what}")
    if problems:
        raise error(f"{path}: " + f"\n{path}: ".join(problems.values()))
    return typed
