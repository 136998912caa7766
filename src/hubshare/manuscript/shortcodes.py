"""Quarto shortcodes the manuscript uses: `var`, `include` and `pagebreak`.

`{{< var a.b >}}` is replaced by the value at `a: {b: ...}` in the variables
file the workflow writes from its results, so every number in the text comes
from the DAG. `{{< include file >}}` splices another file in, resolved
relative to the file that includes it (a leading `/` means the project
folder), and is expanded recursively. `{{{< ... >}}}` is the escaped form and
stays as literal text. Code blocks and code spans are left alone.

Problems are collected rather than raised one at a time, so that a check can
report all of them; `expand_shortcodes` raises the first with the rest as notes.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from .errors import ManuscriptError, UnresolvedVariableError, raise_first
from .markdown import substitute_outside_code

_SHORTCODE = re.compile(r"(\{?)\{\{<\s*(.*?)\s*>\}\}(\}?)")

# Raw blocks for both targets; Pandoc keeps the one matching the output format.
PAGEBREAK = '\n```{=html}\n<div class="page-break"></div>\n```\n\n```{=typst}\n#pagebreak()\n```\n'


def load_variables(path: str | Path) -> dict:
    """Read a `_variables.yml` file (an empty file gives an empty mapping)."""
    variables = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(variables, dict):
        raise ValueError(f"{path}: the variables file must be a mapping")
    return variables


def variable_text(variables: dict, key: str) -> str:
    """The text a `{{< var key >}}` stands for; raise `UnresolvedVariableError` if absent."""
    value: object = variables
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise UnresolvedVariableError(key)
        value = value[part]
    if value is None or isinstance(value, (dict, list)):
        raise UnresolvedVariableError(key)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ShortcodeExpander:
    """Expands shortcodes in manuscript text, collecting problems in `problems`."""

    def __init__(self, variables: dict, project_dir: Path):
        self.variables = variables
        self.project_dir = Path(project_dir)
        self.problems: list[ManuscriptError] = []

    def expand(
        self, text: str, source: Path, *, first_line: int | None = 1, include_chain: tuple[Path, ...] = ()
    ) -> str:
        """Expand `text` read from `source`, whose first line is line `first_line` of that file.

        `first_line=None` is for text without line numbers (YAML front matter values).
        """
        chain = include_chain or (Path(source).resolve(),)

        def replace(match: re.Match[str], line_in_text: int) -> str:
            line = None if first_line is None else line_in_text + first_line - 1
            if match.group(1) and match.group(3):
                return match.group(0)[1:-1]
            try:
                name, *arguments = shlex.split(match.group(2))
            except ValueError as error:
                self.problems.append(ManuscriptError(f"unreadable shortcode {match.group(0)!r}: {error}", source, line))
                return match.group(0)
            before, after = match.group(1), match.group(3)
            if name == "var" and len(arguments) == 1:
                return before + self._variable(arguments[0], source, line) + after
            if name == "include" and len(arguments) == 1:
                return before + self._include(arguments[0], source, line, chain) + after
            if name == "pagebreak" and not arguments:
                return before + PAGEBREAK + after
            self.problems.append(
                ManuscriptError(
                    f"shortcode {match.group(0)!r} is not one of: var KEY, include FILE, pagebreak", source, line
                )
            )
            return match.group(0)

        return substitute_outside_code(text, _SHORTCODE, replace)

    def expand_metadata(self, value: object, source: Path) -> object:
        """Expand shortcodes in every string of a parsed YAML value (front matter has no line numbers)."""
        if isinstance(value, str):
            return self.expand(value, source, first_line=None) if "{{<" in value else value
        if isinstance(value, dict):
            return {key: self.expand_metadata(item, source) for key, item in value.items()}
        if isinstance(value, list):
            return [self.expand_metadata(item, source) for item in value]
        return value

    def _variable(self, key: str, source: Path, line: int | None) -> str:
        try:
            return variable_text(self.variables, key)
        except UnresolvedVariableError:
            self.problems.append(UnresolvedVariableError(key, source, line))
            return f"?var:{key}"

    def _include(self, target: str, source: Path, line: int | None, chain: tuple[Path, ...]) -> str:
        base = self.project_dir if target.startswith("/") else Path(source).parent
        path = (base / target.lstrip("/")).resolve()
        if path in chain:
            cycle = " -> ".join(str(p) for p in (*chain, path))
            self.problems.append(ManuscriptError(f"include cycle: {cycle}", source, line))
            return ""
        if not path.is_file():
            message = f"included file {target!r} not found (looked for {path})"
            self.problems.append(ManuscriptError(message, source, line))
            return ""
        text = path.read_text(encoding="utf-8")
        return self.expand(text, path, include_chain=(*chain, path)).rstrip("\n")


def expand_shortcodes(text: str, source: str | Path, variables: dict, *, project_dir: str | Path | None = None) -> str:
    """Expand the shortcodes of `text` (read from `source`); raise on the first problem.

    Includes are resolved relative to `source`'s folder, or to `project_dir`
    (default: that folder) for paths starting with `/`.
    """
    source = Path(source)
    expander = ShortcodeExpander(variables, Path(project_dir) if project_dir else source.parent)
    expanded = expander.expand(text, source)
    raise_first(expander.problems)
    return expanded
