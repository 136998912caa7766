"""Text-level reading of Pandoc/Quarto markdown.

The manuscript passes are rewrites of the source text, not of a parsed
document, so that the same text can go to Quarto or to Pandoc. These helpers
are the small amount of markdown structure those rewrites need: the YAML
front matter, where code is (rewrites must not touch it), images, and
attribute blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
# A code span: a run of backticks closed by a run of the same length, within one paragraph.
_CODE_SPAN = re.compile(r"(`+)(?!`)(?:(?!\n[ \t]*\n).)*?(?<!`)\1(?!`)", re.DOTALL)


def split_front_matter(text: str) -> tuple[dict, str, int]:
    """Return (metadata, body, number of lines before the body)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, 0
    metadata = yaml.safe_load(match.group(1)) or {}
    if not isinstance(metadata, dict):
        raise ValueError("the YAML front matter must be a mapping")
    return metadata, text[match.end() :], match.group(0).count("\n")


def code_block_mask(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (fences included)."""
    mask = []
    fence: str | None = None
    for line in lines:
        if fence is None:
            opening = _FENCE_OPEN.match(line)
            if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
                fence = opening.group(1)
                mask.append(True)
                continue
            mask.append(False)
        else:
            mask.append(True)
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                fence = None
    return mask


def prose_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of `text` outside fenced code blocks and inline code spans."""
    lines = text.split("\n")
    mask = code_block_mask(lines)
    blocks: list[tuple[int, int]] = []
    offset = 0
    for line, is_code in zip(lines, mask, strict=True):
        end = offset + len(line) + 1
        if not is_code:
            if blocks and blocks[-1][1] == offset:
                blocks[-1] = (blocks[-1][0], end)
            else:
                blocks.append((offset, end))
        offset = end
    spans = []
    for start, end in blocks:
        end = min(end, len(text))
        cursor = start
        for code in _CODE_SPAN.finditer(text, start, end):
            spans.append((cursor, code.start()))
            cursor = code.end()
        spans.append((cursor, end))
    return [(start, end) for start, end in spans if end > start]


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


def substitute_outside_code(text: str, pattern: re.Pattern[str], replace: Callable[[re.Match[str], int], str]) -> str:
    """Like `pattern.sub`, but only in prose; `replace` also gets the match's 1-based line."""
    pieces = []
    cursor = 0
    for start, end in prose_spans(text):
        pieces.append(text[cursor:start])
        segment_cursor = start
        for match in pattern.finditer(text, start, end):
            pieces.append(text[segment_cursor : match.start()])
            pieces.append(replace(match, line_of(text, match.start())))
            segment_cursor = match.end()
        pieces.append(text[segment_cursor:end])
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


@dataclass(frozen=True)
class Image:
    """An inline image `![alt](src "title"){attributes}` and where it sits in the text."""

    start: int
    end: int
    alt: str
    src: str
    title: str
    attributes: str | None

    def rebuilt(self, *, alt: str | None = None, src: str | None = None, attributes: str | None = None) -> str:
        """The image's markdown with some parts replaced."""
        title = f" {self.title}" if self.title else ""
        attrs = attributes if attributes is not None else self.attributes
        braces = f"{{{attrs}}}" if attrs is not None else ""
        return f"![{self.alt if alt is None else alt}]({self.src if src is None else src}{title}){braces}"


def _closing_bracket(text: str, start: int, opening: str, closing: str) -> int | None:
    """Index of the bracket closing the one at `start`, skipping escapes and nesting."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _parse_image(text: str, start: int) -> Image | None:
    alt_end = _closing_bracket(text, start + 1, "[", "]")
    if alt_end is None or not text.startswith("(", alt_end + 1):
        return None
    target_end = _closing_bracket(text, alt_end + 1, "(", ")")
    if target_end is None:
        return None
    target = text[alt_end + 2 : target_end].strip()
    if target.startswith("<"):
        src, _, title = target[1:].partition(">")
    else:
        src, _, title = target.partition(" ")
    end = target_end + 1
    attributes = None
    if text.startswith("{", end):
        attr_end = text.find("}", end)
        if attr_end != -1 and "\n\n" not in text[end:attr_end]:
            attributes = text[end + 1 : attr_end]
            end = attr_end + 1
    return Image(start, end, text[start + 2 : alt_end], src, title.strip(), attributes)


def iter_images(text: str) -> Iterator[Image]:
    """Inline images in the prose of `text` (reference-style images are not used here)."""
    for span_start, span_end in prose_spans(text):
        position = text.find("![", span_start, span_end)
        while position != -1:
            image = _parse_image(text, position)
            if image is not None and image.end <= span_end:
                yield image
                position = text.find("![", image.end, span_end)
            else:
                position = text.find("![", position + 2, span_end)


@dataclass(frozen=True)
class Attributes:
    """The parts of a `{#id .class key=value}` block that the passes act on."""

    identifier: str | None
    classes: tuple[str, ...]

    @property
    def unnumbered(self) -> bool:
        return "unnumbered" in self.classes or "-" in self.classes


_ATTR_ID = re.compile(r"(?:^|\s)#([^\s}]+)")
_ATTR_CLASS = re.compile(r"(?:^|\s)\.([^\s}]+)")
_ATTR_DASH = re.compile(r"(?:^|\s)-(?=\s|$)")


def parse_attributes(block: str) -> Attributes:
    """Read the identifier and classes of an attribute block (without its braces)."""
    without_values = re.sub(r"=(\"[^\"]*\"|'[^']*'|\S*)", "", block)
    identifier = _ATTR_ID.search(without_values)
    classes = tuple(_ATTR_CLASS.findall(without_values))
    if _ATTR_DASH.search(without_values):
        classes += ("-",)
    return Attributes(identifier.group(1) if identifier else None, classes)


def without_identifier(block: str) -> str:
    """An attribute block with its `#id` removed (other attributes kept)."""
    return re.sub(r"(?:^|\s)#[^\s}]+", "", block).strip()
