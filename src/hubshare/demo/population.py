"""The models: when they are created, who uploads them, how popular they are, when they are deleted.

Models are indexed in creation order. Every namespace that the downloads must
reach gets a *flagship* (its first model, created on its entry date, always
downloaded, never deleted); owners of legacy ids get those models, created
before the window under the bare legacy id. The other models arrive at an
exponentially growing rate; whether a model declares a base model (and with
which relation) is drawn first, and the relation decides who is likely to
upload it: organisations upload originals, intermediaries quantized copies,
users everything, adapters above all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from hubshare.contracts.raw_tables import RELATIONS
from hubshare.demo.namespaces import (
    SYNTHETIC_WEIGHT_SHAPE,
    UNAFFILIATED,
    Namespaces,
    apply_prominence,
    pareto_weights,
    synthetic_name,
)
from hubshare.demo.settings import DemoSettingsError
from hubshare.demo.story import SEGMENTS

NO_RELATION = -1
MERGE = RELATIONS.index("merge")
QUANTIZED = RELATIONS.index("quantized")

# Who uploads a model, by its relation to its base model (none = an original).
UPLOADER_CLASS_BY_RELATION: dict[int, dict[str, float]] = {
    NO_RELATION: {"organisation": 0.25, "intermediary": 0.0, "user": 0.75},
    RELATIONS.index("finetune"): {"organisation": 0.08, "intermediary": 0.04, "user": 0.88},
    RELATIONS.index("adapter"): {"organisation": 0.02, "intermediary": 0.03, "user": 0.95},
    QUANTIZED: {"organisation": 0.10, "intermediary": 0.50, "user": 0.40},
    MERGE: {"organisation": 0.0, "intermediary": 0.05, "user": 0.95},
}
# Relative chance of never being downloaded, by uploader class.
DORMANCY_BY_CLASS = {"organisation": 0.35, "intermediary": 0.5, "user": 1.0}
POPULARITY_SIGMA = 5.0
FLAGSHIP_BOOST = 10.0
LEGACY_BOOST = 30.0
# Models per synthetic user: Zipf-distributed, capped.
USER_MODELS_ZIPF = 2.0
USER_MODELS_CAP = 400
# Share of deletions that hit never-downloaded models.
DELETIONS_OF_DORMANT = 0.85


@dataclass
class Models:
    """One row per model ever created, in creation order."""

    created_us: np.ndarray  # int64 microseconds since the epoch, UTC
    created_day: np.ndarray  # datetime64[D]
    created_k: np.ndarray  # first snapshot that lists the model
    deleted_k: np.ndarray  # first snapshot that no longer lists it (n_snapshots if never)
    namespace: np.ndarray
    relation: np.ndarray  # index into RELATIONS, NO_RELATION for originals
    popularity: np.ndarray  # 0 = never downloaded
    flagship: np.ndarray
    legacy_id: np.ndarray  # object: the bare legacy id, or None
    uploader_class: np.ndarray  # object: organisation | intermediary | user

    def __len__(self) -> int:
        return len(self.created_us)

    def alive(self, k: int) -> np.ndarray:
        return (self.created_k <= k) & (k < self.deleted_k)


def build_models(
    settings: dict,
    namespaces: Namespaces,
    legacy: list[tuple[str, int]],
    dates: list[dt.date],
    rng: np.random.Generator,
) -> tuple[Models, Namespaces]:
    """Create every model; returns the models and the namespaces extended by the synthetic users."""
    start, end = dates[0], dates[-1]
    total, pre_window = int(settings["models_total"]), int(settings["pre_window_models"])

    fixed = _fixed_models(namespaces, legacy, end, rng)
    n_rest = total - len(fixed["day"])
    if n_rest < 0:
        raise DemoSettingsError(
            f"demo settings: 'models_total' ({total}) is below the {len(fixed['day'])} models the registry "
            "needs (one flagship per namespace plus the legacy ids)"
        )
    n_fixed_pre = int((fixed["day"] < np.datetime64(start, "D")).sum())
    n_pre = min(max(0, pre_window - n_fixed_pre), n_rest)
    days = np.concatenate(
        [
            _pre_window_days(rng, n_pre, start),
            _growing_days(rng, n_rest - n_pre, start, end, float(settings["model_growth"])),
        ]
    )
    relation = _relations(rng, n_rest, total, settings, fixed["relation"])
    uploader_class = _uploader_classes(rng, relation)

    day = np.concatenate([fixed["day"], days])
    order = np.lexsort((np.arange(len(day)), day))  # creation order, ties in draw order
    day = day[order]
    relation = np.concatenate([fixed["relation"], relation])[order]
    uploader_class = np.concatenate([fixed["class"], uploader_class])[order]
    namespace = np.concatenate([fixed["namespace"], np.full(n_rest, -1)])[order]
    flagship = np.concatenate([fixed["flagship"], np.zeros(n_rest, bool)])[order]
    legacy_id = np.concatenate([fixed["legacy_id"], np.full(n_rest, None, dtype=object)])[order]

    _choose_namespaces(rng, namespaces, day, uploader_class, namespace)
    namespaces = _assign_users(rng, namespaces, uploader_class, namespace, day)
    apply_prominence(namespaces)

    date_index = np.array(dates, dtype="datetime64[D]")
    created_k = np.searchsorted(date_index, day, side="left").astype(np.int32)
    time_of_day_us = rng.integers(0, 86_400_000, len(day)) * 1000  # millisecond precision, like the Hub
    created_us = day.astype("datetime64[us]").astype(np.int64) + time_of_day_us
    popularity = _popularity(rng, settings, uploader_class, flagship, legacy_id)
    models = Models(
        created_us=created_us,
        created_day=day,
        created_k=created_k,
        deleted_k=np.full(len(day), len(dates), dtype=np.int32),
        namespace=namespace.astype(np.int32),
        relation=relation.astype(np.int8),
        popularity=popularity,
        flagship=flagship,
        legacy_id=legacy_id,
        uploader_class=uploader_class,
    )
    _delete(rng, settings, models, date_index)
    return models, namespaces


def _fixed_models(
    namespaces: Namespaces, legacy: list[tuple[str, int]], end: dt.date, rng: np.random.Generator
) -> dict:
    """Flagships of every non-user namespace and the first user, plus the legacy-id models."""
    last = np.datetime64(end, "D")
    has_flagship = [
        i
        for i, o in enumerate(namespaces.origin)
        if o != "synthetic_user" or i == namespaces.origin.index("synthetic_user")
    ]
    flagship_days = np.minimum(namespaces.entry[has_flagship], last)
    legacy_days = np.array(
        [namespaces.entry[owner] - int(rng.integers(0, 120)) for _, owner in legacy], dtype="datetime64[D]"
    )
    classes = {"registry": "organisation", "synthetic_fallback": "organisation", "synthetic_user": "user"}
    flagship_class = [
        "intermediary" if SEGMENTS[namespaces.segment[i]] == "intermediaries" else classes[namespaces.origin[i]]
        for i in has_flagship
    ]
    return {
        "day": np.concatenate([flagship_days, legacy_days]).astype("datetime64[D]"),
        "namespace": np.array(has_flagship + [owner for _, owner in legacy], dtype=np.int64),
        "relation": np.array(
            [QUANTIZED if c == "intermediary" else NO_RELATION for c in flagship_class] + [NO_RELATION] * len(legacy)
        ),
        "class": np.array(flagship_class + ["organisation"] * len(legacy), dtype=object),
        "flagship": np.array([True] * len(has_flagship) + [False] * len(legacy)),
        "legacy_id": np.array([None] * len(has_flagship) + [lid for lid, _ in legacy], dtype=object),
    }


def _pre_window_days(rng: np.random.Generator, n: int, start: dt.date) -> np.ndarray:
    first = np.datetime64(start - dt.timedelta(days=365), "D")
    return first + rng.integers(0, 365, n)


def _growing_days(rng: np.random.Generator, n: int, start: dt.date, end: dt.date, growth: float) -> np.ndarray:
    """Creation days after `start`, the daily rate growing exponentially by `growth` over the window."""
    span = (end - start).days
    u = rng.random(n)
    fraction = u if abs(growth - 1.0) < 1e-9 else np.log1p(u * (growth - 1.0)) / np.log(growth)
    offsets = np.clip(np.ceil(fraction * span), 1, span).astype(np.int64)
    return np.datetime64(start, "D") + offsets


def _relations(rng: np.random.Generator, n: int, total: int, settings: dict, fixed_relations: np.ndarray) -> np.ndarray:
    """Relation of each non-fixed model so that the whole population has `base_model_rate` derived models."""
    wanted = settings["base_model_rate"] * total - int((fixed_relations != NO_RELATION).sum())
    rate = min(max(wanted / max(n, 1), 0.0), 1.0)
    mix = settings["relation_mix"]
    shares = np.array([mix[r] for r in RELATIONS], dtype=float)
    derived = rng.random(n) < rate
    kinds = rng.choice(len(RELATIONS), size=n, p=shares / shares.sum())
    return np.where(derived, kinds, NO_RELATION)


def _uploader_classes(rng: np.random.Generator, relation: np.ndarray) -> np.ndarray:
    names = ["organisation", "intermediary", "user"]
    out = np.empty(len(relation), dtype=object)
    for code, probs in UPLOADER_CLASS_BY_RELATION.items():
        where = np.flatnonzero(relation == code)
        out[where] = np.array(names, dtype=object)[rng.choice(3, size=len(where), p=[probs[c] for c in names])]
    return out


def _choose_namespaces(
    rng: np.random.Generator, ns: Namespaces, day: np.ndarray, uploader_class: np.ndarray, namespace: np.ndarray
) -> None:
    """Organisations' and intermediaries' models go to namespaces that exist by then,
    busier namespaces (higher weight) uploading more; with none yet, a user uploads."""
    pools = {
        "organisation": [
            i
            for i, o in enumerate(ns.origin)
            if o in ("registry", "synthetic_fallback") and SEGMENTS[ns.segment[i]] != "intermediaries"
        ],
        "intermediary": [i for i in range(len(ns)) if SEGMENTS[ns.segment[i]] == "intermediaries"],
    }
    for kind, pool in pools.items():
        todo = np.flatnonzero((uploader_class == kind) & (namespace < 0))
        if not pool:
            uploader_class[todo] = "user"
            continue
        pool = np.array(pool)
        pool = pool[np.argsort(ns.entry[pool], kind="stable")]
        cumulative = np.cumsum(np.sqrt(ns.weight[pool]))
        available = np.searchsorted(ns.entry[pool], day[todo], side="right")
        has = available > 0
        uploader_class[todo[~has]] = "user"
        todo, available = todo[has], available[has]
        target = rng.random(len(todo)) * cumulative[available - 1]
        namespace[todo] = pool[np.minimum(np.searchsorted(cumulative, target, side="right"), available - 1)]


def _assign_users(
    rng: np.random.Generator, ns: Namespaces, uploader_class: np.ndarray, namespace: np.ndarray, day: np.ndarray
) -> Namespaces:
    """Synthetic users with Zipf-distributed model counts; the first user already exists."""
    todo = np.flatnonzero((uploader_class == "user") & (namespace < 0))
    sizes: list[int] = []
    remaining = len(todo)
    while remaining > 0:
        sizes.append(min(int(rng.zipf(USER_MODELS_ZIPF)), USER_MODELS_CAP, remaining))
        remaining -= sizes[-1]
    first_user = ns.origin.index("synthetic_user")
    taken = {n.lower() for n in ns.name}
    n_new = max(len(sizes) - 1, 0)
    # User 0 is the first user, who already exists; the others are new namespaces.
    ids = np.concatenate([[first_user], len(ns) + np.arange(n_new)]).astype(np.int64)
    namespace[todo] = ids[rng.permutation(np.repeat(np.arange(len(sizes)), sizes))]
    users = Namespaces(
        name=[synthetic_name("user", taken, rng) for _ in range(n_new)],
        segment=np.full(n_new, SEGMENTS.index("unaffiliated_users"), dtype=np.int32),
        country_group=[UNAFFILIATED] * n_new,
        developer_type=[UNAFFILIATED] * n_new,
        origin=["synthetic_user"] * n_new,
        weight=pareto_weights(rng, n_new, SYNTHETIC_WEIGHT_SHAPE),
        entry=np.zeros(n_new, dtype="datetime64[D]"),
    )
    extended = ns.extend(users).with_cells()
    first_day = np.full(len(extended), np.datetime64("9999-12-31", "D"))
    np.minimum.at(first_day, namespace[todo], day[todo])
    extended.entry[len(ns) :] = first_day[len(ns) :]
    return extended


def _popularity(
    rng: np.random.Generator, settings: dict, uploader_class: np.ndarray, flagship: np.ndarray, legacy_id: np.ndarray
) -> np.ndarray:
    n = len(uploader_class)
    protected = flagship | (legacy_id != None)  # noqa: E711 (element-wise comparison)
    relative = np.array([DORMANCY_BY_CLASS[c] for c in uploader_class]) * ~protected
    scale = settings["never_downloaded_rate"] * n / max(relative.sum(), 1e-12)
    dormant = rng.random(n) < np.minimum(relative * scale, 1.0)
    popularity = rng.lognormal(0.0, POPULARITY_SIGMA, n)
    popularity = np.where(flagship, popularity * FLAGSHIP_BOOST, popularity)
    popularity = np.where(legacy_id != None, popularity * LEGACY_BOOST, popularity)  # noqa: E711
    return np.where(dormant, 0.0, popularity)


def _delete(rng: np.random.Generator, settings: dict, models: Models, date_index: np.ndarray) -> None:
    """Delete some models (mostly never-downloaded ones) at a random date after their first listing."""
    n_snapshots = len(date_index)
    eligible = ~models.flagship & (models.legacy_id == None) & (models.created_k < n_snapshots - 1)  # noqa: E711
    wanted = round(settings["deletion_rate"] * len(models))
    dormant = np.flatnonzero(eligible & (models.popularity == 0))
    active = np.flatnonzero(eligible & (models.popularity > 0))
    n_dormant = min(len(dormant), round(wanted * DELETIONS_OF_DORMANT))
    n_active = min(len(active), wanted - n_dormant)
    chosen = np.concatenate(
        [rng.choice(dormant, n_dormant, replace=False), rng.choice(active, n_active, replace=False)]
    )
    first = models.created_k[chosen] + 1
    models.deleted_k[chosen] = first + (rng.random(len(chosen)) * (n_snapshots - first)).astype(np.int32)
