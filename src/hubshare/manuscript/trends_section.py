"""The trend tests: their variables, table, and how their p-values are adjusted."""

from __future__ import annotations

import re

import polars as pl

from hubshare.manuscript.formatting import NO_DATA, count_noun, one_decimal, p_value, signed, slope_interval
from hubshare.manuscript.tables import markdown_table


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
            "first": one_decimal(test["share_first_year_pct"]),
            "last": one_decimal(test["share_last_year_pct"]),
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
                one_decimal(test["share_first_year_pct"]) + unit * (test["share_first_year_pct"] is not None),
                one_decimal(test["share_last_year_pct"]) + unit * (test["share_last_year_pct"] is not None),
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


def test_family_sentence(contrasts_tested: int, trends_tested: int, duplicates: int) -> str:
    """How the contrasts and trend tests are adjusted, worded for what could be tested."""
    if contrasts_tested + trends_tested == 0:
        return "On these data no contrast and no trend can be tested, so no p-values are adjusted."
    repeated = (
        f" {count_noun(duplicates, 'series that repeats', 'series that repeat')} another (the same downloads "
        f"under both dimensions) {'is' if duplicates == 1 else 'are'} tested once."
        if duplicates
        else ""
    )
    return (
        f"The {count_noun(trends_tested, 'trend test', 'trend tests')} and the "
        f"{count_noun(contrasts_tested, 'contrast', 'contrasts')} tested ask different questions of the same series "
        "and form two families, each adjusted by the Benjamini-Yekutieli procedure [@benjamini2001], which "
        "holds under any dependence: shares of one total move against each other, so the tests are dependent "
        "with mixed signs, where the Benjamini-Hochberg procedure's positive dependence cannot be assumed." + repeated
    )
