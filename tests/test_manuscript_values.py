"""Manuscript values: formatting helpers, variable trees, generated tables, and the recovery validation."""

import datetime as dt

import polars as pl
import pytest

from hubshare.demo.recovery import recovery_table
from hubshare.manuscript import trends_section  # by module: pytest would collect a `test_` name as a test
from hubshare.manuscript.attribution_section import counter_fall_sentence, coverage_variables
from hubshare.manuscript.eras_section import era_section
from hubshare.manuscript.formatting import big_number, p_value, pct, period_key, signed, slope_interval
from hubshare.manuscript.shares_section import share_variables
from hubshare.manuscript.tables import markdown_table
from hubshare.manuscript.trends_section import trend_variables
from hubshare.manuscript.validation_section import (
    claims_summary,
    recovery_table_markdown,
    recovery_variables,
    validation_section,
)

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("<=2022", "to2022"),
        ("2023", "p2023"),
        ("last_year", "last_year"),
        ("Last Year", "last_year"),
        ("2021-2022", "p2021_2022"),
    ],
)
def test_period_key(name, key):
    assert period_key(name) == key


def test_pct():
    # 0.1234 * 100 = 12.34 -> one decimal
    assert pct(0.1234) == "12.3%"
    assert pct(0.0) == "0.0%"
    assert pct(1.0) == "100.0%"
    assert pct(0.5, 0) == "50%"
    assert pct(0.01234, 2) == "1.23%"


def test_signed_uses_the_true_minus_sign():
    assert signed(2.0, 2) == "+2.00"
    assert signed(-1.5) == MINUS + "1.5"
    assert signed(-0.123, 2) == MINUS + "0.12"
    assert signed(0.0) == "+0.0"
    assert "-" not in signed(-42.0)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "<\u00a00.001"),
        (0.0009, "<\u00a00.001"),
        (0.001, "0.001"),
        (0.04567, "0.046"),
        (0.5, "0.500"),
        (1.0, "1.000"),
    ],
)
def test_p_value(value, text):
    assert p_value(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2_213_000_000, "2.21 billion"),
        (1_000_000_000, "1.00 billion"),
        (1_500_000, "1.50 million"),
        (1_000_000, "1.00 million"),
        (45_300, "45,300"),
        (999, "999"),
        (0, "0"),
    ],
)
def test_big_number(value, text):
    assert big_number(value) == text


def test_big_number_rounding_up_to_the_next_unit():
    assert big_number(999_999_999) == "1.00 billion"


def test_markdown_table_shape_and_alignment():
    frame = pl.DataFrame({"Group": ["China", None], "Share": ["12.3%", "4.5%"], "N": [3, 4]})
    text = markdown_table(frame, align="lrr")
    assert text == (
        "| Group | Share | N |\n"
        # dashes follow the widest cell of each column (at least 3), plus 2 for padding
        "|:------|------:|----:|\n"
        "| China | 12.3% | 3 |\n"
        "|  | 4.5% | 4 |\n"
    )
    # default: every column left-aligned
    assert markdown_table(frame).splitlines()[1] == "|:------|:------|:----|"
    # an empty frame is header and rule only
    assert markdown_table(frame.clear()).splitlines() == ["| Group | Share | N |", "|:------|:------|:----|"]


def test_share_variables_nest_view_dimension_group_period():
    period_shares = pl.DataFrame(
        [
            ("uploader", "country_group", "china", "<=2022", 5.0, 0.05),
            ("uploader", "country_group", "china", "last_year", 20.0, 0.2),
            ("uploader", "developer_type", "industry", "2023", 60.0, 0.6),
            ("derived", "country_group", "china", "last_year", 31.0, 0.31),
        ],
        schema=["view", "dimension", "group", "period", "downloads", "share"],
        orient="row",
    )
    assert share_variables(period_shares) == {
        "uploader": {
            "country_group": {"china": {"to2022": "5.0%", "last_year": "20.0%"}},
            "developer_type": {"industry": {"p2023": "60.0%"}},
        },
        "derived": {"country_group": {"china": {"last_year": "31.0%"}}},
    }


def test_coverage_variables_nest_view_source_period():
    coverage = pl.DataFrame(
        [
            ("uploader", "attribution_source", "registry", "2023", 80.0, 0.8),
            ("uploader", "attribution_source", "no_namespace", "2023", 20.0, 0.2),
            ("derived", "attribution_source", "registry", "<=2022", 9.0, 0.9),
        ],
        schema=["view", "dimension", "group", "period", "downloads", "share"],
        orient="row",
    )
    assert coverage_variables(coverage) == {
        "uploader": {"registry": {"p2023": "80.0%"}, "no_namespace": {"p2023": "20.0%"}},
        "derived": {"registry": {"to2022": "90.0%"}},
    }


def test_trend_variables_format_slope_ci_and_direction():
    def test(view, group, slope, low, high, p, p_adj, significant):
        return {
            "view": view,
            "dimension": "country_group",
            "group": group,
            "share_first_year_pct": 10.04,
            "share_last_year_pct": 12.96,
            "robust": {
                "slope_pp_per_year": slope,
                "ci_low": low,
                "ci_high": high,
                "p_value": p,
                "p_adjusted": p_adj,
                "significant": significant,
            },
            "mann_kendall": {"p_value": 0.2, "sen_slope_pp_per_year": -0.456},
        }

    stats = {
        "tests": [
            test("uploader", "china", 2.0, 1.5, 2.5, 1e-6, 2e-6, True),
            test("derived", "china", -0.5, -1.25, 0.25, 0.2, 0.3, False),
        ]
    }
    tree = trend_variables(stats)
    assert tree["uploader"]["country_group"]["china"] == {
        "slope": "+2.00",
        "ci": "[+1.50, +2.50]",
        "p": "<\u00a00.001",
        "p_adj": "<\u00a00.001",
        "first": "10.0",
        "last": "13.0",
        "direction": "rose",
        "significant": "significant",
        "mk_p": "0.200",
        "sen": MINUS + "0.46",
    }
    falling = tree["derived"]["country_group"]["china"]
    assert (falling["slope"], falling["ci"], falling["direction"], falling["significant"]) == (
        MINUS + "0.50",
        f"[{MINUS}1.25, +0.25]",
        "fell",
        "not significant",
    )


# Recovery: planted versus recovered shares on demo data.

TRUTH = {
    "settings": {"seed": 7, "effect_size": 1.0},
    "planted": {
        "uploader": {
            "country_group": {
                "china": {"last_year": 0.2, "2023": 0.1},
                "united_states": {"last_year": 0.5},
            },
        },
        "derived": {"country_group": {"china": {"last_year": 0.3}}},
        "intermediaries": {"country_group": {"china": {"last_year": 0.9}}},
    },
    "expected": {
        "uploader": {"country_group": {"china": {"last_year": 0.18, "2023": 0.1}, "united_states": {"last_year": 0.5}}},
        "derived": {"country_group": {"china": {"last_year": 0.3}}},
    },
    "rolling30": {"country_group": {"china": {"last_year": 0.19}}},
}


def recovered(rows: list[tuple]) -> pl.DataFrame:
    """(view, dimension, group, period, share) rows as period_shares writes them."""
    return pl.DataFrame(
        [(*r[:4], 1.0, r[4]) for r in rows],
        schema=["view", "dimension", "group", "period", "downloads", "share"],
        orient="row",
    )


RECOVERED = recovered(
    [
        ("uploader", "country_group", "china", "last_year", 0.21),
        ("uploader", "country_group", "china", "2023", 0.1),
        ("uploader", "country_group", "europe", "last_year", 0.004),
        ("derived", "country_group", "china", "last_year", 0.3),
    ]
)


def test_recovery_table_joins_and_fills_missing_sides_with_zero():
    table = recovery_table(TRUTH, RECOVERED)
    assert table.columns == [
        "view",
        "dimension",
        "group",
        "period",
        "planted",
        "expected",
        "rolling30",
        "recovered",
        "error_pp",
        "noise_pp",
        "rolling30_bias_pp",
    ]
    # the rolling30 estimator reads China's last-year share as 0.19 where 0.2 was planted: -1 pp (uploader only)
    bias = {(r["view"], r["group"], r["period"]): r["rolling30_bias_pp"] for r in table.iter_rows(named=True)}
    assert bias[("uploader", "china", "last_year")] == pytest.approx(-1.0)
    assert bias[("derived", "china", "last_year")] is None
    # the noise moved China's last-year share from 0.18 expected to 0.2 in the snapshots: +2 pp
    noise = {(r["view"], r["group"], r["period"]): r["noise_pp"] for r in table.iter_rows(named=True)}
    assert noise[("uploader", "china", "last_year")] == pytest.approx(2.0)
    assert noise[("uploader", "europe", "last_year")] == 0.0
    rows = {
        (r["view"], r["group"], r["period"]): (r["planted"], r["recovered"], r["error_pp"])
        for r in table.iter_rows(named=True)
    }
    assert rows == {
        ("derived", "china", "last_year"): pytest.approx((0.3, 0.3, 0.0)),
        # (0.21 - 0.2) * 100 = +1 pp
        ("uploader", "china", "last_year"): pytest.approx((0.2, 0.21, 1.0)),
        ("uploader", "china", "2023"): pytest.approx((0.1, 0.1, 0.0)),
        # planted but not recovered: (0 - 0.5) * 100 = -50 pp
        ("uploader", "united_states", "last_year"): pytest.approx((0.5, 0.0, -50.0)),
        # recovered but not planted: (0.004 - 0) * 100 = +0.4 pp
        ("uploader", "europe", "last_year"): pytest.approx((0.0, 0.004, 0.4)),
    }
    # intermediaries are not a view: nothing of theirs is compared
    assert set(table["view"]) == {"uploader", "derived"}
    assert table.select("view", "dimension", "group", "period").rows() == sorted(
        table.select("view", "dimension", "group", "period").rows()
    )


def test_recovery_table_compares_only_planted_views():
    first_parent = recovered([("derived_first_parent", "country_group", "china", "last_year", 0.4)])
    with_first_parent = pl.concat([RECOVERED, first_parent])
    table = recovery_table(TRUTH, with_first_parent)
    assert "derived_first_parent" not in table["view"].to_list()
    # the largest error is united_states' -50 pp, not the unplanted view's 40
    assert table["error_pp"].abs().max() == pytest.approx(50.0)


def recovery_rows(rows: list[tuple]) -> pl.DataFrame:
    """(view, dimension, group, period, planted, recovered) -> a recovery table."""
    return pl.DataFrame(
        rows, schema=["view", "dimension", "group", "period", "planted", "recovered"], orient="row"
    ).with_columns(((pl.col("recovered") - pl.col("planted")) * 100).alias("error_pp"))


RECOVERY = recovery_rows(
    [
        ("uploader", "country_group", "china", "2023", 0.15, 0.157),
        ("uploader", "country_group", "china", "last_year", 0.2, 0.21),
        # planted below 1% in last_year but 2% in 2023: kept (some period reaches 1%)
        ("uploader", "country_group", "europe", "2023", 0.02, 0.018),
        ("uploader", "country_group", "europe", "last_year", 0.005, 0.006),
        # exactly 1%: kept
        ("derived", "developer_type", "academia", "last_year", 0.01, 0.01),
        # below 1% everywhere: dropped
        ("uploader", "country_group", "japan", "2023", 0.004, 0.009),
        ("uploader", "country_group", "japan", "last_year", 0.009, 0.0),
        # not planted at all, in the same group name but another view: dropped
        ("derived", "country_group", "china", "last_year", 0.0, 0.003),
    ]
)
LABELS = {"china": "China", "europe": "Europe", "academia": "Academia"}


def test_recovery_table_markdown_keeps_groups_planted_at_one_percent():
    lines = recovery_table_markdown(RECOVERY, LABELS).splitlines()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert cells[0] == [
        "Group",
        "Dimension",
        "Uploader planted",
        "Uploader recovered",
        "Derived planted",
        "Derived recovered",
        "Largest error (pp)",
    ]
    assert cells[2:] == [
        # china: uploader (0.21 - 0.2) * 100 = 1.00; derived planted 0, recovered 0.3% -> 0.30; largest 1.00
        ["China", "country group", "20.00%", "21.00%", "0.00%", "0.30%", "1.00"],
        # europe: 2% planted in 2023 keeps it; last_year uploader only (0.006 - 0.005) * 100 = 0.10
        ["Europe", "country group", "0.50%", "0.60%", "\u2013", "\u2013", "0.10"],
        # academia: exactly 1% is kept, derived view only
        ["Academia", "developer type", "\u2013", "\u2013", "1.00%", "1.00%", "0.00"],
    ]


def test_validation_section_without_recovery_has_no_table_or_reference():
    text = validation_section(None, LABELS)
    assert "{#tbl-recovery}" not in text
    assert "@tbl-recovery" not in text
    assert "|" not in text
    assert "no planted truth" in text


def test_validation_section_with_recovery_labels_its_table():
    text = validation_section(RECOVERY, LABELS)
    assert text.count("{#tbl-recovery}") == 1
    assert "(@tbl-recovery)" in text
    # 8 comparisons; largest |error| is china's last_year (0.21 - 0.2) * 100 = 1.00
    # mean |error| = (0.7 + 1 + 0.2 + 0.1 + 0 + 0.5 + 0.9 + 0.3) / 8 = 3.7 / 8 = 0.4625
    assert "Across 8 planted-versus-recovered comparisons" in text
    assert "largest absolute error is 1.00 percentage points" in text
    assert "mean absolute error 0.46" in text
    table = recovery_table_markdown(RECOVERY, LABELS)
    assert table in text
    # the caption line directly follows the table, as Quarto needs
    table_end = text.index(table) + len(table)
    assert text[table_end:].startswith("\n: Planted versus recovered")
    assert text.rstrip().endswith("{#tbl-recovery}")


def test_recovery_variables_name_the_worst_comparison():
    values = recovery_variables(RECOVERY)
    assert values == {
        "max_abs_error_pp": "1.00",
        "mean_abs_error_pp": "0.46",
        "comparisons": "8",
        "worst": "china (uploader, country_group, last_year)",
    }


@pytest.mark.parametrize(
    ("contrasts", "trends", "duplicates", "expected"),
    [
        (0, 0, 0, "no contrast and no trend can be tested"),
        (0, 12, 0, "The 12 trend tests and the 0 contrasts tested ask different questions"),
        (32, 10, 2, "The 10 trend tests and the 32 contrasts tested"),
        (32, 10, 2, "2 series that repeat another"),
        (1, 1, 1, "1 series that repeats another"),
    ],
)
def test_the_test_family_sentence_says_what_was_tested(contrasts, trends, duplicates, expected):
    sentence = trends_section.test_family_sentence(contrasts, trends, duplicates)
    assert expected in sentence
    assert ("Benjamini-Yekutieli" in sentence) == (contrasts + trends > 0)
    assert ("repeat" in sentence) == (duplicates > 0 and contrasts + trends > 0)


def calibration_rows() -> pl.DataFrame:
    def row(series, scenario, test, rate, contrast=None, coverage=None, band=True):
        return {
            "series": series,
            "scenario": scenario,
            "test": test,
            "contrast": contrast,
            "replicates": 1000,
            "rejection_rate": rate,
            "mc_standard_error": 0.007,
            "within_band": band if series == "flat" else None,
            "planted_effect": None,
            "mean_effect": None,
            "coverage": coverage,
        }

    rows = [
        row("flat", "ar1_0.8", "robust_trend", 0.042),
        row("flat", "ar1_0.8", "period_contrast", 0.04, "b vs a"),
        row("flat", "ar1_0.8", "period_contrast", 0.06, "c vs b"),
        row("flat", "long_memory", "robust_trend", 0.097, band=False),
        row("flat", "long_memory", "period_contrast", 0.3, "b vs a", band=False),
        row("flat", "long_memory", "period_contrast", 0.05, "c vs b"),
        row("china", "planted_trend", "robust_trend", 0.5, coverage=0.97),
        row("china", "planted_trend", "period_contrast", 0.9, "b vs a", coverage=0.95),
    ]
    return pl.DataFrame(rows)


def test_calibration_section_states_every_failed_scenario_and_tabulates_sizes():
    from hubshare.inference.calibration_text import calibration_section, failed_scenarios

    text = calibration_section(calibration_rows(), {"china": "China"}, {"noise_sigma": 0.05}, 0.05)
    assert "The robust trend test falls outside the band under: long memory (d = 0.4);" in text
    # the contrasts fail where any one contrast fails, above the band or below it
    assert "reject a true null more often than 7.5% under: long memory (d = 0.4);" in text
    assert "conservative, under: none." in text
    assert "| AR(1) at 0.8 " in text and "4.2 (0.7)" in text and "4.0-6.0" in text
    assert "{#tbl-calibration}" in text and "{#tbl-power}" in text
    assert "| China " in text and "97.0%" in text
    assert failed_scenarios(calibration_rows(), "robust_trend") == ["long memory (d = 0.4)"]
    assert failed_scenarios(calibration_rows(), "period_contrast", "below") == []
    low = calibration_rows().with_columns(
        pl.when(pl.col("contrast") == "c vs b").then(0.01).otherwise(pl.col("rejection_rate")).alias("rejection_rate")
    )
    # long memory has one contrast below the band and one above it: it rejects too often, it is not conservative
    assert failed_scenarios(low, "period_contrast", "below") == ["AR(1) at 0.8"]
    assert failed_scenarios(low, "period_contrast", "above") == ["long memory (d = 0.4)"]
    # the eras' rate is read as power under a level shift only where the eras were calibrated
    assert "the eras' rate there is power" not in text
    eras = [
        calibration_rows().row(0, named=True) | {"scenario": scenario, "test": "eras", "rejection_rate": 0.05}
        for scenario in ("ar1_0.8", "long_memory")
    ]
    with_eras = pl.concat([calibration_rows(), pl.DataFrame(eras, schema=calibration_rows().schema)])
    assert "the eras' rate there is power" in calibration_section(with_eras, {}, {"noise_sigma": 0.05}, 0.05)


def test_counter_fall_sentence_reports_the_rerun():
    from hubshare.panel.counter_falls import FALLS_AS_REVISIONS, SCHEMA

    table = pl.DataFrame(
        [
            {
                "period": "2023",
                "downloads": 1000,
                "counted_after_fall": 10,
                "share_after_fall": 0.01,
                "max_share_shift_pp": 100 * 0.01 / 0.99,
            },
            {
                "period": "2024",
                "downloads": 1000,
                "counted_after_fall": 0,
                "share_after_fall": 0.0,
                "max_share_shift_pp": 0.0,
            },
        ],
        schema=SCHEMA,
    )
    shares = pl.DataFrame(
        [
            (alternative, "country_group", group, period, share)
            for alternative, shifts in (("uploader", (0.0, 0.0)), (FALLS_AS_REVISIONS, (-0.004, 0.001)))
            for period, shift in zip(("2023", "2024"), shifts, strict=True)
            for group, share in (("china", 0.3 + shift), ("other", 0.7 - shift))
        ],
        schema=["alternative", "dimension", "group", "period", "share"],
        orient="row",
    )
    sentence = counter_fall_sentence(table, shares, {"china": "China"})
    # the largest move between the two readings: 0.4 points, China (and the rest) in 2023
    assert "at most 1.000% of a period's downloads (2023)" in sentence
    assert "by more than 0.400 percentage points (" in sentence and "2023)" in sentence
    assert "(@tbl-sensitivity shows the last year)" in sentence
    # Without an ecosystem the paper shows no sensitivity table, so the sentence does not point to one.
    unreferenced = counter_fall_sentence(table, shares, {"china": "China"}, sensitivity_table_shown=False)
    assert "@tbl-sensitivity" not in unreferenced and unreferenced == sentence.replace(
        " (@tbl-sensitivity shows the last year)", ""
    )
    no_falls = table.filter(pl.col("period") == "2024")
    assert counter_fall_sentence(no_falls, shares, {}).startswith("No counter fell")


def test_slope_bounds_beyond_a_hundred_points_a_year_are_unbounded():
    assert slope_interval(-1.5, 2.25) == f"[{MINUS}1.50, +2.25]"
    assert slope_interval(-612890262.9, 3.0) == f"[{MINUS}\u221e, +3.00]"
    assert slope_interval(-3.0, 100.5) == f"[{MINUS}3.00, +\u221e]"


def test_era_section_matches_planted_changes_by_the_boundaries_95_percent_sets():
    def era(era, start, low=None, high=None):
        return {
            "view": "uploader",
            "dimension": "country_group",
            "group": "china",
            "fit": "joint",
            "era": era,
            "start": start,
            "end": start,
            "weeks": 10,
            "mean_share": 0.1,
            "fitted_start_share": 0.1,
            "fitted_end_share": 0.1,
            "start_low": low,
            "start_high": high,
            "nearest_period_boundary": None if era == 1 else dt.date(2024, 1, 1),
            "distance_weeks": None if era == 1 else 8.0,
        }

    eras = pl.DataFrame(
        [
            era(1, dt.date(2020, 6, 10)),
            era(2, dt.date(2024, 2, 28), dt.date(2023, 11, 1), dt.date(2024, 3, 27)),
            era(3, dt.date(2025, 5, 7), dt.date(2025, 4, 2), dt.date(2025, 6, 4)),
        ]
    )
    truth = {
        "snapshot_dates": ["2020-06-10", "2025-08-27", 270],
        "segments": {"a": {"anchors": {"2020-06-01": 0.1, "2024-01-01": 0.2, "2025-01-01": 0.3}}},
    }
    text = era_section(eras, {"china": "China"}, None, truth)
    # 2024-01-01 lies in the first boundary's set; 2025-01-01 in none; the second boundary's set holds no change
    assert "fall into 3 eras" in text and "Of their 2 boundaries" in text
    assert "1 of them lie in the 95% set of a detected boundary, 1 detected boundary has no planted change" in text
    assert "| 2024-02-28 | 2023-11-01 to 2024-03-27 |" in text


def test_claims_summary_counts_the_claims_outside_the_builds_window():
    assert claims_summary({"reproduced": 1, "not_testable": 2}, is_demo=False) == (
        "Of 3 claims, 1 reproduced, 0 differ, 2 not testable."
    )
    assert claims_summary({"reproduced": 1, "not_testable": 2, "window_not_covered": 4}, is_demo=False) == (
        "Of 7 claims, 1 reproduced, 0 differ, 2 not testable, 4 about a window this build's data do not cover."
    )


def test_bootstrap_coverage_short_of_the_level_is_said():
    from hubshare.inference.calibration_text import calibration_section

    def rows(coverage_by_tail):
        return pl.DataFrame(
            [
                {
                    "tail_index": tail,
                    "resampled": unit,
                    "target": target,
                    "replicates": 400,
                    "coverage": coverage if unit == "cluster" else 0.6,
                    "mc_standard_error": 0.01,
                    "level": 0.95,
                }
                for tail, coverage in coverage_by_tail.items()
                for unit in ("model", "cluster")
                for target in ("share", "multiplier")
            ]
        )

    # 0.94 is within two standard errors of 0.95; 0.86 is not
    text = calibration_section(
        calibration_rows(), {}, {"noise_sigma": 0.05}, 0.05, rows({1.5: 0.94, 1.1: 0.9, 0.8: 0.86})
    )
    assert "covers them in 86-94% of populations (@tbl-bootstrap). That is short of the nominal level under " in text
    assert "tail indices 1.1 and 0.8:" in text and "| 0.8 | 60 (1) | 86 (1) | 60 (1) | 86 (1) |" in text
    text = calibration_section(calibration_rows(), {}, {"noise_sigma": 0.05}, 0.05, rows({1.5: 0.94}))
    assert "short of the nominal" not in text
