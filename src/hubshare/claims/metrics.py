"""Our value of each claim, computed from the workflow's tables.

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
The claims schema (`workflow/schemas/claims.schema.yaml`) states each kind's
keys; `EVALUATORS` maps every kind but `not_testable` to its computation.
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

import math
from dataclasses import dataclass, fields

import polars as pl

from hubshare.manuscript.formatting import big_number, pct, signed


class Untestable(Exception):
    """The tables cannot give a value for a claim; the message says why."""


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
