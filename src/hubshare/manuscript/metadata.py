"""Document metadata for one output format, merged the way Quarto merges it.

Quarto layers options: the project's `_quarto.yml`, its `format: <name>:`
block, the document's front matter, then the front matter's own `format:`
block, later layers winning. Pandoc's templates also expect simpler shapes
than Quarto's author schema, so authors and dates are normalised here.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yaml

PROJECT_FILE = "_quarto.yml"
# Keys that hold other layers or project settings, not options of the document.
LAYERED_KEYS = frozenset({"format", "project", "manuscript"})
# Keys that configure Quarto itself rather than describe the document.
QUARTO_ONLY_KEYS = LAYERED_KEYS | {
    "execute",
    "jupyter",
    "engine",
    "crossref",
    "embed-resources",
    "keep-typ",
    "metadata-files",
}
# Quarto's dynamic dates; rendered from SOURCE_DATE_EPOCH when set, so builds can be reproducible.
DYNAMIC_DATES = frozenset({"today", "now", "last-modified"})


def load_project_config(project_dir: Path) -> dict:
    """The project's `_quarto.yml` (empty when there is none)."""
    path = Path(project_dir) / PROJECT_FILE
    if not path.is_file():
        return {}
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(config, dict):
        raise ValueError(f"{path}: must be a YAML mapping")
    return config


def article_path(project_dir: Path, config: dict) -> Path:
    """The manuscript's main file: `manuscript: article:`, else `index.qmd`."""
    manuscript = config.get("manuscript") or {}
    return Path(project_dir) / manuscript.get("article", "index.qmd")


def _format_options(layer: dict, target: str | None) -> dict:
    formats = layer.get("format")
    if target and isinstance(formats, dict) and isinstance(formats.get(target), dict):
        return formats[target]
    return {}


def _deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merged_options(config: dict, front_matter: dict, target: str | None) -> dict:
    """All options that apply to `target` ("html" or "typst"; None: only those common to all formats)."""
    merged: dict = {}
    for layer in (config, front_matter):
        document_options = {key: value for key, value in layer.items() if key not in LAYERED_KEYS}
        merged = _deep_merge(merged, document_options)
        merged = _deep_merge(merged, _format_options(layer, target))
    return merged


def _name_text(name: object) -> str:
    if isinstance(name, dict):
        if "literal" in name:
            return str(name["literal"])
        return " ".join(str(name[part]) for part in ("given", "family") if name.get(part))
    return str(name)


def _affiliation_text(author: dict) -> str:
    affiliations = author.get("affiliations", author.get("affiliation", []))
    if not isinstance(affiliations, list):
        affiliations = [affiliations]
    names = [str(item.get("name", "")) if isinstance(item, dict) else str(item) for item in affiliations]
    return "; ".join(name for name in names if name)


def normalised_authors(options: dict) -> list[dict[str, str]]:
    """Authors as `{name, affiliation, email}` whatever Quarto form they were written in."""
    authors = options.get("author", options.get("authors", []))
    if not isinstance(authors, list):
        authors = [authors]
    result = []
    for author in authors:
        if isinstance(author, dict):
            result.append(
                {
                    "name": _name_text(author.get("name", "")),
                    "affiliation": _affiliation_text(author),
                    "email": str(author.get("email", "")),
                }
            )
        else:
            result.append({"name": str(author), "affiliation": "", "email": ""})
    return result


def rendered_date(value: object) -> str:
    """A date as text; Quarto's `today`/`now`/`last-modified` become the build date."""
    if str(value) not in DYNAMIC_DATES:
        return str(value)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.date().isoformat()


def pandoc_metadata(options: dict, target: str) -> dict:
    """Metadata to hand Pandoc for `target`, with authors in the shape its template reads."""
    metadata = {key: value for key, value in options.items() if key not in QUARTO_ONLY_KEYS and key != "authors"}
    authors = normalised_authors(options)
    if authors:
        if target == "typst":
            metadata["author"] = authors
        else:
            metadata["author"] = [
                author["name"] + (f" [{author['affiliation']}]{{.affiliation}}" if author["affiliation"] else "")
                for author in authors
            ]
            # Without this the page's <meta name="author"> would run name and affiliation together.
            metadata["author-meta"] = [author["name"] for author in authors]
    if "date" in metadata:
        metadata["date"] = rendered_date(metadata["date"])
    return metadata
