"""Which files of a source folder are snapshots: names parsed strictly, every other entry accounted for.

A snapshot file sits directly in the folder and is named `<YYYY-MM-DD><suffix>`
(e.g. `2026-08-07.json`): a four-digit year, two-digit month and day that
form a calendar date, and the suffix in lowercase. Every other entry is
either

- *ignored*, with the reason (hidden files, sub-folders, a snapshot's
  `<date>.meta.yaml` origin record, files of another type such as a README),
  for the caller to report; or
- *refused*: a name that looks like an attempt at a snapshot name (it carries
  the suffix in another case or with a further extension, or starts with
  something like a date) but is not one. Reading the folder without it would
  leave a snapshot out without a word, so the listing stops and says what a
  name must look like.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT = "snapshot"
IGNORED = "ignored"
REFUSED = "refused"

_STRICT_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A name opening with digit groups split by - _ . or / (2026-8-9, 2026_08_09, 20260809) is meant as a date.
_DATE_LIKE_START = re.compile(r"\d{1,4}[-_.]\d{1,2}[-_.]\d{1,4}|\d{8}")
ORIGIN_RECORD = ".meta.yaml"


class FolderError(ValueError):
    """A source folder that cannot be read as a series of snapshots; the message names the folder and files."""


@dataclass(frozen=True)
class FolderListing:
    """A source folder, entry by entry: the snapshot dates read, and each other entry with its reason."""

    folder: str
    suffix: str
    dates: tuple[str, ...]
    ignored: tuple[tuple[str, str], ...]
    refused: tuple[tuple[str, str], ...]


def name_pattern(suffix: str) -> str:
    """What a snapshot's file name must look like, in words, for messages."""
    return (
        f"<YYYY-MM-DD>{suffix} (four-digit year, two-digit month and day forming a calendar date, "
        f"lowercase '{suffix}'), e.g. 2026-08-07{suffix}"
    )


def date_of_name(name: str, suffix: str) -> dt.date:
    """The date a snapshot file's name stands for; `ValueError` saying what is wrong and what a name must look like."""
    kind, detail = classify(name, suffix)
    if kind != SNAPSHOT:
        raise ValueError(f"file name '{name}' is not a snapshot name ({detail}); it must be {name_pattern(suffix)}")
    return dt.date.fromisoformat(detail)


def classify(name: str, suffix: str, is_folder: bool = False) -> tuple[str, str]:
    """(`snapshot`, ISO date) for a snapshot's name, else (`ignored` or `refused`, the reason)."""
    stem = name[: -len(suffix)] if name.endswith(suffix) else None
    looks_dated = bool(_DATE_LIKE_START.match(name))
    if is_folder:
        if looks_dated or stem is not None:
            return REFUSED, "a folder; snapshots are files directly in the source folder"
        return IGNORED, "a folder; snapshots are read only from files directly in the source folder"
    if name.startswith("."):
        return IGNORED, "a hidden file"
    if stem is not None and (strict := _STRICT_DATE.fullmatch(stem)):
        try:
            return SNAPSHOT, dt.date(*map(int, strict.groups())).isoformat()
        except ValueError as error:
            return REFUSED, f"not a calendar date ({error})"
    if name.endswith(ORIGIN_RECORD) and _STRICT_DATE.fullmatch(name[: -len(ORIGIN_RECORD)]):
        return IGNORED, "the origin record of a snapshot, not a snapshot"
    lowered = name.lower()
    if suffix in lowered and not lowered.endswith(suffix):
        return REFUSED, f"'{suffix}' followed by a further extension (compressed or renamed files are not read)"
    if lowered.endswith(suffix) and stem is None:
        return REFUSED, f"the extension must be lowercase '{suffix}'"
    if stem is not None or looks_dated:
        return REFUSED, f"not <YYYY-MM-DD>{suffix}"
    return IGNORED, f"not a {suffix} file"


def list_folder(folder: str | Path, suffix: str) -> FolderListing:
    """Every entry of `folder` classified by `classify`, in name order."""
    path = Path(folder)
    if not path.is_dir():
        raise FolderError(f"source folder {folder} does not exist or is not a folder")
    found: dict[str, list] = {SNAPSHOT: [], IGNORED: [], REFUSED: []}
    for entry in sorted(path.iterdir()):
        kind, detail = classify(entry.name, suffix, is_folder=entry.is_dir())
        found[kind].append(detail if kind == SNAPSHOT else (entry.name, detail))
    return FolderListing(
        str(folder), suffix, tuple(sorted(found[SNAPSHOT])), tuple(found[IGNORED]), tuple(found[REFUSED])
    )


def snapshot_folder(folder: str | Path, suffix: str) -> FolderListing:
    """`list_folder`, refusing a folder with a misnamed snapshot or without any snapshot."""
    listing = list_folder(folder, suffix)
    if listing.refused:
        lines = "\n".join(f"  {name}: {reason}" for name, reason in listing.refused)
        raise FolderError(
            f"source folder {folder}: {len(listing.refused)} file name(s) look like snapshots but are not read; "
            f"a snapshot must be named {name_pattern(suffix)}:\n{lines}"
        )
    if not listing.dates:
        raise FolderError(f"source folder {folder} holds no snapshot; a snapshot must be named {name_pattern(suffix)}")
    return listing
