"""Errors raised while preparing or rendering the manuscript.

Each error names where in the source it was found, so a failed render points
at the line to fix rather than at the renderer's internals.
"""

from __future__ import annotations

from pathlib import Path


class ManuscriptError(Exception):
    """A problem in the manuscript source, located by file and line."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


class UnresolvedVariableError(ManuscriptError, KeyError):
    """A `{{< var key >}}` whose key is not in the variables file."""

    def __init__(self, key: str, path: Path | None = None, line: int | None = None):
        self.key = key
        super().__init__(f"unknown variable {key!r} in {{{{< var {key} >}}}}", path, line)

    # KeyError would quote the whole message; show it as written instead.
    __str__ = ManuscriptError.__str__


class UnresolvedReferenceError(ManuscriptError, LookupError):
    """An `@fig-`, `@tbl-` or `@sec-` reference with no matching label."""

    def __init__(self, label: str, path: Path | None = None, line: int | None = None):
        self.label = label
        super().__init__(f"cross-reference @{label} has no matching {{#{label}}} label", path, line)


class RenderError(RuntimeError):
    """Pandoc, Typst or Quarto failed; the message carries their diagnostics."""


def raise_first(problems: list[ManuscriptError]) -> None:
    """Raise the first problem, with the others attached as notes."""
    if not problems:
        return
    first = problems[0]
    for other in problems[1:]:
        first.add_note(str(other))
    raise first
