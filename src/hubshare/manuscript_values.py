"""Results -> the manuscript's variables (`_variables.yml`) and generated tables.

Every number in the paper's text comes from here: the manuscript refers to
them as `{{< var dotted.key >}}` and includes the generated tables, so no
number is typed by hand.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

PERCENT_DECIMALS = 1


def period_key(name: str) -> str:
    """A period name as a variable key: `<=2022` -> `to2022`, `2023` -> `p2023`."""
    key = re.sub(r"[^0-9a-z]+", "_", name.lower().replace("<=", "to")).strip("_")
    return f"p{key}" if key[:1].isdigit() else key


NO_DATA = "no data"


def pct(share: float | None, decimals: int = PERCENT_DECIMALS) -> str:
    return NO_DATA if share is None else f"{share * 100:.{decimals}f}%"


def signed(value: float, decimals: int = 1) -> str:
    return f"{value:+.{decimals}f}".replace("-", "\u2212")


def p_value(value: float) -> str:
    return "<\u00a00.001" if value < 0.001 else f"{value:.3f}"  # no-break space: never split "<" from its number


def big_number(value: float) -> str:
    """Readable counts: 2,213,000,000 -> `2.21 billion`; 45,300 -> `45,300`."""
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if round(abs(value) / size, 2) >= 1:
            return f"{value / size:.2f} {word}"
    if round(abs(value)) >= 1e6:
        return f"{value / 1e6:.2f} million"
    return f"{value:,.0f}"


def share_variables(period_shares: pl.DataFrame) -> dict:
    """share.<view>.<dimension>.<group>.<period> -> formatted percentage."""
    tree: dict = {}
    for row in period_shares.iter_rows(named=True):
        (tree.setdefault(row["view"], {}).setdefault(row["dimension"], {}).setdefault(row["group"], {}))[
            period_key(row["period"])
        ] = pct(row["share"])
    return tree


def trend_variables(stats: dict) -> dict:
    """trend.<view>.<dimension>.<group>.{slope, ci, p, p_adj, first, last, direction}."""
    tree: dict = {}
    for test in stats.get("skipped", []):
        entry = dict.fromkeys(("slope", "ci", "p", "p_adj", "first", "last", "mk_p", "sen"), NO_DATA)
        entry.update(direction="was not tested for a trend", significant="not tested")
        tree.setdefault(test["view"], {}).setdefault(test["dimension"], {})[test["group"]] = entry
    for test in stats["tests"]:
        ols = test["ols_hac"]
        entry = {
            "slope": signed(ols["slope_pp_per_year"], 2),
            "ci": f"[{signed(ols['ci_low'], 2)}, {signed(ols['ci_high'], 2)}]",
            "p": p_value(ols["p_value"]),
            "p_adj": p_value(ols["p_adjusted_bh"]),
            "first": f"{test['share_first_year_pct']:.1f}",
            "last": f"{test['share_last_year_pct']:.1f}",
            "direction": "rose" if ols["slope_pp_per_year"] > 0 else "fell" if ols["slope_pp_per_year"] < 0 else "did not change",
            "significant": "significant" if ols["significant"] else "not significant",
            "mk_p": p_value(test["mann_kendall"]["p_value"]),
            "sen": signed(test["mann_kendall"]["sen_slope_pp_per_year"], 2),
        }
        tree.setdefault(test["view"], {}).setdefault(test["dimension"], {})[test["group"]] = entry
    return tree


def concentration_variables(concentration: pl.DataFrame, days: int = 364) -> dict:
    """Means of HHI (x10,000), Gini and top-k over the first and last year of weeks, per view."""
    tree: dict = {}
    for (view,), rows in concentration.sort("week").group_by("view", maintain_order=True):
        first = rows.filter(pl.col("week") < rows["week"].min() + dt.timedelta(days=days))
        last = rows.filter(pl.col("week") > rows["week"].max() - dt.timedelta(days=days))
        tree[view] = {
            "hhi_first": f"{first['hhi'].mean() * 10_000:,.0f}",
            "hhi_last": f"{last['hhi'].mean() * 10_000:,.0f}",
            "gini_first": f"{first['gini'].mean():.3f}",
            "gini_last": f"{last['gini'].mean():.3f}",
            "top10_first": pct(first["top10"].mean()),
            "top10_last": pct(last["top10"].mean()),
            "orgs_last": f"{last['organizations'].mean():,.0f}",
        }
    return tree


def ledger_variables(ledger: pl.DataFrame) -> dict:
    values = dict(zip(ledger["category"], ledger["downloads"], strict=True))
    models = dict(zip(ledger["category"], ledger["models"], strict=True))
    return {
        "counted": big_number(values["counted_total"]),
        "counted_exact": f"{values['counted_total']:,}",
        "models_counted": f"{models['counted_total']:,}",
    }


def ledger_section(ledger: pl.DataFrame, measure: str) -> str:
    """The data section's reconciliation paragraph and table, for the measure the panel used."""
    values = dict(zip(ledger["category"], ledger["downloads"], strict=True))
    models = dict(zip(ledger["category"], ledger["models"], strict=True))
    counted = f"{values['counted_total']:,}"
    if measure == "alltime_diff":
        text = (
            f"@tbl-ledger reconciles every download: the {counted} downloads in the panel, plus the "
            f"{big_number(values['excluded_baseline_before_window'])} downloads already accumulated before "
            f"the first snapshot, minus the counts lost when {models['adjustment_counter_reset_drop']:,} "
            "models' counters fell, equal the sum of every model's last observed cumulative count; the "
            "identity balances exactly, and the workflow stops if it does not."
        )
    else:
        text = (
            "These snapshots carry only the rolling 30-day count, so weekly downloads are estimated: each "
            "count is spread evenly over its 30 days and an interval receives the days it covers "
            "(count x min(days since the previous snapshot, 30) / 30). The estimate smooths and lags: a "
            "one-day spike is spread over the following 30 days, and a single interval's value is an "
            f"estimate, not an observation. @tbl-ledger reconciles it: the {counted} estimated downloads "
            "in the panel plus the parts of each count excluded (the first snapshot's counts and the days "
            "already covered by an earlier snapshot) equal the sum of every 30-day count observed; the "
            "identity balances exactly, and the workflow stops if it does not."
        )
    return (
        text + "\n\n" + ledger_table(ledger)
        + "\n: Conservation ledger. Counted lines are in the panel; excluded lines were observed but "
        "belong to no interval; adjustments are counter falls; check lines state the identity. {#tbl-ledger}\n"
    )


def coverage_variables(coverage: pl.DataFrame) -> dict:
    """coverage.<view>.<source>.<period>."""
    tree: dict = {}
    for row in coverage.iter_rows(named=True):
        tree.setdefault(row["view"], {}).setdefault(row["group"], {})[period_key(row["period"])] = pct(row["share"])
    return tree


def _small(value: float) -> str:
    """Two decimals, or scientific notation where two decimals would read as an exact zero."""
    return f"{value:.2f}" if value == 0 or value >= 0.005 else f"{value:.1e}"


def recovery_variables(recovery: pl.DataFrame) -> dict:
    errors = recovery["error_pp"].abs()
    worst = recovery.sort(pl.col("error_pp").abs(), descending=True).row(0, named=True)
    return {
        "max_abs_error_pp": _small(errors.max()),
        "mean_abs_error_pp": _small(errors.mean()),
        "comparisons": f"{recovery.height:,}",
        "worst": f"{worst['group']} ({worst['view']}, {worst['dimension']}, {worst['period']})",
    }


def planted_variables(truth: dict) -> dict:
    """planted.<view>.<dimension>.<group>.<period> for the demo's validation text."""
    tree: dict = {}
    for view in ("uploader", "derived"):
        for dimension, groups in truth["planted"].get(view, {}).items():
            for group, periods in groups.items():
                for period, share in periods.items():
                    tree.setdefault(view, {}).setdefault(dimension, {}).setdefault(group, {})[period_key(period)] = pct(share)
    return tree


def markdown_table(frame: pl.DataFrame, align: str | None = None) -> str:
    """A pipe table (no caption: the manuscript adds it with its label)."""
    cells = [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    # Pandoc sizes wide pipe tables by the dashes under each header, so the
    # dashes follow the widest cell of each column.
    # (+2 stands for the cell padding, which narrow columns feel most.)
    widths = [max([3, len(name), *(len(row[i]) for row in cells)]) + 2 for i, name in enumerate(frame.columns)]
    alignment = align or "l" * frame.width
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join(
        ("-" * (w - 1) + ":") if alignment[i] == "r" else (":" + "-" * (w - 1)) for i, w in enumerate(widths)
    ) + "|"
    body = ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join([header, rule, *body]) + "\n"


def period_table(period_shares: pl.DataFrame, dimension: str, labels: dict[str, str], periods: list[str]) -> str:
    """Groups (vocabulary order) x periods, uploader view, plus the derived view's last column."""
    uploader = period_shares.filter((pl.col("view") == "uploader") & (pl.col("dimension") == dimension))
    derived = period_shares.filter((pl.col("view") == "derived") & (pl.col("dimension") == dimension))
    last = periods[-1]
    rows = []
    for group, label in labels.items():
        cells = uploader.filter(pl.col("group") == group)
        if cells.is_empty() and derived.filter(pl.col("group") == group).is_empty():
            continue
        share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
        derived_last = derived.filter((pl.col("group") == group) & (pl.col("period") == last))["share"]
        rows.append(
            [label]
            + [pct(share_in.get(p, 0.0)) for p in periods]
            + [pct(derived_last[0] if derived_last.len() else 0.0)]
        )
    columns = ["Group", *periods, f"{last} (derived)"]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return markdown_table(frame, align="l" + "r" * (len(columns) - 1))


def trend_table(stats: dict, labels: dict[str, str]) -> str:
    rows = []
    for test in stats["tests"]:
        ols = test["ols_hac"]
        is_concentration = test["dimension"] == "concentration"
        name = test["group"].upper() if is_concentration and test["group"] == "hhi" else labels.get(
            test["group"], test["group"].capitalize()
        )
        unit = "" if is_concentration else "%"
        rows.append([
            name,
            test["dimension"].replace("_", " "),
            test["view"],
            f"{test['share_first_year_pct']:.1f}{unit}",
            f"{test['share_last_year_pct']:.1f}{unit}",
            f"{signed(ols['slope_pp_per_year'], 2)} [{signed(ols['ci_low'], 2)}, {signed(ols['ci_high'], 2)}]",
            p_value(ols["p_adjusted_bh"]),
            p_value(test["mann_kendall"]["p_value"]),
        ])
    confidence = f"{stats['confidence'] * 100:.0f}%"
    for test in stats.get("skipped", []):
        rows.append([labels.get(test["group"], test["group"]), test["dimension"].replace("_", " "), test["view"],
                     *["not tested"] * 5])
    columns = ["Series", "Dimension", "View", "First year", "Last year", f"Slope per year [{confidence} CI]", "p (BH)", "p (MK)"]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="lllrrrrr")


def coverage_table(coverage: pl.DataFrame, periods: list[str]) -> str:
    names = {"registry": "Registry organisation", "unlisted_namespace": "Unlisted namespace (user)", "no_namespace": "No namespace (unknown)"}
    rows = []
    for view in ("uploader", "derived"):
        for source, label in names.items():
            cells = coverage.filter((pl.col("view") == view) & (pl.col("group") == source))
            share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
            rows.append([label, view, *[pct(share_in.get(p, 0.0)) for p in periods]])
    columns = ["Attributed to", "View", *periods]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="ll" + "r" * len(periods))


def ledger_table(ledger: pl.DataFrame) -> str:
    frame = ledger.select(
        pl.col("category").alias("Line"),
        pl.col("role").alias("Role"),
        pl.col("downloads").map_elements(lambda v: f"{v:,}", return_dtype=pl.String).alias("Downloads"),
        pl.col("models").map_elements(lambda v: f"{v:,}", return_dtype=pl.String).alias("Models"),
    )
    return markdown_table(frame, align="llrr")


def recovery_table_markdown(recovery: pl.DataFrame, labels: dict[str, str], period: str = "last_year") -> str:
    """Planted vs recovered in one period, both views side by side, for every group planted at 1% or more somewhere."""
    planted_at_all = recovery.group_by("dimension", "group").agg(pl.col("planted").max().alias("peak"))
    kept = recovery.join(planted_at_all.filter(pl.col("peak") >= 0.01), on=["dimension", "group"]).filter(
        pl.col("period") == period
    )
    cell = {(r["dimension"], r["group"], r["view"]): r for r in kept.iter_rows(named=True)}
    order = (
        kept.group_by("dimension", "group").agg(pl.col("planted").max().alias("size"))
        .sort(["dimension", "size", "group"], descending=[False, True, False])
    )
    rows = []
    for dimension, group, _ in order.iter_rows():
        values, errors = [], []
        for view in ("uploader", "derived"):
            found = cell.get((dimension, group, view))
            values += [pct(found["planted"], 2), pct(found["recovered"], 2)] if found else ["\u2013", "\u2013"]
            if found:
                errors.append(abs(found["error_pp"]))
        rows.append([labels.get(group, group), dimension.replace("_", " "), *values, f"{max(errors):.2f}"])
    columns = ["Group", "Dimension", "Uploader planted", "Uploader recovered", "Derived planted",
               "Derived recovered", "Largest error (pp)"]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="llrrrrr")


DEMO_NOTICE = (
    "Built from synthetic demo data: every number, table and figure in this build comes from the "
    "seeded simulator, not from the Hugging Face Hub, and validates the method against planted values."
)


def assemble_variables(*, source: str, snapshots: int, stats: dict, period_shares: pl.DataFrame,
                       concentration: pl.DataFrame, ledger: pl.DataFrame, coverage: pl.DataFrame,
                       quality: dict, truth: dict | None, recovery: pl.DataFrame | None,
                       vocabulary: dict) -> dict:
    """The nested mapping written to `_variables.yml`."""
    weeks = concentration["week"]
    variables = {
        "data": {
            "source": source,
            "is_demo": source == "demo",
            "notice": DEMO_NOTICE if source == "demo" else f"Built from the `{source}` source.",
            "snapshots": f"{snapshots:,}",
            "first_week": str(weeks.min()),
            "last_week": str(weeks.max()),
            "weeks": f"{weeks.n_unique():,}",
            "models_last_snapshot": f"{quality['snapshots']['rows_out_last']:,}",
            "rows_repaired": f"{quality['repairs_total']:,}",
        },
        "vocabulary": vocabulary,
        "ledger": ledger_variables(ledger),
        "share": share_variables(period_shares),
        "trend": trend_variables(stats),
        "concentration": concentration_variables(concentration),
        "coverage": coverage_variables(coverage),
        "stats": {"alpha": f"{stats['alpha']:g}", "tests": f"{len(stats['tests'])}",
                  "confidence": f"{stats['confidence'] * 100:.0f}%"},
    }
    if truth is not None and recovery is not None:
        variables["planted"] = planted_variables(truth)
        variables["recovery"] = recovery_variables(recovery)
        variables["demo"] = {
            "seed": str(truth["settings"]["seed"]),
            "effect_size": f"{truth['settings']['effect_size']:g}",
        }
    return variables


def validation_section(recovery: pl.DataFrame | None, labels: dict[str, str],
                       intermediaries: dict | None = None) -> str:
    """The source-dependent validation text: planted-vs-recovered on demo data, a statement otherwise."""
    if recovery is None:
        return (
            "This build reads observed Hub data, for which no planted truth exists; the method's "
            "validation is in the demo build, which recovers planted shares from synthetic snapshots.\n"
        )
    values = recovery_variables(recovery)
    return (
        f"Across {values['comparisons']} planted-versus-recovered comparisons (every group, period, "
        f"dimension and view), the largest absolute error is {values['max_abs_error_pp']} percentage "
        f"points and the mean absolute error {values['mean_abs_error_pp']} (@tbl-recovery). The "
        "simulated artefacts (renames, deletions, counter resets, missing authors, legacy ids, "
        "missing parents and cycles) are all handled by stated rules, so planted values are "
        "recovered up to floating-point rounding unless a rule is broken."
        + (
            f" The intermediary rule flags {intermediaries['planted_found']} of the "
            f"{intermediaries['planted_total']} namespaces the simulator planted as re-publishers of other "
            "developers' models; it also flags unaffiliated users whose downloads come mostly from "
            "fine-tunes and adapters of other developers' models, as its definition says."
            if intermediaries and "planted_found" in intermediaries else ""
        )
        + "\n\n"
        + recovery_table_markdown(recovery, labels)
        + "\n: Planted versus recovered download shares in the last-year window, as uploaded and "
        "derived, for every group with a planted share of at least 1% in some period. {#tbl-recovery}\n"
    )


def intermediary_variables(classified: pl.DataFrame, by_period: pl.DataFrame, threshold: float,
                           min_downloads: float, planted: list[str] | None) -> dict:
    """intermediaries.{count, threshold, min_downloads, share.<period>[, planted_found, planted_total]}."""
    flagged = set(classified.filter(pl.col("is_intermediary"))["namespace"].to_list())
    variables = {
        "count": f"{len(flagged):,}",
        "threshold": pct(threshold, 0),
        "min_downloads": f"{min_downloads:,.0f}",
        "share": {period_key(r["period"]): pct(r["share"]) for r in by_period.iter_rows(named=True)},
    }
    if planted is not None:
        variables["planted_found"] = f"{len(flagged & set(planted)):,}"
        variables["planted_total"] = f"{len(planted):,}"
    return variables


def top_intermediaries_table(classified: pl.DataFrame, rows: int = 10) -> str:
    top = classified.filter(pl.col("is_intermediary")).head(rows)
    total = classified["downloads"].sum()
    frame = top.select(
        pl.col("namespace").alias("Namespace"),
        pl.col("downloads").map_elements(lambda v: pct(v / total, 2), return_dtype=pl.String).alias("Share of downloads"),
        pl.col("derivative_share").map_elements(lambda v: pct(v), return_dtype=pl.String).alias("From derivatives"),
    )
    return markdown_table(frame, align="lrr")


def threshold_table(sensitivity: pl.DataFrame, periods: list[str]) -> str:
    rows = []
    for (threshold,), cells in sensitivity.sort("threshold").group_by("threshold", maintain_order=True):
        share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
        rows.append([pct(threshold, 0), f"{cells['namespaces'][0]:,}", *[pct(share_in.get(p, 0.0)) for p in periods]])
    columns = ["Threshold", "Namespaces", *periods]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="rr" + "r" * len(periods))


def sensitivity_table_markdown(sensitivity: pl.DataFrame, alternatives: dict[str, str], labels: dict[str, str],
                               groups: list[str], period: str = "last_year") -> str:
    """Alternatives x headline country groups, in one period."""
    cells = sensitivity.filter((pl.col("dimension") == "country_group") & (pl.col("period") == period))
    rows = []
    for alternative, label in alternatives.items():
        share_of = {r["group"]: r["share"] for r in cells.filter(pl.col("alternative") == alternative).iter_rows(named=True)}
        rows.append([label, *[pct(share_of.get(g, 0.0)) if g in share_of else "\u2013" for g in groups]])
    columns = ["Attribution", *[labels.get(g, g.capitalize()) for g in groups]]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="l" + "r" * len(groups))


def calibration_section(calibration: pl.DataFrame | None, labels: dict[str, str], settings: dict,
                        alpha: float) -> str:
    """The appendix on the tests' calibration: a table on demo data, a statement otherwise."""
    if calibration is None:
        return (
            "The calibration study needs planted series and runs on the demo source; see the demo build "
            "of this paper.\n"
        )
    null = calibration.filter(pl.col("scenario") == "null")
    band = f"[{pct(alpha / 2, 1)}, {pct(2 * alpha, 0)}]"
    all_within = bool(null["within_band"].all())
    test_names = {"primary": "Regression (fixed-b)", "mann_kendall": "Mann-Kendall (pre-whitened)"}
    rows = []
    for (series, test), cells in calibration.group_by("series", "test", maintain_order=True):
        by_scenario = {r["scenario"]: r for r in cells.iter_rows(named=True)}
        trend = by_scenario["planted_trend"]
        rows.append([
            labels.get(series, series.replace("_", " ").capitalize()),
            test_names[test],
            pct(by_scenario["null"]["rejection_rate"], 1),
            pct(trend["rejection_rate"], 1),
            f"{trend['planted_slope_pp_per_year']:+.2f}".replace("-", "\u2212"),
            f"{trend['mean_slope_pp_per_year']:+.2f}".replace("-", "\u2212"),
        ])
    columns = ["Series", "Test", "False positives (null)", "Power (planted trend)", "Planted slope", "Mean estimate"]
    replicates = int(calibration["replicates"][0])
    return (
        f"Each planted weekly series of the demo source was copied {replicates:,} times with logit-scale "
        f"AR(1) noise (coefficient {settings['noise_phi']:g}, innovation standard deviation "
        f"{settings['noise_sigma']:g}), once held flat at its first-year mean (planted null) and once "
        f"following its planted trajectory. At alpha = {alpha:g}, "
        + ("every test's false-positive rate lies within " if all_within else "not every false-positive rate lies within ")
        + f"{band} (@tbl-calibration). Power is high for steady trends and low for the regression test "
        "when a series is flat for years and then turns, since a straight line fits such a path poorly; "
        "the period contrasts of the results tables describe those series better.\n\n"
        + markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="llrrrr")
        + "\n: Calibration of the trend tests: rejection rates under a planted null and under the planted "
        "trend, and the mean slope estimate (percentage points per year) against the planted slope. "
        "{#tbl-calibration}\n"
    )


PROPERTY_ROWS = {
    "share_quantized": "Quantized",
    "share_moe": "Mixture-of-experts",
    "share_multimodal_generation": "Multimodal generation",
    "share_training_data_disclosed": "Training data disclosed",
    "share_training_data_not_disclosed": "Training data not disclosed",
    "share_open_source": "Open source (OSI licence and data disclosed)",
    "share_open_weights": "Open weights only",
    "share_known_size": "Known parameter count",
    "mean_params": "Mean size (billion parameters)",
    "median_params": "Median size (billion parameters)",
}


def _property_cell(row: dict) -> str:
    if row["estimate"] is None:
        return "\u2013"
    if row["statistic"].endswith("_params"):
        scale, unit = 1e9, ""
        value, low, high = (None if v is None else v / scale for v in (row["estimate"], row["ci_low"], row["ci_high"]))
        text = f"{value:.2f}{unit}"
        return text if low is None else f"{text} [{low:.2f}, {high:.2f}]"
    text = pct(row["estimate"])
    return text if row["ci_low"] is None else f"{text} [{row['ci_low'] * 100:.1f}, {row['ci_high'] * 100:.1f}]"


def property_table(table: pl.DataFrame, periods: list[str]) -> str:
    """The Table-1-like summary: statistics x periods, estimate with its bootstrap interval."""
    cells = {(r["statistic"], r["period"]): r for r in table.iter_rows(named=True)}
    rows = []
    for statistic, label in PROPERTY_ROWS.items():
        rows.append([label, *[_property_cell(cells[(statistic, p)]) if (statistic, p) in cells else "\u2013"
                              for p in periods]])
    columns = ["Download-weighted", *periods]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="l" + "r" * len(periods))


def multiplier_variables(multipliers: pl.DataFrame) -> dict:
    """multiplier.<statistic>.{value, ci, first, last}."""
    def times(value):
        return "\u2013" if value is None else ("\u221e" if value == float("inf") else f"{value:.1f}x")
    return {
        row["statistic"]: {
            "value": times(row["multiplier"]),
            "ci": f"[{times(row['ci_low'])}, {times(row['ci_high'])}]",
            "first": row["first_period"],
            "last": row["last_period"],
        }
        for row in multipliers.iter_rows(named=True)
    }


def named_share_variables(shares: pl.DataFrame, key: str, groups: dict[str, list[str]]) -> dict:
    """Combined shares of named sets (families or namespaces) per period: <name>.<period>."""
    tree: dict = {}
    for name, members in groups.items():
        for (period,), rows in shares.group_by("period"):
            total = rows.filter(pl.col(key).is_in(members))["share"].sum()
            tree.setdefault(name, {})[period_key(period)] = pct(total)
    return tree


def claims_summary(verdicts: dict[str, int], is_demo: bool) -> str:
    """One sentence counting the verdicts; on demo data it says what such a comparison can show."""
    counts = ", ".join(f"{verdicts.get(v, 0)} {label}" for v, label in
                       (("reproduced", "reproduced"), ("differs", "differ"), ("not_testable", "not testable")))
    text = f"Of {sum(verdicts.values())} claims, {counts}."
    if is_demo:
        text += (" On synthetic data this only checks that the simulator's planted story resembles the "
                 "published one; it is no evidence about the Hub.")
    return text
