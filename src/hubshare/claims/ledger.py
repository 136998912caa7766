"""The claims ledger: for every claim, the published value, ours and a verdict with its reason.

A claim is compared only where this build's data cover the window it speaks
of: our value over another window (a few weeks of 2026 against a claim about
2024-2025, say) is no reproduction, so such a claim gets the verdict
`window_not_covered` and no value of ours.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from hubshare.claims.metrics import EVALUATORS, ClaimInputs, Untestable
from hubshare.claims.rendering import format_value, published_text
from hubshare.claims.validation import load_claims
from hubshare.jobs.atomic import read_json, write_csv
from hubshare.manuscript.formatting import big_number, signed
from hubshare.periods import parse_periods, read_results_csv

log = logging.getLogger(__name__)

DEMO_SOURCE = "demo"
DEMO_NOTE = (
    "Demo run: our values come from synthetic data calibrated to the paper's story, "
    "so a comparison is a consistency check, not evidence."
)


REPRODUCED, DIFFERS, NOT_TESTABLE = "reproduced", "differs", "not_testable"
WINDOW_NOT_COVERED = "window_not_covered"
# Claims state their windows to the month, and a build's first and last download intervals end
# where its snapshots fall: data that reach within a month of each end of the window cover it.
WINDOW_SLACK = dt.timedelta(days=31)
# The period of the totals that spans every week of the panel.
WHOLE_STUDY = "whole_study"

LEDGER_SCHEMA = {
    "id": pl.String,
    "claim": pl.String,
    "source": pl.String,
    "status": pl.String,
    "published": pl.Float64,
    "ours": pl.Float64,
    "window": pl.String,
    "verdict": pl.String,
    "reason": pl.String,
    "unit": pl.String,
    "comparison": pl.String,
    "tolerance": pl.Float64,
}

# A value exactly at the tolerance's edge must not fail on the binary rounding
# of decimals such as 0.171 + 0.02; this slack is far below any reported digit.
EDGE_SLACK = 1e-9


@dataclass(frozen=True)
class DataWindow:
    """The days this build's download intervals cover, and the configured periods' dates.

    `first_day` and `last_day` are the capability record's
    (`intervals.first_day`, `intervals.last_day`), None when the build counts
    no interval; `periods` maps each configured period to its first and last
    day (periods given as the last N days already resolved from the data).
    """

    first_day: dt.date | None
    last_day: dt.date | None
    periods: Mapping[str, tuple[dt.date, dt.date]]

    @classmethod
    def of_build(cls, capabilities: dict, periods: list[dict]) -> DataWindow:
        """From the capability record and the configured periods (`[{name, start, end}]`, resolved)."""
        days = [capabilities["intervals"][key] for key in ("first_day", "last_day")]
        first, last = (None if day is None else dt.date.fromisoformat(day) for day in days)
        return cls(first, last, parse_periods(periods))

    def within_data(self, names: list[str]) -> tuple[dt.date, dt.date] | None:
        """The days the named periods cover inside the data, from the earliest to the latest (None if none)."""
        if self.first_day is None or self.last_day is None:
            return None
        spans = [(self.first_day, self.last_day) if n == WHOLE_STUDY else self.periods[n] for n in names]
        inside = [(max(a, self.first_day), min(b, self.last_day)) for a, b in spans]
        inside = [(a, b) for a, b in inside if a <= b]
        return (min(a for a, _ in inside), max(b for _, b in inside)) if inside else None


def _metric_periods(metric: dict) -> list[str]:
    return [metric[key] for key in ("period", "first", "last") if key in metric] + metric.get("earlier", [])


def _window_gap(claim: dict, window: DataWindow) -> str | None:
    """Why the build's data cannot speak of the claim's window, or None when they cover it."""
    names = [name for name in _metric_periods(claim["metric"]) if name == WHOLE_STUDY or name in window.periods]
    if claim["window_dates"] is None or not names:
        return None  # an undated claim, or periods this build does not define (the metric says so)
    start, end = (dt.date.fromisoformat(claim["window_dates"][key]) for key in ("start", "end"))
    covered = window.within_data(names)
    if covered and covered[0] <= start + WINDOW_SLACK and covered[1] >= end - WINDOW_SLACK:
        return None
    data = (
        f"this build's data cover {window.first_day} to {window.last_day}"
        if window.first_day
        else "this build counts no download interval"
    )
    inside = f"{covered[0]} to {covered[1]}" if covered else "no day"
    return (
        f"The claim speaks of {start} to {end}; {data}, and the period(s) {', '.join(names)} hold {inside} "
        "of them. A value of ours from another window would be no reproduction, so none is given."
    )


# Claims about the Hub's totals, which a list of models (a top-N, say) cannot test.
WHOLE_HUB_KINDS = ("total_downloads", "model_count")


def claims_ledger(
    claims: list[dict],
    tables: ClaimInputs,
    source: str,
    frame: dict | None = None,
    window: DataWindow | None = None,
) -> pl.DataFrame:
    """One row per claim: published and our value, the verdict and its reason.

    `verdict`: `reproduced` if our value stands to the published one as the
    claim's comparison asks, within the tolerance (relative for multipliers);
    `differs` otherwise; `not_testable` when the claim says so or the tables
    cannot give a value, the reason saying which. `source` is the data source
    of the run; on `demo` every reason says the data are synthetic. `frame` is
    the capability record's sampling frame: totals of the Hub are not testable
    on anything but the whole Hub. `window` gives the days the build's data
    cover: a claim whose `window_dates` they do not cover gets the verdict
    `window_not_covered`, no value of ours and a reason giving both windows
    (without `window`, no claim is checked for it).
    """
    frame = frame or {"kind": "whole_hub", "description": "the whole Hub"}
    rows = []
    for claim in claims:
        metric = claim["metric"]
        ours = None
        gap = None if window is None or metric["kind"] == "not_testable" else _window_gap(claim, window)
        if gap:
            verdict, reason = WINDOW_NOT_COVERED, gap
        elif metric["kind"] == "not_testable":
            verdict, reason = NOT_TESTABLE, metric["reason"].strip()
        elif metric["kind"] in WHOLE_HUB_KINDS and frame["kind"] != "whole_hub":
            verdict, reason = (
                NOT_TESTABLE,
                (
                    f"The input covers {frame['description']}, not the whole Hub, so "
                    "the Hub's totals cannot be read from it."
                ),
            )
        else:
            try:
                ours, detail = EVALUATORS[metric["kind"]](metric, tables)
            except Untestable as missing:
                verdict, reason = NOT_TESTABLE, str(missing)
            else:
                verdict = REPRODUCED if _agrees(claim, ours) else DIFFERS
                reason = " ".join(part for part in (_comparison_sentence(claim, ours), detail) if part)
        if source == DEMO_SOURCE:
            reason = f"{DEMO_NOTE} {reason}"
        rows.append(
            {
                "id": claim["id"],
                "claim": claim["claim"].strip(),
                "source": _source_text(claim["source"]),
                "status": claim["status"],
                "published": claim["published_value"],
                "ours": ours,
                "window": claim["window"],
                "verdict": verdict,
                "reason": reason,
                "unit": claim["unit"],
                "comparison": claim["comparison"],
                "tolerance": claim.get("tolerance"),
            }
        )
    return pl.DataFrame(rows, schema=LEDGER_SCHEMA)


def _agrees(claim: dict, ours: float) -> bool:
    published, tolerance = claim["published_value"], claim["tolerance"]
    allowed = tolerance * abs(published) if claim["unit"] == "multiplier" else tolerance
    allowed += EDGE_SLACK * max(1.0, abs(published))
    if claim["comparison"] == "at_least":
        return ours >= published - allowed
    if claim["comparison"] == "at_most":
        return ours <= published + allowed
    return abs(ours - published) <= allowed


def _comparison_sentence(claim: dict, ours: float) -> str:
    unit, published, tolerance = claim["unit"], claim["published_value"], claim["tolerance"]
    sentence = f"Ours {format_value(ours, unit)}, published {published_text(published, unit, claim['comparison'])}"
    if unit in ("rank", "indicator"):
        return sentence + "."
    if claim["comparison"] == "equal":
        sentence += f", difference {_difference(ours, published, unit)}"
    return sentence + f"; tolerance {_tolerance_text(tolerance, unit)}."


def _difference(ours: float, published: float, unit: str) -> str:
    if unit in ("share", "share_change"):
        return f"{signed((ours - published) * 100)} pp"
    if unit == "multiplier":
        return f"{signed((ours / published - 1) * 100, 0)}% of the published value"
    return ("+" if ours >= published else "\u2212") + big_number(abs(ours - published))


def _tolerance_text(tolerance: float, unit: str) -> str:
    if unit in ("share", "share_change"):
        return f"{tolerance * 100:.1f} pp"
    if unit == "multiplier":
        return f"{tolerance * 100:.0f}% of the published value"
    return big_number(tolerance)


def _source_text(source: dict) -> str:
    if "cite" in source:
        return f"{source['type']} [@{source['cite']}]"
    return f"{source['type']}: {source['ref']}"


def claims_ledger_file(
    inputs: Mapping[str, str | Path], source: str, periods: list[dict], output: str | Path
) -> pl.DataFrame:
    """File-to-file form: the published claims and this build's tables -> `results/tables/claims_ledger.csv`.

    `inputs`: `claims` and `claims_schema`, the result tables `shares`, `families`, `namespaces`, `properties`,
    `multipliers` and `totals`, and `capabilities` (the frame, and the days the data cover).
    """
    tables = ClaimInputs(
        period_shares=read_results_csv(inputs["shares"]).rename({"alternative": "view"}),
        family_shares=read_results_csv(inputs["families"]),
        namespace_shares=read_results_csv(inputs["namespaces"]),
        property_periods=read_results_csv(inputs["properties"]),
        property_multipliers=read_results_csv(inputs["multipliers"]),
        totals=read_results_csv(inputs["totals"]),
    )
    capabilities = read_json(inputs["capabilities"])
    window = DataWindow.of_build(capabilities, periods)
    ledger = claims_ledger(
        load_claims(inputs["claims"], inputs["claims_schema"]), tables, source, capabilities["frame"], window
    )
    write_csv(ledger, output)
    log.info("verdicts: %s", dict(ledger["verdict"].value_counts().iter_rows()))
    return ledger
