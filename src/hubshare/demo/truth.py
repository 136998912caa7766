"""`truth.json`: the values the simulator planted, computed from its integer downloads.

Groups are assigned with the pipeline's rules: a namespace is looked up in
the registry case-insensitively; one absent from it is an unaffiliated user
(its own organisation). Periods count the intervals by the snapshot that
closes them; the interval ending at the first snapshot is in no period, as
for the panel of cumulative counts, whose first snapshot is a baseline.
`planted.first_snapshot_30d` holds that snapshot's 30-day counts by group:
a mirror whose first snapshot carries 30-day counts only books them as the
30 days up to it, and `hubshare.demo.recovery.counting_first_snapshot` adds
them to the periods that hold it so that such a build is compared like with
like.

`planted.families` is {family: {period: share}}: each model family's share of
all downloads (uploader view: a model's downloads count once, for the model
itself), the family being the one the simulator gave the model when it named
it (`names.py`: a family developer's release, a legacy id's architecture, or
the first parent's family for a derived model), not one read back from the
name. Every family some model belongs to is listed, even at share 0; models
without a family hold the rest of each period; `planted.family_definition`
states the rule. The pipeline's family shares, which read families from names
by `model_families.csv`, should match it exactly.

`rolling30` holds the uploader view's period shares that the pipeline's
`rolling30` estimator (`hubshare.panel.thirty_day`, run by the panel's week-by-week
chain) makes of the snapshots' rolling 30-day counts: set against `planted`,
the bias of that estimator on data whose true weekly downloads are known.

`planted` is computed from the integers the snapshots hold, noise included,
so the pipeline's counts can be checked against it exactly. `expected`
holds the same headline quantities from the noise-free allocation (the story
before the segment noise, the models' popularity shocks and the sampling):
what the statistics estimate, and what their intervals are judged against.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from hubshare.demo.artefacts import Artefacts
from hubshare.demo.calendar import period_intervals, periods
from hubshare.demo.credit import derived_credit, uploader_credit
from hubshare.demo.lineage import Lineage
from hubshare.demo.metadata import NON_TEXT_OUTPUT_TASKS, Metadata
from hubshare.demo.names import Names
from hubshare.demo.namespaces import UNAFFILIATED, Namespaces
from hubshare.demo.population import QUANTIZED, Models
from hubshare.demo.story import SEGMENTS, anchor_table, segment_shares
from hubshare.panel.model_weeks import chain_panel
from hubshare.panel.thirty_day import MEASURE as ROLLING_MEASURE

HEADLINE_COUNTRY_GROUPS = ("united_states", "china", UNAFFILIATED)
DIMENSIONS = ("country_group", "developer_type")
DIGITS = 10

MAPPING_RULES = (
    "A namespace is looked up in the registry case-insensitively; a legacy id (no '/') belongs to the "
    "namespace given in legacy_ids; a namespace absent from the registry is an unaffiliated user "
    "(country_group and developer_type 'unaffiliated_user', its own organisation). Derived view: the "
    "namespace of the root of the base-model tree in the snapshot closing the interval; merges split "
    "equally among parents; a parent absent from the snapshot ends the walk and is credited to the "
    "namespace in its id; a model in a cycle is credited to its own uploader."
)
FAMILY_DEFINITION = (
    "share of all downloads to models of the family, the family being the lineage of the model's weights as its "
    "name states it: a developer's release, a legacy id's architecture, or for a derived model its first parent's family"
)
PROPERTY_DEFINITIONS = {
    "quantized": "share of downloads to models whose baseModels relation is 'quantized'",
    "moe": "share of downloads to models tagged 'moe'",
    "non_text_output": f"share of downloads to models whose pipeline_tag is one of {sorted(NON_TEXT_OUTPUT_TASKS)}",
    "training_data_tagged": "share of downloads to models with at least one 'dataset:' tag",
    "mean_params": "download-weighted mean of safetensors.total over downloads to models that carry it",
}


def build_truth(
    *,
    settings: dict,
    dates: list[dt.date],
    registry: pl.DataFrame,
    namespaces: Namespaces,
    skipped_namespaces: list[str],
    skipped_legacy_ids: list[str],
    models: Models,
    lineage: Lineage,
    meta: Metadata,
    names: Names,
    artefacts: Artefacts,
    downloads: np.ndarray,
    expected_downloads: np.ndarray,
    rolling30: np.ndarray,
) -> dict:
    groups = _namespace_groups(registry, namespaces)
    views = {
        "uploader": uploader_credit(models, downloads, len(namespaces)),
        "derived": derived_credit(models, lineage, downloads, len(namespaces)),
    }
    intervals = period_intervals(dates)
    total = downloads.sum(axis=0).astype(np.float64)
    planted: dict = {}
    for view, credit in views.items():
        planted[view] = {dim: _period_shares(_by_group(credit, groups[dim]), total, intervals) for dim in DIMENSIONS}
    intermediary = np.array([SEGMENTS[s] == "intermediaries" for s in namespaces.segment])
    intermediary_downloads = views["uploader"][intermediary].sum(axis=0)
    planted["intermediaries"] = _shares_over(intermediary_downloads, total, intervals)
    planted["weekly"] = _weekly(views["uploader"], groups, intermediary_downloads, total, dates)
    planted["weekly_derived"] = _weekly(views["derived"], groups, None, total, dates)
    planted["totals"] = {name: int(total[ks].sum()) for name, ks in intervals.items()}
    planted["first_snapshot_30d"] = _first_snapshot_30d(models, lineage, groups, rolling30, dates[0], len(namespaces))
    planted["hhi"] = {view: _weekly_hhi(credit, groups["organization"], dates) for view, credit in views.items()}
    planted["properties"] = _properties(models, meta, downloads, intervals)
    planted["families"] = family_shares(names.family, downloads, intervals)
    planted["family_definition"] = FAMILY_DEFINITION
    planted["property_definitions"] = PROPERTY_DEFINITIONS
    return {
        "source": "demo",
        "synthetic": True,
        "settings": settings,
        "snapshot_dates": [dates[0].isoformat(), dates[-1].isoformat(), len(dates)],
        "periods": {name: [lo.isoformat(), hi.isoformat()] for name, (lo, hi) in periods(dates).items()},
        "mapping_rules": MAPPING_RULES,
        "segments": _segments(namespaces, settings, dates),
        "intermediary_namespaces": sorted(n for n, i in zip(namespaces.name, intermediary, strict=True) if i),
        "namespaces_not_simulated": sorted(skipped_namespaces),
        "legacy_ids_not_simulated": sorted(skipped_legacy_ids),
        "planted": planted,
        "expected": _expected(models, lineage, groups, namespaces, expected_downloads, dates, intervals),
        "rolling30": _rolling30_shares(models, groups, rolling30, dates, intervals),
        "artefacts": _artefacts(models, lineage, names, artefacts, dates),
    }


def _expected(
    models: Models,
    lineage: Lineage,
    groups: dict,
    namespaces: Namespaces,
    downloads: np.ndarray,
    dates: list[dt.date],
    intervals: dict[str, list[int]],
) -> dict:
    """Period shares per view and dimension, and the weekly headline series, of the noise-free allocation."""
    views = {
        "uploader": uploader_credit(models, downloads, len(namespaces)),
        "derived": derived_credit(models, lineage, downloads, len(namespaces)),
    }
    total = downloads.sum(axis=0).astype(np.float64)
    out: dict = {
        view: {dim: _period_shares(_by_group(credit, groups[dim]), total, intervals) for dim in DIMENSIONS}
        for view, credit in views.items()
    }
    out["weekly"] = _weekly(views["uploader"], groups, None, total, dates)
    out["weekly_derived"] = _weekly(views["derived"], groups, None, total, dates)
    return out


def _rolling30_shares(
    models: Models, groups: dict, rolling30: np.ndarray, dates: list[dt.date], intervals: dict[str, list[int]]
) -> dict:
    """Uploader-view period shares of the downloads the `rolling30` estimator reads from the 30-day counts."""
    rows = [(k, np.flatnonzero(models.alive(k))) for k in range(len(dates))]
    observations = pl.DataFrame(
        {
            "snapshot_date": np.concatenate([np.full(idx.size, np.datetime64(dates[k], "D")) for k, idx in rows]),
            "model_key": np.concatenate([idx for _, idx in rows]).astype(str),
            "downloads_30d": np.concatenate([rolling30[idx, k] for k, idx in rows]),
        }
    ).with_columns(
        pl.col("model_key").alias("model_id"),
        pl.lit(None, pl.String).alias("namespace"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("created_at"),
        pl.lit(None, pl.Int64).alias("downloads_all_time"),
    )
    panel, _ = chain_panel(observations, ROLLING_MEASURE)
    week_index = {d: k for k, d in enumerate(dates)}
    by_cell = panel.group_by("week", "model_key").agg(pl.col("downloads").sum())
    estimated = np.zeros((len(models), len(dates)))
    estimated[by_cell["model_key"].cast(pl.Int64).to_numpy(), [week_index[w] for w in by_cell["week"].to_list()]] = (
        by_cell["downloads"].to_numpy()
    )
    credit = uploader_credit(models, estimated, len(groups["organization"]))
    total = estimated.sum(axis=0)
    return {dim: _period_shares(_by_group(credit, groups[dim]), total, intervals) for dim in DIMENSIONS}


def _first_snapshot_30d(
    models: Models, lineage: Lineage, groups: dict, rolling30: np.ndarray, first: dt.date, n_namespaces: int
) -> dict:
    """The first snapshot's 30-day counts, credited per view, dimension and group, and their total."""
    counts = rolling30[:, :1].astype(np.float64)
    credit = {
        "uploader": uploader_credit(models, counts, n_namespaces),
        "derived": derived_credit(models, lineage, counts, n_namespaces),
    }
    return {
        "date": first.isoformat(),
        "total": float(counts.sum()),
        **{
            view: {
                dim: {group: float(series[0]) for group, series in _by_group(credited, groups[dim]).items()}
                for dim in DIMENSIONS
            }
            for view, credited in credit.items()
        },
    }


def _namespace_groups(registry: pl.DataFrame, namespaces: Namespaces) -> dict[str, list[str]]:
    lookup: dict[str, tuple[str, str, str]] = {}
    for ns, org, cg, dt_ in (
        registry.select("namespace", "organization", "country_group", "developer_type").sort("namespace").iter_rows()
    ):
        lookup.setdefault(ns.lower(), (org, cg, dt_))
    rows = [lookup.get(n.lower(), (n, UNAFFILIATED, UNAFFILIATED)) for n in namespaces.name]
    return {
        "organization": [r[0] for r in rows],
        "country_group": [r[1] for r in rows],
        "developer_type": [r[2] for r in rows],
    }


def _by_group(credit: np.ndarray, labels: list[str]) -> dict[str, np.ndarray]:
    keys = sorted(set(labels))
    index = np.array([keys.index(label) for label in labels])
    summed = np.zeros((len(keys), credit.shape[1]))
    np.add.at(summed, index, credit)
    return dict(zip(keys, summed, strict=True))


def _period_shares(by_group: dict[str, np.ndarray], total: np.ndarray, intervals: dict[str, list[int]]) -> dict:
    return {group: _shares_over(series, total, intervals) for group, series in by_group.items()}


def _shares_over(series: np.ndarray, total: np.ndarray, intervals: dict[str, list[int]]) -> dict[str, float]:
    return {
        name: round(float(series[ks].sum() / total[ks].sum()), DIGITS) if ks else 0.0 for name, ks in intervals.items()
    }


def family_shares(family: list[str | None], downloads: np.ndarray, intervals: dict[str, list[int]]) -> dict:
    """{family: {period: share of all downloads}} over the models with a family (`family[m]`)."""
    total = downloads.sum(axis=0).astype(np.float64)
    members = [m for m, f in enumerate(family) if f is not None]
    by_family = _by_group(downloads[members].astype(np.float64), [family[m] for m in members])
    return _period_shares(by_family, total, intervals)


def _weekly(
    credit: np.ndarray, groups: dict, intermediary: np.ndarray | None, total: np.ndarray, dates: list[dt.date]
) -> dict:
    by_group = _by_group(credit, groups["country_group"])
    series = {g: by_group.get(g, np.zeros_like(total)) for g in HEADLINE_COUNTRY_GROUPS}
    if intermediary is not None:
        series["intermediaries"] = intermediary
    return {
        name: [[dates[k].isoformat(), round(float(values[k] / total[k]), DIGITS)] for k in range(1, len(dates))]
        for name, values in series.items()
    }


def _weekly_hhi(credit: np.ndarray, organisations: list[str], dates: list[dt.date]) -> list:
    by_org = np.array(list(_by_group(credit, organisations).values()))
    shares = by_org / by_org.sum(axis=0, keepdims=True)
    hhi = (shares**2).sum(axis=0)
    return [[dates[k].isoformat(), round(float(hhi[k]), DIGITS)] for k in range(1, len(dates))]


def _properties(models: Models, meta: Metadata, downloads: np.ndarray, intervals: dict[str, list[int]]) -> dict:
    total = downloads.sum(axis=0).astype(np.float64)
    flags = {
        "quantized": models.relation == QUANTIZED,
        "moe": meta.moe,
        "non_text_output": np.array([t in NON_TEXT_OUTPUT_TASKS for t in meta.pipeline_tag]),
        "training_data_tagged": np.array([bool(d) for d in meta.datasets]),
    }
    out = {
        name: _shares_over(downloads[flag].sum(axis=0).astype(np.float64), total, intervals)
        for name, flag in flags.items()
    }
    has_params = np.array([p is not None for p in meta.parameters])
    weighted = (downloads[has_params] * meta.params[has_params, None].astype(np.float64)).sum(axis=0)
    counted = downloads[has_params].sum(axis=0).astype(np.float64)
    out["mean_params"] = {
        name: round(float(weighted[ks].sum() / counted[ks].sum()), 1) if ks and counted[ks].sum() > 0 else None
        for name, ks in intervals.items()
    }
    return out


def _segments(namespaces: Namespaces, settings: dict, dates: list[dt.date]) -> dict:
    anchors = anchor_table()
    effective = segment_shares(
        [dt.date.fromisoformat(d) for d in next(iter(anchors.values()))], float(settings["effect_size"])
    )
    fractions = namespaces.cell_fractions()
    out = {}
    for s, segment in enumerate(SEGMENTS):
        members = [i for i in range(len(namespaces)) if namespaces.segment[i] == s]
        origins = [namespaces.origin[i] for i in members]
        out[segment] = {
            "anchors": anchors[segment],
            "anchors_at_effect_size": {
                d: round(float(v), 6) for d, v in zip(anchors[segment], effective[:, s], strict=True)
            },
            "registry_namespaces": sorted(namespaces.name[i] for i in members if namespaces.origin[i] == "registry"),
            "synthetic_namespaces": sum(o != "registry" for o in origins),
            "synthetic_fallback": "synthetic_fallback" in origins,
            "cells": [
                {"country_group": cg, "developer_type": dt_, "fraction": round(float(fractions[c]), 6)}
                for c, (seg, cg, dt_) in enumerate(namespaces.cells)
                if seg == segment
            ],
        }
    return out


def _artefacts(models: Models, lineage: Lineage, names: Names, artefacts: Artefacts, dates: list[dt.date]) -> dict:
    n_snapshots = len(dates)
    legacy = models.legacy_id != None  # noqa: E711 (element-wise comparison)
    renamed = np.flatnonzero(~legacy & (artefacts.rename_k < n_snapshots))
    deleted = np.flatnonzero(models.deleted_k < n_snapshots)
    missing = _missing_parents(models, lineage, names, artefacts)
    return {
        "counts": {
            "renames": len(renamed),
            "legacy_ids": int(legacy.sum()),
            "legacy_ids_renamed": int((legacy & (artefacts.rename_k < n_snapshots)).sum()),
            "deletions": len(deleted),
            "counter_resets": len(artefacts.resets),
            "missing_authors": int(artefacts.missing_author.sum()),
            "cycles": len(lineage.cycles),
            "private_parents": len(lineage.private_namespace),
            "missing_parents": len(missing),
            "models_with_missing_parent": len({c for children, _ in missing.values() for c in children}),
        },
        "renames": [
            {
                "_id": names.object_id[m],
                "from": artefacts.id_before[m],
                "to": artefacts.id_after[m],
                "snapshot": dates[artefacts.rename_k[m]].isoformat(),
                "kind": "legacy_id" if legacy[m] else "name",
            }
            for m in np.flatnonzero(artefacts.rename_k < n_snapshots)
        ],
        "deletions": [
            {
                "_id": names.object_id[m],
                "id": str(artefacts.ids_at(models.deleted_k[m] - 1)[m]),
                "first_absent": dates[models.deleted_k[m]].isoformat(),
            }
            for m in deleted
        ],
        "counter_resets": [
            {"_id": names.object_id[m], "id": str(artefacts.ids_at(k + 1)[m]), "snapshot": dates[k + 1].isoformat()}
            for m, k in artefacts.resets
        ],
        "cycles": [
            {"ids": [str(artefacts.ids_at(k)[a]), str(artefacts.ids_at(k)[b])], "from": dates[k].isoformat()}
            for a, b, k in lineage.cycles
        ],
        "missing_parents": [
            {"parent": parent_id, "children": children, "from": dates[k].isoformat()}
            for parent_id, (children, k) in sorted(missing.items())
        ],
    }


def _missing_parents(
    models: Models, lineage: Lineage, names: Names, artefacts: Artefacts
) -> dict[str, tuple[list[str], int]]:
    """Declared parents absent from a snapshot that lists the child:
    parent id -> (the children's `_id`s, first snapshot where one of them sees the gap)."""
    out: dict[str, tuple[list[str], int]] = {}
    for child, parent, to_k in zip(lineage.child, lineage.parent, lineage.to_k, strict=True):
        end = min(int(to_k), int(models.deleted_k[child]))
        if parent < 0:
            parent_id, start = names.private_id[-1 - parent], int(models.created_k[child])
        elif models.deleted_k[parent] < end:
            parent_id = str(artefacts.ids_at(models.deleted_k[parent] - 1)[parent])
            start = max(int(models.deleted_k[parent]), int(models.created_k[child]))
        else:
            continue
        children, first = out.get(parent_id, ([], start))
        out[parent_id] = (sorted({*children, names.object_id[child]}), min(first, start))
    return out
