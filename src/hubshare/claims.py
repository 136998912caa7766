"""Published claims about who gets the Hub's downloads, checked against the workflow's tables.

`data/raw/claims/published_claims.yaml` lists every claim the project tests
(the anchor paper, the press about it, the Hub's metadata, other studies).
`load_claims` validates that file; `claims_ledger` computes our value of each
claim from the tables in `ClaimInputs` and gives a verdict; `ledger_markdown`
renders the ledger for the manuscript.

Metric kinds (a claim's `metric`), what each computes and from which table:
- `group_share` {view, dimension, groups, period}: summed share of the groups
  (period_shares);
- `group_share_change` {view, dimension, groups, first, last}: that summed
  share in `last` minus in `first` (period_shares);
- `group_rank` {view, dimension, group, period, exclude (optional)}: rank of
  the group by share among the dimension's groups other than `exclude`, 1 for
  the largest (period_shares);
- `family_share` {families, period}: summed share of the families
  (family_shares);
- `family_rank` {family, period}: rank of the family among families
  (family_shares);
- `namespace_share` {namespaces, period}: summed share of the uploader
  namespaces, matched ignoring case as the Hub does (namespace_shares);
- `organizations_in_top` {organizations, top, period}: how many of the named
  organisations are among the `top` organisations by share (namespace_shares);
- `property_share` {statistic, period}: a statistic's estimate
  (property_periods);
- `property_multiplier` {statistic, first, last}: the multiplier of a
  statistic from `first` to `last` (property_multipliers);
- `property_first_lead` {leader, trailer, period, earlier}: 1 if the leader
  statistic exceeds the trailer in `period` and in none of the `earlier`
  periods, else 0 (property_periods);
- `total_downloads` {period}, `model_count` {period}: the period's downloads
  and models with downloads (totals);
- `not_testable` {reason}: no value; the reason says why.
A rank counts the entries with a strictly larger share, plus one, so ties
share the better rank.

Table layouts (`ClaimInputs`). Extra columns are ignored; a repeated key is an
error. Shares are fractions (0-1) of all downloads counted in the period.
Period names are those of the configuration, plus `whole_study` in `totals`.
- period_shares: `view, dimension, group, period, share`, key (view,
  dimension, group, period); the layout of results/tables/shares_by_period.csv,
  or of attribution_sensitivity.csv with `alternative` named `view` (which adds
  the view `uploader_intermediaries_apart`).
- family_shares: `family, period, share`, key (family, period): the share of
  the period's downloads (all of them, not only those with a family) to models
  of the family, the family read from the model id by `families.family_of`;
  models without a family have no row.
- namespace_shares: `namespace, organization, period, share`, key (namespace,
  period): the share of the period's downloads to models uploaded by the
  namespace (spelled as on the Hub); `organization` is the registry's
  organisation of the namespace, null for a namespace outside the registry
  (it then ranks as an organisation of its own).
- property_periods: `period, statistic, estimate, downloads`, key (period,
  statistic): the output of `property_periods.property_period_table`.
- property_multipliers: `statistic, first_period, last_period, multiplier`,
  key (statistic, first_period, last_period): the output of
  `property_periods.multipliers`, whose `first_estimate` and `last_estimate`,
  when present, are quoted in the reason.
- totals: `period, downloads, models`, key (period): downloads counted in the
  period and the number of models with at least one of them; `whole_study`
  covers every week of the panel.
In every table a period without rows, or whose downloads are zero, is a period
without downloads in this source: claims about it are not testable.
"""

from __future__ import annotations

import copy
import math
import os
import re
from dataclasses import dataclass, fields

import polars as pl
import yaml

from hubshare.manuscript_values import big_number, markdown_table, pct, signed

DEMO_SOURCE = "demo"
DEMO_NOTE = (
    "Demo run: our values come from synthetic data calibrated to the paper's story, "
    "so a comparison is a consistency check, not evidence."
)

REPRODUCED, DIFFERS, NOT_TESTABLE = "reproduced", "differs", "not_testable"
STATUSES = ("verified", "reported", "reported-unverified")
SOURCE_TYPES = ("paper", "press", "other")
UNITS = ("share", "share_change", "multiplier", "count", "rank", "indicator")
COMPARISONS = ("equal", "at_least", "at_most")

# Key kinds of a metric: a non-empty string, a non-empty list of them, a possibly empty list of
# them, a whole number >= 1.
TEXT, TEXTS, TEXT_LIST, POSITIVE_INT = "text", "texts", "text_list", "positive_int"
# kind -> (required keys, optional keys with their defaults); each key with its key kind.
METRIC_KINDS: dict[str, tuple[dict[str, str], dict[str, tuple[str, object]]]] = {
    "group_share": ({"view": TEXT, "dimension": TEXT, "groups": TEXTS, "period": TEXT}, {}),
    "group_share_change": ({"view": TEXT, "dimension": TEXT, "groups": TEXTS, "first": TEXT, "last": TEXT}, {}),
    "group_rank": ({"view": TEXT, "dimension": TEXT, "group": TEXT, "period": TEXT}, {"exclude": (TEXT_LIST, [])}),
    "family_share": ({"families": TEXTS, "period": TEXT}, {}),
    "family_rank": ({"family": TEXT, "period": TEXT}, {}),
    "namespace_share": ({"namespaces": TEXTS, "period": TEXT}, {}),
    "organizations_in_top": ({"organizations": TEXTS, "top": POSITIVE_INT, "period": TEXT}, {}),
    "property_share": ({"statistic": TEXT, "period": TEXT}, {}),
    "property_multiplier": ({"statistic": TEXT, "first": TEXT, "last": TEXT}, {}),
    "property_first_lead": ({"leader": TEXT, "trailer": TEXT, "period": TEXT, "earlier": TEXTS}, {}),
    "total_downloads": ({"period": TEXT}, {}),
    "model_count": ({"period": TEXT}, {}),
    "not_testable": ({"reason": TEXT}, {}),
}
UNIT_OF_KIND = {
    "group_share": "share",
    "group_share_change": "share_change",
    "group_rank": "rank",
    "family_share": "share",
    "family_rank": "rank",
    "namespace_share": "share",
    "organizations_in_top": "count",
    "property_share": "share",
    "property_multiplier": "multiplier",
    "property_first_lead": "indicator",
    "total_downloads": "count",
    "model_count": "count",
}
CLAIM_KEYS = ("id", "claim", "source", "status", "published_value", "window", "definition", "metric")
OPTIONAL_CLAIM_KEYS = ("unit", "comparison", "tolerance")

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


class ClaimsError(ValueError):
    """The claims file breaks a rule; the message names the claim and the key."""


class Untestable(Exception):
    """The tables cannot give a value for a claim; the message says why."""


# --- Loading -----------------------------------------------------------------


def load_claims(path: str | os.PathLike) -> list[dict]:
    """Read and validate the claims file: a YAML list of claims.

    Returns the claims with `comparison` defaulting to `equal`, numbers as
    floats and optional metric keys filled with their defaults. Raises
    `ClaimsError` listing every broken rule, each naming the claim (its id, or
    its position when it has none) and the key.
    """
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    if not isinstance(entries, list):
        raise ClaimsError(f"{path}: must hold a YAML list of claims")
    problems: list[str] = []
    claims: list[dict] = []
    seen: dict[str, int] = {}
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"claim {position}: must be a mapping of keys")
            continue
        claim_id = entry.get("id")
        name = f"claim '{claim_id}'" if isinstance(claim_id, str) and claim_id else f"claim {position}"
        found = _claim_problems(entry)
        if isinstance(claim_id, str) and claim_id:
            if claim_id in seen:
                found.append(("id", f"repeats claim {seen[claim_id]}; ids must be unique"))
            seen.setdefault(claim_id, position)
        problems.extend(f"{name}: key '{key}': {message}" for key, message in found)
        if not found:
            claims.append(_normalised(entry))
    if problems:
        raise ClaimsError(f"{path}: " + f"\n{path}: ".join(problems))
    return claims


def _claim_problems(entry: dict) -> list[tuple[str, str]]:
    """(key, what is wrong) for every broken rule of one claim."""
    problems = [(key, "is missing") for key in CLAIM_KEYS if key not in entry]
    problems += [
        (key, f"is not a claim key (use {', '.join(CLAIM_KEYS + OPTIONAL_CLAIM_KEYS)})")
        for key in entry
        if key not in CLAIM_KEYS + OPTIONAL_CLAIM_KEYS
    ]
    for key in ("id", "claim", "window", "definition"):
        if key in entry and not _is_text(entry[key]):
            problems.append((key, "must be a non-empty string"))
    if "status" in entry and entry["status"] not in STATUSES:
        problems.append(("status", f"{entry['status']!r} is not one of {', '.join(STATUSES)}"))
    if "source" in entry:
        problems += _source_problems(entry["source"])
    published = entry.get("published_value")
    if published is not None and not _is_number(published):
        problems.append(("published_value", "must be a number or null"))
    unit = entry.get("unit")
    if unit is not None and unit not in UNITS:
        problems.append(("unit", f"{unit!r} is not one of {', '.join(UNITS)}"))
    if published is not None and unit is None:
        problems.append(("unit", "is missing (a claim with a published value needs its unit)"))
    if entry.get("comparison", "equal") not in COMPARISONS:
        problems.append(("comparison", f"{entry['comparison']!r} is not one of {', '.join(COMPARISONS)}"))
    if "metric" in entry:
        problems += _metric_problems(entry["metric"], entry)
    return problems


def _source_problems(source: object) -> list[tuple[str, str]]:
    if not isinstance(source, dict):
        return [("source", "must be a mapping with `type` and one of `cite` or `ref`")]
    problems = []
    if source.get("type") not in SOURCE_TYPES:
        problems.append(("source.type", f"{source.get('type')!r} is not one of {', '.join(SOURCE_TYPES)}"))
    given = [key for key in ("cite", "ref") if key in source]
    if len(given) != 1:
        problems.append(("source", "needs exactly one of `cite` (a bibliography key) or `ref` (free text)"))
    elif not _is_text(source[given[0]]):
        problems.append((f"source.{given[0]}", "must be a non-empty string"))
    unknown = sorted(set(source) - {"type", "cite", "ref"})
    if unknown:
        problems.append(("source", f"unknown key(s) {', '.join(unknown)}"))
    return problems


def _metric_problems(metric: object, entry: dict) -> list[tuple[str, str]]:
    if not isinstance(metric, dict) or "kind" not in metric:
        return [("metric", "must be a mapping with a `kind`")]
    kind = metric["kind"]
    if kind not in METRIC_KINDS:
        return [("metric.kind", f"{kind!r} is not a known kind (use {', '.join(METRIC_KINDS)})")]
    required, optional = METRIC_KINDS[kind]
    problems = [(f"metric.{key}", f"is missing (kind {kind} needs it)") for key in required if key not in metric]
    problems += [
        (f"metric.{key}", f"is not a key of kind {kind} (use {', '.join([*required, *optional])})")
        for key in metric
        if key != "kind" and key not in required and key not in optional
    ]
    key_kinds = {**required, **{key: spec[0] for key, spec in optional.items()}}
    for key, key_kind in key_kinds.items():
        if key in metric:
            message = _key_problem(metric[key], key_kind)
            if message:
                problems.append((f"metric.{key}", message))
    if kind == "not_testable":
        return problems
    if not _is_number(entry.get("published_value")):
        problems.append(("published_value", f"must be a number for kind {kind}"))
    if entry.get("unit") is not None and entry["unit"] != UNIT_OF_KIND[kind]:
        problems.append(("unit", f"must be {UNIT_OF_KIND[kind]} for kind {kind}, not {entry['unit']!r}"))
    tolerance = entry.get("tolerance")
    if tolerance is None:
        problems.append(("tolerance", f"is missing (kind {kind} is compared, so it needs one)"))
    elif not _is_number(tolerance) or tolerance < 0:
        problems.append(("tolerance", "must be a number of at least 0"))
    if kind == "property_multiplier" and _is_number(entry.get("published_value")) and entry["published_value"] <= 0:
        problems.append(("published_value", "a multiplier must be positive (its tolerance is relative to it)"))
    return problems


def _key_problem(value: object, key_kind: str) -> str | None:
    if key_kind == TEXT and not _is_text(value):
        return 'must be a non-empty string (quote period names such as "2023")'
    if key_kind == TEXTS and not (isinstance(value, list) and value and all(_is_text(v) for v in value)):
        return "must be a non-empty list of non-empty strings"
    if key_kind == TEXT_LIST and not (isinstance(value, list) and all(_is_text(v) for v in value)):
        return "must be a list of non-empty strings"
    if key_kind == POSITIVE_INT and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return "must be a whole number of at least 1"
    return None


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _normalised(entry: dict) -> dict:
    claim = dict(entry)
    _, optional = METRIC_KINDS[entry["metric"]["kind"]]
    # Each claim gets its own copy of a default list, so no two claims share one object.
    claim["metric"] = {key: copy.copy(default) for key, (_, default) in optional.items()} | entry["metric"]
    claim["comparison"] = entry.get("comparison", "equal")
    claim.setdefault("unit", None)
    for key in ("published_value", "tolerance"):
        claim[key] = None if entry.get(key) is None else float(entry[key])
    return claim


# --- Inputs --------------------------------------------------------------------


# table -> (key columns, value columns)
TABLE_LAYOUTS: dict[str, tuple[list[str], list[str]]] = {
    "period_shares": (["view", "dimension", "group", "period"], ["share"]),
    "family_shares": (["family", "period"], ["share"]),
    "namespace_shares": (["namespace", "period"], ["organization", "share"]),
    "property_periods": (["period", "statistic"], ["estimate", "downloads"]),
    "property_multipliers": (["statistic", "first_period", "last_period"], ["multiplier"]),
    "totals": (["period"], ["downloads", "models"]),
}
TABLE_LABELS = {
    "period_shares": "period shares",
    "family_shares": "family shares",
    "namespace_shares": "namespace shares",
    "property_periods": "property period",
    "property_multipliers": "property multipliers",
    "totals": "totals",
}


@dataclass(frozen=True)
class ClaimInputs:
    """The workflow's tables the claims are computed from (layouts in the module docstring).

    A table left as None is absent from the run: claims that need it are not
    testable. A table with a missing column or a repeated key raises ValueError.
    """

    period_shares: pl.DataFrame | None = None
    family_shares: pl.DataFrame | None = None
    namespace_shares: pl.DataFrame | None = None
    property_periods: pl.DataFrame | None = None
    property_multipliers: pl.DataFrame | None = None
    totals: pl.DataFrame | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            table = getattr(self, field.name)
            if table is None:
                continue
            key, value_columns = TABLE_LAYOUTS[field.name]
            missing = [c for c in (*key, *value_columns) if c not in table.columns]
            if missing:
                raise ValueError(f"claims: the {field.name} table lacks the column(s) {', '.join(missing)}")
            repeated = table.filter(pl.struct(key).is_duplicated()).select(key).unique(maintain_order=True)
            if repeated.height:
                raise ValueError(
                    f"claims: the {field.name} table repeats the key ({', '.join(key)}) = "
                    f"{repeated.row(0)}; each key must have one row"
                )


def _table(inputs: ClaimInputs, name: str) -> pl.DataFrame:
    table = getattr(inputs, name)
    if table is None:
        raise Untestable(f"The {TABLE_LABELS[name]} table is absent from this run.")
    return table


def _no_downloads(period: str) -> Untestable:
    return Untestable(f"The period '{period}' has no downloads in this source.")


def _shares_in_period(rows: pl.DataFrame, period: str, name_column: str) -> dict[str, float]:
    """{name: share} in the period; a period without rows or without a defined share has no downloads."""
    in_period = rows.filter(pl.col("period") == period).with_columns(pl.col("share").cast(pl.Float64).fill_nan(None))
    if in_period.get_column("share").drop_nulls().is_empty():
        raise _no_downloads(period)
    return {name: share or 0.0 for name, share in in_period.select(name_column, "share").iter_rows()}


def _require_names(present: set[str], wanted: list[str], what: str, where: str) -> None:
    """A name that never appears in any period is most likely misspelled, not a zero share."""
    unknown = [name for name in wanted if name not in present]
    if unknown:
        raise Untestable(f"The {what} {', '.join(repr(n) for n in unknown)} never appear(s) in {where}.")


def _rank(shares: dict[str, float], name: str) -> tuple[int, list[str]]:
    """Rank of `name` (1 + entries with a strictly larger share) and those entries, largest first."""
    own = shares.get(name, 0.0)
    ahead = sorted((n for n, s in shares.items() if s > own), key=lambda n: -shares[n])
    return len(ahead) + 1, ahead


def _listing(names: list[str], shares: dict[str, float], limit: int = 5) -> str:
    shown = ", ".join(f"{n} {pct(shares[n])}" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# --- Evaluators: (metric, inputs) -> (our value, detail sentence) ----------------


def _group_cut(metric: dict, inputs: ClaimInputs) -> pl.DataFrame:
    shares = _table(inputs, "period_shares")
    cut = shares.filter((pl.col("view") == metric["view"]) & (pl.col("dimension") == metric["dimension"]))
    if cut.is_empty():
        raise Untestable(
            f"The period shares table has no view '{metric['view']}' with dimension '{metric['dimension']}'."
        )
    return cut


def _summed_groups(cut: pl.DataFrame, metric: dict, period: str) -> tuple[float, dict[str, float]]:
    where = f"view '{metric['view']}', dimension '{metric['dimension']}'"
    _require_names(set(cut.get_column("group")), metric["groups"], "group(s)", where)
    shares = _shares_in_period(cut, period, "group")
    parts = {group: shares.get(group, 0.0) for group in metric["groups"]}
    return sum(parts.values()), parts


def _group_share(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    total, parts = _summed_groups(_group_cut(metric, inputs), metric, metric["period"])
    return total, (f"Parts: {_listing(list(parts), parts)}." if len(parts) > 1 else "")


def _group_share_change(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    cut = _group_cut(metric, inputs)
    first, _ = _summed_groups(cut, metric, metric["first"])
    last, _ = _summed_groups(cut, metric, metric["last"])
    return last - first, f"{pct(first)} in {metric['first']}, {pct(last)} in {metric['last']}."


def _group_rank(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    cut = _group_cut(metric, inputs)
    where = f"view '{metric['view']}', dimension '{metric['dimension']}'"
    _require_names(set(cut.get_column("group")), [metric["group"]], "group(s)", where)
    shares = _shares_in_period(cut, metric["period"], "group")
    ranked = {g: s for g, s in shares.items() if g not in metric["exclude"]}
    rank, ahead = _rank(ranked, metric["group"])
    detail = f"{metric['group']} {pct(ranked.get(metric['group'], 0.0))}"
    return float(rank), (f"{detail}; ranked above it: {_listing(ahead, ranked)}." if ahead else f"{detail}.")


def _family_share(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    table = _table(inputs, "family_shares")
    _require_names(set(table.get_column("family")), metric["families"], "family(ies)", "the family shares table")
    shares = _shares_in_period(table, metric["period"], "family")
    parts = {family: shares.get(family, 0.0) for family in metric["families"]}
    return sum(parts.values()), (f"Parts: {_listing(list(parts), parts)}." if len(parts) > 1 else "")


def _family_rank(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    table = _table(inputs, "family_shares")
    _require_names(set(table.get_column("family")), [metric["family"]], "family(ies)", "the family shares table")
    shares = _shares_in_period(table, metric["period"], "family")
    rank, ahead = _rank(shares, metric["family"])
    detail = f"{metric['family']} {pct(shares.get(metric['family'], 0.0))}"
    return float(rank), (f"{detail}; ranked above it: {_listing(ahead, shares)}." if ahead else f"{detail}.")


def _namespace_share(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    # The Hub treats namespaces without regard to case, so the claims file may too.
    table = _table(inputs, "namespace_shares").with_columns(pl.col("namespace").str.to_lowercase().alias("name"))
    wanted = [n.lower() for n in metric["namespaces"]]
    _require_names(set(table.get_column("name")), wanted, "namespace(s)", "the namespace shares table")
    by_name = table.filter(pl.col("period") == metric["period"]).group_by("name", "period").agg(pl.col("share").sum())
    shares = _shares_in_period(by_name, metric["period"], "name")
    parts = {name: shares.get(name, 0.0) for name in wanted}
    return sum(parts.values()), (f"Parts: {_listing(list(parts), parts)}." if len(parts) > 1 else "")


def _organizations_in_top(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    table = _table(inputs, "namespace_shares")
    owners = (
        table.filter(pl.col("period") == metric["period"])
        .with_columns(pl.coalesce("organization", "namespace").alias("owner"))
        .filter(pl.col("owner").is_not_null())  # downloads without a namespace belong to no organisation
        .group_by("owner", "period")
        .agg(pl.col("share").sum())
    )
    shares = _shares_in_period(owners, metric["period"], "owner")
    by_lower = {owner.lower(): owner for owner in shares}
    ranks = []
    for organization in metric["organizations"]:
        owner = by_lower.get(organization.lower())
        ranks.append((organization, None if owner is None else _rank(shares, owner)[0]))
    inside = sum(1 for _, rank in ranks if rank is not None and rank <= metric["top"])
    described = ", ".join(f"{name} #{rank}" if rank else f"{name} no downloads" for name, rank in ranks)
    return float(inside), f"Ranks among organisations in {metric['period']}: {described}."


def _property_estimate(table: pl.DataFrame, period: str, statistic: str) -> float:
    in_period = table.filter(pl.col("period") == period)
    if in_period.is_empty() or not (in_period.get_column("downloads").fill_null(0) > 0).any():
        raise _no_downloads(period)
    row = in_period.filter(pl.col("statistic") == statistic)
    if row.is_empty():
        raise Untestable(f"The property period table has no statistic '{statistic}' for the period '{period}'.")
    estimate = row.get_column("estimate").item()
    if estimate is None or not math.isfinite(estimate):
        raise Untestable(f"The statistic '{statistic}' is undefined in the period '{period}'.")
    return float(estimate)


def _property_share(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    return _property_estimate(_table(inputs, "property_periods"), metric["period"], metric["statistic"]), ""


def _property_multiplier(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    table = _table(inputs, "property_multipliers")
    statistic, first, last = metric["statistic"], metric["first"], metric["last"]
    row = table.filter(
        (pl.col("statistic") == statistic) & (pl.col("first_period") == first) & (pl.col("last_period") == last)
    )
    if row.is_empty():
        raise Untestable(f"The property multipliers table has no row for '{statistic}' from '{first}' to '{last}'.")
    record = row.row(0, named=True)
    if record["multiplier"] is None or not math.isfinite(record["multiplier"]):
        raise Untestable(
            f"The multiplier of '{statistic}' from '{first}' to '{last}' is undefined "
            "(the first estimate is zero or undefined)."
        )
    detail = ""
    if record.get("first_estimate") is not None and record.get("last_estimate") is not None:
        show = pct if statistic.startswith("share_") else big_number
        detail = f"{show(record['first_estimate'])} in {first}, {show(record['last_estimate'])} in {last}."
    return float(record["multiplier"]), detail


def _property_first_lead(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    table = _table(inputs, "property_periods")
    leader, trailer = metric["leader"], metric["trailer"]
    gaps = {
        period: _property_estimate(table, period, leader) - _property_estimate(table, period, trailer)
        for period in [*metric["earlier"], metric["period"]]
    }
    first_lead = gaps[metric["period"]] > 0 and all(gaps[p] <= 0 for p in metric["earlier"])
    listed = ", ".join(f"{period} {signed(gap * 100)} pp" for period, gap in gaps.items())
    return float(first_lead), f"{leader} minus {trailer}: {listed}."


def _total(metric: dict, inputs: ClaimInputs, column: str) -> float:
    table = _table(inputs, "totals")
    row = table.filter(pl.col("period") == metric["period"])
    downloads = row.get_column("downloads").item() if row.height else None
    if not downloads:
        raise _no_downloads(metric["period"])
    return float(row.get_column(column).item())


def _total_downloads(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    return _total(metric, inputs, "downloads"), ""


def _model_count(metric: dict, inputs: ClaimInputs) -> tuple[float, str]:
    return _total(metric, inputs, "models"), ""


EVALUATORS = {
    "group_share": _group_share,
    "group_share_change": _group_share_change,
    "group_rank": _group_rank,
    "family_share": _family_share,
    "family_rank": _family_rank,
    "namespace_share": _namespace_share,
    "organizations_in_top": _organizations_in_top,
    "property_share": _property_share,
    "property_multiplier": _property_multiplier,
    "property_first_lead": _property_first_lead,
    "total_downloads": _total_downloads,
    "model_count": _model_count,
}


# --- The ledger ------------------------------------------------------------------


# Claims about the Hub's totals, which a list of models (a top-N, say) cannot test.
WHOLE_HUB_KINDS = ("total_downloads", "model_count")


def claims_ledger(claims: list[dict], tables: ClaimInputs, source: str, frame: dict | None = None) -> pl.DataFrame:
    """One row per claim: published and our value, the verdict and its reason.

    `verdict`: `reproduced` if our value stands to the published one as the
    claim's comparison asks, within the tolerance (relative for multipliers);
    `differs` otherwise; `not_testable` when the claim says so or the tables
    cannot give a value, the reason saying which. `source` is the data source
    of the run; on `demo` every reason says the data are synthetic. `frame` is
    the capability record's sampling frame: totals of the Hub are not testable
    on anything but the whole Hub.
    """
    frame = frame or {"kind": "whole_hub", "description": "the whole Hub"}
    rows = []
    for claim in claims:
        metric = claim["metric"]
        ours = None
        if metric["kind"] == "not_testable":
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
    sentence = f"Ours {format_value(ours, unit)}, published {_published_text(published, unit, claim['comparison'])}"
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


def format_value(value: float | None, unit: str | None) -> str:
    """A value as the ledger shows it: 17.1%, +2.0 pp, 17.0x, 2.20 billion, #3, yes."""
    if value is None:
        return ""
    if unit == "share":
        return pct(value)
    if unit == "share_change":
        # A bound of exactly zero reads as "0.0 pp", without a sign.
        return "0.0 pp" if value == 0 else f"{signed(value * 100)} pp"
    if unit == "multiplier":
        return f"{value:.1f}x"
    if unit == "rank":
        return f"#{value:.0f}"
    if unit == "indicator":
        return "yes" if value >= 0.5 else "no"
    return big_number(value)


def _published_text(value: float | None, unit: str | None, comparison: str) -> str:
    if value is None:
        return ""
    if unit == "rank" and comparison == "at_most":
        return f"top {value:.0f}"
    bound = {"at_least": "\u2265 ", "at_most": "\u2264 "}.get(comparison, "")
    return bound + format_value(value, unit)


def _source_text(source: dict) -> str:
    if "cite" in source:
        return f"{source['type']} [@{source['cite']}]"
    return f"{source['type']}: {source['ref']}"


_CITED_SOURCE = re.compile(r"^(\w+) \[@([^\]]+)\]$")


def _note_letter(index: int) -> str:
    """a, b, ..., z, aa, ab, ... for the index-th note."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _source_markers(ledger: pl.DataFrame) -> tuple[list[str], list[tuple[str, str]]]:
    """What follows each claim to name its source, and the notes for sources without a bibliography entry.

    A cited source becomes a citation, `[@key]`; any other its type and a
    letter, `(press, note a)`, whose note gives the full reference.
    """
    markers, notes = [], {}
    for source in ledger.get_column("source"):
        cited = _CITED_SOURCE.match(source)
        if cited:
            markers.append(f"[@{cited.group(2)}]")
            continue
        kind, _, reference = source.partition(": ")
        letter = notes.setdefault(reference, _note_letter(len(notes)))
        markers.append(f"({kind}, note {letter})")
    return markers, [(letter, reference) for reference, letter in notes.items()]


def ledger_source_notes(ledger: pl.DataFrame) -> str:
    """The sentence, for the ledger's caption, that spells out the sources the table names by letter."""
    _, notes = _source_markers(ledger)
    if not notes:
        return ""
    return "Notes: " + "; ".join(f"({letter}) {reference}" for letter, reference in notes) + "."


def ledger_markdown(ledger: pl.DataFrame) -> str:
    """The ledger as a pipe table for the manuscript (no caption: the manuscript adds it).

    Each claim ends with its source (a citation, or a note letter that
    `ledger_source_notes` spells out in the caption). The reasons stay in
    `results/tables/claims_ledger.csv`: in a printed table they would dwarf
    the values.
    """
    markers, _ = _source_markers(ledger)
    rows = [
        [
            row["claim"] + " " + marker,
            row["window"],
            _published_text(row["published"], row["unit"], row["comparison"]),
            format_value(row["ours"], row["unit"]),
            row["verdict"].replace("_", " "),
        ]
        for row, marker in zip(ledger.iter_rows(named=True), markers, strict=True)
    ]
    columns = ["Claim and source", "Window", "Published", "Ours", "Verdict"]
    # A pipe inside a cell would end the cell.
    cells = [[cell.replace("|", "\\|") for cell in row] for row in rows]
    frame = pl.DataFrame(cells, schema=columns, orient="row")
    return markdown_table(frame, align="llrrl")
