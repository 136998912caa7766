"""The ledger as the manuscript shows it: values in their units, sources as citations or notes."""

from __future__ import annotations

import re

import polars as pl

from hubshare.manuscript.formatting import big_number, pct, signed
from hubshare.manuscript.tables import markdown_table


def format_value(value: float | None, unit: str | None) -> str:
    """A value as the ledger shows it: 17.1%, +2.0 pp, 17.0x, 2.20 billion, #3, yes."""
    if value is None:
        return ""
    if unit == "share":
        return pct(value)
    if unit == "share_change":
        # A bound of exactly zero reads as "0.0 pp", without a sign.
        return "0.0 pp" if value == 0 else f"{signed(value * 100)} pp"
    if unit == "multiplier":
        return f"{value:.1f}x"
    if unit == "rank":
        return f"#{value:.0f}"
    if unit == "indicator":
        return "yes" if value >= 0.5 else "no"
    return big_number(value)


def published_text(value: float | None, unit: str | None, comparison: str) -> str:
    if value is None:
        return ""
    if unit == "rank" and comparison == "at_most":
        return f"top {value:.0f}"
    bound = {"at_least": "\u2265 ", "at_most": "\u2264 "}.get(comparison, "")
    return bound + format_value(value, unit)


_CITED_SOURCE = re.compile(r"^(\w+) \[@([^\]]+)\]$")


def _note_letter(index: int) -> str:
    """a, b, ..., z, aa, ab, ... for the index-th note."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _source_markers(ledger: pl.DataFrame) -> tuple[list[str], list[tuple[str, str]]]:
    """What follows each claim to name its source, and the notes for sources without a bibliography entry.

    A cited source becomes a citation, `[@key]`; any other its type and a
    letter, `(press, note a)`, whose note gives the full reference.
    """
    markers, notes = [], {}
    for source in ledger.get_column("source"):
        cited = _CITED_SOURCE.match(source)
        if cited:
            markers.append(f"[@{cited.group(2)}]")
            continue
        kind, _, reference = source.partition(": ")
        letter = notes.setdefault(reference, _note_letter(len(notes)))
        markers.append(f"({kind}, note {letter})")
    return markers, [(letter, reference) for reference, letter in notes.items()]


def ledger_source_notes(ledger: pl.DataFrame) -> str:
    """The sentence, for the ledger's caption, that spells out the sources the table names by letter."""
    _, notes = _source_markers(ledger)
    if not notes:
        return ""
    return "Notes: " + "; ".join(f"({letter}) {reference}" for letter, reference in notes) + "."


def ledger_markdown(ledger: pl.DataFrame) -> str:
    """The ledger as a pipe table for the manuscript (no caption: the manuscript adds it).

    Each claim ends with its source (a citation, or a note letter that
    `ledger_source_notes` spells out in the caption). The reasons stay in
    `results/tables/claims_ledger.csv`: in a printed table they would dwarf
    the values.
    """
    markers, _ = _source_markers(ledger)
    rows = [
        [
            row["claim"] + " " + marker,
            row["window"],
            published_text(row["published"], row["unit"], row["comparison"]),
            format_value(row["ours"], row["unit"]),
            row["verdict"].replace("_", " "),
        ]
        for row, marker in zip(ledger.iter_rows(named=True), markers, strict=True)
    ]
    columns = ["Claim and source", "Window", "Published", "Ours", "Verdict"]
    # A pipe inside a cell would end the cell.
    cells = [[cell.replace("|", "\\|") for cell in row] for row in rows]
    frame = pl.DataFrame(cells, schema=columns, orient="row")
    return markdown_table(frame, align="llrrl")
