"""Quarto's conditional content, kept or dropped by document metadata.

`::: {.content-visible when-meta="show.trends"}` keeps its content when the
metadata key (dotted for nested keys) is true, and `.content-hidden` when it
is false; Quarto reads the key from the document's metadata, which includes
the project's `metadata-files`. The fallback does the same here, before
shortcodes are expanded, so that dropped text needs none of its variables and
its labels are neither numbered nor referable. Divs without `when-meta` (and
every other div) are left to Pandoc.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .markdown import code_block_mask

_DIV_OPEN = re.compile(r"^ {0,3}(:{3,})\s*\{(?P<attributes>[^}]*)\}\s*$")
_DIV_BARE_OPEN = re.compile(r"^ {0,3}:{3,}\s*[\w-]+\s*$")
_DIV_CLOSE = re.compile(r"^ {0,3}:{3,}\s*$")
_WHEN_META = re.compile(r"""when-meta\s*=\s*["']?([\w.-]+)["']?""")


def metadata_value(metadata: dict, key: str) -> object:
    """The value at a dotted key (None when any part is absent)."""
    value: object = metadata
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def load_metadata_files(project_dir: Path, config: dict) -> tuple[dict, list[str]]:
    """The project's `metadata-files` merged in order (later files win), and the files not found."""
    names = config.get("metadata-files") or []
    merged: dict = {}
    missing = []
    for name in [names] if isinstance(names, str) else names:
        path = Path(project_dir) / name
        if not path.is_file():
            missing.append(str(path))
            continue
        merged.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return merged, missing


def _keeps(attributes: str, metadata: dict) -> bool | None:
    """True/False for a conditional div decided by metadata; None for any other div."""
    when = _WHEN_META.search(attributes)
    classes = set(re.findall(r"\.([\w-]+)", attributes))
    if when is None or not classes & {"content-visible", "content-hidden"}:
        return None
    value = bool(metadata_value(metadata, when.group(1)))
    return value if "content-visible" in classes else not value


def apply_conditions(text: str, metadata: dict) -> str:
    """`text` with metadata-conditional divs resolved: kept content unwrapped, dropped content removed.

    Dropped lines (and the fences of conditional divs) become blank lines, so
    that later problems still name the line of the source file.
    """
    lines = text.split("\n")
    in_code = code_block_mask(lines)
    kept: list[str] = []
    # One entry per open div: whether it is conditional (its fences are dropped) and whether its content is kept.
    stack: list[tuple[bool, bool]] = []
    for line, code in zip(lines, in_code, strict=True):
        showing = all(keep for _, keep in stack)
        if not code and (opening := _DIV_OPEN.match(line)):
            decision = _keeps(opening.group("attributes"), metadata)
            stack.append((decision is not None, decision is not False))
            kept.append(line if decision is None and showing else "")
            continue
        if not code and _DIV_BARE_OPEN.match(line):
            stack.append((False, True))
        elif not code and _DIV_CLOSE.match(line) and stack:
            conditional, _ = stack.pop()
            kept.append(line if not conditional and showing else "")
            continue
        kept.append(line if showing else "")
    return "\n".join(kept)
