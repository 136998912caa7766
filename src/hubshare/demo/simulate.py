"""The demo source end to end: settings + registry -> snapshots, metadata, truth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from hubshare.demo.artefacts import Artefacts, build_artefacts
from hubshare.demo.calendar import snapshot_dates
from hubshare.demo.downloads import (
    all_time_counters,
    allocate,
    baselines,
    likes,
    noisy_segment_shares,
    popularity_shocks,
    rolling_counts,
    weekly_totals,
)
from hubshare.demo.lineage import Lineage, build_lineage
from hubshare.demo.metadata import Metadata, build_metadata
from hubshare.demo.names import Names, build_names
from hubshare.demo.namespaces import Namespaces, registry_namespaces
from hubshare.demo.population import Models, build_models
from hubshare.demo.releases import build_releases
from hubshare.demo.rng import stream
from hubshare.demo.settings import resolve_settings
from hubshare.demo.story import segment_shares
from hubshare.demo.truth import build_truth
from hubshare.demo.writer import Counts, snapshot_frame, static_columns, write_snapshot
from hubshare.jobs.atomic import write_json

REGISTRY_COLUMNS = ("namespace", "organization", "country_group", "developer_type")
LEGACY_COLUMNS = ("model_id", "namespace")


@dataclass
class Simulation:
    """Everything the simulator planted, before it is written."""

    settings: dict
    dates: list[dt.date]
    namespaces: Namespaces
    skipped_namespaces: list[str]
    skipped_legacy_ids: list[str]
    models: Models
    downloads: np.ndarray  # models x intervals, int64
    expected_downloads: np.ndarray  # the same without noise (the planted story itself)
    lineage: Lineage
    meta: Metadata
    names: Names
    artefacts: Artefacts
    counts: Counts


def simulate(settings: dict | None, registry: pl.DataFrame, legacy_ids: pl.DataFrame) -> Simulation:
    """Run every stage of the simulator in memory."""
    settings = resolve_settings(settings)
    _require_columns(registry, REGISTRY_COLUMNS, "registry")
    _require_columns(legacy_ids, LEGACY_COLUMNS, "legacy_ids")
    seed = int(settings["seed"])
    dates = snapshot_dates(settings)

    legacy_rows = legacy_ids.select(LEGACY_COLUMNS).unique(maintain_order=True).sort("model_id").rows()
    namespaces, skipped = registry_namespaces(
        registry,
        {ns for _, ns in legacy_rows},
        dates[0],
        dates[-1],
        int(settings["models_total"]),
        stream(seed, "namespaces"),
    )
    position = {name.lower(): i for i, name in enumerate(namespaces.name) if namespaces.origin[i] == "registry"}
    legacy = [(mid, position[ns.lower()]) for mid, ns in legacy_rows if "/" not in mid and ns.lower() in position]
    legacy_skipped = [mid for mid, ns in legacy_rows if "/" in mid or ns.lower() not in position]

    models, namespaces = build_models(settings, namespaces, legacy, dates, stream(seed, "population"))
    totals = weekly_totals(settings["weekly_downloads_start"], settings["weekly_downloads_end"], len(dates))
    shares = segment_shares(dates, float(settings["effect_size"]))
    expected_downloads = allocate(models, namespaces, shares, totals, dates)
    noise = stream(seed, "noise")
    downloads = allocate(
        models,
        namespaces,
        noisy_segment_shares(shares, str(settings["share_noise"]), float(settings["share_noise_sigma"]), noise),
        totals,
        dates,
        shocks=popularity_shocks(
            len(models), len(dates), float(settings["model_shock_sigma"]), float(settings["model_shock_phi"]), noise
        ),
        sampler=noise if settings["sampling_noise"] else None,
    )
    lineage = build_lineage(models, namespaces, downloads, settings, stream(seed, "lineage"))
    releases = build_releases(models, namespaces, stream(seed, "releases"))
    meta = build_metadata(models, namespaces, lineage, releases, settings, stream(seed, "metadata"))
    names = build_names(models, namespaces, lineage, meta, releases, stream(seed, "names"))
    baseline = baselines(models, downloads, dates[0])
    artefacts = build_artefacts(
        models,
        namespaces,
        names,
        all_time_counters(downloads, baseline, []),
        downloads,
        dates,
        settings,
        stream(seed, "artefacts"),
    )
    counts = Counts(
        all_time=all_time_counters(downloads, baseline, artefacts.resets),
        rolling30=rolling_counts(downloads, models, int(settings["cadence_days"])),
        likes=likes(downloads, baseline, stream(seed, "likes")),
    )
    return Simulation(
        settings=settings,
        dates=dates,
        namespaces=namespaces,
        skipped_namespaces=skipped,
        skipped_legacy_ids=legacy_skipped,
        models=models,
        downloads=downloads,
        expected_downloads=expected_downloads,
        lineage=lineage,
        meta=meta,
        names=names,
        artefacts=artefacts,
        counts=counts,
    )


def simulate_demo(settings: dict | None, registry: pl.DataFrame, legacy_ids: pl.DataFrame, out_dir: Path) -> list[Path]:
    """Write every snapshot (`<date>.parquet` + `<date>.meta.yaml`) and `truth.json` into
    `out_dir`; returns the written paths. Same settings and inputs, same bytes."""
    sim = simulate(settings, registry, legacy_ids)
    seed, out_dir = int(sim.settings["seed"]), Path(out_dir)
    static = static_columns(sim.models, sim.namespaces, sim.names, sim.meta)
    written: list[Path] = []
    for k, day in enumerate(sim.dates):
        frame = snapshot_frame(k, static, sim.models, sim.names, sim.lineage, sim.artefacts, sim.counts)
        written += write_snapshot(frame, day, seed, out_dir)
    truth = build_truth(
        settings=sim.settings,
        dates=sim.dates,
        registry=registry,
        namespaces=sim.namespaces,
        skipped_namespaces=sim.skipped_namespaces,
        skipped_legacy_ids=sim.skipped_legacy_ids,
        models=sim.models,
        lineage=sim.lineage,
        meta=sim.meta,
        names=sim.names,
        artefacts=sim.artefacts,
        downloads=sim.downloads,
        expected_downloads=sim.expected_downloads,
        rolling30=sim.counts.rolling30,
    )
    written.append(write_json(truth, out_dir / "truth.json"))
    return written


def _require_columns(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"demo: the {what} table lacks column(s) {missing}")
