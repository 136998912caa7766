"""The manuscript passes (shortcodes, cross-references, checks) and the Pandoc + Typst fallback render."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
import yaml

from hubshare.manuscript.crossref import CrossrefStyle, resolve_crossrefs
from hubshare.manuscript.errors import ManuscriptError, UnresolvedReferenceError, UnresolvedVariableError
from hubshare.manuscript.prepare import check_manuscript
from hubshare.manuscript.render import render_manuscript
from hubshare.manuscript.shortcodes import expand_shortcodes

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "manuscript"
VARIABLES = {"totals": {"downloads": "2.2 billion"}, "shares": {"top": "60%"}}
SHARES_TABLE = "| Group | Share |\n|:------|------:|\n| A     |   60% |\n| B     |   40% |\n"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour RGB PNG, built by hand so the tests need no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_project(root: Path) -> Path:
    """The fixture laid out like the repository: paper/ next to figures/, with generated inputs."""
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    (root / "figures").mkdir()
    (root / "figures" / "shares.png").write_bytes(png(40, 24, (31, 78, 121)))
    generated = root / "paper" / "_generated"
    generated.mkdir()
    (generated / "shares.md").write_text(SHARES_TABLE, encoding="utf-8")
    (root / "variables.yml").write_text(yaml.safe_dump(VARIABLES), encoding="utf-8")
    return root / "paper"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("render")
    paper = make_project(root)
    return render_manuscript(paper, root / "variables.yml", paper / "_build", prefer_quarto=False)


# -- shortcodes ----------------------------------------------------------------


def test_var_resolves_dotted_keys(tmp_path: Path) -> None:
    text = "We count {{< var totals.downloads >}} downloads; top {{<var shares.top>}}.\n"
    assert expand_shortcodes(text, tmp_path / "doc.qmd", VARIABLES) == "We count 2.2 billion downloads; top 60%.\n"


def test_missing_var_names_the_key_and_where_it_is_used(tmp_path: Path) -> None:
    text = "line one\nline two\nthe value is {{< var totals.missing >}}\n"
    with pytest.raises(UnresolvedVariableError) as raised:
        expand_shortcodes(text, tmp_path / "doc.qmd", VARIABLES)
    assert isinstance(raised.value, KeyError)
    assert raised.value.key == "totals.missing"
    assert "totals.missing" in str(raised.value) and "doc.qmd:3" in str(raised.value)


def test_var_naming_a_group_rather_than_a_value_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UnresolvedVariableError):
        expand_shortcodes("{{< var totals >}}", tmp_path / "doc.qmd", VARIABLES)


def test_code_and_escaped_shortcodes_are_left_alone(tmp_path: Path) -> None:
    text = "`{{< var nope >}}` and {{{< var nope >}}}\n\n```\n{{< var nope >}}\n```\n"
    assert expand_shortcodes(text, tmp_path / "doc.qmd", {}) == (
        "`{{< var nope >}}` and {{< var nope >}}\n\n```\n{{< var nope >}}\n```\n"
    )


def test_a_lone_backtick_does_not_hide_later_paragraphs(tmp_path: Path) -> None:
    text = "Half a ` tick.\n\nTop {{< var shares.top >}}.\n"
    assert expand_shortcodes(text, tmp_path / "doc.qmd", VARIABLES) == "Half a ` tick.\n\nTop 60%.\n"


def test_include_is_relative_to_the_including_file_and_recursive(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "a.md").write_text("A then\n{{< include b.md >}}\n", encoding="utf-8")
    (tmp_path / "parts" / "b.md").write_text("B with {{< var shares.top >}}\n", encoding="utf-8")
    text = "start\n\n{{< include parts/a.md >}}\n\nend\n"
    assert expand_shortcodes(text, tmp_path / "doc.qmd", VARIABLES) == "start\n\nA then\nB with 60%\n\nend\n"


def test_include_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("{{< include b.md >}}\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("{{< include a.md >}}\n", encoding="utf-8")
    with pytest.raises(ManuscriptError, match="include cycle"):
        expand_shortcodes("{{< include a.md >}}\n", tmp_path / "doc.qmd", {})


def test_missing_include_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ManuscriptError, match="nowhere.md"):
        expand_shortcodes("x\n{{< include nowhere.md >}}\n", tmp_path / "doc.qmd", {})


# -- cross-references ----------------------------------------------------------

CROSSREF_SOURCE = """\
# Introduction {#sec-intro}

See @fig-b, [@tbl-a], -@fig-a, @Sec-detail and [@smith2020; @doe2021] by @smith2020.

![First.](a.png){#fig-a width=50%}

## Detail {#sec-detail}

| x | y |
|---|---|
| 1 | 2 |

: A table. {#tbl-a}

::: {#fig-b}
![](b.png)

Second, in a div.
:::

`@fig-not-a-reference` stays.
"""


def test_figures_tables_and_sections_are_numbered_and_referenced() -> None:
    resolved = resolve_crossrefs(CROSSREF_SOURCE, CrossrefStyle(number_sections=True))
    assert "See [Figure 2](#fig-b), [Table 1](#tbl-a), [1](#fig-a), [Section 1.1](#sec-detail)" in resolved
    assert "![Figure 1: First.](a.png){#fig-a width=50%}" in resolved
    assert ": Table 1: A table. {#tbl-a}" in resolved
    assert "![Figure 2: Second, in a div.](b.png){#fig-b}" in resolved
    assert "[@smith2020; @doe2021] by @smith2020" in resolved
    assert "`@fig-not-a-reference` stays." in resolved


def test_table_caption_before_the_table_and_on_two_lines() -> None:
    source = "See @tbl-b.\n\n: Caption on\ntwo lines.\n{#tbl-b}\n\n| x |\n|---|\n| 1 |\n"
    resolved = resolve_crossrefs(source)
    assert "See [Table 1](#tbl-b)." in resolved
    assert ": Table 1: Caption on\ntwo lines. {#tbl-b}" in resolved


def test_unnumbered_sections_do_not_count() -> None:
    source = "# A\n\n# Skipped {.unnumbered}\n\n# B {#sec-b}\n\n## C {#sec-c}\n\n@sec-b, @sec-c\n"
    assert "[Section 2](#sec-b), [Section 2.1](#sec-c)" in resolve_crossrefs(source)


def test_unresolved_reference_is_an_error_naming_the_label() -> None:
    with pytest.raises(UnresolvedReferenceError, match="fig-missing"):
        resolve_crossrefs("As @fig-missing shows.\n")


def test_duplicate_label_is_an_error() -> None:
    source = "![a](a.png){#fig-a}\n\n![b](b.png){#fig-a}\n"
    with pytest.raises(ManuscriptError, match="more than once"):
        resolve_crossrefs(source)


# -- checks --------------------------------------------------------------------


def test_check_manuscript_passes_on_the_fixture(project: Path) -> None:
    assert check_manuscript(project / "index.qmd", VARIABLES) == []


def test_check_manuscript_reports_every_problem(project: Path) -> None:
    index = project / "index.qmd"
    index.write_text(
        index.read_text(encoding="utf-8")
        + "\n{{< var no.such.key >}} and @fig-nowhere [@nokey2020].\n\n![Gone.](../figures/gone.png){#fig-gone}\n",
        encoding="utf-8",
    )
    problems = "\n".join(check_manuscript(index, VARIABLES))
    assert "no.such.key" in problems
    assert "fig-nowhere" in problems
    assert "gone.png" in problems
    assert "nokey2020" in problems


def test_a_citation_just_before_a_missing_variable_is_checked_as_itself(project: Path) -> None:
    """Without its variables, the text after a citation is `?var:key`, which the key must not take in."""
    index = project / "index.qmd"
    index.write_text(index.read_text(encoding="utf-8") + "\nAs @longpre2025economies{{< var no.such.key >}}.\n")
    problems = check_manuscript(index, VARIABLES)
    assert any("no.such.key" in p for p in problems)
    assert [p for p in problems if "not in the bibliography" in p] == []


def test_paper_cross_references_and_citations_resolve() -> None:
    """The real manuscript: every @fig-/@tbl-/@sec- label and citation key exists.

    Variables, generated tables and figures come from the workflow, so
    problems about those are not this test's business.
    """
    problems = check_manuscript(REPO / "paper" / "index.qmd", {})
    about_references = [p for p in problems if "cross-reference" in p or "citation" in p or "label" in p]
    assert about_references == []


def test_bibliography_has_the_cited_works() -> None:
    text = (REPO / "paper" / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.MULTILINE)
    assert len(keys) == len(set(keys)) >= 18
    assert {"longpre2025economies", "osborne2024hub", "mann1945", "newey1987", "benjamini1995"} <= set(keys)


# -- fallback render -------------------------------------------------------------


def test_fallback_html_is_self_contained_and_resolved(rendered: dict[str, Path]) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    assert rendered["html"].name == "index.html"
    assert "data:image/png;base64," in html
    assert 'id="fig-x"' in html and "Figure 1: Download shares by group." in html
    assert '<a href="#fig-x">Figure 1</a>' in html and '<a href="#tbl-x">Table 1</a>' in html
    assert '<a href="#sec-method">Section 2</a>' in html
    assert "2.2 billion" in html and "60%" in html
    assert "Economies of Open Intelligence" in html and "Longpre" in html
    assert "Example University" in html and "Abstract" in html
    for leftover in ("@fig-", "@tbl-", "@sec-", "{{<", "??", "?var:"):
        assert leftover not in html


def test_fallback_pdf(rendered: dict[str, Path]) -> None:
    assert rendered["pdf"].name == "index.pdf"
    assert rendered["pdf"].read_bytes().startswith(b"%PDF")


def test_fallback_pdf_text(rendered: dict[str, Path]) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(rendered["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())
    assert "Figure 1: Download shares by group." in text
    assert "Table 1: Download shares by group." in text
    assert "2.2 billion" in text
    assert "Longpre" in text and "Economies of Open Intelligence" in text
    assert "Figure 1 shows" in text and "@fig-" not in text and "??" not in text


def test_fallback_render_is_deterministic(rendered: dict[str, Path], tmp_path: Path) -> None:
    paper = make_project(tmp_path)
    again = render_manuscript(paper, tmp_path / "variables.yml", tmp_path / "out", prefer_quarto=False)
    assert again["html"].read_bytes() == rendered["html"].read_bytes()
    assert again["pdf"].read_bytes() == rendered["pdf"].read_bytes()


def test_render_stops_on_a_problem(project: Path) -> None:
    index = project / "index.qmd"
    index.write_text(index.read_text(encoding="utf-8") + "\nSee @fig-nowhere.\n", encoding="utf-8")
    with pytest.raises(UnresolvedReferenceError):
        render_manuscript(project, project.parent / "variables.yml", project / "_build", prefer_quarto=False)
    assert not (project / "_build" / "index.html").exists()


def _section_titles(html: str) -> list[str]:
    """Text of the h1/h2 headings, without section numbers or markup."""
    headings = re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, re.DOTALL)
    unnumbered = (re.sub(r'<span class="header-section-number">.*?</span>', "", heading) for heading in headings)
    return [" ".join(re.sub(r"<[^>]+>", "", heading).split()) for heading in unnumbered]


@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on PATH")
def test_quarto_and_fallback_agree_on_sections(tmp_path: Path) -> None:
    paper = make_project(tmp_path)
    variables = tmp_path / "variables.yml"
    by_quarto = render_manuscript(paper, variables, tmp_path / "quarto", prefer_quarto=True)
    by_fallback = render_manuscript(paper, variables, tmp_path / "fallback", prefer_quarto=False)
    assert by_quarto["pdf"].read_bytes().startswith(b"%PDF")
    quarto_titles = _section_titles(by_quarto["html"].read_text(encoding="utf-8"))
    fallback_titles = _section_titles(by_fallback["html"].read_text(encoding="utf-8"))
    for title in ("Introduction", "Method"):
        assert title in quarto_titles and title in fallback_titles


def test_quarto_is_preferred_when_on_path(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in `quarto` shows the hand-over: variables placed in the project, outputs copied out."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "quarto"
    fake.write_text(
        '#!/bin/sh\nmkdir -p "$2/_build"\ncp "$2/_variables.yml" "$2/_build/index.html"\n'
        'printf "%%PDF-1.7" > "$2/_build/index.pdf"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(shutil.which('sh')).parent}")
    outputs = render_manuscript(project, project.parent / "variables.yml", tmp_path / "out")
    assert outputs == {"html": tmp_path / "out" / "index.html", "pdf": tmp_path / "out" / "index.pdf"}
    assert "2.2 billion" in outputs["html"].read_text(encoding="utf-8")
    assert (project / "_variables.yml").is_file()
    assert outputs["pdf"].read_bytes().startswith(b"%PDF")

    (project.parent / "variables.yml").write_text(yaml.safe_dump({"totals": {}}), encoding="utf-8")
    with pytest.raises(UnresolvedVariableError):
        render_manuscript(project, project.parent / "variables.yml", tmp_path / "out")


def test_only_long_tables_may_break_across_pages() -> None:
    from hubshare.manuscript.render import LONG_TABLE_ROWS, _breakable_table_rules

    def table(rows: int) -> str:
        return "| a | b |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(rows))

    body = (
        f"Text.\n\n{table(3)}\n: Table 1: Short. {{#tbl-short}}\n\n"
        f": Table 2: Long, caption first. {{#tbl-long}}\n\n{table(LONG_TABLE_ROWS + 1)}\nMore text.\n"
    )
    assert _breakable_table_rules(body) == "#show <tbl-long>: set block(breakable: true)\n"
