"""Sentences of the manuscript whose wording depends on the data: `text.*` variables.

A long series (the demo source, the weekly Hub snapshots) supports the
paper's comparisons between periods and its trend tests; a short sample (a few
daily dumps of the Hub API) covers one window only. Rather than print "no
data" for every absent period, the sentences that compare periods or report
trends are written here, from the results, in the form the data support: a
change from the first to the last period with data, or a finding about the one
window there is, stated once as such. Every number still comes from the
results; the manuscript uses the sentences as `{{< var text... >}}`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from hubshare.manuscript.formatting import join_words, p_value, pct, signed, slope_interval
from hubshare.manuscript.shares_section import concentration_variables, periods_with_data
from hubshare.manuscript.trends_section import skip_reason
from hubshare.periods import HEADLINE_PERIOD

SAMPLED = "the sampled window"
NO_HEADLINE_COUNTRY = "No country group is among the series tested for a trend."


def period_phrase(name: str) -> str:
    """`<=2022` -> `up to 2022`, `2023` -> `in 2023`, `last_year` -> `in the last year`."""
    if name.startswith("<="):
        return f"up to {name[2:]}"
    if name == HEADLINE_PERIOD:
        return "in the last year"
    return f"in {name.replace('_', ' ')}"


def period_noun(name: str) -> str:
    """`<=2022` -> `the years up to 2022`, `2023` -> `2023`, `last_year` -> `the last year`."""
    if name.startswith("<="):
        return f"the years up to {name[2:]}"
    if name == HEADLINE_PERIOD:
        return "the last year"
    return name.replace("_", " ")


def cadence(weeks: pl.Series) -> str:
    """`weekly`, `daily` or `N-day`: the usual spacing of the panel's intervals."""
    dates = weeks.unique().sort()
    if dates.len() < 2:
        return ""
    gaps = dates.diff().drop_nulls().dt.total_days()
    days = int(round(float(gaps.median())))
    return {1: "daily", 7: "weekly"}.get(days, f"{days}-day")


def _share(period_shares: pl.DataFrame, view: str, dimension: str, group: str, period: str) -> float:
    found = period_shares.filter(
        (pl.col("view") == view)
        & (pl.col("dimension") == dimension)
        & (pl.col("group") == group)
        & (pl.col("period") == period)
    )["share"].drop_nulls()
    return float(found[0]) if found.len() else 0.0


def _change(first: float, last: float, first_period: str, last_period: str) -> str:
    return (
        f"went from {pct(first)} of downloads {period_phrase(first_period)} to {pct(last)} {period_phrase(last_period)}"
    )


def headline_trend_subjects(headline_series: list[dict], labels: dict[str, str]) -> list[tuple[str, str]]:
    """(group, its possessive as a sentence names it) for the configured country-group headline series, in order.

    A series' `name` in the configuration, else the vocabulary's label:
    `the United States` -> `the United States'`, `China` -> `China's`.
    """
    subjects = []
    for series in headline_series:
        if series["dimension"] == "country_group":
            name = series.get("name") or labels[series["group"]]
            subjects.append((series["group"], name + ("'" if name.endswith("s") else "'s")))
    return subjects


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def narrative_variables(
    *,
    period_shares: pl.DataFrame,
    periods: list[dict],
    concentration: pl.DataFrame,
    stats: dict,
    snapshots: int,
    intermediaries: dict,
    intermediary_share: pl.DataFrame,
    property_periods: pl.DataFrame,
    multipliers: pl.DataFrame,
    headline_trends: list[tuple[str, str]],
    contrasts: pl.DataFrame | None = None,
) -> dict:
    """The `text` tree of `_variables.yml`: sentences and phrases that read right for the data at hand.

    `headline_trends`: the country groups whose trends the text reports, from `headline_trend_subjects`.
    The abstract's test sentence (`test_abstract`) is the first headline country group's period contrast
    between the first and last periods when `contrasts` has it tested (the contrasts hold their level under the noise
    the calibration covers, the trend test does not under all of it), else its trend test."""
    names = [period["name"] for period in periods]
    shown = periods_with_data(period_shares, names)
    single = len(shown) < 2
    first, last = (shown[0], shown[-1]) if shown else (names[0], names[-1])
    weeks = concentration["week"]
    rhythm = cadence(weeks)
    intervals = weeks.n_unique()
    in_last = f"in {SAMPLED}" if single else period_phrase(last)
    confidence = f"{stats['confidence'] * 100:.0f}%"

    bounds = {period["name"]: (period["start"], period["end"]) for period in periods}
    if single:
        start, end = bounds[last]
        scope = (
            f"This sample covers only {intervals:,} download intervals, ending at its snapshots "
            f"from {weeks.min()} to {weeks.max()}, "
            f"all within {period_noun(last)} as the configuration defines it ({start} to {end}); the results "
            "describe that window, "
            "and comparisons between periods and tests of trends need a longer series."
        )
    else:
        listed = [
            f"{period_noun(name)} ({bounds[name][0]} to {bounds[name][1]})" if name == shown[-1] else period_noun(name)
            for name in shown
        ]
        scope = f"Shares are compared across {join_words(listed)}."

    change: dict = {}
    for (view, dimension, group), _ in period_shares.group_by("view", "dimension", "group"):
        if single:  # the window is named once, in `scope`
            phrase = f"received {pct(_share(period_shares, view, dimension, group, last))} of downloads"
        else:
            phrase = _change(
                _share(period_shares, view, dimension, group, first),
                _share(period_shares, view, dimension, group, last),
                first,
                last,
            )
        change.setdefault(view, {}).setdefault(dimension, {})[group] = phrase

    return {
        "last": SAMPLED if single else f"{period_noun(last)} of the data",
        "in_last": in_last,
        "scope": scope,
        "cadence": rhythm,  # empty for a single interval: Markdown folds the double space
        "intervals": f"{intervals:,} {rhythm} interval{'s' if intervals != 1 else ''}".replace("  ", " "),
        "change": change,
        **_trend_text(stats, rhythm, confidence, headline_trends),
        **_contrast_abstract(contrasts, headline_trends[:1], names, rhythm, confidence),
        "concentration": _concentration_text(concentration, rhythm),
        "intermediaries": _intermediary_text(intermediaries, intermediary_share, shown, single, in_last),
        "properties": _property_text(property_periods, multipliers, shown, single, confidence),
    }


def _contrast_abstract(
    contrasts: pl.DataFrame | None, subjects: list[tuple[str, str]], names: list[str], rhythm: str, confidence: str
) -> dict:
    """{"test_abstract": ...} from the first headline country group's widest tested contrast as uploaded; {} when
    there is none. `subjects`: that group and its possessive (`headline_trend_subjects`), or nothing."""
    if contrasts is None or not subjects:
        return {}
    group, possessive = subjects[0]
    order = {name: index for index, name in enumerate(names)}
    tested = contrasts.filter(
        (pl.col("view") == "uploader")
        & (pl.col("dimension") == "country_group")
        & (pl.col("group") == group)
        & pl.col("p_value").is_not_null()
    )
    if tested.is_empty():
        return {}
    row = max(tested.iter_rows(named=True), key=lambda r: order[r["second_period"]] - order[r["first_period"]])
    estimate = row["estimate_pp"]
    detail = (
        f"{confidence} CI [{signed(row['ci_low'], 1)}, {signed(row['ci_high'], 1)}], "
        f"adjusted p {p_value(row['p_adjusted'])}"
    )
    subject = (
        f"From {period_noun(row['first_period'])} to {period_noun(row['second_period'])}, {possessive} "
        f"mean {rhythm + ' ' if rhythm else ''}share"
    )
    if not row["significant"]:
        # The interval is the contrast's own; only the adjustment across the family decides significance.
        return {
            "test_abstract": f"{subject} changed by {signed(estimate, 1)} percentage points ({detail}), a change "
            "that, adjusted for the family of contrasts, is not distinguished from persistent noise."
        }
    verb = "rose" if estimate > 0 else "fell"
    return {"test_abstract": f"{subject} {verb} by {abs(estimate):.1f} percentage points ({detail})."}


def _trend_sentence(test: dict, subject: str, confidence: str | None) -> str:
    ols = test["robust"]
    slope = ols["slope_pp_per_year"]
    interval = f"{confidence} CI {slope_interval(ols['ci_low'], ols['ci_high'])}, " if confidence else ""
    detail = f"({interval}adjusted p {p_value(ols['p_adjusted'])})"
    if slope == 0:
        return f"{subject} did not change {detail}"
    if not ols["significant"]:
        # The direction of a slope the test cannot tell from noise is not a finding.
        return (
            f"{subject} showed no trend distinguishable from persistent noise (slope {signed(slope, 2)} "
            f"percentage points a year, {detail[1:-1]})"
        )
    verb = "rose" if slope > 0 else "fell"
    return f"{subject} {verb} by {abs(slope):.2f} percentage points a year {detail}"


def _trend_text(stats: dict, rhythm: str, confidence: str, subjects: list[tuple[str, str]]) -> dict:
    tests = {(t["view"], t["dimension"], t["group"]): t for t in stats["tests"]}
    skipped = stats.get("skipped", [])
    series = f"{rhythm} share" if rhythm else "share"
    if not tests:
        why = skip_reason(skipped[0]) if skipped else "no series was long enough"
        return {
            "test_abstract": f"The sample is too short for tests of trends ({why}).",
            "trends": f"None was tested on this sample: each series has {why.replace('; ', ', and ')}.",
            "trend_caption": "The series of the trend tests, the number of values each has in this sample, "
            "and why none was tested.",
            "tests_run": "none in this build, whose series are too short",
        }
    parts = []
    for index, (group, subject) in enumerate(subjects):
        test = tests.get(("uploader", "country_group", group))
        named = f"{_sentence_start(subject)} {series}" if index == 0 else subject
        parts.append(f"{named} was not tested" if test is None else _trend_sentence(test, named, None))
    abstract = NO_HEADLINE_COUNTRY
    if subjects:
        first, lead = tests.get(("uploader", "country_group", subjects[0][0])), _sentence_start(subjects[0][1])
        abstract = (
            _trend_sentence(first, f"{lead} {series}", confidence) + "."
            if first
            else f"{lead} share was not tested for a trend."
        )
    caption = (
        f"Trend tests of {series.replace(' share', '')} series on non-overlapping intervals: mean level in the "
        f"first and last 52 weeks, slope per year of the logit share carried to percentage points at the "
        f"midpoint share, with its {confidence} confidence interval (CI) from the test that holds under "
        "stationary and integrated noise, its Benjamini-Yekutieli adjusted p-value (p (BY)), and, for "
        "comparison only, the pre-whitened Mann-Kendall p-value (p (MK)), which the calibration appendix shows "
        "to reject too often. Shares in percent and slopes in percentage points; HHI (Herfindahl-Hirschman "
        "index) and Gini multiplied by 100."
    )
    return {
        "test_abstract": abstract,
        "trends": "; ".join(parts) + "." if parts else NO_HEADLINE_COUNTRY,
        "trend_caption": caption,
        "tests_run": f"{len(tests):,} in this build",
    }


def _concentration_text(concentration: pl.DataFrame, rhythm: str, days: int = 364) -> dict:
    summary = concentration_variables(concentration, days)
    texts = {}
    for (view,), rows in concentration.group_by("view", maintain_order=True):
        values = summary[view]
        span = rows["week"].max() - rows["week"].min()
        if span > dt.timedelta(days=days):
            texts[view] = (
                f"the mean {rhythm} Herfindahl-Hirschman index was {values['hhi_first']} (on the 0-10,000 scale) "
                f"in the first year and {values['hhi_last']} in the last; the Gini coefficient across "
                f"organisations went from {values['gini_first']} to {values['gini_last']}, and the ten largest "
                f"organisations received {values['top10_first']} of downloads in the first year and "
                f"{values['top10_last']} in the last"
            )
        else:
            texts[view] = (
                f"the mean {rhythm} Herfindahl-Hirschman index over {SAMPLED} was {rows['hhi'].mean() * 10_000:,.0f} "
                f"(on the 0-10,000 scale), the Gini coefficient across organisations {rows['gini'].mean():.3f}, and "
                f"the ten largest organisations received {pct(rows['top10'].mean())} of downloads"
            )
    return texts


def _intermediary_text(
    intermediaries: dict, by_period: pl.DataFrame, shown: list[str], single: bool, in_last: str
) -> str:
    count = int(intermediaries["count"].replace(",", ""))
    if count == 0:
        return (
            f"At a threshold of {intermediaries['threshold']}, the rule flags no namespace as an "
            "intermediary in these data"
        )
    plural = count != 1
    flagged = (
        f"The rule flags {intermediaries['count']} namespace{'s' if plural else ''} as "
        f"intermediar{'ies' if plural else 'y'}"
    )
    share = {row["period"]: row["share"] for row in by_period.iter_rows(named=True)}
    if single or not shown:
        received = pct(share.get(shown[-1], 0.0) if shown else 0.0)
        return f"{flagged}; {'they' if plural else 'it'} received {received} of downloads {in_last}"
    first, last = share.get(shown[0], 0.0), share.get(shown[-1], 0.0)
    if first == last:
        return (
            f"{flagged}. Their share of downloads stayed at {pct(last)} from {period_noun(shown[0])} "
            f"to {period_noun(shown[-1])}"
        )
    verb = "grew" if last > first else "fell"
    return (
        f"{flagged}. Their share of downloads {verb} from {pct(first)} {period_phrase(shown[0])} to "
        f"{pct(last)} {period_phrase(shown[-1])}"
    )


def _times(value: float | None) -> str:
    return "\u2013" if value is None else ("\u221e" if value == float("inf") else f"{value:.1f}x")


def _property_text(
    property_periods: pl.DataFrame, multipliers: pl.DataFrame, shown: list[str], single: bool, confidence: str
) -> str:
    rows = {row["statistic"]: row for row in multipliers.iter_rows(named=True)}
    mean = rows.get("mean_params")
    if mean is not None and mean["first_period"] != mean["last_period"] and not single:

        def part(statistic: str) -> tuple[str, str]:
            row = rows.get(statistic) or {}
            return _times(row.get("multiplier")), f"[{_times(row.get('ci_low'))}, {_times(row.get('ci_high'))}]"

        statistics = ("mean_params", "share_quantized", "share_moe", "share_multimodal_generation")
        size, quantized, moe, multimodal = (part(statistic) for statistic in statistics)
        return (
            f"From {period_noun(mean['first_period'])} to {period_noun(mean['last_period'])}, the mean size of a "
            f"downloaded model grew {size[0]} ({confidence} bootstrap interval {size[1]}), the share of downloads "
            f"going to quantized models {quantized[0]} ({quantized[1]}), to mixture-of-experts models {moe[0]} "
            f"({moe[1]}) and to models that generate images, audio or video {multimodal[0]} ({multimodal[1]})"
        )
    period = shown[-1] if shown else None
    estimates = {row["statistic"]: row for row in property_periods.iter_rows(named=True) if row["period"] == period}

    def share(statistic: str) -> str:
        row = estimates.get(statistic)
        return "an undefined share" if row is None or row["estimate"] is None else pct(row["estimate"])

    size = estimates.get("mean_params")
    if size is None or size["estimate"] is None:
        sized = "no downloaded model had a known parameter count"
    else:
        interval = (
            ""
            if size["ci_low"] is None
            else f" ({confidence} bootstrap interval [{size['ci_low'] / 1e9:.2f}, {size['ci_high'] / 1e9:.2f}])"
        )
        sized = (
            f"downloaded models with a known parameter count averaged {size['estimate'] / 1e9:.2f} billion "
            f"parameters{interval}"
        )
    where = f"In {SAMPLED}" if single else f"In {period_noun(period)}"
    return (
        f"{where}, {sized}, and quantized models received {share('share_quantized')} of downloads, "
        f"mixture-of-experts models {share('share_moe')} and models that generate images, audio or video "
        f"{share('share_multimodal_generation')}; growth between periods needs a longer series"
    )
