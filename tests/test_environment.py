"""pyproject.toml and environment.yml must list the same packages (the `cluster` extra aside: like
./install, the conda environment is for running locally; see README, "On a cluster")."""

import ast
import re
import tomllib

import yaml
from conftest import REPO

# conda-forge names that differ from PyPI names, and entries that are not packages of the project
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}
NOT_PROJECT_DEPENDENCIES = {"python", "pip", "quarto", "-e"}


def normalise(requirement: str) -> str:
    name = re.split(r"[\s<>=!\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return CONDA_TO_PYPI.get(name, name)


def pyproject_names() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = {name: lines for name, lines in project["optional-dependencies"].items() if name != "cluster"}
    requirements = project["dependencies"] + [r for lines in extras.values() for r in lines]
    return {normalise(r) for r in requirements}


def environment_names() -> set[str]:
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    names = set()
    for entry in environment["dependencies"]:
        for requirement in entry["pip"] if isinstance(entry, dict) else [entry]:
            names.add(normalise(requirement))
    return names - NOT_PROJECT_DEPENDENCIES


def test_environment_and_pyproject_agree():
    assert environment_names() == pyproject_names()


def test_environment_offers_quarto_for_conda_users():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    assert any(str(entry).startswith("quarto") for entry in environment["dependencies"])


def test_required_tools_are_dependencies():
    required = {
        "polars",
        "snakemake",
        "matplotlib",
        "seaborn",
        "statsmodels",
        "pandera",
        "pymannkendall",
        "pyyaml",
        "pypandoc-binary",
        "typst",
        "pytest",
        "hypothesis",
    }
    assert required <= pyproject_names()


def library_imports() -> set[str]:
    """The top-level packages the library's modules import (anywhere in a module, functions included)."""
    imported = set()
    for path in (REPO / "src" / "hubshare").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    return imported


def test_each_named_analysis_tool_does_work_in_the_library():
    """The tools the study was asked to use are imported by the code, not only listed as dependencies."""
    assert {"polars", "pandera", "matplotlib", "seaborn", "statsmodels"} <= library_imports()
