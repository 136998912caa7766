"""The software a build ran with, for the paper's reproducibility statement.

Read from the installed distributions when the workflow runs, not from the
lock, so the paper names what actually computed it even in an environment
that strays from `requirements.lock`.
"""

from __future__ import annotations

from importlib.metadata import requires, version

from packaging.requirements import Requirement

PROJECT = "hubshare"


def runtime_dependencies(distribution: str = PROJECT) -> list[str]:
    """Names of the distribution's dependencies outside its extras, as its installed metadata declares them."""
    names = set()
    for line in requires(distribution) or []:
        requirement = Requirement(line)
        # An extra's requirement carries the marker `extra == "..."`, false when no extra is asked for.
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.add(requirement.name)
    return sorted(names, key=str.lower)


def installed_versions(names: list[str]) -> dict[str, str]:
    """Each distribution's installed version, in the order given."""
    return {name: version(name) for name in names}


def software_statement(python: str, versions: dict[str, str]) -> str:
    """One paragraph: the interpreter and every listed distribution with its version."""
    listed = ", ".join(f"{name} {number}" for name, number in versions.items())
    return (
        f"This build ran on Python {python} with {listed}. The repository's `requirements.lock` pins every "
        "dependency with its hash, and its `./install` installs that set.\n"
    )
