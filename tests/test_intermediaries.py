"""The intermediary rule and the attribution sensitivity table on hand-built cases."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.analysis.shares import DIMENSIONS, period_shares
from hubshare.attribution.intermediaries import (
    classify_namespaces,
    intermediary_share_by_period,
    intermediary_tables,
    namespace_downloads,
    threshold_sensitivity,
)
from hubshare.attribution.sensitivity import (
    CONTESTED_COLUMNS,
    contested_alternatives,
    sensitivity_table,
    with_intermediaries_apart,
)
from hubshare.panel.counter_falls import falls_as_revisions

W1, W2 = dt.date(2024, 1, 3), dt.date(2024, 1, 10)
PERIODS = {"w1": (W1, W1), "both": (W1, W2)}


def panel_rows():
    # (week, key, relation): quant/m1 is a quantized copy of meta's model; user/f1 a fine-tune of
    # its own org's model; meta/base a base model.
    return pl.DataFrame(
        {
            "week": [W1, W1, W1, W2, W2],
            "model_key": ["q1", "f1", "b1", "q1", "b1"],
            "base_relation": ["quantized", "finetune", None, "quantized", None],
        }
    )


def attributed_rows():
    def row(week, key, view, namespace, organization, downloads, group="unaffiliated_user"):
        source = "unlisted_namespace" if group == "unaffiliated_user" else "registry"
        return {
            "week": week,
            "model_key": key,
            "view": view,
            "attributed_namespace": namespace,
            "organization": organization,
            "country_group": group,
            "developer_type": group,
            "attribution_source": source,
            "downloads": downloads,
        }

    return pl.DataFrame(
        [
            row(W1, "q1", "uploader", "quant", "quant", 60.0),
            row(W1, "q1", "derived", "meta", "Meta", 60.0, "united_states"),
            row(W1, "f1", "uploader", "user", "user", 30.0),
            row(W1, "f1", "derived", "user", "user", 30.0),  # fine-tune of its own model
            row(W1, "b1", "uploader", "meta", "Meta", 10.0, "united_states"),
            row(W1, "b1", "derived", "meta", "Meta", 10.0, "united_states"),
            row(W2, "q1", "uploader", "quant", "quant", 40.0),
            row(W2, "q1", "derived", "meta", "Meta", 40.0, "united_states"),
            row(W2, "b1", "uploader", "meta", "Meta", 60.0, "united_states"),
            row(W2, "b1", "derived", "meta", "Meta", 60.0, "united_states"),
        ]
    )


@pytest.fixture
def derivatives():
    return namespace_downloads(panel_rows(), attributed_rows())


def test_derivative_part_is_what_the_derived_view_credits_elsewhere(derivatives):
    by_namespace = {
        (r["week"], r["namespace"]): (r["downloads"], r["derivative_downloads"])
        for r in derivatives.iter_rows(named=True)
    }
    assert by_namespace == {
        (W1, "quant"): (60.0, 60.0),  # all credited to Meta, not to quant
        (W1, "user"): (30.0, 0.0),  # a fine-tune credited to the uploader itself
        (W1, "meta"): (10.0, 0.0),  # no base model
        (W2, "quant"): (40.0, 40.0),
        (W2, "meta"): (60.0, 0.0),
    }


def test_only_derivative_relations_count():
    # The same credit elsewhere, but the model declares no base relation.
    panel = panel_rows().with_columns(pl.lit(None, dtype=pl.String).alias("base_relation"))
    assert namespace_downloads(panel, attributed_rows())["derivative_downloads"].sum() == 0.0


def test_merge_split_counts_only_the_part_credited_elsewhere():
    # A merge of quant's own model and Meta's: half its downloads go to each in the derived view.
    panel = pl.DataFrame({"week": [W1], "model_key": ["m1"], "base_relation": ["merge"]})
    attributed = pl.DataFrame(
        [
            {
                "week": W1,
                "model_key": "m1",
                "view": view,
                "attributed_namespace": namespace,
                "organization": organization,
                "country_group": "g",
                "developer_type": "t",
                "attribution_source": "registry",
                "downloads": downloads,
            }
            for view, namespace, organization, downloads in [
                ("uploader", "quant", "quant", 10.0),
                ("derived", "quant", "quant", 5.0),
                ("derived", "meta", "Meta", 5.0),
            ]
        ]
    )
    assert namespace_downloads(panel, attributed)["derivative_downloads"].to_list() == [5.0]


def test_classification_by_threshold(derivatives):
    classified = classify_namespaces(derivatives, threshold=0.5, min_downloads=1)
    flags = dict(zip(classified["namespace"], classified["is_intermediary"], strict=True))
    assert flags == {"quant": True, "user": False, "meta": False}
    # quant: 100 of 100 downloads are derivatives
    assert classified.filter(pl.col("namespace") == "quant")["derivative_share"].item() == 1.0


def test_small_namespaces_are_not_classified(derivatives):
    classified = classify_namespaces(derivatives, threshold=0.5, min_downloads=101)
    assert not classified["is_intermediary"].any()


def test_share_by_period(derivatives):
    # w1: quant 60 of 100; both weeks: 100 of 200
    assert intermediary_share_by_period(derivatives, ["quant"], PERIODS) == {"w1": 0.6, "both": 0.5}


def test_threshold_sensitivity_counts_and_shares(derivatives):
    table = threshold_sensitivity(derivatives, PERIODS, min_downloads=1, thresholds=(0.5, 1.0))
    assert table.filter(pl.col("period") == "both")["share"].to_list() == [0.5, 0.5]
    assert table["namespaces"].unique().to_list() == [1]


def test_one_pass_tables_equal_the_separate_functions(derivatives):
    classified, shares, sensitivity = intermediary_tables(derivatives, PERIODS, 0.5, 1)
    assert classified.equals(classify_namespaces(derivatives, 0.5, 1))
    assert shares == intermediary_share_by_period(derivatives, ["quant"], PERIODS) == {"w1": 0.6, "both": 0.5}
    assert sensitivity.equals(threshold_sensitivity(derivatives, PERIODS, 1))


def test_invalid_threshold_is_refused(derivatives):
    with pytest.raises(ValueError, match="threshold"):
        classify_namespaces(derivatives, threshold=0)


def test_intermediaries_apart_moves_only_flagged_namespaces(derivatives):
    moved = with_intermediaries_apart(derivatives, ["quant"])
    assert set(moved["view"]) == {"uploader_intermediaries_apart"}
    groups = dict(zip(derivatives["namespace"], moved["country_group"], strict=False))
    assert groups == {"quant": "intermediary", "user": "unaffiliated_user", "meta": "united_states"}
    assert moved["downloads"].sum() == 200.0


def test_sensitivity_table_has_every_alternative(derivatives):
    groups = (
        attributed_rows().group_by("view", "week", "country_group", "developer_type").agg(pl.col("downloads").sum())
    )
    table = sensitivity_table(groups, derivatives, ["quant"], PERIODS)
    both = table.filter((pl.col("period") == "both") & (pl.col("dimension") == "country_group"))
    share = {(r["alternative"], r["group"]): r["share"] for r in both.iter_rows(named=True)}
    # as uploaded: united_states = meta 70 of 200; unaffiliated = quant 100 + user 30 = 130 of 200
    assert share[("uploader", "united_states")] == pytest.approx(0.35)
    assert share[("uploader", "unaffiliated_user")] == pytest.approx(0.65)
    # derived: united_states = 60 + 10 + 40 + 60 = 170 of 200
    assert share[("derived", "united_states")] == pytest.approx(0.85)
    # intermediaries apart: quant's 100 of 200 leave unaffiliated users
    assert share[("uploader_intermediaries_apart", "intermediary")] == pytest.approx(0.5)
    assert share[("uploader_intermediaries_apart", "unaffiliated_user")] == pytest.approx(0.15)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([W1, W2]), st.integers(0, 12), st.integers(0, 3), st.integers(0, 10**12)),
        min_size=1,
        max_size=40,
        unique_by=lambda row: row[:2],
    ),
    st.lists(st.tuples(st.integers(0, 12), st.booleans(), st.integers(0, 3)), max_size=6, unique_by=lambda c: c[0]),
    st.lists(st.floats(0, 1), max_size=40),
    st.lists(st.integers(0, 12), max_size=5),
)
def test_every_alternative_is_the_shares_of_its_changed_namespace_rows(rows, judgements, fall_parts, flagged):
    """Summed once and changed where an alternative changes them, the sums are bit for bit those of the changed
    rows: intermediaries apart, counter falls as revisions, and each contested judgement (matched ignoring case)."""
    sums = pl.DataFrame(
        [
            {
                "week": week,
                "namespace": f"ns{namespace}",
                "country_group": f"country{group}",
                "developer_type": f"type{group % 2}",
                "downloads": float(downloads),
            }
            for week, namespace, group, downloads in rows
        ]
    )
    after_falls = pl.DataFrame(
        [
            {"week": week, "namespace": f"ns{namespace}", "after_fall": float(int(downloads * part))}
            for (week, namespace, _, downloads), part in zip(rows, fall_parts, strict=False)
            if part > 0.5
        ],
        schema={"week": pl.Date, "namespace": pl.String, "after_fall": pl.Float64},
    )
    contested = pl.DataFrame(
        [
            {
                "alternative": f"alt{index % 2}",
                "label": f"Alternative {index % 2}",
                "namespace": f"NS{namespace}" if upper else f"ns{namespace}",
                "country_group": f"country{group}",
                "developer_type": None if group == 3 else f"type{group}",
                "source_url": "https://example.org",
                "note": "",
            }
            for index, (namespace, upper, group) in enumerate(judgements)
        ],
        schema=dict.fromkeys(CONTESTED_COLUMNS, pl.String),
    )
    no_groups = pl.DataFrame(
        schema={"view": pl.String, "week": pl.Date, **dict.fromkeys(DIMENSIONS, pl.String)}
    ).with_columns(downloads=pl.lit(0.0))
    names = [f"ns{n}" for n in flagged]
    table = sensitivity_table(no_groups, sums, names, PERIODS, contested, after_falls)

    def taken_the_other_way(alternative: str) -> pl.DataFrame:
        judgement = contested.filter(pl.col("alternative") == alternative).select(
            pl.col("namespace").str.to_lowercase(), pl.col("country_group", "developer_type").name.prefix("new_")
        )
        return sums.join(judgement, on="namespace", how="left").select(
            pl.lit(alternative).alias("view"),
            "week",
            pl.coalesce("new_country_group", "country_group").alias("country_group"),
            pl.coalesce("new_developer_type", "developer_type").alias("developer_type"),
            "downloads",
        )

    columns = ["view", "week", *DIMENSIONS, "downloads"]
    changed = [
        with_intermediaries_apart(sums, names).select(columns),
        falls_as_revisions(sums, after_falls).select(columns),
        *(taken_the_other_way(alternative) for alternative in contested_alternatives(contested)),
    ]
    expected = period_shares(pl.concat(changed), PERIODS).rename({"view": "alternative"})
    order = ["alternative", "period", "dimension", "group"]
    assert table.sort(order).equals(expected.sort(order))
