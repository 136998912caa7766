"""Markdown pipe tables sized for the page."""

from __future__ import annotations

import polars as pl

# Characters of table text across the page: pandoc gives a pipe table whose
# lines exceed its column limit relative widths from the dashes under the
# header, which `markdown_table` sets so that the table fits this budget.
TABLE_BUDGET = 100


# A left-aligned column with cells longer than this may wrap; shorter ones and
# right-aligned (numeric) columns never do.
WRAPPING_CELL = 18


# Dashes a column needs beyond its text for the cell padding, in a table that fills the page.
CELL_PADDING = 2


def column_widths(columns: list[str], cells: list[list[str]], alignment: str) -> list[int]:
    """Dash counts for a pipe table: the widest cell of each column (+2) when the table fits
    `TABLE_BUDGET`; otherwise numbers and short text keep their width (a header may wrap between
    words) and long text columns share the rest by the square root of their widest cell, so that
    one very long column does not squeeze the others, each at least its longest word."""

    def longest_word(texts: list[str]) -> int:
        return max([3, *(len(word) for text in texts for word in text.split())])

    natural = [max([3, len(name), *(len(row[i]) for row in cells)]) + 2 for i, name in enumerate(columns)]
    if sum(natural) <= TABLE_BUDGET:
        return natural
    longest_cell = [max([0, *(len(row[i]) for row in cells)]) for i in range(len(columns))]
    wraps = [alignment[i] != "r" and longest_cell[i] > WRAPPING_CELL for i in range(len(columns))]
    widths = [max(longest_cell[i], longest_word([name])) + CELL_PADDING for i, name in enumerate(columns)]
    floor = [longest_word([name, *(row[i] for row in cells)]) + CELL_PADDING for i, name in enumerate(columns)]
    flexible = [i for i, wrap in enumerate(wraps) if wrap]
    room = TABLE_BUDGET - sum(w for i, w in enumerate(widths) if not wraps[i])
    weight = sum(natural[i] ** 0.5 for i in flexible)
    for i in flexible:
        widths[i] = max(floor[i], round(room * natural[i] ** 0.5 / weight))
    return widths


def markdown_table(frame: pl.DataFrame, align: str | None = None) -> str:
    """A pipe table (no caption: the manuscript adds it with its label)."""
    cells = [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    alignment = align or "l" * frame.width
    widths = column_widths(frame.columns, cells, alignment)
    header = "| " + " | ".join(frame.columns) + " |"
    rule = (
        "|"
        + "|".join(
            ("-" * (w - 1) + ":") if alignment[i] == "r" else (":" + "-" * (w - 1)) for i, w in enumerate(widths)
        )
        + "|"
    )
    body = ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join([header, rule, *body]) + "\n"
