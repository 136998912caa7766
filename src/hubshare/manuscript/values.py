"""Results -> the manuscript's variables (`_variables.yml`) and generated tables.

Every number in the paper's text comes from here: the manuscript refers to
them as `{{< var dotted.key >}}` and includes the generated tables, so no
number is typed by hand.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from hubshare.panel.counter_falls import FALLS_AS_REVISIONS

PERCENT_DECIMALS = 1


def period_key(name: str) -> str:
    """A period name as a variable key: `<=2022` -> `to2022`, `2023` -> `p2023`."""
    key = re.sub(r"[^0-9a-z]+", "_", name.lower().replace("<=", "to")).strip("_")
    return f"p{key}" if key[:1].isdigit() else key


def period_label(name: str) -> str:
    """A period name as a table header: `<=2022` -> `≤2022`, `last_year` -> `Last year`."""
    if name.startswith("<="):
        return "\u2264" + name[2:]
    return name.replace("_", " ").capitalize() if not name[:1].isdigit() else name


def periods_with_data(period_shares: pl.DataFrame, periods: list[str]) -> list[str]:
    """The periods, in the given order, in which the panel counts any download."""
    totals = period_shares.group_by("period").agg(pl.col("downloads").fill_null(0).sum())
    counted = {row["period"] for row in totals.iter_rows(named=True) if row["downloads"] > 0}
    return [period for period in periods if period in counted]


NO_DATA = "no data"


def pct(share: float | None, decimals: int = PERCENT_DECIMALS) -> str:
    return NO_DATA if share is None else f"{share * 100:.{decimals}f}%"


def signed(value: float, decimals: int = 1) -> str:
    return f"{value:+.{decimals}f}".replace("-", "\u2212")


# A share cannot move by more than 100 points; a slope bound beyond that says only that the data do not bound it.
SLOPE_BOUND_PP = 100.0


def slope_interval(low: float, high: float, decimals: int = 2) -> str:
    """`[low, high]`, each bound beyond +-100 percentage points a year written as unbounded."""

    def bound(value: float) -> str:
        return ("\u2212\u221e" if value < 0 else "+\u221e") if abs(value) > SLOPE_BOUND_PP else signed(value, decimals)

    return f"[{bound(low)}, {bound(high)}]"


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
        ols = test["robust"]
        entry = {
            "slope": signed(ols["slope_pp_per_year"], 2),
            "ci": slope_interval(ols["ci_low"], ols["ci_high"]),
            "p": p_value(ols["p_value"]),
            "p_adj": p_value(ols["p_adjusted"]),
            "first": _one_decimal(test["share_first_year_pct"]),
            "last": _one_decimal(test["share_last_year_pct"]),
            "direction": "rose"
            if ols["slope_pp_per_year"] > 0
            else "fell"
            if ols["slope_pp_per_year"] < 0
            else "did not change",
            "significant": "significant" if ols["significant"] else "not significant",
            "mk_p": p_value(test["mann_kendall"]["p_value"]),
            "sen": signed(test["mann_kendall"]["sen_slope_pp_per_year"], 2),
        }
        tree.setdefault(test["view"], {}).setdefault(test["dimension"], {})[test["group"]] = entry
    return tree


def _one_decimal(value: float | None) -> str:
    return NO_DATA if value is None else f"{value:.1f}"


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
    model_weeks = dict(zip(ledger["category"], ledger["model_weeks"], strict=True))
    return {
        "counted": big_number(values["counted_total"]),
        "counted_exact": f"{values['counted_total']:,}",
        "model_weeks_counted": f"{model_weeks['counted_total']:,}",
    }


# The rules the 30-day estimate adds to the ledger's text (hubshare.panel.thirty_day states them).
FIRST_WINDOW = (
    "; the first snapshot's counts are the 30 days up to it, counted whole (unlike a cumulative count, a "
    "30-day count can be placed in time)"
)
ROUNDED_IDENTITY = (
    "the sum over models of each model's running estimate rounded to whole downloads, so that every model "
    "is credited its exact estimate to the nearest download"
)


def ledger_section(ledger: pl.DataFrame, measure: str, weeks: pl.DataFrame) -> str:
    """The data section's reconciliation paragraph and table, for the measure(s) the panel used.

    `weeks` (week, measure) says which measure booked each snapshot's week,
    where the switch-over from 30-day estimates to cumulative differences
    lies, and which snapshots repeated the one before.
    """
    values = dict(zip(ledger["category"], ledger["downloads"], strict=True))
    model_weeks = dict(zip(ledger["category"], ledger["model_weeks"], strict=True))
    counted = f"{values['counted_total']:,}"

    def cumulative_identity() -> str:
        before_window = values["excluded_baseline_before_window"]
        return (
            (
                f"the {big_number(before_window)} downloads already accumulated before the first snapshot, "
                if before_window
                else "the baselines, "
            )
            + f"minus the counts lost in {model_weeks['adjustment_counter_reset_drop']:,} "
            "counter falls, equal the sum of every model's last observed cumulative count"
        )

    if measure == "alltime_diff":
        text = (
            f"@tbl-ledger reconciles every download: the {counted} downloads in the panel, plus "
            f"{cumulative_identity()}; the identity balances exactly, and the workflow stops if it does not."
        )
    elif measure == "mixed":
        switch = weeks.filter(pl.col("measure") == "switch").get_column("week")
        estimated = values.get("counted_rolling30_estimate", 0)
        text = (
            "The earlier snapshots carry only the rolling 30-day count, so the downloads of those weeks are "
            "estimated from it: each count is spread evenly over its 30 days and an interval receives the days "
            "it covers (count x min(days since the model's previous observation, 30) / 30), a smoothed and "
            f"lagged estimate{FIRST_WINDOW if weeks.get_column('measure')[0] == 'rolling30' else ''}. "
            f"Cumulative counts start on {switch.min() if switch.len() else 'no date'}; from "
            "that snapshot on, downloads are increases of the cumulative count, and each model's first "
            f"cumulative count is its baseline ({big_number(values['excluded_baseline_at_measure_switch'])} "
            f"downloads, excluded). Of the {counted} downloads in the panel, {estimated:,} are such estimates; "
            f"they equal {ROUNDED_IDENTITY}. @tbl-ledger reconciles the rest: the counted increases, plus "
            f"{cumulative_identity()}; both identities balance exactly, and the workflow stops if one does not."
        )
    else:
        text = (
            "These snapshots carry only the rolling 30-day count, so the downloads of each interval are estimated: each "
            "count is spread evenly over its 30 days and an interval receives the days it covers "
            "(count x min(days since the model's previous observation, 30) / 30); a model first seen after the "
            f"first snapshot receives the days since the snapshot before{FIRST_WINDOW}. The estimate smooths and "
            "lags: a one-day spike is spread over the following 30 days, and a single interval's value is an "
            f"estimate, not an observation. @tbl-ledger reconciles it: the {counted} estimated downloads "
            f"in the panel, summed from its own files, equal {ROUNDED_IDENTITY}; the identity balances exactly, "
            "and the workflow stops if it does not."
        )
    repeats = weeks.filter(pl.col("measure") == "repeat").get_column("week").to_list()
    if repeats:
        text += (
            f" {len(repeats)} snapshot{'s' if len(repeats) > 1 else ''} ({', '.join(map(str, repeats))}) "
            f"repeat{'' if len(repeats) > 1 else 's'} the one before row for row: the source's export did not "
            "change that week, so no downloads are booked there and the next snapshot's differences span both "
            "weeks."
        )
    return (
        text
        + "\n\n"
        + ledger_table(ledger, measure)
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
                    tree.setdefault(view, {}).setdefault(dimension, {}).setdefault(group, {})[period_key(period)] = pct(
                        share
                    )
    return tree


# Characters of table text across the page: pandoc gives a pipe table whose
# lines exceed its column limit relative widths from the dashes under the
# header, which `markdown_table` sets so that the table fits this budget.
TABLE_BUDGET = 100
# A left-aligned column with cells longer than this may wrap; shorter ones and
# right-aligned (numeric) columns never do.
WRAPPING_CELL = 18
# Dashes a column needs beyond its text for the cell padding, in a table that fills the page.
CELL_PADDING = 2


def column_widths(columns: list[str], cells: list[list[str]], alignment: str) -> list[int]:
    """Dash counts for a pipe table: the widest cell of each column (+2) when the table fits
    `TABLE_BUDGET`; otherwise numbers and short text keep their width (a header may wrap between
    words) and long text columns share the rest by the square root of their widest cell, so that
    one very long column does not squeeze the others, each at least its longest word."""

    def longest_word(texts: list[str]) -> int:
        return max([3, *(len(word) for text in texts for word in text.split())])

    natural = [max([3, len(name), *(len(row[i]) for row in cells)]) + 2 for i, name in enumerate(columns)]
    if sum(natural) <= TABLE_BUDGET:
        return natural
    longest_cell = [max([0, *(len(row[i]) for row in cells)]) for i in range(len(columns))]
    wraps = [alignment[i] != "r" and longest_cell[i] > WRAPPING_CELL for i in range(len(columns))]
    widths = [max(longest_cell[i], longest_word([name])) + CELL_PADDING for i, name in enumerate(columns)]
    floor = [longest_word([name, *(row[i] for row in cells)]) + CELL_PADDING for i, name in enumerate(columns)]
    flexible = [i for i, wrap in enumerate(wraps) if wrap]
    room = TABLE_BUDGET - sum(w for i, w in enumerate(widths) if not wraps[i])
    weight = sum(natural[i] ** 0.5 for i in flexible)
    for i in flexible:
        widths[i] = max(floor[i], round(room * natural[i] ** 0.5 / weight))
    return widths


def markdown_table(frame: pl.DataFrame, align: str | None = None) -> str:
    """A pipe table (no caption: the manuscript adds it with its label)."""
    cells = [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    alignment = align or "l" * frame.width
    widths = column_widths(frame.columns, cells, alignment)
    header = "| " + " | ".join(frame.columns) + " |"
    rule = (
        "|"
        + "|".join(
            ("-" * (w - 1) + ":") if alignment[i] == "r" else (":" + "-" * (w - 1)) for i, w in enumerate(widths)
        )
        + "|"
    )
    body = ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join([header, rule, *body]) + "\n"


def period_table(
    period_shares: pl.DataFrame, dimension: str, labels: dict[str, str], periods: list[str], derived_column: bool = True
) -> str:
    """Groups (vocabulary order) x periods, uploader view, plus the derived view's last column (with lineage)."""
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
            + ([pct(derived_last[0] if derived_last.len() else 0.0)] if derived_column else [])
        )
    columns = ["Group", *map(period_label, periods), *([f"{period_label(last)} (derived)"] if derived_column else [])]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return markdown_table(frame, align="l" + "r" * (len(columns) - 1))


def trend_table(stats: dict, labels: dict[str, str]) -> str:
    rows = []
    for test in stats["tests"]:
        ols = test["robust"]
        is_concentration = test["dimension"] == "concentration"
        name = (
            test["group"].upper()
            if is_concentration and test["group"] == "hhi"
            else labels.get(test["group"], test["group"].capitalize())
        )
        unit = "" if is_concentration else "%"
        rows.append(
            [
                name,
                test["dimension"].replace("_", " "),
                test["view"],
                _one_decimal(test["share_first_year_pct"]) + unit * (test["share_first_year_pct"] is not None),
                _one_decimal(test["share_last_year_pct"]) + unit * (test["share_last_year_pct"] is not None),
                f"{signed(ols['slope_pp_per_year'], 2)} {slope_interval(ols['ci_low'], ols['ci_high'])}",
                p_value(ols["p_adjusted"]),
                p_value(test["mann_kendall"]["p_value"]),
            ]
        )
    confidence = f"{stats['confidence'] * 100:.0f}%"
    skipped = [
        [
            labels.get(test["group"], test["group"].upper() if test["group"] == "hhi" else test["group"].capitalize()),
            test["dimension"].replace("_", " "),
            test["view"],
            f"{test['n_intervals']:,}",
            skip_reason(test, short=True),
        ]
        for test in stats.get("skipped", [])
    ]
    if not rows:
        # Nothing was tested: one line per series and why, instead of a grid of empty cells.
        columns = ["Series", "Dimension", "View", "Values", "Not tested because"]
        return markdown_table(pl.DataFrame(skipped, schema=columns, orient="row"), align="lllrl")
    rows += [[*row[:3], "\u2013", "\u2013", "not tested", "\u2013", "\u2013"] for row in skipped]
    columns = [
        "Series",
        "Dimension",
        "View",
        "First year",
        "Last year",
        f"Slope per year [{confidence} CI]",
        "p (BY)",
        "p (MK)",
    ]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="lllrrrrr")


def skip_reason(test: dict, short: bool = False) -> str:
    """Why a series was not tested, without the word "weekly" (the snapshots need not be weekly);
    `short`: for a table that shows the number of values in a column of its own."""
    needed = re.search(r"needs (\d+)", test.get("skipped", ""))
    if needed:
        minimum = int(needed.group(1))
        return (
            f"fewer than {minimum:,} values" if short else f"{test['n_intervals']:,} values; a test needs {minimum:,}"
        )
    return test.get("skipped", "too few values")


def coverage_table(coverage: pl.DataFrame, periods: list[str], views: tuple[str, ...] = ("uploader", "derived")) -> str:
    names = {
        "registry": "Registry organisation",
        "registry_individual": "Registry individual",
        "unlisted_namespace": "Unlisted namespace (user)",
        "no_namespace": "No namespace (unknown)",
    }
    rows = []
    for view in views:
        for source, label in names.items():
            cells = coverage.filter((pl.col("view") == view) & (pl.col("group") == source))
            share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
            rows.append([label, view, *[pct(share_in.get(p, 0.0)) for p in periods]])
    columns = ["Attributed to", "View", *map(period_label, periods)]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="ll" + "r" * len(periods))


# Lines that only some inputs use: shown when they hold something.
OPTIONAL_LEDGER_LINES = (
    "counted_rolling30_estimate",
    "check_sum_of_rounded_estimates",
    "excluded_baseline_at_measure_switch",
    "adjustment_cumulative_count_set_aside",
    "repeat_of_previous_snapshot",
)


def ledger_table(ledger: pl.DataFrame, measure: str) -> str:
    """The ledger's lines for the paper; with only 30-day estimates, the cumulative identity's empty lines go."""
    optional = (
        pl.col("category") != "counted_total"
        if measure == "rolling30"
        else pl.col("category").is_in(OPTIONAL_LEDGER_LINES)
    )
    unused = optional & (pl.col("downloads") == 0) & (pl.col("model_weeks") == 0)
    frame = ledger.filter(~unused).select(
        pl.col("category").alias("Line"),
        pl.col("role").alias("Role"),
        pl.col("downloads").map_elements(lambda v: f"{v:,}", return_dtype=pl.String).alias("Downloads"),
        pl.col("model_weeks").map_elements(lambda v: f"{v:,}", return_dtype=pl.String).alias("Model-intervals"),
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
        kept.group_by("dimension", "group")
        .agg(pl.col("planted").max().alias("size"))
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
    columns = [
        "Group",
        "Dimension",
        "Uploader planted",
        "Uploader recovered",
        "Derived planted",
        "Derived recovered",
        "Largest error (pp)",
    ]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="llrrrrr")


DEMO_NOTICE = (
    "Built from synthetic demo data: every number, table and figure in this build comes from the "
    "seeded simulator, not from the Hugging Face Hub, and validates the method against planted values."
)


def assemble_variables(
    *,
    source: str,
    snapshots: int,
    stats: dict,
    period_shares: pl.DataFrame,
    concentration: pl.DataFrame,
    ledger: pl.DataFrame,
    coverage: pl.DataFrame,
    quality: dict,
    truth: dict | None,
    recovery: pl.DataFrame | None,
    vocabulary: dict,
) -> dict:
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
        "stats": {
            "alpha": f"{stats['alpha']:g}",
            "tests": f"{len(stats['tests'])}",
            "min_intervals": f"{stats['min_intervals']}",
            "confidence": f"{stats['confidence'] * 100:.0f}%",
        },
    }
    if truth is not None and recovery is not None:
        variables["planted"] = planted_variables(truth)
        variables["recovery"] = recovery_variables(recovery)
        variables["demo"] = {
            "seed": str(truth["settings"]["seed"]),
            "effect_size": f"{truth['settings']['effect_size']:g}",
        }
    return variables


def validation_section(
    recovery: pl.DataFrame | None, labels: dict[str, str], intermediaries: dict | None = None
) -> str:
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
            if intermediaries and "planted_found" in intermediaries
            else ""
        )
        + _noise_and_rolling_text(recovery, labels)
        + "\n\n"
        + recovery_table_markdown(recovery, labels)
        + "\n: Planted versus recovered download shares in the last-year window, as uploaded and "
        "derived, for every group with a planted share of at least 1% in some period. {#tbl-recovery}\n"
    )


def _noise_and_rolling_text(recovery: pl.DataFrame, labels: dict[str, str]) -> str:
    """How far the simulator's noise moved the period shares, and the `rolling30` estimator's bias on them."""
    if "noise_pp" not in recovery.columns:
        return ""
    text = (
        f" The simulator's noise moves the period shares away from the noise-free story by up to "
        f"{recovery['noise_pp'].abs().max():.2f} percentage points; the tests and intervals of the paper are "
        "judged against the noise-free values in the calibration appendix."
    )
    bias = recovery.filter(pl.col("rolling30_bias_pp").is_not_null())
    if bias.is_empty():
        return text
    worst = bias.sort(pl.col("rolling30_bias_pp").abs(), descending=True).row(0, named=True)
    return text + (
        f" Read instead from the same snapshots' rolling 30-day counts with the `rolling30` estimator, the uploader "
        f"view's period shares are off by up to {abs(worst['rolling30_bias_pp']):.2f} percentage points "
        f"({labels.get(worst['group'], worst['group'])}, {period_label(worst['period'])}: "
        f"{signed(worst['rolling30_bias_pp'], 2)}): the estimator lags, so growing groups are understated and "
        "shrinking ones overstated; a build on `rolling30` data carries a bias of that order."
    )


def counter_fall_sentence(falls: pl.DataFrame, shares: pl.DataFrame, labels: dict[str, str]) -> str:
    """What reading every counter fall as a revision (no downloads that week) changes: the share of the
    downloads counted after falls (`falls`, the counter-fall table) and the largest move of any period share
    between the uploader view and its rerun with those downloads booked as 0 (`shares`, the sensitivity table)."""
    counted = falls.filter(pl.col("counted_after_fall") > 0)
    if counted.is_empty():
        return "No counter fell in these data, so the reading of a fall changes nothing."
    worst = counted.sort("share_after_fall", descending=True).row(0, named=True)
    keys = ["dimension", "group", "period"]
    moved = (
        shares.filter(pl.col("alternative") == "uploader")
        .join(shares.filter(pl.col("alternative") == FALLS_AS_REVISIONS), on=keys, suffix="_rerun")
        .with_columns((100 * (pl.col("share_rerun") - pl.col("share"))).abs().alias("moved_pp"))
        .sort("moved_pp", descending=True, nulls_last=True)
        .row(0, named=True)
    )
    return (
        "A fall could also be a revision, after which the week holds no downloads of the model; the downloads "
        f"counted after falls are at most {worst['share_after_fall'] * 100:.3f}% of a period's downloads "
        f"({period_label(worst['period'])}). Booking every one of them as 0 instead and recomputing the shares "
        "as uploaded (@tbl-sensitivity shows the last year) moves no group's share of any period by more than "
        f"{moved['moved_pp']:.3f} percentage points ({labels.get(moved['group'], moved['group'])}, "
        f"{period_label(moved['period'])})."
    )


def intermediary_variables(
    classified: pl.DataFrame, by_period: pl.DataFrame, threshold: float, min_downloads: float, planted: list[str] | None
) -> dict:
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
    if top.is_empty():
        frame = pl.DataFrame(
            [["No namespace is flagged", "\u2013", "\u2013"]],
            schema=["Namespace", "Share of downloads", "From derivatives"],
            orient="row",
        )
        return markdown_table(frame, align="lrr")
    frame = top.select(
        pl.col("namespace").alias("Namespace"),
        pl.col("downloads")
        .map_elements(lambda v: pct(v / total, 2), return_dtype=pl.String)
        .alias("Share of downloads"),
        pl.col("derivative_share").map_elements(lambda v: pct(v), return_dtype=pl.String).alias("From derivatives"),
    )
    return markdown_table(frame, align="lrr")


def threshold_table(sensitivity: pl.DataFrame, periods: list[str]) -> str:
    rows = []
    for (threshold,), cells in sensitivity.sort("threshold").group_by("threshold", maintain_order=True):
        share_in = {r["period"]: r["share"] for r in cells.iter_rows(named=True)}
        rows.append([pct(threshold, 0), f"{cells['namespaces'][0]:,}", *[pct(share_in.get(p, 0.0)) for p in periods]])
    columns = ["Threshold", "Namespaces", *map(period_label, periods)]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="rr" + "r" * len(periods))


def sensitivity_table_markdown(
    sensitivity: pl.DataFrame,
    alternatives: dict[str, str],
    labels: dict[str, str],
    groups: list[tuple[str, str]],
    period: str = "last_year",
) -> str:
    """Alternatives x headline (dimension, group) pairs, in one period."""
    cells = sensitivity.filter(pl.col("period") == period)
    rows = []
    for alternative, label in alternatives.items():
        share_of = {
            (r["dimension"], r["group"]): r["share"]
            for r in cells.filter(pl.col("alternative") == alternative).iter_rows(named=True)
        }
        rows.append([label, *[pct(share_of[g]) if g in share_of else "\u2013" for g in groups]])
    columns = ["Attribution", *[labels.get(g, g.capitalize()) for _, g in groups]]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    # A group no alternative has (intermediaries when the rule flags none) would be a column of dashes.
    frame = frame.select(name for name in frame.columns if not (frame[name] == "\u2013").all())
    return markdown_table(frame, align="l" + "r" * (frame.width - 1))


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


def _property_cells(row: dict | None) -> tuple[str, str]:
    """(estimate, bracketed interval) of one statistic in one period; dashes where undefined."""
    if row is None or row["estimate"] is None:
        return "\u2013", ""
    if row["statistic"].endswith("_params"):
        value, low, high = (None if v is None else v / 1e9 for v in (row["estimate"], row["ci_low"], row["ci_high"]))
        return f"{value:.2f}", "" if low is None else f"[{low:.2f}, {high:.2f}]"
    interval = "" if row["ci_low"] is None else f"[{row['ci_low'] * 100:.1f}, {row['ci_high'] * 100:.1f}]"
    return pct(row["estimate"]), interval


def property_table(table: pl.DataFrame, periods: list[str], statistics: dict[str, str] = PROPERTY_ROWS) -> str:
    """The Table-1-like summary: statistics x periods, each estimate above its bootstrap interval
    (a second line per statistic keeps the columns narrow enough for the page)."""
    cells = {(r["statistic"], r["period"]): r for r in table.iter_rows(named=True)}
    rows = []
    for statistic, label in statistics.items():
        estimates, intervals = zip(*(_property_cells(cells.get((statistic, p))) for p in periods), strict=True)
        rows.append([label, *estimates])
        if any(intervals):
            rows.append(["", *intervals])
    columns = ["Download-weighted", *map(period_label, periods)]
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
    labels = [("reproduced", "reproduced"), ("differs", "differ"), ("not_testable", "not testable")]
    if verdicts.get("window_not_covered"):
        labels.append(("window_not_covered", "about a window this build's data do not cover"))
    counts = ", ".join(f"{verdicts.get(v, 0)} {label}" for v, label in labels)
    text = f"Of {sum(verdicts.values())} claims, {counts}."
    if is_demo:
        text += (
            " On synthetic data this only checks that the simulator's planted story resembles the "
            "published one; it is no evidence about the Hub."
        )
    return text


ERA_MODELS = {
    "trend": "its own level and slope of the logit share",
    "mean": "its own level of the logit share",
}


def era_variables(settings: dict) -> dict:
    """eras.{model, min_weeks, min_series_weeks, noise_floor, max_persistence}: the stated settings."""
    return {
        "model": ERA_MODELS[settings["model"]],
        "min_weeks": f"{settings['min_segment_weeks']}",
        "min_series_weeks": f"{2 * settings['min_segment_weeks']}",
        "max_eras": f"{settings['max_eras']}",
        "noise_floor": f"{settings['noise_floor']:g}",
        "max_persistence": f"{settings['max_persistence']:g}",
    }


def planted_kinks(truth: dict) -> list[dt.date]:
    """The dates at which the demo's planted shares change slope, inside the simulated window."""
    first, last = (dt.date.fromisoformat(truth["snapshot_dates"][i]) for i in (0, 1))
    anchors = next(iter(truth["segments"].values()))["anchors"]
    return [d for d in sorted(dt.date.fromisoformat(a) for a in anchors) if first < d < last]


def _weeks_text(value: float) -> str:
    return f"{signed(value, 1)} weeks" if value else "0 weeks"


def era_section(eras: pl.DataFrame, labels: dict[str, str], skipped: str | None, truth: dict | None) -> str:
    """The results paragraph and table on eras: joint boundaries per view and dimension, distance to the periods."""
    if skipped or eras.is_empty():
        return (
            f"No eras were sought in this build: the series have too few values ({skipped or 'none'}), "
            "so the periods of the paper are the only division of time reported.\n"
        )
    boundaries = (
        eras.filter(pl.col("era") > 1)
        .group_by("view", "dimension", "fit", "start", maintain_order=True)
        .agg(
            pl.col("nearest_period_boundary").first(),
            pl.col("distance_weeks").first(),
            pl.col("start_low").first(),
            pl.col("start_high").first(),
        )
    )
    joint = boundaries.filter(pl.col("fit") == "joint")
    uploader = joint.filter((pl.col("view") == "uploader") & (pl.col("dimension") == "country_group"))
    distances = uploader["distance_weeks"].abs()
    within = int((distances <= 4).sum())
    text = (
        f"Segmented jointly, the headline country groups' weekly shares in the uploader view fall into "
        f"{uploader.height + 1} eras (@fig-eras, @tbl-eras). Of their "
        f"{_count(uploader.height, 'boundary', 'boundaries')}, {within} lie "
        "within four weeks of the start of a calendar period of the paper"
        + (f" (median distance {distances.median():.1f} weeks)" if uploader.height else "")
        + "; the others lie inside a period. Each boundary is given with the 95% set of dates its data allow, and "
        "the appendix reports how often the procedure places a boundary in noise alone (@tbl-calibration)."
    )
    if truth is not None:
        kinks = planted_kinks(truth)
        sets = list(zip(uploader["start_low"].to_list(), uploader["start_high"].to_list(), strict=True))
        covered = [k for k in kinks if any(low <= k <= high for low, high in sets)]
        unmatched = sum(not any(low <= k <= high for k in kinks) for low, high in sets)
        text += (
            f" The simulator changes the slope of its planted shares on {len(kinks)} dates "
            f"({', '.join(str(k) for k in kinks)}); {len(covered)} of them lie in the 95% set of a detected boundary, "
            + _count(
                unmatched,
                "detected boundary has no planted change in its set",
                "detected boundaries have no planted change in their set",
            )
            + ", "
            "and changes of slope that no boundary marks are ones the criterion could not tell from the noise."
        )
    derived = joint.filter(pl.col("view") == "derived")
    if derived.height:
        text += (
            f" Traced to root models, the same segmentation finds {derived.height} boundaries over both "
            "dimensions (results table `eras.csv`)."
        )
    rows = []
    for row in joint.filter(pl.col("view") == "uploader").sort("dimension", "start").iter_rows(named=True):
        rows.append(
            [
                row["dimension"].replace("_", " "),
                str(row["start"]),
                f"{row['start_low']} to {row['start_high']}",
                str(row["nearest_period_boundary"]) if row["nearest_period_boundary"] else "\u2013",
                _weeks_text(row["distance_weeks"]) if row["distance_weeks"] is not None else "\u2013",
            ]
        )
    table = markdown_table(
        pl.DataFrame(
            rows, schema=["Dimension", "Era starts", "95% set", "Nearest period start", "Distance"], orient="row"
        ),
        align="llllr",
    )
    return (
        text
        + "\n\n"
        + table
        + "\n: Era boundaries of the headline series in the uploader view, segmented jointly per dimension, the "
        "95% set of dates for each (profile likelihood ratio), and their distance to the nearest start of a "
        "calendar period (negative: the era starts earlier). {#tbl-eras}\n"
    )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def contrast_variables(contrasts: pl.DataFrame) -> dict:
    """contrast.<view>.<dimension>.<group>.<first>_<second>.{estimate, ci, p_adj} for tested contrasts."""
    tree: dict = {}
    for row in contrasts.iter_rows(named=True):
        key = f"{period_key(row['first_period'])}_{period_key(row['second_period'])}"
        if row["p_value"] is None:
            entry = {"estimate": NO_DATA, "ci": NO_DATA, "p_adj": NO_DATA}
        else:
            entry = {
                "estimate": signed(row["estimate_pp"], 1),
                "ci": f"[{signed(row['ci_low'], 1)}, {signed(row['ci_high'], 1)}]",
                "p_adj": p_value(row["p_adjusted"]),
            }
        tree.setdefault(row["view"], {}).setdefault(row["dimension"], {}).setdefault(row["group"], {})[key] = entry
    return tree


def contrast_section(contrasts: pl.DataFrame, labels: dict[str, str], alpha: float) -> str:
    """The results paragraph and table on period contrasts (uploader view), or why none was tested."""
    tested = contrasts.filter(pl.col("p_value").is_not_null())
    if tested.is_empty():
        return (
            "No period contrast was tested in this build: no two calendar periods both hold the "
            "weeks a contrast needs.\n"
        )
    significant = int(tested["significant"].sum())
    text = (
        f"Of the {tested.height} period contrasts tested (both views, each series once), {significant} are "
        f"significant at a false discovery rate of {alpha:g} among the contrasts; @tbl-contrasts lists the "
        "uploader view."
    )
    rows = []
    for row in tested.filter(pl.col("view") == "uploader").iter_rows(named=True):
        rows.append(
            [
                labels.get(row["group"], row["group"]),
                row["dimension"].replace("_", " "),
                row["contrast"],
                f"{signed(row['estimate_pp'], 1)} [{signed(row['ci_low'], 1)}, {signed(row['ci_high'], 1)}]",
                p_value(row["p_adjusted"]),
            ]
        )
    level = f"{tested['confidence'][0] * 100:.0f}%"
    table = markdown_table(
        pl.DataFrame(
            rows, schema=["Series", "Dimension", "Contrast", f"Difference, pp [{level} CI]", "p (BY)"], orient="row"
        ),
        align="lllrr",
    )
    return (
        text
        + "\n\n"
        + table
        + "\n: Period contrasts, uploader view: difference of the mean empirical logit share between two periods, "
        "carried to percentage points at the first period's level, with its confidence interval and the "
        "Benjamini-Yekutieli adjusted p-value of the test on the same scale. {#tbl-contrasts}\n"
    )


MULTIPLIER_TOLERANCE = 1e-6  # relative; shares are recovered exactly, so only rounding separates them
PLANTED_MULTIPLIERS = {
    "share_quantized": "quantized",
    "share_moe": "moe",
    "share_multimodal_generation": "non_text_output",
}


def multiplier_recovery(truth: dict, multipliers: pl.DataFrame) -> pl.DataFrame:
    """Planted (truth.json) versus recovered first-to-last-period multipliers of the property shares."""
    planted = truth["planted"]["properties"]
    rows = []
    for row in multipliers.iter_rows(named=True):
        name = PLANTED_MULTIPLIERS.get(row["statistic"])
        if name is None or row["multiplier"] is None:
            continue
        # Period names such as 2025 read back from CSV as numbers unless told otherwise.
        first, last = (planted[name].get(str(row[key])) for key in ("first_period", "last_period"))
        if not first or last is None:
            continue
        expected = last / first
        rows.append(
            {
                "statistic": row["statistic"],
                "planted": expected,
                "recovered": row["multiplier"],
                "relative_error": abs(row["multiplier"] - expected) / expected,
            }
        )
    return pl.DataFrame(
        rows,
        schema={"statistic": pl.String, "planted": pl.Float64, "recovered": pl.Float64, "relative_error": pl.Float64},
    )


def multiplier_recovery_section(truth: dict | None, multipliers: pl.DataFrame) -> str:
    """One paragraph on demo data: planted versus recovered property multipliers; nothing otherwise."""
    if truth is None:
        return ""
    compared = multiplier_recovery(truth, multipliers)
    if compared.is_empty():
        return "No planted property multiplier could be compared in this build.\n"
    names = {
        "share_quantized": "quantized",
        "share_moe": "mixture-of-experts",
        "share_multimodal_generation": "multimodal generation",
    }
    pairs = "; ".join(
        f"{names[r['statistic']]} {r['planted']:.2f}x planted, {r['recovered']:.2f}x recovered"
        for r in compared.iter_rows(named=True)
    )
    return (
        f"The property multipliers from the first to the last period are recovered as planted ({pairs}); the "
        f"largest relative error is {_small(compared['relative_error'].max())}, within the stated tolerance of "
        f"{MULTIPLIER_TOLERANCE:g}. The planted mean size counts only safetensors parameter counts, while the "
        "paper's size also reads GGUF metadata and names, so the two are not compared here; the end-to-end test "
        "recovers it with sizes from safetensors alone.\n"
    )


def test_family_sentence(contrasts_tested: int, trends_tested: int, duplicates: int) -> str:
    """How the contrasts and trend tests are adjusted, worded for what could be tested."""
    if contrasts_tested + trends_tested == 0:
        return "On these data no contrast and no trend can be tested, so no p-values are adjusted."
    repeated = (
        f" {_count(duplicates, 'series that repeats', 'series that repeat')} another (the same downloads "
        f"under both dimensions) {'is' if duplicates == 1 else 'are'} tested once."
        if duplicates
        else ""
    )
    return (
        f"The {_count(trends_tested, 'trend test', 'trend tests')} and the "
        f"{_count(contrasts_tested, 'contrast', 'contrasts')} tested ask different questions of the same series "
        "and form two families, each adjusted by the Benjamini-Yekutieli procedure [@benjamini2001], which "
        "holds under any dependence: shares of one total move against each other, so the tests are dependent "
        "with mixed signs, where the Benjamini-Hochberg procedure's positive dependence cannot be assumed." + repeated
    )
