"""Sentences worded for the data: period comparisons on a long series, one window said once on a short one."""

import datetime as dt

import polars as pl

from hubshare.manuscript.formatting import NO_DATA, period_label
from hubshare.manuscript.shares_section import periods_with_data
from hubshare.manuscript.tables import TABLE_BUDGET, markdown_table
from hubshare.manuscript.text import cadence, headline_trend_subjects, narrative_variables, period_phrase
from hubshare.manuscript.trends_section import trend_table

PERIODS = [
    {"name": "<=2022", "start": "2000-01-01", "end": "2022-12-31"},
    {"name": "2023", "start": "2023-01-01", "end": "2023-12-31"},
    {"name": "last_year", "start": "2025-08-11", "end": "2026-08-10"},
]


def period_shares(periods_with_downloads: dict[str, float]) -> pl.DataFrame:
    rows = []
    for period in ("<=2022", "2023", "last_year"):
        share = periods_with_downloads.get(period)
        downloads = 0.0 if share is None else 100.0
        for view in ("uploader", "derived"):
            rows.append((view, "country_group", "china", period, downloads * (share or 0), share))
            rows.append(
                (
                    view,
                    "country_group",
                    "united_states",
                    period,
                    downloads * (1 - (share or 0)),
                    None if share is None else 1 - share,
                )
            )
    return pl.DataFrame(rows, schema=["view", "dimension", "group", "period", "downloads", "share"], orient="row")


def concentration(first: dt.date, days: int, step: int) -> pl.DataFrame:
    weeks = [first + dt.timedelta(days=d) for d in range(0, days, step)]
    return pl.DataFrame(
        {
            "week": weeks * 2,
            "view": ["uploader"] * len(weeks) + ["derived"] * len(weeks),
            "hhi": [0.1] * (2 * len(weeks)),
            "gini": [0.8] * (2 * len(weeks)),
            "top10": [0.7] * (2 * len(weeks)),
            "organizations": [50] * (2 * len(weeks)),
        }
    )


def trend_test(group: str, slope: float) -> dict:
    return {
        "view": "uploader",
        "dimension": "country_group",
        "group": group,
        "share_first_year_pct": 10.0,
        "share_last_year_pct": 20.0,
        "robust": {
            "slope_pp_per_year": slope,
            "ci_low": slope - 1,
            "ci_high": slope + 1,
            "p_value": 0.01,
            "p_adjusted": 0.02,
            "significant": True,
        },
        "mann_kendall": {"p_value": 0.03, "sen_slope_pp_per_year": slope},
    }


def properties(periods: list[str]) -> pl.DataFrame:
    rows = []
    for period in periods:
        rows += [
            (period, "mean_params", 7e9, 6e9, 8e9, 100),
            (period, "share_quantized", 0.1, 0.05, 0.15, 100),
            (period, "share_moe", 0.02, 0.01, 0.03, 100),
            (period, "share_multimodal_generation", 0.03, 0.02, 0.04, 100),
        ]
    return pl.DataFrame(
        rows, schema=["period", "statistic", "estimate", "ci_low", "ci_high", "downloads"], orient="row"
    )


def multipliers(first: str, last: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "statistic": ["mean_params", "share_quantized", "share_moe", "share_multimodal_generation"],
            "first_period": [first] * 4,
            "last_period": [last] * 4,
            "multiplier": [2.0, 3.0, 4.0, 5.0],
            "ci_low": [1.5, 2.0, 3.0, 4.0],
            "ci_high": [2.5, 4.0, 5.0, 6.0],
        }
    )


# The default configuration's country-group headline series, as the text names them.
HEADLINE_TRENDS = headline_trend_subjects(
    [
        {"dimension": "country_group", "group": "united_states", "name": "the United States"},
        {"dimension": "country_group", "group": "china"},
        {"dimension": "developer_type", "group": "industry"},
        {"dimension": "country_group", "group": "unaffiliated_user", "name": "unaffiliated users"},
    ],
    {"united_states": "United States", "china": "China", "unaffiliated_user": "Unaffiliated user"},
)


def test_headline_trends_name_the_configured_country_groups_in_order():
    assert HEADLINE_TRENDS == [
        ("united_states", "the United States'"),
        ("china", "China's"),
        ("unaffiliated_user", "unaffiliated users'"),
    ]


def build(
    shares: dict[str, float],
    weeks: pl.DataFrame,
    stats: dict,
    count: str,
    first: str,
    last: str,
    headline_trends: list[tuple[str, str]] = HEADLINE_TRENDS,
    contrasts: pl.DataFrame | None = None,
) -> dict:
    shown = [p for p in ("<=2022", "2023", "last_year") if p in shares]
    return narrative_variables(
        period_shares=period_shares(shares),
        periods=PERIODS,
        concentration=weeks,
        stats=stats,
        snapshots=4,
        intermediaries={"count": count, "threshold": "50%"},
        intermediary_share=pl.DataFrame({"period": shown, "share": [0.05 * (i + 1) for i in range(len(shown))]}),
        property_periods=properties(shown),
        multipliers=multipliers(first, last),
        headline_trends=headline_trends,
        contrasts=contrasts,
    )


def flat_text(tree: dict) -> str:
    return " ".join(flat_text(v) if isinstance(v, dict) else str(v) for v in tree.values())


def test_a_short_sample_is_described_as_its_one_window():
    stats = {
        "confidence": 0.95,
        "tests": [],
        "skipped": [
            {
                "view": "uploader",
                "dimension": "country_group",
                "group": "china",
                "n_intervals": 3,
                "skipped": "3 snapshots; a trend test needs 10",
            }
        ],
    }
    text = build({"last_year": 0.25}, concentration(dt.date(2026, 8, 8), 3, 1), stats, "0", "last_year", "last_year")
    assert text["cadence"] == "daily" and text["intervals"] == "3 daily intervals"
    assert text["scope"].startswith(
        "This sample covers only 3 download intervals, ending at its snapshots from 2026-08-08 to 2026-08-10"
    )
    assert "(2025-08-11 to 2026-08-10)" in text["scope"] and "need a longer series" in text["scope"]
    assert text["in_last"] == "in the sampled window"
    assert text["change"]["uploader"]["country_group"]["china"] == "received 25.0% of downloads"
    assert "3 values" in text["trends"] and "needs 10" in text["trends"]
    assert text["tests_run"].startswith("none")
    assert "index over the sampled window was 1,000" in text["concentration"]["uploader"]
    assert "no namespace" in text["intermediaries"]
    assert text["properties"].startswith(
        "In the sampled window, downloaded models with a known parameter count "
        "averaged 7.00 billion parameters (95% bootstrap interval [6.00, 8.00])"
    )
    everything = flat_text(text)
    assert NO_DATA not in everything and "last_year" not in everything and "1.0x" not in everything


def test_a_long_series_compares_its_first_and_last_periods():
    stats = {"confidence": 0.95, "tests": [trend_test("united_states", -1.5), trend_test("china", 2.25)], "skipped": []}
    shares = {"<=2022": 0.1, "2023": 0.2, "last_year": 0.3}
    text = build(shares, concentration(dt.date(2021, 1, 6), 5 * 364, 7), stats, "12", "<=2022", "last_year")
    assert text["cadence"] == "weekly"
    assert text["in_last"] == "in the last year" and text["last"] == "the last year of the data"
    assert text["change"]["uploader"]["country_group"]["china"] == (
        "went from 10.0% of downloads up to 2022 to 30.0% in the last year"
    )
    assert text["test_abstract"] == (
        "The United States' weekly share fell by 1.50 percentage points a year "
        "(95% CI [\u22122.50, \u22120.50], adjusted p 0.020)."
    )
    assert text["trends"].startswith("The United States' weekly share fell by 1.50 percentage points a year")
    assert "China's rose by 2.25" in text["trends"] and "unaffiliated users' was not tested" in text["trends"]
    # Another configuration's series, named by the vocabulary's label: China leads the text and the abstract.
    china_first = headline_trend_subjects([{"dimension": "country_group", "group": "china"}], {"china": "China"})
    text = build(
        shares, concentration(dt.date(2021, 1, 6), 5 * 364, 7), stats, "12", "<=2022", "last_year", china_first
    )
    assert text["test_abstract"].startswith("China's weekly share rose by 2.25 percentage points a year")
    assert text["trends"].startswith("China's weekly share rose") and "United States" not in text["trends"]

    assert text["tests_run"] == "2 in this build"
    assert "in the first year and 1,000 in the last" in text["concentration"]["uploader"]
    assert text["intermediaries"] == (
        "The rule flags 12 namespaces as intermediaries. Their share of downloads grew from 5.0% up to 2022 "
        "to 15.0% in the last year"
    )
    assert text["properties"].startswith(
        "From the years up to 2022 to the last year, the mean size of a "
        "downloaded model grew 2.0x (95% bootstrap interval [1.5x, 2.5x])"
    )
    assert NO_DATA not in flat_text(text)


def test_periods_with_data_and_their_wording():
    shares = period_shares({"2023": 0.5})
    assert periods_with_data(shares, ["<=2022", "2023", "last_year"]) == ["2023"]
    assert [period_phrase(p) for p in ("<=2022", "2023", "last_year")] == ["up to 2022", "in 2023", "in the last year"]
    assert [period_label(p) for p in ("<=2022", "2023", "last_year")] == ["\u22642022", "2023", "Last year"]
    assert cadence(pl.Series([dt.date(2024, 1, 1)])) == ""


def test_a_table_wider_than_the_page_keeps_numbers_whole_and_wraps_text():
    frame = pl.DataFrame(
        {
            "Claim": ["a long claim " * 10, "short"],
            "Value": ["2.20 billion", "1"],
            "Verdict": ["not testable", "differs"],
        }
    )
    widths = [len(cell) for cell in markdown_table(frame, align="lrl").splitlines()[1].strip("|").split("|")]
    assert sum(widths) <= TABLE_BUDGET + 1
    assert widths[1] >= len("2.20 billion") + 2 and widths[2] >= len("not testable") + 2
    assert widths[0] < len("a long claim " * 10)


def test_a_trend_table_without_tests_lists_each_series_once_with_its_reason():
    stats = {
        "confidence": 0.95,
        "tests": [],
        "skipped": [
            {
                "view": "uploader",
                "dimension": "country_group",
                "group": "china",
                "n_intervals": 3,
                "skipped": "3 snapshots; a trend test needs 10",
            }
        ],
    }
    lines = trend_table(stats, {"china": "China"}).splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == [
        "Series",
        "Dimension",
        "View",
        "Values",
        "Not tested because",
    ]
    assert [c.strip() for c in lines[2].strip("|").split("|")] == [
        "China",
        "country group",
        "uploader",
        "3",
        "fewer than 10 values",
    ]


def test_a_slope_the_test_cannot_tell_from_noise_is_given_no_direction():
    from hubshare.manuscript.text import _trend_sentence

    test = trend_test("united_states", -5.49)
    test["robust"].update(significant=False, p_adjusted=0.7, ci_low=-19.1, ci_high=8.1)
    sentence = _trend_sentence(test, "The United States' weekly share", "95%")
    assert sentence == (
        "The United States' weekly share showed no trend distinguishable from persistent noise "
        "(slope \u22125.49 percentage points a year, 95% CI [\u221219.10, +8.10], adjusted p 0.700)"
    )
    assert "fell" not in sentence


def test_the_abstract_leans_on_the_widest_contrast_of_the_united_states():
    stats = {"confidence": 0.95, "tests": [trend_test("united_states", -1.5)], "skipped": []}
    shares = {"<=2022": 0.1, "2023": 0.2, "last_year": 0.3}

    def contrast(first, second, estimate, significant, group="united_states", view="uploader"):
        return {
            "view": view,
            "dimension": "country_group",
            "group": group,
            "first_period": first,
            "second_period": second,
            "estimate_pp": estimate,
            "ci_low": estimate - 1.0,
            "ci_high": estimate + 1.0,
            "p_value": 0.001 if significant else 0.4,
            "p_adjusted": 0.004 if significant else 0.6,
            "significant": significant,
        }

    rows = [
        contrast("<=2022", "2023", 9.0, True),
        contrast("2023", "last_year", -2.5, False),
        contrast("<=2022", "last_year", -12.34, True),
        contrast("<=2022", "last_year", 50.0, True, group="china"),
        contrast("<=2022", "last_year", 50.0, True, view="derived"),
    ]
    weeks = concentration(dt.date(2021, 1, 6), 5 * 364, 7)
    text = build(shares, weeks, stats, "12", "<=2022", "last_year", contrasts=pl.DataFrame(rows))
    assert text["test_abstract"] == (
        "From the years up to 2022 to the last year, the United States' mean weekly share fell by 12.3 percentage "
        "points (95% CI [\u221213.3, \u221211.3], adjusted p 0.004)."
    )
    rows[2] = contrast("<=2022", "last_year", -2.0, False)
    text = build(shares, weeks, stats, "12", "<=2022", "last_year", contrasts=pl.DataFrame(rows))
    assert text["test_abstract"].endswith(
        "share changed by \u22122.0 percentage points (95% CI [\u22123.0, \u22121.0], adjusted p 0.600), a change "
        "that, adjusted for the family of contrasts, is not distinguished from persistent noise."
    )
    # without a tested contrast, the trend test speaks
    untested = pl.DataFrame(rows).with_columns(pl.lit(None, dtype=pl.Float64).alias("p_value"))
    text = build(shares, weeks, stats, "12", "<=2022", "last_year", contrasts=untested)
    assert text["test_abstract"].startswith("The United States' weekly share fell by 1.50")
