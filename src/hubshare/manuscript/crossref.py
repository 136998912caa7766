"""Quarto cross-references for figures, tables and sections, resolved in the text.

Labels are defined the Quarto way:

* figures: `![Caption](path){#fig-name width=...}` alone in a paragraph, or a
  div `::: {#fig-name}` whose last paragraph is the caption;
* tables: a caption paragraph `: Caption {#tbl-name}` before or after a
  table, or a div `::: {#tbl-name}` around a table;
* sections: `# Title {#sec-name}`.

Figures and tables are numbered in order of appearance, their captions get
"Figure N: " / "Table N: " in front, and `@fig-name`, `[@fig-name]` and
`-@fig-name` (number only) become links reading "Figure N", "Table N",
"Section N". Numbers are written into the text because Pandoc alone does not
number Quarto labels, and writing them once keeps HTML and PDF in agreement.
Every other `@key` is left for citeproc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ManuscriptError, UnresolvedReferenceError, raise_first
from .markdown import (
    Image,
    code_block_mask,
    iter_images,
    parse_attributes,
    substitute_outside_code,
    without_identifier,
)

KINDS = ("fig", "tbl", "sec")
# Quarto reference types this resolver does not number; citeproc would
# otherwise render them as missing citations.
UNSUPPORTED_KINDS = ("eq", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr", "sol", "rem", "alg")

# Pandoc citation-key grammar: internal punctuation allowed, trailing not. A key does not run on into the
# `?var:` an unresolved variable leaves, so a citation just before a variable is checked as itself.
_KEY = r"\w+(?:(?!\?var:)[:.#$%&\-+?<>~/]\w+)*"
_CROSSREF = re.compile(rf"(?<![\w@\\])(-?)@((?i:fig|tbl|sec)-{_KEY})")
_UNSUPPORTED = re.compile(rf"(?<![\w@\\])-?@((?:{'|'.join(UNSUPPORTED_KINDS)})-{_KEY})")
CITATION = re.compile(rf"(?<![\w@\\])-?@({_KEY})")
_BRACKETED = re.compile(r"(?<![!\]\\])\[([^\[\]]*@[^\[\]]*)\](?![(\[{:])")

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
_TRAILING_ATTRIBUTES = re.compile(r"[ \t]*\{([^{}]*)\}[ \t]*$")
_DIV_OPEN = re.compile(r"^(:{3,})[ \t]*\{([^{}]*)\}[ \t]*$")
_DIV_FENCE = re.compile(r"^:{3,}")
_DIV_CLOSE = re.compile(r"^:{3,}[ \t]*$")
_TABLE_CAPTION = re.compile(r"^(?:[Tt]able)?:[ \t]+")
_TABLE_ROW = re.compile(r"^[ \t]*[|+]")


@dataclass(frozen=True)
class CrossrefStyle:
    """Words and numbering used for captions and references (Quarto's `crossref:` keys)."""

    figure_title: str = "Figure"
    table_title: str = "Table"
    figure_prefix: str = "Figure"
    table_prefix: str = "Table"
    section_prefix: str = "Section"
    title_delimiter: str = ":"
    number_sections: bool = True

    @classmethod
    def from_metadata(cls, metadata: dict) -> CrossrefStyle:
        options = metadata.get("crossref") or {}
        defaults = cls()
        return cls(
            figure_title=options.get("fig-title", defaults.figure_title),
            table_title=options.get("tbl-title", defaults.table_title),
            figure_prefix=options.get("fig-prefix", defaults.figure_prefix),
            table_prefix=options.get("tbl-prefix", defaults.table_prefix),
            section_prefix=options.get("sec-prefix", defaults.section_prefix),
            title_delimiter=options.get("title-delim", defaults.title_delimiter),
            number_sections=bool(metadata.get("number-sections", False)),
        )

    def caption(self, kind: str, number: int, text: str) -> str:
        title = self.figure_title if kind == "fig" else self.table_title
        text = text.strip()
        return f"{title} {number}{self.title_delimiter} {text}" if text else f"{title} {number}"

    def prefix(self, kind: str) -> str:
        return {"fig": self.figure_prefix, "tbl": self.table_prefix, "sec": self.section_prefix}[kind]


@dataclass(frozen=True)
class Target:
    """What a label points at: its kind, its number and (for sections) its title."""

    kind: str
    number: str
    title: str = ""


class CrossrefResolver:
    """Numbers labelled figures, tables and sections and rewrites references to them.

    Problems (unknown labels, labels defined twice, unsupported reference
    types) are collected in `problems`; `targets` maps each label to its target.
    """

    def __init__(self, style: CrossrefStyle, source: Path | None = None):
        self.style = style
        self.source = source
        self.targets: dict[str, Target] = {}
        self.problems: list[ManuscriptError] = []
        self._counts = {"fig": 0, "tbl": 0}
        self._section_counters = [0] * 6

    def resolve(self, text: str) -> str:
        return self.rewrite_references(self._number_definitions(text))

    # -- definitions -------------------------------------------------------

    def _register(self, label: str, target: Target) -> bool:
        if label in self.targets:
            self.problems.append(ManuscriptError(f"label #{label} is defined more than once", self.source))
            return False
        self.targets[label] = target
        return True

    def _define(self, label: str, kind: str) -> int | None:
        """Give the next figure or table number to `label`; None if it is already taken."""
        number = self._counts[kind] + 1
        if not self._register(label, Target(kind, str(number))):
            return None
        self._counts[kind] = number
        return number

    def _number_definitions(self, text: str) -> str:
        lines = text.split("\n")
        in_code = code_block_mask(lines)
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            div = _DIV_OPEN.match(line)
            if in_code[index]:
                out.append(line)
                index += 1
            elif heading := _HEADING.match(line):
                self._number_heading(len(heading.group(1)), heading.group(2))
                out.append(line)
                index += 1
            elif div and _kind_of(parse_attributes(div.group(2)).identifier) in ("fig", "tbl"):
                close = _closing_fence(lines, in_code, index)
                closing = lines[close] if close < len(lines) else ":::"
                out.extend(self._div(div.group(2), lines[index + 1 : close], opening=line, closing=closing))
                index = close + 1
            elif _TABLE_CAPTION.match(line):
                end = index + 1
                while end < len(lines) and lines[end].strip() and not in_code[end] and not _TABLE_ROW.match(lines[end]):
                    end += 1
                out.extend(self._table_caption(lines[index:end]))
                index = end
            elif line.lstrip().startswith("!["):
                end = _paragraph_end(lines, in_code, index)
                out.append(self._figure_paragraph("\n".join(lines[index:end])))
                index = end
            else:
                out.append(line)
                index += 1
        return "\n".join(out)

    def _number_heading(self, level: int, content: str) -> None:
        """Advance the section counters as Pandoc's --number-sections does; register `#sec-` labels."""
        attributes_match = _TRAILING_ATTRIBUTES.search(content)
        attributes = parse_attributes(attributes_match.group(1)) if attributes_match else None
        title = re.sub(r"[ \t]+#+$", "", content[: attributes_match.start()] if attributes_match else content)
        if attributes is not None and attributes.unnumbered:
            number = ""
        else:
            self._section_counters[level - 1] += 1
            self._section_counters[level:] = [0] * (6 - level)
            number = ".".join(str(count) for count in self._section_counters[:level])
        label = attributes.identifier if attributes else None
        if _kind_of(label) == "sec":
            self._register(label, Target("sec", number, title))

    def _figure_paragraph(self, paragraph: str) -> str:
        image = _sole_image(paragraph.split("\n"))
        label = parse_attributes(image.attributes).identifier if image and image.attributes is not None else None
        if _kind_of(label) != "fig":
            return paragraph
        number = self._define(label, "fig")
        if number is None:
            return paragraph
        captioned = image.rebuilt(alt=self.style.caption("fig", number, image.alt))
        return paragraph[: image.start] + captioned + paragraph[image.end :]

    def _table_caption(self, caption_lines: list[str]) -> list[str]:
        attributes_match = _TRAILING_ATTRIBUTES.search(caption_lines[-1])
        label = parse_attributes(attributes_match.group(1)).identifier if attributes_match else None
        if _kind_of(label) != "tbl":
            return caption_lines
        number = self._define(label, "tbl")
        if number is None:
            return caption_lines
        lines = [*caption_lines[:-1], caption_lines[-1][: attributes_match.start()]]
        prefix = _TABLE_CAPTION.match(lines[0])
        text = "\n".join([lines[0][prefix.end() :], *lines[1:]])
        return [f": {self.style.caption('tbl', number, text)} {{{attributes_match.group(1).strip()}}}"]

    def _div(self, attributes: str, body: list[str], *, opening: str, closing: str) -> list[str]:
        """A Quarto figure or table div; its last paragraph is the caption."""
        label = parse_attributes(attributes).identifier
        kind = _kind_of(label)
        number = self._define(label, kind)
        if number is None:
            return [opening, *body, closing]
        if kind == "tbl":
            return self._table_div(label, number, attributes, body)
        paragraphs = _paragraphs(body)
        caption = paragraphs.pop() if len(paragraphs) > 1 else []
        image = _sole_image(paragraphs[0]) if len(paragraphs) == 1 else None
        if image is not None:
            # A div around one image is an ordinary figure: Pandoc then gives
            # both outputs a real figure with the label on it.
            text = " ".join(caption) if caption else image.alt
            extra = (without_identifier(image.attributes or ""), without_identifier(attributes))
            merged = " ".join(part for part in (f"#{label}", *extra) if part)
            return [image.rebuilt(alt=self.style.caption("fig", number, text), attributes=merged)]
        content = [line for paragraph in paragraphs for line in (*paragraph, "")]
        return [opening, *content, self.style.caption("fig", number, " ".join(caption)), closing]

    def _table_div(self, label: str, number: int, attributes: str, body: list[str]) -> list[str]:
        """The table with the label moved onto its caption, where Pandoc reads table attributes."""
        extra = without_identifier(attributes)
        braces = f"{{#{label}{' ' + extra if extra else ''}}}"
        caption_index = next((i for i, line in enumerate(body) if _TABLE_CAPTION.match(line)), None)
        if caption_index is not None:
            text = _TABLE_CAPTION.sub("", body[caption_index])
            caption_line = f": {self.style.caption('tbl', number, text)} {braces}"
            return [*body[:caption_index], caption_line, *body[caption_index + 1 :]]
        paragraphs = _paragraphs(body)
        caption = paragraphs.pop() if len(paragraphs) > 1 else []
        content = [line for paragraph in paragraphs for line in (*paragraph, "")]
        return [*content, f": {self.style.caption('tbl', number, ' '.join(caption))} {braces}"]

    # -- references --------------------------------------------------------

    def _reference_text(self, suppress_prefix: str, written_label: str) -> str | None:
        label = written_label[0].lower() + written_label[1:]
        target = self.targets.get(label)
        if target is None:
            return None
        if target.kind == "sec" and not self.style.number_sections:
            return f"[{target.title}](#{label})"
        prefix = self.style.prefix(target.kind)
        if written_label[0].isupper():
            prefix = prefix[:1].upper() + prefix[1:]
        words = target.number if suppress_prefix else f"{prefix} {target.number}"
        return f"[{words}](#{label})"

    def rewrite_references(self, text: str) -> str:
        """Rewrite references to the labels numbered so far (also for text outside the body, e.g. the abstract)."""

        def bracketed(match: re.Match[str], _line: int) -> str:
            inner = match.group(1)
            citations = [key for key in CITATION.findall(inner) if _kind_of(key.lower()) is None]
            if citations or not _CROSSREF.search(inner):
                return match.group(0)
            return _CROSSREF.sub(self._reference, inner)

        def bare(match: re.Match[str], _line: int) -> str:
            return self._reference(match)

        def unsupported(match: re.Match[str], _line: int) -> str:
            message = f"cross-reference @{match.group(1)} is of a type the fallback renderer does not number"
            self.problems.append(ManuscriptError(message, self.source))
            return match.group(0)

        text = substitute_outside_code(text, _BRACKETED, bracketed)
        text = substitute_outside_code(text, _CROSSREF, bare)
        return substitute_outside_code(text, _UNSUPPORTED, unsupported)

    def _reference(self, match: re.Match[str]) -> str:
        replacement = self._reference_text(match.group(1), match.group(2))
        if replacement is None:
            self.problems.append(UnresolvedReferenceError(match.group(2), self.source))
            return match.group(0)
        return replacement


def _kind_of(label: str | None) -> str | None:
    if label is None:
        return None
    kind = label.split("-", 1)[0]
    return kind if kind in KINDS and "-" in label else None


def _closing_fence(lines: list[str], in_code: list[bool], opening: int) -> int:
    depth = 0
    for index in range(opening + 1, len(lines)):
        if in_code[index] or not _DIV_FENCE.match(lines[index]):
            continue
        if _DIV_CLOSE.match(lines[index]):
            if depth == 0:
                return index
            depth -= 1
        else:
            depth += 1
    return len(lines)


def _paragraph_end(lines: list[str], in_code: list[bool], start: int) -> int:
    end = start + 1
    while end < len(lines) and lines[end].strip() and not in_code[end] and not _DIV_FENCE.match(lines[end]):
        end += 1
    return end


def _sole_image(paragraph: list[str]) -> Image | None:
    """The image a paragraph consists of, if it is nothing but one image."""
    text = "\n".join(paragraph)
    images = list(iter_images(text))
    if len(images) == 1 and text.strip() == text[images[0].start : images[0].end]:
        return images[0]
    return None


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [paragraph for paragraph in paragraphs if paragraph]


def resolve_crossrefs(text: str, style: CrossrefStyle | None = None, *, source: str | Path | None = None) -> str:
    """Number and rewrite the cross-references of `text`; raise on the first problem."""
    resolver = CrossrefResolver(style or CrossrefStyle(), Path(source) if source else None)
    resolved = resolver.resolve(text)
    raise_first(resolver.problems)
    return resolved
