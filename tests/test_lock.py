"""The locks pin, with hashes, versions that pyproject.toml allows; environment.yml pins the same.

requirements.lock holds the project with its `test` and `lint` extras (what ./install installs),
requirements-cluster.lock every extra (./install --cluster adds the SLURM executor plugin).
"""

import re
import tomllib

import pytest
import yaml
from conftest import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = REPO / "requirements.lock"
CLUSTER_LOCK = REPO / "requirements-cluster.lock"
LOCAL_EXTRAS = ("test", "lint")
# The platform the lock is resolved for (see ./lock), for evaluating requirement markers.
LOCK_PLATFORM = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
# Entries of environment.yml that the lock does not hold: the interpreter, conda's pip, Quarto
# (not on PyPI) and the project itself.
NOT_LOCKED = {"python", "pip", "quarto", "-e"}
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}


def parse_lock(text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, hashes) from a hashed requirements file."""
    joined = re.sub(r"\\\n", " ", text)
    pins = {}
    for line in joined.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, *options = line.split()
        name, pinned = requirement.split("==")
        pins[canonicalize_name(name)] = (pinned, [o.removeprefix("--hash=") for o in options])
    return pins


def declared_requirements(extras: tuple[str, ...] | None = None) -> list[Requirement]:
    """The project's dependencies, those of the given extras (None: every extra), and its build backend."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    optional = project["optional-dependencies"]
    lines = project["dependencies"] + [r for extra in (extras or optional) for r in optional[extra]]
    return [Requirement(line) for line in lines + pyproject["build-system"]["requires"]]


def cluster_only() -> list[str]:
    """The distributions of the `cluster` extra."""
    optional = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    return [canonicalize_name(Requirement(line).name) for line in optional["cluster"]]


def unmet(requirements: list[Requirement], pins: dict[str, tuple[str, list[str]]]) -> list[str]:
    problems = []
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate(LOCK_PLATFORM | {"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{requirement}: the lock pins {pins[name][0]}")
    return problems


def test_lock_parser_reads_pins_and_hashes():
    text = "# header\nfoo-bar==1.2 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\nbaz==3\n"
    assert parse_lock(text) == {"foo-bar": ("1.2", ["sha256:aa", "sha256:bb"]), "baz": ("3", [])}


def test_lock_satisfies_every_declared_range():
    assert unmet(declared_requirements(LOCAL_EXTRAS), parse_lock(LOCK.read_text(encoding="utf-8"))) == []
    assert unmet(declared_requirements(), parse_lock(CLUSTER_LOCK.read_text(encoding="utf-8"))) == []


def test_the_local_lock_leaves_the_cluster_plugin_out_and_the_cluster_lock_changes_no_shared_version():
    local = parse_lock(LOCK.read_text(encoding="utf-8"))
    cluster = parse_lock(CLUSTER_LOCK.read_text(encoding="utf-8"))
    assert [name for name in cluster_only() if name in local] == []
    assert {name: pin for name, pin in local.items() if cluster[name] != pin} == {}


@pytest.mark.parametrize(
    "pin, problem", [("1.0", "polars>=1.20: the lock pins 1.0"), (None, "polars>=1.20 is not in the lock")]
)
def test_a_pin_outside_its_range_or_missing_is_reported(pin, problem):
    pins = {} if pin is None else {"polars": (pin, ["sha256:aa"])}
    assert unmet([Requirement("polars>=1.20")], pins) == [problem]


@pytest.mark.parametrize("lock", [LOCK, CLUSTER_LOCK], ids=lambda path: path.name)
def test_every_locked_distribution_has_a_hash(lock):
    pins = parse_lock(lock.read_text(encoding="utf-8"))
    assert [name for name, (_, hashes) in pins.items() if not hashes] == []


def environment_pins() -> dict[str, str]:
    """name -> the version environment.yml pins it to ('' when it gives no exact pin)."""
    environment = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for entry in environment["dependencies"]:
        for line in entry["pip"] if isinstance(entry, dict) else [entry]:
            name = re.split(r"[\s<>=!\[;]", line.strip(), maxsplit=1)[0].lower()
            if name in NOT_LOCKED:
                continue
            exact = re.search(r"==\s*(\S+)$", line)
            pins[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = exact.group(1) if exact else ""
    return pins


def test_environment_pins_the_locked_versions():
    locked = parse_lock(LOCK.read_text(encoding="utf-8"))
    differing = {
        name: (pinned, locked.get(name, ("absent",))[0])
        for name, pinned in environment_pins().items()
        if pinned != locked.get(name, ("",))[0]
    }
    assert differing == {}
