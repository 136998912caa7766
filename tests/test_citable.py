"""Citation metadata, the licence map and the generated data dictionary."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandera.polars as pa
import pytest
import yaml
from conftest import REPO

from hubshare.contracts.base import Contract
from hubshare.contracts.data_dictionary import TABLE_MODULES, check_text, data_dictionary_markdown, model_section
from hubshare.contracts.raw_tables import RAW_COLUMNS

ANCHOR_AUTHORS = [
    ("Shayne", "Longpre"),
    ("Christopher", "Akiki"),
    ("Campbell", "Lund"),
    ("Atharva", "Kulkarni"),
    ("Emily", "Chen"),
    ("Irene", "Solaiman"),
    ("Avijit", "Ghosh"),
    ("Yacine", "Jernite"),
    ("Lucie-Aimée", "Kaffee"),
]


def citation() -> dict:
    return yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_has_the_keys_cff_requires() -> None:
    cff = citation()
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"]
    assert cff["title"] == "hubshare: who gets the downloads of open models on the Hugging Face Hub"
    assert cff["authors"] == [{"name": "The hubshare contributors"}]
    assert (cff["type"], cff["license"], cff["version"]) == ("software", "MIT", "0.1.0")
    assert cff["preferred-citation"]["type"] == "article"
    assert cff["preferred-citation"]["authors"] and cff["preferred-citation"]["title"]


def test_citation_references_the_anchor_paper_and_the_hub_snapshots() -> None:
    references = citation()["references"]
    anchor = next(r for r in references if r.get("doi") == "10.48550/arXiv.2512.03073")
    assert [(a["given-names"], a["family-names"]) for a in anchor["authors"]] == ANCHOR_AUTHORS
    assert anchor["year"] == 2025
    assert "arXiv:2512.03073" in [identifier["value"] for identifier in anchor["identifiers"]]
    snapshots = next(r for r in references if r["type"] == "data")
    assert snapshots["url"] == "https://huggingface.co/datasets/hfmlsoc/hub_weekly_snapshots"
    assert snapshots["license"] == "ODbL-1.0"


# cffconvert, the reference validator of the Citation File Format. Its only
# release that reads CFF 1.2.0 (2.0.0) requires jsonschema < 4, while Snakemake
# validates the configuration with jsonschema >= 4.18 (its `registry`
# argument), so it cannot share the project's environment: it gets a virtual
# environment of its own, built once from PyPI and kept in pytest's cache.
CFFCONVERT = "cffconvert==2.0.0"


@pytest.fixture(scope="session")
def cffconvert(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `cffconvert` executable of a private virtual environment (skips if it cannot be installed)."""
    name = CFFCONVERT.replace("==", "-")
    cache = getattr(pytestconfig, "cache", None)  # absent under `-p no:cacheprovider`
    home = Path(cache.mkdir(name)) if cache is not None else tmp_path_factory.mktemp(name)
    scripts = home / ("Scripts" if os.name == "nt" else "bin")
    executable = scripts / ("cffconvert.exe" if os.name == "nt" else "cffconvert")
    if executable.is_file():
        return executable
    steps = (
        [sys.executable, "-m", "venv", "--clear", str(home)],
        [str(scripts / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", CFFCONVERT],
    )
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(home, ignore_errors=True)
            pytest.skip(
                f"could not install {CFFCONVERT} into its own environment (is PyPI reachable?):\n{done.stderr[-800:]}"
            )
    return executable


def validate_cff(cffconvert: Path, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(cffconvert), "--validate", "--infile", str(path)], capture_output=True, text=True)


def test_citation_cff_is_valid_for_cffconvert(cffconvert: Path) -> None:
    checked = validate_cff(cffconvert, REPO / "CITATION.cff")
    assert checked.returncode == 0, f"cffconvert rejects CITATION.cff:\n{checked.stdout}{checked.stderr}"
    assert "valid" in checked.stdout.lower()


def test_cffconvert_rejects_a_broken_citation(cffconvert: Path, tmp_path: Path) -> None:
    """The validator really validates: a citation without authors and with an unknown key fails."""
    broken = citation()
    del broken["authors"]
    broken["colour"] = "blue"
    path = tmp_path / "CITATION.cff"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert validate_cff(cffconvert, path).returncode != 0


def ignored_paths() -> list[str]:
    """The paths `.gitignore` keeps out of the repository (workflow outputs among them), without slashes or `*`."""
    lines = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    # A leading slash anchors a pattern at the repository's root: the path is the same.
    return [line.removesuffix("*").strip("/") for line in lines if line and not line.startswith(("#", "!"))]


def licence_table_paths() -> list[str]:
    text = (REPO / "LICENSES" / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| Path ")]
    return [path for row in rows for path in re.findall(r"`([^`]+)`", row)]


def test_every_path_in_the_licence_table_exists_or_is_generated() -> None:
    paths = licence_table_paths()
    assert {"LICENSE", "LICENSES/CC-BY-4.0.txt", "data/raw/attribution/organizations.csv"} <= set(paths)
    generated = ignored_paths()
    for path in paths:
        if path.startswith("../"):  # beside the repository: read in place, never part of it
            continue
        is_generated = any(path.rstrip("/") == g or path.startswith(g + "/") for g in generated)
        assert (REPO / path).exists() or is_generated, (
            f"LICENSES/README.md lists {path}, which neither exists nor is generated"
        )


def test_cc_by_notice_names_the_legal_code() -> None:
    notice = (REPO / "LICENSES" / "CC-BY-4.0.txt").read_text(encoding="utf-8")
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in notice
    assert "data/raw/attribution/" in notice and "paper/" in notice and "figures/" in notice


def dictionary_sections() -> dict[str, str]:
    """Section heading (the schema class name, or the raw contract) -> section text."""
    parts = re.split(r"^## ", data_dictionary_markdown(), flags=re.MULTILINE)[1:]
    return {part.splitlines()[0].strip("`"): part for part in parts}


def test_data_dictionary_covers_every_schema_and_every_column() -> None:
    # Found through pandera's class hierarchy (below the shared base), independently of how the generator lists them.
    def below(cls: type) -> list[type]:
        return [found for sub in cls.__subclasses__() for found in (sub, *below(sub))]

    table_modules = {module.__name__ for module in TABLE_MODULES}
    models = [m for m in below(pa.DataFrameModel) if m.__module__ in table_modules and m is not Contract]
    sections = dictionary_sections()
    assert {"RawSnapshot", "NormalizedSnapshot", "Panel", "Ledger", "Attributed"} <= {m.__name__ for m in models}
    for model in models:
        section = sections[model.__name__]
        for column in model.to_schema().columns:
            assert f"| `{column}` |" in section, f"{model.__name__}.{column} missing from the data dictionary"
    raw = sections["Raw contract (`RAW_COLUMNS`)"]
    for column in RAW_COLUMNS:
        assert f"| `{column}` |" in raw


class SampleTable(pa.DataFrameModel):
    """`results/toy.csv`: a table with one of each kind of column."""

    n: int = pa.Field(ge=0, unique=True, description="A count.")
    kind: str = pa.Field(nullable=True, isin=["a", "b"], description="Kind | variant.")
    note: str = pa.Field(required=False, description="Free text.")

    class Config:
        strict = True


def test_model_section_renders_dtype_nullability_checks_and_description() -> None:
    assert model_section(SampleTable) == (
        "## `SampleTable`\n\n"
        "`results/toy.csv`: a table with one of each kind of column.\n\n"
        "Columns not listed here: rejected.\n\n"
        "| column | dtype | nullable | required | checks | description |\n"
        "|---|---|---|---|---|---|\n"
        "| `n` | `Int64` | no | yes | >= 0, unique | A count. |\n"
        "| `kind` | `String` | yes | yes | isin [a, b] | Kind \\| variant. |\n"
        "| `note` | `String` | no | no (may be absent) | \u2013 | Free text. |\n"
    )


def test_checks_read_as_comparisons_and_sets() -> None:
    assert check_text(pa.Check.gt(0)) == "> 0"
    assert check_text(pa.Check.le(1.000001)) == "<= 1.000001"
    assert check_text(pa.Check.notin(["x"])) == "notin [x]"
    # A check without a reading of its own falls back to pandera's description.
    assert check_text(pa.Check.in_range(0, 1)) == "in_range(0, 1)"
