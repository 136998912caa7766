"""Eras and period contrasts: the segmentation's settings, the boundaries found, and the contrasts."""

from __future__ import annotations

import datetime as dt

import polars as pl

from hubshare.manuscript.formatting import NO_DATA, count_noun, p_value, period_key, signed
from hubshare.manuscript.tables import markdown_table

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
        f"{count_noun(uploader.height, 'boundary', 'boundaries')}, {within} lie "
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
            + count_noun(
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
