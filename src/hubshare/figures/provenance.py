"""Figure provenance: which rule, script, inputs and commit made each figure.

`figures/manifest.json` lets a reviewer holding a figure check that it is the
one the workflow drew from given inputs at a given commit (every file is
named with its sha256), and `provenance_line` says the same in a caption.
Paths are relative to the workflow's working directory, as the rules name them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from hubshare.jobs.atomic import sha256_file
from hubshare.manuscript.formatting import join_words

UNKNOWN_COMMIT = "unknown"
# Prefix lengths shown in captions: enough to tell files and commits apart by eye.
SHORT_SHA256 = 8
SHORT_COMMIT = 7
ENTRY_KEYS = ("name", "rule", "script", "inputs", "outputs")


def _git(repo_dir: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo_dir, capture_output=True, text=True, check=True).stdout


def git_state(repo_dir: Path) -> dict:
    """The checked-out commit of `repo_dir` and whether tracked files differ from it.

    Untracked files are ignored: the workflow's own outputs are untracked and
    would otherwise mark every run as changed. Outside a git checkout (or
    without git) the commit is "unknown" and the flag null.
    """
    try:
        commit = _git(repo_dir, "rev-parse", "HEAD").strip()
        changes = _git(repo_dir, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return {"commit": UNKNOWN_COMMIT, "uncommitted_changes": None}
    return {"commit": commit, "uncommitted_changes": bool(changes.strip())}


def _hashed(path: str, repo_dir: Path, figure: str, role: str) -> dict:
    file = repo_dir / path
    if not file.is_file():
        raise FileNotFoundError(f"figure manifest: figure {figure!r}: {role} {path} not found under {repo_dir}")
    return {"path": path, "sha256": sha256_file(file)}


def figure_record(entry: dict, repo_dir: Path, git: dict) -> dict:
    """One figure's manifest record; `entry` is {name, rule, script, inputs: [...], outputs: [...]}."""
    missing = [key for key in ENTRY_KEYS if key not in entry]
    if missing:
        raise ValueError(f"figure manifest: entry {entry.get('name', entry)!r} lacks {', '.join(missing)}")
    name = entry["name"]
    files = [
        {**_hashed(path, repo_dir, name, "output"), "format": Path(path).suffix.lstrip(".")}
        for path in entry["outputs"]
    ]
    return {
        "name": name,
        "rule": entry["rule"],
        "script": _hashed(entry["script"], repo_dir, name, "script"),
        "inputs": [_hashed(path, repo_dir, name, "input") for path in entry["inputs"]],
        "files": files,
        "git": git,
    }


def figure_manifest(entries: list[dict], repo_dir: Path) -> dict:
    """The content of `figures/manifest.json`: one record per figure, in the order given."""
    repo_dir = Path(repo_dir)
    git = git_state(repo_dir)
    return {"figures": [figure_record(entry, repo_dir, git) for entry in entries]}


def commit_text(git: dict) -> str:
    if git["commit"] == UNKNOWN_COMMIT:
        return "commit unknown"
    text = f"commit {git['commit'][:SHORT_COMMIT]}"
    return text + " with uncommitted changes" if git["uncommitted_changes"] else text


def provenance_line(entry: dict) -> str:
    """A caption suffix from one manifest record, e.g. "Made by rule fig_x (workflow/scripts/fig_x.py)
    from results/tables/x.parquet (sha256 1a2b3c4d), commit abc1234."."""
    inputs = [f"{item['path']} (sha256 {item['sha256'][:SHORT_SHA256]})" for item in entry["inputs"]]
    source = f" from {join_words(inputs)}" if inputs else ""
    return f"Made by rule {entry['rule']} ({entry['script']['path']}){source}, {commit_text(entry['git'])}."
