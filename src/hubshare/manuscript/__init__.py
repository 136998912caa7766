"""The manuscript: the paper's variables and text, and its render to HTML and PDF, with or without Quarto.

The paper is written for Quarto (`{{< var >}}`, `{{< include >}}`, `@fig-`,
`@tbl-`, `@sec-`, `[@key]`). Where Quarto is not installed, a fallback built
on Pandoc and Typst renders the same source; `prepare.check_manuscript` lists
what would break a render without rendering.

What the paper says: `values` (the variables every build has), one module
per section of the paper (`data_section`, `shares_section`,
`attribution_section`, `trends_section`, `eras_section`,
`validation_section`: its variables, sentences and tables), `formatting`
(numbers) and `tables` (markdown tables), `text` (sentences worded for the
data at hand), `scope` (which sections the input supports). How it is rendered:
`shortcodes` (var, include, pagebreak), `crossref` (numbering and references),
`metadata` (Quarto's option layering), `prepare` (source to Pandoc markdown,
with problems), `render` (Quarto or Pandoc + Typst). Import from the modules:
this face imports nothing, so a job's code hash holds only what it runs.
"""
