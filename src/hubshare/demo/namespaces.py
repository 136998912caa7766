"""Who uploads: registry namespaces sorted into the planted segments, plus synthetic ones.

A namespace's *cell* is (segment, country group, developer type) as the
pipeline will see it: registry rows give the groups; a namespace absent from
the registry is an unaffiliated user. Downloads flow segment -> cell ->
namespace -> model; a cell's fraction of its segment is fixed (the sum of its
namespaces' weights), so country-group and developer-type shares in the
uploader view follow the planted segment paths exactly, and stay flat under
the planted null.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from hubshare.demo.story import SEGMENTS

UNAFFILIATED = "unaffiliated_user"

# Known quantizers and re-publishers: their models are overwhelmingly copies of
# other developers' base models.
INTERMEDIARY_NAMESPACES = frozenset(
    {
        "thebloke",
        "bartowski",
        "unsloth",
        "lmstudio-community",
        "mlx-community",
        "quantfactory",
        "maziyarpanahi",
        "mradermacher",
    }
)

# Namespaces whose prominence the demo mirrors when the registry lists them:
# (share of their segment's namespace weight, date of their first model).
# Calibrated to FACTS.md for the last year of the window: DeepSeek and Qwen
# together about 14% of downloads, Comfy about 5% and the only large US
# industry presence; the big quantizers dominate re-publishing; well-known
# individuals carry the top of the unaffiliated users.
PROMINENT_NAMESPACES: dict[str, tuple[float, str]] = {
    # us_industry
    "comfy-org": (0.45, "2024-07-01"),
    "google": (0.05, "2020-02-01"),
    "meta-llama": (0.05, "2023-07-18"),
    "microsoft": (0.04, "2020-03-01"),
    "openai": (0.03, "2021-01-05"),
    "facebook": (0.03, "2020-01-15"),
    "nvidia": (0.03, "2021-06-01"),
    # cn_industry
    "qwen": (0.50, "2023-08-03"),
    "deepseek-ai": (0.32, "2023-11-02"),
    # other_industry
    "mistralai": (0.15, "2023-09-27"),
    "stabilityai": (0.15, "2022-08-22"),
    "black-forest-labs": (0.12, "2024-08-01"),
    # academia
    "sentence-transformers": (0.35, "2020-08-01"),
    "helsinki-nlp": (0.08, "2020-05-01"),
    "compvis": (0.06, "2022-08-10"),
    "cardiffnlp": (0.05, "2021-03-01"),
    # nonprofit
    "bigscience": (0.10, "2021-10-15"),
    "eleutherai": (0.10, "2021-03-20"),
    "baai": (0.10, "2022-08-01"),
    "stable-diffusion-v1-5": (0.10, "2024-09-01"),
    "laion": (0.08, "2022-09-01"),
    "allenai": (0.08, "2020-05-01"),
    # intermediaries
    "bartowski": (0.18, "2024-02-01"),
    "thebloke": (0.12, "2023-03-01"),
    "mradermacher": (0.10, "2024-01-15"),
    "unsloth": (0.10, "2023-11-01"),
    "lmstudio-community": (0.06, "2024-04-15"),
    "mlx-community": (0.04, "2023-12-05"),
    "quantfactory": (0.03, "2024-03-01"),
    "maziyarpanahi": (0.03, "2023-12-01"),
    # unaffiliated_users (registered individuals)
    "lllyasviel": (0.05, "2023-02-10"),
    "jonatasgrosman": (0.03, "2021-03-20"),
    "j-hartmann": (0.04, "2021-03-01"),
    "city96": (0.04, "2024-08-15"),
    "kijai": (0.04, "2024-03-01"),
    "hexgrad": (0.03, "2024-12-20"),
    "sg161222": (0.03, "2023-09-01"),
    "lykon": (0.03, "2023-05-01"),
    "teknium": (0.02, "2023-06-01"),
    "emilyalsentzer": (0.02, "2020-04-01"),
    "yiyanghkust": (0.02, "2022-07-01"),
}

# Heavy tails of the namespace weights within a segment (Pareto shape; smaller
# is heavier).
REGISTRY_WEIGHT_SHAPE = 0.8
SYNTHETIC_WEIGHT_SHAPE = 1.0
SYNTHETIC_INTERMEDIARIES_PER_MODEL = 1 / 1000
FALLBACK_NAMESPACES_PER_SEGMENT = 2


@dataclass
class Namespaces:
    """One row per namespace; arrays are aligned with `name`."""

    name: list[str]
    segment: np.ndarray  # index into SEGMENTS
    country_group: list[str]
    developer_type: list[str]
    origin: list[str]  # registry | synthetic_user | synthetic_intermediary | synthetic_fallback
    weight: np.ndarray
    entry: np.ndarray  # datetime64[D]: date of the first model
    cells: list[tuple[str, str, str]] = field(default_factory=list)
    cell: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.name)

    def extend(self, other: Namespaces) -> Namespaces:
        return Namespaces(
            name=self.name + other.name,
            segment=np.concatenate([self.segment, other.segment]),
            country_group=self.country_group + other.country_group,
            developer_type=self.developer_type + other.developer_type,
            origin=self.origin + other.origin,
            weight=np.concatenate([self.weight, other.weight]),
            entry=np.concatenate([self.entry, other.entry]),
        )

    def with_cells(self) -> Namespaces:
        """Index the cells (sorted, so numbering is stable)."""
        keys = [
            (SEGMENTS[s], cg, dt_)
            for s, cg, dt_ in zip(self.segment, self.country_group, self.developer_type, strict=True)
        ]
        self.cells = sorted(set(keys), key=lambda c: (SEGMENTS.index(c[0]), c[1], c[2]))
        position = {c: i for i, c in enumerate(self.cells)}
        self.cell = np.array([position[k] for k in keys], dtype=np.int32)
        return self

    def cell_fractions(self) -> np.ndarray:
        """Each cell's fixed fraction of its segment."""
        totals = np.bincount(self.cell, weights=self.weight, minlength=len(self.cells))
        seg_of_cell = np.array([SEGMENTS.index(c[0]) for c in self.cells])
        seg_totals = np.bincount(seg_of_cell, weights=totals, minlength=len(SEGMENTS))
        return totals / seg_totals[seg_of_cell]


def segment_of(namespace: str, country_group: str, developer_type: str) -> str | None:
    """The planted segment of a registry namespace (None: not simulated)."""
    if namespace.lower() in INTERMEDIARY_NAMESPACES:
        return "intermediaries"
    if developer_type == "industry":
        return {"united_states": "us_industry", "china": "cn_industry"}.get(country_group, "other_industry")
    return {
        "academia": "academia",
        "nonprofit": "nonprofit",
        "government": "government",
        UNAFFILIATED: "unaffiliated_users",
    }.get(developer_type)


def registry_namespaces(
    registry: pl.DataFrame,
    legacy_owners: set[str],
    start: dt.date,
    end: dt.date,
    models_total: int,
    rng: np.random.Generator,
) -> tuple[Namespaces, list[str]]:
    """Registry namespaces with segments, weights and entry dates, plus the synthetic
    intermediaries, the first synthetic user and fallbacks for segments the registry
    leaves empty. Returns the namespaces and the registry namespaces left out."""
    rows = (
        registry.select("namespace", "country_group", "developer_type")
        .with_columns(pl.col("namespace").str.to_lowercase().alias("key"))
        .sort("key", "namespace")
        .unique("key", keep="first", maintain_order=True)
    )
    names, segments, groups, types, skipped = [], [], [], [], []
    for namespace, country_group, developer_type, _ in rows.iter_rows():
        segment = segment_of(namespace, country_group, developer_type)
        if segment is None or country_group == "unknown":
            skipped.append(namespace)
            continue
        names.append(namespace)
        segments.append(SEGMENTS.index(segment))
        groups.append(country_group)
        types.append(developer_type)
    listed = Namespaces(
        name=names,
        segment=np.array(segments, dtype=np.int32),
        country_group=groups,
        developer_type=types,
        origin=["registry"] * len(names),
        weight=pareto_weights(rng, len(names), REGISTRY_WEIGHT_SHAPE),
        entry=np.zeros(len(names), dtype="datetime64[D]"),
    )
    taken = {n.lower() for n in registry.get_column("namespace").to_list()}
    synthetic = _synthetic_namespaces(listed, taken, models_total, rng)
    everyone = listed.extend(synthetic)
    _entry_dates(everyone, {o.lower() for o in legacy_owners}, start, end, rng)
    return everyone.with_cells(), skipped


def synthetic_name(prefix: str, taken: set[str], rng: np.random.Generator) -> str:
    """A plausible but clearly synthetic namespace, e.g. `user-4f2a9c`."""
    while True:
        name = f"{prefix}-{rng.integers(0, 16**6):06x}"
        if name not in taken:
            taken.add(name)
            return name


def _synthetic_namespaces(
    listed: Namespaces, taken: set[str], models_total: int, rng: np.random.Generator
) -> Namespaces:
    names, segments, origins = [], [], []
    n_intermediaries = max(3, round(models_total * SYNTHETIC_INTERMEDIARIES_PER_MODEL))
    for _ in range(n_intermediaries):
        names.append(synthetic_name("quant", taken, rng))
        segments.append(SEGMENTS.index("intermediaries"))
        origins.append("synthetic_intermediary")
    names.append(synthetic_name("user", taken, rng))
    segments.append(SEGMENTS.index("unaffiliated_users"))
    origins.append("synthetic_user")
    present = set(listed.segment.tolist())
    for s, segment in enumerate(SEGMENTS):
        if segment in ("unaffiliated_users", "intermediaries") or s in present:
            continue
        for _ in range(FALLBACK_NAMESPACES_PER_SEGMENT):
            names.append(synthetic_name("org", taken, rng))
            segments.append(s)
            origins.append("synthetic_fallback")
    shape = np.where(np.array(origins) == "synthetic_fallback", REGISTRY_WEIGHT_SHAPE, SYNTHETIC_WEIGHT_SHAPE)
    return Namespaces(
        name=names,
        segment=np.array(segments, dtype=np.int32),
        country_group=[UNAFFILIATED] * len(names),
        developer_type=[UNAFFILIATED] * len(names),
        origin=origins,
        weight=np.array([pareto_weights(rng, 1, a)[0] for a in shape]),
        entry=np.zeros(len(names), dtype="datetime64[D]"),
    )


def apply_prominence(ns: Namespaces) -> None:
    """Give prominent namespaces their share of their segment's weight (once every
    namespace, synthetic users included, exists)."""
    keys = [n.lower() for n in ns.name]
    for s in range(len(SEGMENTS)):
        members = [i for i in range(len(ns)) if ns.segment[i] == s]
        prominent = [i for i in members if keys[i] in PROMINENT_NAMESPACES]
        others = [i for i in members if keys[i] not in PROMINENT_NAMESPACES]
        if not prominent or not others:
            continue
        shares = np.array([PROMINENT_NAMESPACES[keys[i]][0] for i in prominent])
        rest = ns.weight[others].sum()
        ns.weight[prominent] = shares / max(1.0 - shares.sum(), 0.05) * rest


def _entry_dates(
    ns: Namespaces, legacy_owners: set[str], start: dt.date, end: dt.date, rng: np.random.Generator
) -> None:
    """First-model dates; the earliest namespace of every cell is moved before the window
    so that every cell can take its share from the first interval on."""
    origin = start - dt.timedelta(days=365)
    latest = max(start + dt.timedelta(days=1), end - dt.timedelta(days=180))
    late_starters = {
        SEGMENTS.index("cn_industry"): dt.date(2021, 1, 1),
        SEGMENTS.index("intermediaries"): dt.date(2022, 6, 1),
    }
    for i, name in enumerate(ns.name):
        key = name.lower()
        if key in legacy_owners or ns.origin[i] == "synthetic_user":
            day = _random_day(rng, origin, start - dt.timedelta(days=1))
        elif key in PROMINENT_NAMESPACES:
            day = min(dt.date.fromisoformat(PROMINENT_NAMESPACES[key][1]), latest)
        else:
            lo = min(max(origin, late_starters.get(int(ns.segment[i]), origin)), latest)
            day = _random_day(rng, lo, latest)
        ns.entry[i] = np.datetime64(day, "D")
    ns.with_cells()
    pre_window_day = np.datetime64(start, "D")
    for c in range(len(ns.cells)):
        members = np.flatnonzero(ns.cell == c)
        first = members[np.argmin(ns.entry[members])]
        if ns.entry[first] >= pre_window_day:
            ns.entry[first] = np.datetime64(_random_day(rng, origin, start - dt.timedelta(days=1)), "D")


def _random_day(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def pareto_weights(rng: np.random.Generator, n: int, shape: float) -> np.ndarray:
    return (1.0 - rng.random(n)) ** (-1.0 / shape)
