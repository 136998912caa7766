"""The planted story: download shares of the uploader segments over time.

Each segment's share of the downloads in a weekly interval follows a
piecewise-linear path through the anchor dates (constant before the first and
after the last), after the narrative of "Economies of Open Intelligence": US
industry falls; unaffiliated users and the intermediaries that re-publish
other developers' models rise; Chinese industry rises in 2024-2025, ending
ahead of US industry in the last year. Anchors are renormalised to sum to 1.

`effect_size` scales every segment's deviation from its value at the first
snapshot: 0 plants the null (flat shares), 1 the story above, anything else
a linear multiple of it (negative results are cut at 0, then rows renormalised).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

ANCHOR_DATES = ("2020-06-01", "2022-01-01", "2023-01-01", "2024-01-01", "2025-01-01", "2025-08-31")

SEGMENT_ANCHORS: dict[str, tuple[float, ...]] = {
    "us_industry": (0.38, 0.34, 0.28, 0.22, 0.13, 0.10),
    "cn_industry": (0.01, 0.01, 0.02, 0.05, 0.15, 0.19),
    "other_industry": (0.10, 0.10, 0.11, 0.10, 0.08, 0.07),
    "academia": (0.12, 0.10, 0.08, 0.06, 0.05, 0.04),
    "nonprofit": (0.22, 0.20, 0.16, 0.12, 0.08, 0.07),
    "government": (0.01, 0.01, 0.01, 0.01, 0.01, 0.01),
    "unaffiliated_users": (0.15, 0.20, 0.27, 0.32, 0.35, 0.37),
    "intermediaries": (0.01, 0.04, 0.07, 0.11, 0.14, 0.15),
}
SEGMENTS = tuple(SEGMENT_ANCHORS)


def anchor_table() -> dict[str, dict[str, float]]:
    """{segment: {anchor date: share}} after renormalising each anchor date to 1."""
    raw = np.array([SEGMENT_ANCHORS[s] for s in SEGMENTS])
    normalised = raw / raw.sum(axis=0, keepdims=True)
    return {
        s: {d: round(float(v), 6) for d, v in zip(ANCHOR_DATES, row, strict=True)}
        for s, row in zip(SEGMENTS, normalised, strict=True)
    }


def segment_shares(dates: list[dt.date], effect_size: float) -> np.ndarray:
    """Planted share of each segment (columns, in SEGMENTS order) in the interval ending at each date (rows)."""
    anchors = np.array([dt.date.fromisoformat(d).toordinal() for d in ANCHOR_DATES], dtype=float)
    table = anchor_table()
    at = np.array([d.toordinal() for d in dates], dtype=float)
    full = np.column_stack([np.interp(at, anchors, [table[s][d] for d in ANCHOR_DATES]) for s in SEGMENTS])
    scaled = np.clip(full[:1] + effect_size * (full - full[:1]), 0.0, None)
    totals = scaled.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise ValueError(f"demo: effect_size {effect_size} leaves an interval with no segment share")
    return scaled / totals
