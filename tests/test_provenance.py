"""Figure provenance: file hashes, the commit of the working tree, and the caption line."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hubshare.figures.provenance import figure_manifest, git_state, provenance_line

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch, tmp_path: Path) -> None:
    """No user or system git configuration, and no repository above tmp_path."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def write(root: Path, path: str, data: bytes) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_bytes(data)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


ENTRY = {
    "name": "concentration",
    "rule": "fig_concentration",
    "script": "workflow/scripts/fig_concentration.py",
    "inputs": ["results/tables/concentration_weekly.parquet", "workflow/matplotlibrc"],
    "outputs": ["figures/concentration.pdf", "figures/concentration.png"],
}
FILES = {
    "workflow/scripts/fig_concentration.py": b"print('draw')\n",
    "results/tables/concentration_weekly.parquet": b"PAR1 weekly table",
    "workflow/matplotlibrc": b"font.size: 9\n",
    "figures/concentration.pdf": b"%PDF-1.4 figure",
    "figures/concentration.png": b"\x89PNG figure",
}


def test_manifest_names_every_file_with_its_sha256_outside_a_checkout(tmp_path: Path) -> None:
    for path, data in FILES.items():
        write(tmp_path, path, data)
    sha = {path: hashlib.sha256(data).hexdigest() for path, data in FILES.items()}

    manifest = figure_manifest([ENTRY], tmp_path)

    assert manifest == {
        "figures": [
            {
                "name": "concentration",
                "rule": "fig_concentration",
                "script": {
                    "path": "workflow/scripts/fig_concentration.py",
                    "sha256": sha["workflow/scripts/fig_concentration.py"],
                },
                "inputs": [
                    {
                        "path": "results/tables/concentration_weekly.parquet",
                        "sha256": sha["results/tables/concentration_weekly.parquet"],
                    },
                    {"path": "workflow/matplotlibrc", "sha256": sha["workflow/matplotlibrc"]},
                ],
                "files": [
                    {"path": "figures/concentration.pdf", "format": "pdf", "sha256": sha["figures/concentration.pdf"]},
                    {"path": "figures/concentration.png", "format": "png", "sha256": sha["figures/concentration.png"]},
                ],
                "git": {"commit": "unknown", "uncommitted_changes": None},
            }
        ]
    }


def test_a_missing_input_is_named_with_its_figure(tmp_path: Path) -> None:
    for path, data in FILES.items():
        if path != "workflow/matplotlibrc":
            write(tmp_path, path, data)
    with pytest.raises(FileNotFoundError, match=r"'concentration': input workflow/matplotlibrc not found"):
        figure_manifest([ENTRY], tmp_path)


def test_an_entry_without_outputs_is_rejected(tmp_path: Path) -> None:
    entry = {key: value for key, value in ENTRY.items() if key != "outputs"}
    with pytest.raises(ValueError, match="'concentration' lacks outputs"):
        figure_manifest([entry], tmp_path)


@needs_git
def test_commit_of_the_checkout_and_changes_to_tracked_files_only(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, "Snakefile", b"rule all:\n")
    git(repo, "add", "Snakefile")
    git(repo, "commit", "-q", "-m", "first")
    # HEAD read from the repository's files, not through git rev-parse.
    branch_ref = (repo / ".git" / "HEAD").read_text().removeprefix("ref: ").strip()
    head = (repo / ".git" / branch_ref).read_text().strip()

    assert git_state(repo) == {"commit": head, "uncommitted_changes": False}

    write(repo, "figures/new.png", b"untracked output")
    assert git_state(repo) == {"commit": head, "uncommitted_changes": False}

    write(repo, "Snakefile", b"rule all:\n    input: 'x'\n")
    assert git_state(repo) == {"commit": head, "uncommitted_changes": True}


def record(state: dict, inputs: list[tuple[str, str]]) -> dict:
    """A manifest record of the concentration figure at git `state` with the given (path, sha256) inputs."""
    return {
        "name": "concentration",
        "rule": "fig_concentration",
        "script": {"path": "workflow/scripts/fig_concentration.py", "sha256": "f" * 64},
        "inputs": [{"path": path, "sha256": digest} for path, digest in inputs],
        "files": [],
        "git": state,
    }


def test_provenance_line_with_one_input_at_a_clean_commit() -> None:
    entry = record(
        {"commit": "abc1234def5678", "uncommitted_changes": False},
        [("results/tables/concentration_weekly.parquet", "1a2b3c4d" + "0" * 56)],
    )
    assert provenance_line(entry) == (
        "Made by rule fig_concentration (workflow/scripts/fig_concentration.py) from "
        "results/tables/concentration_weekly.parquet (sha256 1a2b3c4d), commit abc1234."
    )


def test_provenance_line_with_three_inputs_and_uncommitted_changes() -> None:
    entry = record(
        {"commit": "0123456789abcdef", "uncommitted_changes": True},
        [("a.parquet", "aaaaaaaa11"), ("b.yaml", "bbbbbbbb22"), ("c.rc", "cccccccc33")],
    )
    assert provenance_line(entry) == (
        "Made by rule fig_concentration (workflow/scripts/fig_concentration.py) from "
        "a.parquet (sha256 aaaaaaaa), b.yaml (sha256 bbbbbbbb) and c.rc (sha256 cccccccc), "
        "commit 0123456 with uncommitted changes."
    )


def test_provenance_line_outside_a_checkout_and_without_inputs() -> None:
    entry = record({"commit": "unknown", "uncommitted_changes": None}, [])
    assert provenance_line(entry) == (
        "Made by rule fig_concentration (workflow/scripts/fig_concentration.py), commit unknown."
    )
