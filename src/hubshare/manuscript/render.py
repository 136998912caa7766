"""Render the manuscript to a self-contained HTML page and a PDF.

With Quarto on PATH the project is rendered by `quarto render`. Without it
(Quarto cannot be pip-installed) the same source goes through the fallback:
`prepare_manuscript` resolves shortcodes and cross-references, Pandoc (the
binary bundled with pypandoc) writes HTML with citeproc and embedded
resources, and Pandoc's Typst writer plus the `typst` wheel make the PDF.

The fallback compiles Typst with only the fonts embedded in the wheel, so the
PDF does not depend on the fonts of the machine, and sets no document date,
so the same inputs give the same bytes.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import pypandoc
import typst
import yaml

from ..jobs.atomic import write_text
from .errors import RenderError, UnresolvedVariableError, raise_first
from .markdown import iter_images
from .metadata import pandoc_metadata
from .prepare import PreparedManuscript, bibliography_paths, prepare_manuscript
from .shortcodes import load_variables

log = logging.getLogger(__name__)

VARIABLES_FILE = "_variables.yml"
QUARTO_DEFAULT_OUTPUT_DIR = "_manuscript"

HTML_DEFAULTS = {"lang": "en", "link-citations": True, "toc-title": "Contents"}
TYPST_DEFAULTS = {
    "lang": "en",
    "link-citations": True,
    "papersize": "a4",
    "margin": {"x": "2.5cm", "y": "2.5cm"},
    "mainfont": "Libertinus Serif",
    "fontsize": "11pt",
    "page-numbering": "1",
}
# Typst rules added to Pandoc's default template. Captions already carry
# "Figure N:" from the cross-reference pass, so Typst must not number them
# again. A caption sits in a box: centred while it fits on one line, flush
# left once it wraps. A table stays on one page with its caption, except a
# long one (see `_breakable_table_rules`), which may break across pages.
# Tables get booktabs-like rules above and below (Pandoc draws the one under
# the header), a smaller font and ragged-right cells, so that wide tables fit
# the text width without stretched word spacing; the reference list a hanging indent.
TYPST_HEADER = """\
#set document(date: none)
#set figure(numbering: none)
#show figure.caption: set text(size: 0.92em)
#show figure.caption: it => box(align(start, it))
#show figure: set block(above: 1.5em, below: 1.5em)
#set figure(placement: auto)
#show figure.where(kind: table): set figure(placement: none)
#show table: set text(size: 0.8em)
#show table: set par(justify: false)
#set table(inset: (x: 6pt, y: 4pt))
#show table: it => block(stroke: (y: 0.8pt), it)
#show link: set text(fill: rgb("#1f4e79"))
#show <refs>: set par(hanging-indent: 1.5em, justify: false)
#show <refs>: set block(spacing: 0.9em)
#show raw: set text(font: "DejaVu Sans Mono")
"""


class _BlockStringDumper(yaml.SafeDumper):
    """Writes multi-line strings as YAML literal blocks: Pandoc's YAML reader
    folds quoted multi-line scalars differently from PyYAML, which would break
    raw blocks and paragraphs in metadata."""


def _represent_string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_BlockStringDumper.add_representer(str, _represent_string)


def render_manuscript(
    project_dir: str | Path, variables_path: str | Path, out_dir: str | Path, *, prefer_quarto: bool = True
) -> dict[str, Path]:
    """Render the Quarto manuscript project to `out_dir`; return {"html": path, "pdf": path}.

    `variables_path` is the `_variables.yml` the text's `{{< var >}}` read.
    Quarto is used when it is on PATH and `prefer_quarto` is true; otherwise
    the Pandoc + Typst fallback renders the same source.
    """
    project_dir, out_dir, variables_path = Path(project_dir).resolve(), Path(out_dir).resolve(), Path(variables_path)
    prepared = prepare_manuscript(project_dir, load_variables(variables_path))
    quarto = shutil.which("quarto")
    if prefer_quarto and quarto:
        # Quarto prints "?var:key" for a missing variable and carries on; a
        # paper with a missing number must not build, whichever renderer runs.
        raise_first([problem for problem in prepared.problems if isinstance(problem, UnresolvedVariableError)])
        return _render_with_quarto(quarto, prepared, variables_path, out_dir)
    log.info("rendering %s with the Pandoc + Typst fallback", project_dir)
    raise_first(prepared.problems)
    html, pdf = render_html(prepared), render_pdf(prepared)
    stem = prepared.article.stem
    return {"html": write_text(html, out_dir / f"{stem}.html"), "pdf": _write_bytes(pdf, out_dir / f"{stem}.pdf")}


def render_html(prepared: PreparedManuscript) -> str:
    """A standalone HTML page with figures, styles and citations embedded."""
    options = prepared.options("html")
    with resources.as_file(resources.files(__package__) / "assets/paper.css") as stylesheet:
        arguments = [
            "--to=html5",
            "--standalone",
            "--embed-resources",
            f"--css={stylesheet}",
            f"--resource-path={prepared.article.parent}",
            *_shared_arguments(options),
        ]
        document = _document(prepared, options, "html", HTML_DEFAULTS, prepared.body)
        return _pandoc(document, arguments, prepared.article.parent)


def render_pdf(prepared: PreparedManuscript) -> bytes:
    """The PDF made by Typst from Pandoc's Typst output."""
    options = prepared.options("typst")
    root, body = _typst_root_and_body(prepared)
    # The trailing newline makes Pandoc read the value as a block (a raw Typst block), not as inline code.
    header = {"header-includes": f"```{{=typst}}\n{TYPST_HEADER}{_breakable_table_rules(body)}```\n"}
    document = _document(prepared, options, "typst", {**TYPST_DEFAULTS, **header}, body)
    source = _pandoc(document, ["--to=typst", "--standalone", *_shared_arguments(options)], prepared.article.parent)
    try:
        pdf, warnings = typst.compile_with_warnings(source.encode("utf-8"), root=str(root), ignore_system_fonts=True)
    except typst.TypstError as error:
        raise RenderError(f"typst failed on the manuscript of {prepared.project_dir}:\n{error}") from error
    for warning in warnings:
        log.warning("typst: %s", warning)
    return pdf


# A table with more body rows than this may break across pages; a shorter one
# moves to the next page whole rather than leave its caption or a few rows behind.
LONG_TABLE_ROWS = 30
_TABLE_LABEL = re.compile(r"\{#(tbl-[^\s}]+)[^}]*\}\s*$")


def _breakable_table_rules(body: str) -> str:
    """Typst rules letting each long labelled pipe table break across pages.

    A table's caption paragraph (`: Caption {#tbl-x}`) sits right before or
    after its table; the rows counted are the table's lines less header and rule.
    """
    blocks = [block.strip("\n").split("\n") for block in re.split(r"\n[ \t]*\n", body)]

    def rows(block: list[str] | None) -> int:
        is_table = block is not None and all(line.lstrip().startswith("|") for line in block)
        return len(block) - 2 if is_table else 0

    rules = []
    for index, block in enumerate(blocks):
        label = _TABLE_LABEL.search(block[-1]) if block[0].startswith(":") else None
        if label is None:
            continue
        neighbours = (blocks[index - 1] if index else None, blocks[index + 1] if index + 1 < len(blocks) else None)
        if max(rows(neighbour) for neighbour in neighbours) > LONG_TABLE_ROWS:
            rules.append(f"#show <{label.group(1)}>: set block(breakable: true)\n")
    return "".join(rules)


def _typst_root_and_body(prepared: PreparedManuscript) -> tuple[Path, str]:
    """Typst only reads files under its root, and Pandoc's Typst is compiled
    from memory, so the root is the common folder of the article and every
    image, and image paths are rewritten to be absolute from that root."""
    images = prepared.local_images()
    root = Path(os.path.commonpath([prepared.article.parent, *images]))
    body = prepared.body
    for image in sorted(iter_images(body), key=lambda found: found.start, reverse=True):
        path = (prepared.article.parent / image.src).resolve()
        if path in images:
            body = (
                body[: image.start] + image.rebuilt(src=f"</{path.relative_to(root).as_posix()}>") + body[image.end :]
            )
    return root, body


def _shared_arguments(options: dict) -> list[str]:
    # No raw HTML from the source: a string that reached the text from data (a namespace, say) is shown as
    # text, never run as markup. Raw blocks the renderer writes itself use the raw attribute, which stays.
    arguments = ["--from=markdown-raw_html", "--wrap=preserve"]
    if options.get("bibliography"):
        arguments.append("--citeproc")
    if options.get("number-sections"):
        arguments.append("--number-sections")
    if options.get("toc"):
        arguments += ["--toc", f"--toc-depth={int(options.get('toc-depth', 3))}"]
    return arguments


def _document(prepared: PreparedManuscript, options: dict, target: str, defaults: dict, body: str) -> str:
    """Markdown with a YAML block carrying the metadata Pandoc's template reads."""
    metadata = {**defaults, **pandoc_metadata(options, target)}
    bibliographies = bibliography_paths(prepared.project_dir, options)
    if bibliographies:
        metadata["bibliography"] = [str(path) for path in bibliographies]
    if options.get("csl"):
        metadata["csl"] = str((prepared.project_dir / options["csl"]).resolve())
    if bibliographies and "reference-section-title" not in metadata and "{#refs" not in body:
        metadata["reference-section-title"] = "References"
    header = yaml.dump(metadata, Dumper=_BlockStringDumper, allow_unicode=True, sort_keys=True, width=10_000)
    return f"---\n{header}---\n\n{body}"


def _pandoc(document: str, arguments: list[str], cwd: Path) -> str:
    command = [pypandoc.get_pandoc_path(), *arguments]
    result = subprocess.run(command, input=document, capture_output=True, text=True, encoding="utf-8", cwd=cwd)
    if result.returncode != 0:
        raise RenderError(f"pandoc {' '.join(arguments)} failed with exit code {result.returncode}:\n{result.stderr}")
    for warning in result.stderr.splitlines():
        log.warning("pandoc: %s", warning)
    return result.stdout


def _write_bytes(data: bytes, path: Path) -> Path:
    """Write bytes atomically, as `hubshare.jobs.atomic` does for text (temp file in the folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def _place_variables_for_quarto(project_dir: Path, variables_path: Path) -> None:
    """Quarto reads `_variables.yml` from the project folder; put the given file there."""
    target = project_dir / VARIABLES_FILE
    if variables_path.resolve() != target.resolve():
        write_text(variables_path.read_text(encoding="utf-8"), target)


def _render_with_quarto(
    quarto: str, prepared: PreparedManuscript, variables_path: Path, out_dir: Path
) -> dict[str, Path]:
    project_dir = prepared.project_dir
    built_dir = project_dir / ((prepared.config.get("project") or {}).get("output-dir") or QUARTO_DEFAULT_OUTPUT_DIR)
    _place_variables_for_quarto(project_dir, variables_path)
    result = subprocess.run([quarto, "render", str(project_dir)], capture_output=True, text=True, encoding="utf-8")
    if result.returncode != 0:
        raise RenderError(f"quarto render {project_dir} failed with exit code {result.returncode}:\n{result.stderr}")
    outputs = {}
    for kind in ("html", "pdf"):
        built = built_dir / f"{prepared.article.stem}.{kind}"
        if not built.is_file():
            raise RenderError(f"quarto render did not produce {built}")
        final = out_dir / built.name
        if built.resolve() != final.resolve():
            _write_bytes(built.read_bytes(), final)
        outputs[kind] = final
    return outputs
