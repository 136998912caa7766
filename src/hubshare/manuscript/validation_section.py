"""Validation: planted versus recovered values on demo data, and the count of published claims
reproduced."""

from __future__ import annotations

import polars as pl

from hubshare.manuscript.formatting import pct, period_key, period_label, signed, small_number
from hubshare.manuscript.tables import markdown_table
from hubshare.periods import HEADLINE_PERIOD


def recovery_variables(recovery: pl.DataFrame) -> dict:
    errors = recovery["error_pp"].abs()
    worst = recovery.sort(pl.col("error_pp").abs(), descending=True).row(0, named=True)
    return {
        "max_abs_error_pp": small_number(errors.max()),
        "mean_abs_error_pp": small_number(errors.mean()),
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


def recovery_table_markdown(recovery: pl.DataFrame, labels: dict[str, str], period: str = HEADLINE_PERIOD) -> str:
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
        f"largest relative error is {small_number(compared['relative_error'].max())}, within the stated tolerance of "
        f"{MULTIPLIER_TOLERANCE:g}. The planted mean size counts only safetensors parameter counts, while the "
        "paper's size also reads GGUF metadata and names, so the two are not compared here; the end-to-end test "
        "recovers it with sizes from safetensors alone.\n"
    )


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
