"""Which library files a job runs, found from its imports, and one hash of them.

A rule carries this hash as a parameter, so editing any module its script
reaches (directly or through other modules of the package) reruns the job,
and editing an unrelated module does not. The set is read from the source
with `ast`, never by importing it, so the workflow pays nothing for it.

Imports inside functions count as well as those at the top: a job that may
reach a module must rerun when it changes. Importing `hubshare.a.b` runs
`hubshare/__init__.py` and `hubshare/a/__init__.py` too, so they belong to the
set. So do the package's data files a reached module reads (a table of the
demo, a stylesheet): a module names each as a string, its path relative to
the module's folder (`Path(__file__).with_name("releases.csv")`,
`files(__package__) / "assets/paper.css"`), and every such string that names
a file there adds the file.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "hubshare"
LIBRARY = Path(__file__).resolve().parent.parent
HASH_LENGTH = 16
# A string that may name a data file: a relative path of plain names ending in a suffix.
_DATA_FILE_NAME = re.compile(r"[\w.-]+(/[\w.-]+)*\.\w+")


def _module_file(dotted: str, library: Path) -> Path | None:
    """`hubshare.x.y` -> its file (module or package `__init__.py`), None if no such file."""
    parts = dotted.split(".")[1:]
    base = library.joinpath(*parts)
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _package_of(path: Path, library: Path) -> str:
    """The dotted package a library file's relative imports start from."""
    # `a/b.py` and `a/__init__.py` both resolve relative imports from `hubshare.a`.
    relative = path.relative_to(library).with_suffix("")
    return ".".join([PACKAGE, *relative.parts[:-1]])


def _data_files(folder: Path, strings: Iterable[str], library: Path) -> list[Path]:
    """The library's files other than modules that the strings name, relative to a module's folder."""
    named = ((folder / text).resolve() for text in strings)
    return [file for file in named if file.suffix != ".py" and file.is_file() and library in file.parents]


# Keyed by the source text itself: each rule of a workflow walks the same modules, and parsing them once per
# process instead of once per rule takes seconds off every start of Snakemake; an edited file is parsed anew.
@functools.lru_cache(maxsize=1024)
def _read_source(source: str, path: Path, library: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(dotted names of the package the source imports, its strings that may name a data file)."""
    tree = ast.parse(source, filename=str(path))
    inside = library in path.parents
    names: set[str] = set()
    strings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not inside:
                    continue
                anchor = _package_of(path, library).split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _DATA_FILE_NAME.fullmatch(node.value):
            strings.add(node.value)
    return frozenset(name for name in names if name == PACKAGE or name.startswith(PACKAGE + ".")), frozenset(strings)


def _with_parents(dotted: str) -> list[str]:
    """`hubshare.a.b` -> [`hubshare`, `hubshare.a`, `hubshare.a.b`]: every package an import runs."""
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def library_files(entries: Iterable[Path | str], library: Path = LIBRARY) -> list[Path]:
    """Every library file the entry files reach through imports, transitively, and the data files
    the reached modules name, sorted.

    An entry may be a script outside the library or a library module itself
    (a rule whose `run:` block calls the library directly names that module).
    """
    library = Path(library).resolve()
    pending = [Path(entry).resolve() for entry in entries]
    seen: set[Path] = set()
    reached: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        imported, strings = _read_source(path.read_text(encoding="utf-8"), path, library)
        if library in path.parents:
            reached.add(path)
            reached.update(_data_files(path.parent, strings, library))
        for name in imported:
            for dotted in _with_parents(name):
                found = _module_file(dotted, library)
                if found is not None and found not in seen:
                    pending.append(found)
    return sorted(reached)


def code_version(entries: Iterable[Path | str], library: Path = LIBRARY) -> str:
    """Short sha256 over the paths (relative to the library) and bytes of every file the entries reach."""
    library = Path(library).resolve()
    digest = hashlib.sha256()
    for path in library_files(entries, library):
        digest.update(path.relative_to(library).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:HASH_LENGTH]


def module_path(dotted: str, library: Path = LIBRARY) -> Path:
    """The file of a library module named by its dotted name (a callable's `__module__`)."""
    found = _module_file(dotted, Path(library).resolve())
    if found is None:
        raise ValueError(f"{dotted!r} is not a module of the {PACKAGE} library in {library}")
    return found
