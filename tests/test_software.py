"""The paper's Software section: the interpreter and the installed versions of the project's dependencies."""

import tomllib
from importlib.metadata import version

from conftest import REPO
from packaging.requirements import Requirement

from hubshare.jobs.software import installed_versions, runtime_dependencies, software_statement


def test_statement_lists_python_and_each_distribution_in_order():
    text = software_statement("3.11.7", {"numpy": "2.4.6", "polars": "2.1.0"})
    assert text.startswith("This build ran on Python 3.11.7 with numpy 2.4.6, polars 2.1.0. ")
    assert text.endswith("\n")


def test_runtime_dependencies_are_pyprojects_without_the_extras():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = sorted((Requirement(r).name for r in project["dependencies"]), key=str.lower)
    assert runtime_dependencies() == declared
    assert "pytest" not in runtime_dependencies()


def test_installed_versions_are_the_distributions_own():
    assert installed_versions(["polars", "numpy"]) == {"polars": version("polars"), "numpy": version("numpy")}
