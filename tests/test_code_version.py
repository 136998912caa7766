"""Per-rule code hashes come from what each job's code imports, and cannot drift from it."""

from __future__ import annotations

import dis
import inspect
import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

from hubshare.jobs.code_version import code_version, library_files, module_path


def write_package(root: Path) -> Path:
    """A tiny `hubshare` package: a -> b (relative, inside a function) -> sub.c; d reached by nobody."""
    library = root / "hubshare"
    (library / "sub").mkdir(parents=True)
    (library / "__init__.py").write_text('"""top"""\n')
    (library / "a.py").write_text("import os\nfrom hubshare import b\n")
    (library / "b.py").write_text("def f():\n    from .sub.c import g\n    return g\n")
    (library / "sub" / "__init__.py").write_text("")
    (library / "sub" / "c.py").write_text("from ..d_missing import nothing  # not a file: ignored\ng = 1\n")
    (library / "d.py").write_text("x = 1\n")
    (root / "script.py").write_text("import numpy\nfrom hubshare.a import something\n")
    return library


def test_files_are_reached_transitively_through_every_import_form(tmp_path):
    library = write_package(tmp_path)
    reached = {
        path.relative_to(library.resolve()).as_posix() for path in library_files([tmp_path / "script.py"], library)
    }
    assert reached == {"__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/c.py"}


def test_the_hash_changes_with_reached_code_only(tmp_path):
    library = write_package(tmp_path)
    script = tmp_path / "script.py"
    before = code_version([script], library)
    (library / "d.py").write_text("x = 2\n")
    assert code_version([script], library) == before
    (library / "sub" / "c.py").write_text("g = 2\n")
    assert code_version([script], library) != before


def test_a_data_file_a_reached_module_names_is_in_the_hash(tmp_path):
    library = write_package(tmp_path)
    (library / "sub" / "c.py").write_text('from pathlib import Path\nTABLE = Path(__file__).with_name("table.csv")\n')
    (library / "d.py").write_text('NAMES = "names.csv"\n')  # reached by nobody
    for name in ("sub/table.csv", "names.csv", "sub/unnamed.csv"):
        (library / name).write_text("a\n1\n")
    script = tmp_path / "script.py"
    assert "sub/table.csv" in {path.relative_to(library).as_posix() for path in library_files([script], library)}
    before = code_version([script], library)
    (library / "names.csv").write_text("a\n2\n")
    (library / "sub" / "unnamed.csv").write_text("a\n2\n")
    assert code_version([script], library) == before
    (library / "sub" / "table.csv").write_text("a\n2\n")
    assert code_version([script], library) != before


def test_every_package_data_file_is_in_the_hash_of_the_modules_that_read_it():
    """What pyproject.toml ships as package data is exactly what the library's modules name and hash."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    shipped = {
        path.resolve()
        for package, patterns in declared.items()
        for pattern in patterns
        for path in REPO.joinpath("src", *package.split(".")).glob(pattern)
    }
    hashed = {path for path in library_files(sorted((REPO / "src" / "hubshare").rglob("*.py"))) if path.suffix != ".py"}
    assert len(shipped) >= 2
    assert hashed == shipped


def test_editing_the_demo_release_table_reruns_the_simulator(tmp_path):
    library = tmp_path / "hubshare"
    shutil.copytree(REPO / "src" / "hubshare", library, ignore=shutil.ignore_patterns("__pycache__"))
    script = REPO / "workflow" / "scripts" / "simulate_demo.py"
    before = code_version([script], library)
    table = library / "demo" / "releases.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",1100000000\n", ",1200000000\n", 1), encoding="utf-8")
    assert code_version([script], library) != before


def test_a_module_outside_the_library_is_an_error():
    with pytest.raises(ValueError, match="not a module"):
        module_path("hubshare.no_such_module")


def test_the_manuscript_inputs_script_reaches_every_module_it_imports():
    reached = {path.stem for path in library_files([REPO / "workflow/scripts/manuscript_inputs.py"])}
    # The modules a hand-written list once missed.
    assert {"contrasts", "provenance", "vocabularies", "sensitivity", "atomic", "joblog"} <= reached


@pytest.fixture(scope="module")
def workflow_rules():
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet=True)) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=REPO)
        yield list(workflow._workflow.rules)


def expected_code(rule) -> str:
    """What the rule's code hash must be: its script's imports, or the library calls and imports of its `run:` block."""
    if rule.script:
        return code_version([Path(rule.snakefile).parent / rule.script])
    called = [rule.run_func.__globals__.get(name) for name in rule.run_func.__code__.co_names]
    imported = [
        instruction.argval
        for instruction in dis.get_instructions(rule.run_func)
        if instruction.opname == "IMPORT_NAME" and instruction.argval.startswith("hubshare")
    ]
    modules = sorted(
        {obj.__module__ for obj in called if inspect.isfunction(obj) and obj.__module__.startswith("hubshare")}
        | set(imported)
    )
    assert modules, f"rule {rule.name}: its run block calls no library function"
    return code_version([module_path(module) for module in modules])


def test_every_rule_hashes_exactly_the_code_it_runs(workflow_rules):
    jobs = [rule for rule in workflow_rules if rule.name != "all"]
    assert len(jobs) > 20
    for rule in jobs:
        assert hasattr(rule.params, "code"), f"rule {rule.name} has no code hash"
        assert rule.params.code == expected_code(rule), f"rule {rule.name}: code hash does not match what it runs"
