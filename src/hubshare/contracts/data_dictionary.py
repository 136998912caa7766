"""The data dictionary (`docs/data_dictionary.md`), generated from the table contracts.

Every table the pipeline writes has a pandera `DataFrameModel` in a table
module of `hubshare.contracts` (`raw_tables`, `panel_tables`, `result_tables`:
one per stage) whose fields carry a description. Rendering the dictionary
from those classes keeps the documentation and the run-time checks one source:
a column cannot be checked without being documented, nor documented with a
type or range the pipeline does not enforce.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType

import pandera.polars as pa

from hubshare.analysis.capabilities import CAPABILITIES_SCHEMA
from hubshare.contracts import block_tables, panel_tables, raw_tables, result_tables

# The modules of table contracts, in the order of the pipeline's stages.
TABLE_MODULES = (raw_tables, panel_tables, block_tables, result_tables)

# pandera's built-in checks and the project's registered one, keyed by
# `Check.name`, as a reader would write them; the keyword names are pandera's
# `Check.statistics`. A check not listed here is shown by pandera's own
# description (`Check.error`).
CHECK_TEXT: dict[str, Callable[[Mapping], str]] = {
    "greater_than": lambda s: f"> {s['min_value']}",
    "greater_than_or_equal_to": lambda s: f">= {s['min_value']}",
    "less_than": lambda s: f"< {s['max_value']}",
    "less_than_or_equal_to": lambda s: f"<= {s['max_value']}",
    "equal_to": lambda s: f"== {s['value']}",
    "not_equal_to": lambda s: f"!= {s['value']}",
    "isin": lambda s: "isin [" + ", ".join(str(v) for v in s["allowed_values"]) + "]",
    "notin": lambda s: "notin [" + ", ".join(str(v) for v in s["forbidden_values"]) + "]",
    "str_matches": lambda s: f"matches `{s['pattern']}`",
    "distinct_values": lambda s: "unique" if s["distinct"] else "",
}


# What a schema's `strict` setting does with columns it does not list.
EXTRA_COLUMNS = {True: "rejected", "filter": "dropped", False: "allowed, not checked"}


def schema_models(modules: Sequence[ModuleType] = TABLE_MODULES) -> list[type[pa.DataFrameModel]]:
    """The `DataFrameModel` classes of tables defined in the modules, in the order they are defined there."""
    return [
        value
        for module in modules
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, pa.DataFrameModel)
        and value.__module__ == module.__name__
        and value.to_schema().columns  # the shared base describes no table
    ]


def check_text(check: pa.Check) -> str:
    describe = CHECK_TEXT.get(check.name)
    return describe(check.statistics) if describe else str(check.error)


def _cell(text: str) -> str:
    # A pipe or a line break inside a cell would end the cell or the row.
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def model_section(model: type[pa.DataFrameModel]) -> str:
    """One table's entry: its docstring, its column rules and one row per column."""
    schema = model.to_schema()
    lines = [
        f"## `{model.__name__}`",
        "",
        inspect.getdoc(model) or "",
        "",
        f"Columns not listed here: {EXTRA_COLUMNS[schema.strict]}.",
    ]
    if schema.unique:
        lines.append(f"Unique together: {', '.join(f'`{c}`' for c in schema.unique)}.")
    rows = []
    for name, column in schema.columns.items():
        checks = [check_text(check) for check in column.checks]
        if column.unique:
            checks.append("unique")
        rows.append(
            [
                f"`{name}`",
                f"`{column.dtype}`",
                "yes" if column.nullable else "no",
                "yes" if column.required else "no (may be absent)",
                ", ".join(checks) or "\u2013",
                column.description or "",
            ]
        )
    lines += ["", *_table(["column", "dtype", "nullable", "required", "checks", "description"], rows)]
    return "\n".join(lines) + "\n"


def raw_contract_section() -> str:
    """`RAW_COLUMNS`: every column the pipeline reads from a raw snapshot, including the nested ones."""
    rows = [
        [f"`{name}`", f"`{dtype}`", "yes" if required else "no (filled with nulls)"]
        for name, (dtype, required) in raw_tables.RAW_COLUMNS.items()
    ]
    lines = [
        "## Raw contract (`RAW_COLUMNS`)",
        "",
        "The columns of the Hub's `models.parquet` that the pipeline reads from every raw snapshot, "
        "with the type it reads them as. `RawSnapshot` below describes the flat ones.",
        "",
        *_table(["column", "dtype", "required in every snapshot"], rows),
    ]
    return "\n".join(lines) + "\n"


def json_contract_section(schema: dict, path: str) -> str:
    """A JSON record's contract (a JSON schema): one row per key, nested objects as dotted keys."""
    rows: list[list[str]] = []

    def walk(node: dict, prefix: str) -> None:
        for name, field in node.get("properties", {}).items():
            key = f"{prefix}{name}"
            kind = field.get("type", "")
            rows.append(
                [
                    f"`{key}`",
                    f"`{'/'.join(kind) if isinstance(kind, list) else kind}`",
                    "yes" if name in node.get("required", []) else "no",
                    field.get("description", ""),
                ]
            )
            if kind == "object":
                walk(field, f"{key}.")

    walk(schema, "")
    lines = [
        f"## `{path}`",
        "",
        schema.get("description", ""),
        "",
        *_table(["key", "type", "required", "description"], rows),
    ]
    return "\n".join(lines) + "\n"


def data_dictionary_markdown() -> str:
    """The whole dictionary: a header, the raw contract, then one section per table contract."""
    header = (
        "# Data dictionary\n\n"
        "Generated from the pandera schemas in `src/hubshare/contracts/*_tables.py` by the workflow rule "
        "`data_dictionary`; edit the schemas, not this file. The same schemas validate every table "
        "when the workflow writes it, so what is listed here is what the pipeline enforces.\n"
    )
    sections = [
        raw_contract_section(),
        json_contract_section(CAPABILITIES_SCHEMA, "results/capabilities.json"),
        *(model_section(model) for model in schema_models()),
    ]
    return "\n".join([header, *sections])
