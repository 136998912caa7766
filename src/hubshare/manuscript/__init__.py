"""The manuscript: Quarto source rendered to HTML and PDF, with or without Quarto.

The paper is written for Quarto (`{{< var >}}`, `{{< include >}}`, `@fig-`,
`@tbl-`, `@sec-`, `[@key]`). Where Quarto is not installed, a fallback built
on Pandoc and Typst renders the same source; `check_manuscript` lists what
would break a render without rendering.

Modules: `shortcodes` (var, include, pagebreak), `crossref` (numbering and
references), `metadata` (Quarto's option layering), `prepare` (source to
Pandoc markdown, with problems), `render` (Quarto or Pandoc + Typst).
"""

from .crossref import CrossrefStyle, resolve_crossrefs
from .errors import ManuscriptError, RenderError, UnresolvedReferenceError, UnresolvedVariableError
from .prepare import PreparedManuscript, check_manuscript, prepare_manuscript
from .render import render_html, render_manuscript, render_pdf
from .shortcodes import expand_shortcodes, load_variables, variable_text

__all__ = [
    "CrossrefStyle",
    "ManuscriptError",
    "PreparedManuscript",
    "RenderError",
    "UnresolvedReferenceError",
    "UnresolvedVariableError",
    "check_manuscript",
    "expand_shortcodes",
    "load_variables",
    "prepare_manuscript",
    "render_html",
    "render_manuscript",
    "render_pdf",
    "resolve_crossrefs",
    "variable_text",
]
