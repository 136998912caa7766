"""The registry against real Hub numbers: most of the top of the Hub's downloads must come from listed namespaces.

Reads the Hub-API dumps in `real-samples/hub-api-json/` (the top ~530 models
by likes and by 30-day downloads on each date), which live outside this
repository: in `../shared/real-samples` next to the checkout, or wherever the
environment variable `HUBSHARE_REAL_SAMPLES` points. Skips when they are
absent. Run with `-s` to see the figures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO

from hubshare.attribution.credit import namespace_of
from hubshare.attribution.registry import load_iso_codes, load_legacy_ids, load_registry
from hubshare.attribution.vocabularies import load_vocabularies

ATTRIBUTION = REPO / "data" / "raw" / "attribution"
MINIMUM_COVERAGE = 0.95


def samples_dir() -> Path:
    override = os.environ.get("HUBSHARE_REAL_SAMPLES")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "real-samples"


def sample_files() -> list[Path]:
    folder = samples_dir() / "hub-api-json"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


@pytest.fixture(scope="module")
def registry():
    vocabularies = load_vocabularies(ATTRIBUTION / "vocabularies.yaml")
    return load_registry(
        ATTRIBUTION / "organizations.csv", vocabularies, load_iso_codes(ATTRIBUTION / "iso3166_alpha2.csv")
    )


@pytest.fixture(scope="module")
def legacy_ids(registry):
    return load_legacy_ids(ATTRIBUTION / "legacy_ids.csv", registry)


def download_coverage(path: Path, registry: pl.DataFrame, legacy_ids: pl.DataFrame) -> dict:
    """Shares of one dump's 30-day downloads by how the registry knows their namespace.

    `listed`: the namespace (id prefix, or the legacy id's owner) is in the
    registry; `organisations`: listed and not an individual; `low_confidence`:
    listed by a row of confidence `low`.
    """
    models = json.loads(path.read_text(encoding="utf-8"))["models"]
    frame = pl.DataFrame(
        {"id": [m["id"] for m in models], "downloads": [m["downloads"] for m in models]},
        schema={"id": pl.String, "downloads": pl.Int64},
    )
    rows = registry.select("namespace_lower", "developer_type", "confidence")
    joined = frame.with_columns(
        namespace_of(pl.col("id"), legacy_ids).str.to_lowercase().alias("namespace_lower")
    ).join(rows, on="namespace_lower", how="left")
    total = joined["downloads"].sum()

    def share(condition: pl.Expr) -> float:
        return joined.filter(condition)["downloads"].sum() / total

    listed = pl.col("developer_type").is_not_null()
    return {
        "models": joined.height,
        "downloads": total,
        "listed": share(listed),
        "organisations": share(listed & (pl.col("developer_type") != "unaffiliated_user")),
        "low_confidence": share(pl.col("confidence") == "low"),
    }


def test_download_coverage_by_hand(tmp_path, registry, legacy_ids):
    dump = {
        "date": "2026-01-01",
        "models": [
            {"id": "Qwen/Qwen2.5-7B", "downloads": 500},  # organisation
            {"id": "TheBloke/Llama-2-7B-GGUF", "downloads": 100},  # listed individual
            {"id": "biohub/ESMC-6B", "downloads": 50},  # organisation, low confidence
            {"id": "gpt2", "downloads": 150},  # legacy id -> openai-community
            {"id": "someone-unlisted/model", "downloads": 120},
            {"id": "no-such-legacy-id", "downloads": 80},
        ],
    }
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(dump), encoding="utf-8")
    coverage = download_coverage(path, registry, legacy_ids)
    assert coverage["models"] == 6 and coverage["downloads"] == 1000
    assert coverage["listed"] == pytest.approx(800 / 1000)
    assert coverage["organisations"] == pytest.approx(700 / 1000)
    assert coverage["low_confidence"] == pytest.approx(50 / 1000)


@pytest.mark.parametrize("path", sample_files() or [None], ids=lambda path: path.name if path else "samples-absent")
def test_registry_covers_real_top_downloads(path, registry, legacy_ids):
    if path is None:
        pytest.skip(f"no real samples in {samples_dir() / 'hub-api-json'} (set HUBSHARE_REAL_SAMPLES to their folder)")
    coverage = download_coverage(path, registry, legacy_ids)
    print(
        f"\n{path.name}: {coverage['models']} models, {coverage['downloads']:,} downloads (30 days); "
        f"namespace in registry {coverage['listed']:.2%} (organisations {coverage['organisations']:.2%}, "
        f"listed individuals {coverage['listed'] - coverage['organisations']:.2%}; "
        f"rows of low confidence {coverage['low_confidence']:.2%})"
    )
    assert coverage["listed"] >= MINIMUM_COVERAGE
