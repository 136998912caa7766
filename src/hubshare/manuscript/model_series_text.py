"""The paper's section on series below the level of groups: `model_series.*` variables and the generated table.

Shown when the input has the non-overlapping intervals a series over time
needs but too few namespaces for shares of an ecosystem (`show.model_series`,
set in `hubshare.manuscript.scope`), and the series hold downloads. The
section says first what such an input cannot show, then what its own
downloads support (`hubshare.analysis.model_series`, tested by
`hubshare.inference.model_trends`). On an ecosystem the headline series and
the concentration over organisations already cover the question, and a
concentration over thousands of models would be a second, unasked one: the
section stays off.
"""

from __future__ import annotations

import polars as pl

from hubshare.manuscript.formatting import big_number, count_noun, join_words, p_value, pct, signed, slope_interval
from hubshare.manuscript.tables import markdown_table

SIGNS = "+\u2212"  # the signs `signed` writes: a verb (rose, fell) says the direction instead
VARIANT_LABELS = {"all": "all listed models", "throughout": "the models present throughout"}


def model_series_shown(flags: dict, trends: pl.DataFrame) -> bool:
    return bool(flags["model_series"]) and trends.height > 0


def _level(series: str, value: float | None) -> str:
    if value is None:
        return "\u2013"
    if series in ("namespace_share", "top_model_share"):
        return pct(value)
    if series == "hhi":
        return f"{value:.3f}"
    return big_number(value)


def _trend(row: dict, confidence: float, short: bool = False) -> str:
    """The trend per year with its interval, in the row's unit (`short`: for a table cell)."""
    unit = {"downloads": "%", "hhi": ""}.get(row["series"], " pp" if short else " percentage points")
    decimals = {"downloads": 1, "hhi": 3}.get(row["series"], 2)
    if row["series"] in ("downloads", "hhi"):
        end = "%" if row["series"] == "downloads" else ""
        interval = f"[{signed(row['ci_low'], decimals)}{end}, {signed(row['ci_high'], decimals)}{end}]"
    else:
        interval = slope_interval(row["ci_low"], row["ci_high"])
    estimate = f"{signed(row['estimate'], decimals)}{unit}"
    return f"{estimate} {interval}" if short else f"{estimate} a year, {confidence:.0%} CI {interval}"


def _subject(row: dict) -> str:
    return {
        "namespace_share": f"{row['subject']}'s share of the downloads",
        "hhi": "the Herfindahl-Hirschman index over models",
        "top_model_share": "the most downloaded model's share",
        "downloads": "the downloads per 30 days",
    }[row["series"]]


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def _rows(trends: pl.DataFrame) -> dict[tuple[str, str, str], dict]:
    return {(r["variant"], r["series"], r["subject"]): r for r in trends.iter_rows(named=True)}


def _levels_sentence(rows: dict, key: tuple[str, str]) -> str:
    """The first and last year's means of one series, over all models and over those present throughout."""
    series, subject = key

    def pair(row: dict) -> str:
        text = f"{_level(series, row['first_year'])} and {_level(series, row['last_year'])}"
        if series == "hhi" and row["first_year"] and row["last_year"]:
            text += f" (effective numbers of models {1 / row['first_year']:.1f} and {1 / row['last_year']:.1f})"
        return text

    first = rows[("all", series, subject)]
    text = f"{_capital(_subject(first))} averaged {pair(first)} in the first and the last year of the series"
    if ("throughout", series, subject) in rows:
        throughout = rows[("throughout", series, subject)]
        text += f"; among the {throughout['models']} models present throughout, {pair(throughout)}"
    return text + "."


def _tests_sentence(trends: pl.DataFrame, confidence: float, alpha: float) -> str:
    """What the family of tests finds: the trends it detects, or that it detects none and how close it came."""
    tested = trends.filter(pl.col("p_value").is_not_null())
    if tested.height == 0:
        return f"No series is tested: {trends['note'][0].removeprefix('not tested: ')}."
    found = tested.filter(pl.col("significant"))
    where = {"all": "over all listed models", "throughout": "among the models present throughout"}
    if found.height == 0:
        closest = tested.sort("p_value").row(0, named=True)
        return (
            f"None of the {tested.height} tests tells a trend from persistent noise at a false discovery rate of "
            f"{alpha:g}; the smallest p-value before adjustment, {p_value(closest['p_value'])}, is that of "
            f"{_subject(closest)} {where[closest['variant']]} ({_trend(closest, confidence)}; adjusted p "
            f"{p_value(closest['p_adjusted'])})."
        )
    verbs = {True: {"downloads": "grew", None: "rose"}, False: {"downloads": "shrank", None: "fell"}}
    findings = [
        f"{_subject(row)} {where[row['variant']]} "
        f"{verbs[row['estimate'] > 0].get(row['series'], verbs[row['estimate'] > 0][None])} by "
        f"{_trend(row, confidence).lstrip(SIGNS)} (adjusted p {p_value(row['p_adjusted'])})"
        for row in found.iter_rows(named=True)
    ]
    return (
        f"Of the {tested.height} tests, {found.height} tell{'s' if found.height == 1 else ''} a trend from "
        f"persistent noise at a false discovery rate of {alpha:g}: {'; '.join(findings)}."
    )


def model_series_variables(
    trends: pl.DataFrame, capabilities: dict, credited: dict[str, list[str]], confidence: float, alpha: float
) -> dict:
    """`model_series.*`. `credited`: the namespaces, and for each dimension of the attribution the groups,
    credited with downloads."""
    if trends.height == 0:
        return {}
    rows = _rows(trends)
    counts = {
        variant: int(trends.filter(pl.col("variant") == variant)["models"].max() or 0) for variant in VARIANT_LABELS
    }
    intervals = capabilities["intervals"]
    n = int(trends["n_intervals"].max())

    organisations = credited["organization"]
    cannot = (
        f"The input holds the models of {count_noun(len(credited['namespace']), 'namespace', 'namespaces')} only, credited to "
        f"{count_noun(len(organisations), 'organisation', 'organisations')} ({join_words(organisations)}) in "
        f"{count_noun(len(credited['country_group']), 'country group', 'country groups')} and "
        f"{count_noun(len(credited['developer_type']), 'developer type', 'developer types')}. Such an input cannot show a country's, a "
        "developer type's or an organisation's share of an ecosystem: the shares of @tbl-country and "
        "@tbl-developer describe these namespaces alone, none of them is followed over time or tested, and "
        "nothing here speaks of the Hub beyond them."
    )
    keys = list(trends.filter(pl.col("variant") == "all").select("series", "subject").iter_rows())
    levels = {key: rows[("all", *key)] for key in keys if key[0] in ("namespace_share", "downloads")}
    abstract = (
        f"Below the level of groups, on {n} non-overlapping download intervals, "
        + " and ".join(
            f"{_subject(row)} went from {_level(key[0], row['first_year'])} in the first year to "
            f"{_level(key[0], row['last_year'])} in the last"
            for key, row in levels.items()
        )
        + f". {_tests_sentence(trends, confidence, alpha)}"
    )
    return {
        "cannot": cannot,
        "namespaces": join_words(credited["namespace"]),
        "intervals": (
            f"{n} non-overlapping download intervals from {intervals['first_day']} to {intervals['last_day']}"
        ),
        "models": f"{counts['all']} models in all, {counts['throughout']} of them with downloads in every interval",
        "tested": f"{trends.filter(pl.col('p_value').is_not_null()).height}",
        "findings": " ".join(_levels_sentence(rows, key) for key in keys)
        + " "
        + _tests_sentence(trends, confidence, alpha),
        "abstract": abstract,
        "rows": {
            variant: {
                (f"{series}_{subject}" if subject else series): {
                    "first": _level(series, row["first_year"]),
                    "last": _level(series, row["last_year"]),
                    "trend": "" if row["note"] else _trend(row, confidence),
                    "p_adjusted": "" if row["note"] else p_value(row["p_adjusted"]),
                    "note": row["note"],
                }
                for (kind, series, subject), row in rows.items()
                if kind == variant
            }
            for variant in VARIANT_LABELS
        },
    }


def model_trends_markdown(trends: pl.DataFrame, confidence: float) -> str:
    """One row per series and variant: first and last year, trend per year and adjusted p (or why not tested)."""
    if trends.height == 0:
        return ""
    lines = []
    for row in trends.iter_rows(named=True):
        subject = _subject(row).replace(" of the downloads", "").removeprefix("the ")
        lines.append(
            [
                _capital(subject),
                f"{row['models']} {'throughout' if row['variant'] == 'throughout' else 'listed'}",
                _level(row["series"], row["first_year"]),
                _level(row["series"], row["last_year"]),
                row["note"] or _trend(row, confidence, short=True),
                "" if row["note"] else p_value(row["p_adjusted"]),
            ]
        )
    columns = ["Series", "Models", "First year", "Last year", "Trend per year [CI]", "Adjusted p"]
    return markdown_table(pl.DataFrame(lines, schema=columns, orient="row"), align="lrrrlr")
