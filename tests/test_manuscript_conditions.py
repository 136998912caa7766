"""Conditional content by metadata, as Quarto's `when-meta` keeps or drops it."""

from pathlib import Path

from hubshare.manuscript.conditions import apply_conditions, load_metadata_files
from hubshare.manuscript.prepare import check_manuscript

TEXT = """A
::: {.content-visible when-meta="show.derived"}
B
:::
::: {.content-hidden when-meta="show.derived"}
C
:::
::: {.callout-note}
D
::: {.content-visible when-meta="show.trends"}
E
:::
:::
```
::: {.content-visible when-meta="show.derived"}
```
"""


def kept(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def test_visible_and_hidden_follow_the_key():
    assert kept(apply_conditions(TEXT, {"show": {"derived": True, "trends": True}})) == [
        "A",
        "B",
        "::: {.callout-note}",
        "D",
        "E",
        ":::",
        "```",
        '::: {.content-visible when-meta="show.derived"}',
        "```",
    ]
    assert kept(apply_conditions(TEXT, {"show": {"derived": False}})) == [
        "A",
        "C",
        "::: {.callout-note}",
        "D",
        ":::",
        "```",
        '::: {.content-visible when-meta="show.derived"}',
        "```",
    ]


def test_dropped_lines_keep_the_line_numbers():
    assert len(apply_conditions(TEXT, {}).split("\n")) == len(TEXT.split("\n"))


def test_an_absent_key_is_false():
    assert "B" not in kept(apply_conditions(TEXT, {})) and "C" in kept(apply_conditions(TEXT, {}))


def test_hidden_text_needs_no_variables_and_its_labels_go(tmp_path: Path):
    (tmp_path / "_quarto.yml").write_text("metadata-files: [show.yml]\n")
    (tmp_path / "show.yml").write_text("show:\n  derived: false\n")
    (tmp_path / "index.qmd").write_text(
        '# One {#sec-one}\n\n::: {.content-visible when-meta="show.derived"}\n'
        "See @sec-two and {{< var no.such.key >}}.\n\n# Two {#sec-two}\n:::\n"
    )
    assert check_manuscript(tmp_path / "index.qmd", {}) == []
    (tmp_path / "show.yml").write_text("show:\n  derived: true\n")
    assert any("no.such.key" in problem for problem in check_manuscript(tmp_path / "index.qmd", {}))


def test_a_missing_metadata_file_is_named(tmp_path: Path):
    metadata, missing = load_metadata_files(tmp_path, {"metadata-files": ["gone.yml"]})
    assert metadata == {} and missing == [str(tmp_path / "gone.yml")]
