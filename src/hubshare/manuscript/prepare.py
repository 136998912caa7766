"""From Quarto source to plain Pandoc markdown, listing every problem on the way.

Preparing reads the article and the project's `_quarto.yml`, expands
shortcodes (in the body and in the front matter), numbers and rewrites
cross-references, and checks what Quarto would otherwise fail on or paper
over: missing figure files, citation keys absent from the bibliography,
executable code cells (the manuscript runs no code). Rendering refuses to go
on if there is any problem; `check_manuscript` just lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .conditions import apply_conditions, load_metadata_files
from .crossref import CITATION, KINDS, UNSUPPORTED_KINDS, CrossrefResolver, CrossrefStyle
from .errors import ManuscriptError
from .markdown import code_block_mask, iter_images, prose_spans, split_front_matter
from .metadata import article_path, load_project_config, merged_options
from .shortcodes import ShortcodeExpander

_BIB_KEY = re.compile(r"^\s*@(?!comment|string|preamble)\w+\s*\{\s*([^,\s]+)\s*,", re.IGNORECASE | re.MULTILINE)
_EXECUTABLE_CELL = re.compile(r"^ {0,3}(?:`{3,}|~{3,})\s*\{[A-Za-z]")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#)", re.IGNORECASE)


@dataclass
class PreparedManuscript:
    """The article ready for Pandoc: merged front matter, resolved body, and what is wrong with it."""

    project_dir: Path
    article: Path
    config: dict
    front_matter: dict
    body: str
    problems: list[ManuscriptError] = field(default_factory=list)

    def options(self, target: str) -> dict:
        """Options for `target` ("html" or "typst"), after Quarto's layering."""
        return merged_options(self.config, self.front_matter, target)

    def local_images(self) -> list[Path]:
        """Files of the images the body shows, resolved against the article's folder."""
        return [
            (self.article.parent / image.src).resolve()
            for image in iter_images(self.body)
            if not _EXTERNAL.match(image.src)
        ]


def prepare_manuscript(
    project_dir: str | Path, variables: dict, *, article: str | Path | None = None
) -> PreparedManuscript:
    """Read and resolve the manuscript of a Quarto project; problems are listed, not raised."""
    project_dir = Path(project_dir).resolve()
    config = load_project_config(project_dir)
    article = Path(article).resolve() if article else article_path(project_dir, config)
    front_matter, body, body_offset = split_front_matter(article.read_text(encoding="utf-8"))
    metadata, missing_files = load_metadata_files(project_dir, config)
    body = apply_conditions(body, {**config, **metadata, **front_matter})

    expander = ShortcodeExpander(variables, project_dir)
    front_matter = expander.expand_metadata(front_matter, article)
    body = expander.expand(body, article, first_line=body_offset + 1)

    common = merged_options(config, front_matter, target=None)
    resolver = CrossrefResolver(CrossrefStyle.from_metadata(common), article)
    body = resolver.resolve(body)
    if isinstance(front_matter.get("abstract"), str):
        front_matter["abstract"] = resolver.rewrite_references(front_matter["abstract"])

    problems = [
        *(ManuscriptError(f"metadata file not found: {path}", article) for path in missing_files),
        *expander.problems,
        *resolver.problems,
    ]
    prepared = PreparedManuscript(project_dir, article, config, front_matter, body, problems)
    prepared.problems += _missing_images(prepared)
    prepared.problems += _executable_cells(prepared)
    prepared.problems += _unknown_citations(prepared, common)
    return prepared


def _missing_images(prepared: PreparedManuscript) -> list[ManuscriptError]:
    return [
        ManuscriptError(f"image file not found: {path}", prepared.article)
        for path in prepared.local_images()
        if not path.is_file()
    ]


def _executable_cells(prepared: PreparedManuscript) -> list[ManuscriptError]:
    lines = prepared.body.split("\n")
    mask = code_block_mask(lines)
    return [
        ManuscriptError(f"executable code cell {line.strip()!r}: the manuscript must not run code", prepared.article)
        for line, in_code in zip(lines, mask, strict=True)
        if in_code and _EXECUTABLE_CELL.match(line)
    ]


def bibliography_paths(project_dir: Path, options: dict) -> list[Path]:
    """The bibliography files named in the options, relative to the project folder."""
    entries = options.get("bibliography") or []
    if isinstance(entries, str):
        entries = [entries]
    return [(Path(project_dir) / entry).resolve() for entry in entries]


def _unknown_citations(prepared: PreparedManuscript, options: dict) -> list[ManuscriptError]:
    known: set[str] = set()
    problems = []
    for path in bibliography_paths(prepared.project_dir, options):
        if path.is_file():
            known.update(_BIB_KEY.findall(path.read_text(encoding="utf-8")))
        else:
            problems.append(ManuscriptError(f"bibliography file not found: {path}", prepared.article))
    texts = [prepared.body, str(prepared.front_matter.get("abstract", ""))]
    cited = {
        key
        for text in texts
        for start, end in prose_spans(text)
        for key in CITATION.findall(text, start, end)
        if key.split("-", 1)[0] not in (*KINDS, *UNSUPPORTED_KINDS) or "-" not in key
    }
    problems += [
        ManuscriptError(f"citation @{key} is not in the bibliography", prepared.article)
        for key in sorted(cited - known)
    ]
    return problems


def check_manuscript(qmd_path: str | Path, variables: dict) -> list[str]:
    """Problems that would stop (or spoil) a render of `qmd_path`, without rendering.

    Unknown `{{< var >}}` keys, missing includes, unresolved `@fig-`/`@tbl-`/
    `@sec-` references, missing figure files, citations absent from the
    bibliography. The project is the folder holding `qmd_path`.
    """
    qmd_path = Path(qmd_path)
    return [str(problem) for problem in prepare_manuscript(qmd_path.parent, variables, article=qmd_path).problems]
