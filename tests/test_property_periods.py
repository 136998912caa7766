"""Download-weighted property shares and sizes by period, their bootstrap intervals and multipliers."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubshare.analysis import property_periods
from hubshare.analysis.period_tables import property_periods_file
from hubshare.analysis.poisson_weights import poisson_weights, unit_keys
from hubshare.analysis.properties import LICENSE_CLASSES
from hubshare.analysis.property_periods import multipliers, property_period_table

EARLY = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
LATE = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
IN_EARLY, IN_LATE = dt.date(2022, 6, 1), dt.date(2025, 6, 4)

SCHEMA = {
    "week": pl.Date,
    "model_key": pl.String,
    "downloads": pl.Int64,
    "params": pl.Int64,
    "params_source": pl.String,
    "is_quantized": pl.Boolean,
    "is_moe": pl.Boolean,
    "is_multimodal_generation": pl.Boolean,
    "license_class": pl.String,
    "training_data_transparency": pl.String,
    "openness": pl.String,
}
DEFAULTS = {
    "week": IN_EARLY,
    "params": None,
    "params_source": "none",
    "is_quantized": False,
    "is_moe": False,
    "is_multimodal_generation": False,
    "license_class": "osi_open_source",
    "training_data_transparency": "not_disclosed",
    "openness": "open_weights",
}


def panel(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame([DEFAULTS | row for row in rows], schema=SCHEMA)


def values(table: pl.DataFrame, period: str, column: str = "estimate") -> dict[str, float]:
    rows = table.filter(pl.col("period") == period)
    return dict(zip(rows.get_column("statistic"), rows.get_column(column), strict=True))


def three_models() -> pl.DataFrame:
    """Downloads 10, 30, 60 (100 in all); sizes 1, 2, 3 billion; the third model's size only from its name."""
    return panel(
        {
            "model_key": "a",
            "downloads": 10,
            "params": 10**9,
            "params_source": "safetensors",
            "is_quantized": True,
            "training_data_transparency": "disclosed",
            "openness": "open_source",
        },
        {
            "model_key": "b",
            "downloads": 30,
            "params": 2 * 10**9,
            "params_source": "safetensors",
            "is_moe": True,
            "license_class": "non_commercial",
        },
        {
            "model_key": "c",
            "downloads": 20,
            "params": 3 * 10**9,
            "params_source": "name",
            "is_multimodal_generation": True,
            "license_class": "open_with_use_restrictions",
            "training_data_transparency": "unknown",
        },
        {
            "model_key": "c",
            "downloads": 40,
            "params": 3 * 10**9,
            "params_source": "name",
            "is_multimodal_generation": True,
            "license_class": "open_with_use_restrictions",
            "training_data_transparency": "unknown",
            "week": dt.date(2022, 6, 8),
        },
        {"model_key": "a", "downloads": 1000, "week": IN_LATE},  # in no period asked for below
    )


def test_hand_computed_shares_and_sizes():
    got = values(property_period_table(three_models(), {"2022": EARLY}, n_boot=10, seed=1), "2022")
    assert got["share_quantized"] == pytest.approx(0.1)
    assert got["share_moe"] == pytest.approx(0.3)
    assert got["share_multimodal_generation"] == pytest.approx(0.6)
    assert got["share_training_data_disclosed"] == pytest.approx(0.1)
    assert got["share_training_data_not_disclosed"] == pytest.approx(0.3)
    assert got["share_training_data_unknown"] == pytest.approx(0.6)
    assert got["share_license_osi_open_source"] == pytest.approx(0.1)
    assert got["share_license_non_commercial"] == pytest.approx(0.3)
    assert got["share_license_open_with_use_restrictions"] == pytest.approx(0.6)
    assert got["share_license_other"] == got["share_license_unknown"] == got["share_license_open_non_osi"] == 0
    assert got["share_open_source"] == pytest.approx(0.1)
    assert got["share_open_weights"] == pytest.approx(0.9)
    assert got["share_known_size"] == pytest.approx(1.0)
    # (10 * 1 + 30 * 2 + 60 * 3) / 100 = 2.5 billion; cumulative shares 0.1, 0.4, 1.0 reach 0.5 at 3 billion.
    assert got["mean_params"] == pytest.approx(2.5e9)
    assert got["median_params"] == 3e9


def test_size_sources_limit_which_sizes_count():
    got = values(
        property_period_table(three_models(), {"2022": EARLY}, n_boot=10, seed=1, size_sources=("safetensors",)), "2022"
    )
    assert got["share_known_size"] == pytest.approx(0.4)
    assert got["mean_params"] == pytest.approx((10 * 1 + 30 * 2) / 40 * 1e9)  # 1.75 billion
    assert got["median_params"] == 2e9  # cumulative 0.25, 1.0


def test_weighted_median_is_the_smallest_size_reaching_half():
    rows = panel(
        {"model_key": "a", "downloads": 50, "params": 1, "params_source": "safetensors"},
        {"model_key": "b", "downloads": 50, "params": 2, "params_source": "safetensors"},
    )
    assert values(property_period_table(rows, {"p": EARLY}, n_boot=5, seed=0), "p")["median_params"] == 1


def test_models_and_downloads_columns_count_the_period_only():
    table = property_period_table(three_models(), {"2022": EARLY, "2025": LATE}, n_boot=10, seed=1)
    per_period = table.group_by("period").agg(pl.col("models").first(), pl.col("downloads").first()).sort("period")
    assert per_period.rows() == [("2022", 3, 100), ("2025", 1, 1000)]


def test_missing_properties_count_as_not_flagged_and_unknown():
    rows = panel({"model_key": "a", "downloads": 5}).with_columns(
        pl.lit(None, dtype=pl.Boolean).alias("is_quantized"),
        pl.lit(None, dtype=pl.String).alias("license_class"),
        pl.lit(None, dtype=pl.String).alias("training_data_transparency"),
        pl.lit(None, dtype=pl.String).alias("openness"),
    )
    got = values(property_period_table(rows, {"p": EARLY}, n_boot=5, seed=0), "p")
    assert (got["share_quantized"], got["share_license_unknown"], got["share_training_data_unknown"]) == (0, 1, 1)
    assert got["share_open_weights"] == 1
    assert got["mean_params"] is None and got["share_known_size"] == 0


def test_a_period_without_downloads_has_no_estimates():
    table = property_period_table(
        three_models(), {"2030": (dt.date(2030, 1, 1), dt.date(2030, 12, 31))}, n_boot=5, seed=0
    )
    assert table.get_column("estimate").null_count() == table.height
    assert table.get_column("ci_low").null_count() == table.height
    assert set(table.get_column("models").to_list()) == {0}


def test_one_model_gives_a_degenerate_interval():
    rows = panel({"model_key": "a", "downloads": 7, "is_quantized": True, "params": 3, "params_source": "name"})
    got = (
        property_period_table(rows, {"p": EARLY}, n_boot=50, seed=0)
        .filter(pl.col("statistic") == "mean_params")
        .row(0, named=True)
    )
    assert (got["estimate"], got["ci_low"], got["ci_high"]) == (3.0, 3.0, 3.0)
    # A draw that gives the one cluster weight 0 has no downloads, so no size: undefined, and left out of the interval.
    drawn = poisson_weights(unit_keys(["a"], 0), 0, 50)[:, 0]
    assert 0 < (drawn == 0).sum() < 50
    assert [d if w else None for d, w in zip(got["draws"], drawn, strict=True)] == [3.0 if w else None for w in drawn]
    assert all(np.isnan(d) for d, w in zip(got["draws"], drawn, strict=True) if not w)


def test_bootstrap_draws_weight_each_model_by_its_poisson_weight():
    """Two models, A quantized with 1 download, B not with 3: draw b's share is w_a / (w_a + 3 w_b) with the
    models' Poisson weights; both weights 0 (probability e^-2) leaves the share undefined."""
    rows = panel({"model_key": "a", "downloads": 1, "is_quantized": True}, {"model_key": "b", "downloads": 3})
    draws = np.array(
        property_period_table(rows, {"p": EARLY}, n_boot=4000, seed=3)
        .filter(pl.col("statistic") == "share_quantized")
        .get_column("draws")
        .item(),
        dtype=float,
    )
    weights = poisson_weights(unit_keys(["a", "b"], 3), 0, 4000).astype(float)
    with np.errstate(invalid="ignore"):
        expected = weights[:, 0] / (weights[:, 0] + 3 * weights[:, 1])
    np.testing.assert_allclose(draws, expected, rtol=1e-15)
    assert np.mean(np.isnan(draws)) == pytest.approx(np.exp(-2), abs=0.02)


def planted(early_share: float, late_share: float, models: int = 1000) -> pl.DataFrame:
    """`models` models with equal downloads per period, the first share of them quantized,
    MoE and generating media; sizes 1 billion early and 5 billion late."""
    rows = []
    for week, share, size in ((IN_EARLY, early_share, 10**9), (IN_LATE, late_share, 5 * 10**9)):
        flagged = round(share * models)
        rows += [
            {
                "week": week,
                "model_key": f"m{i}",
                "downloads": 100,
                "params": size,
                "params_source": "safetensors",
                "is_quantized": i < flagged,
                "is_moe": i < flagged,
                "is_multimodal_generation": i < flagged,
            }
            for i in range(models)
        ]
    return panel(*rows)


def test_a_planted_fivefold_rise_is_recovered():
    table = property_period_table(planted(0.1, 0.5), {"early": EARLY, "late": LATE}, n_boot=300, seed=11)
    got = multipliers(table, "early", "late").rows_by_key("statistic", named=True, unique=True)
    for statistic in ("share_quantized", "share_moe", "share_multimodal_generation", "mean_params", "median_params"):
        assert got[statistic]["multiplier"] == pytest.approx(5.0)
        assert got[statistic]["log_multiplier"] == pytest.approx(np.log(5.0))
    quantized = got["share_quantized"]
    assert (quantized["first_estimate"], quantized["last_estimate"]) == (pytest.approx(0.1), pytest.approx(0.5))
    assert 1 < quantized["ci_low"] < 5 < quantized["ci_high"] < 10
    # every model has the same size; exp(log 5) is 5 up to rounding
    assert got["mean_params"]["ci_low"] == pytest.approx(5.0) and got["mean_params"]["ci_high"] == pytest.approx(5.0)
    assert quantized["log_ci_low"] == pytest.approx(np.log(quantized["ci_low"])) and quantized["note"] == ""


def test_intervals_contain_the_estimates():
    table = property_period_table(planted(0.2, 0.4), {"early": EARLY, "late": LATE}, n_boot=200, seed=5)
    defined = table.filter(pl.col("estimate").is_not_null())
    assert defined.height == table.height
    assert defined.filter((pl.col("ci_low") > pl.col("estimate")) | (pl.col("ci_high") < pl.col("estimate"))).is_empty()


def test_multipliers_divide_the_same_draws():
    table = property_period_table(planted(0.1, 0.3, models=200), {"early": EARLY, "late": LATE}, n_boot=100, seed=2)
    draws = {
        p: np.array(
            table.filter((pl.col("period") == p) & (pl.col("statistic") == "share_moe")).get_column("draws").item()
        )
        for p in ("early", "late")
    }
    expected = np.quantile(np.log(draws["late"]) - np.log(draws["early"]), [0.025, 0.975], method="inverted_cdf")
    got = multipliers(table, "early", "late", statistics=["share_moe"]).row(0, named=True)
    assert (got["log_ci_low"], got["log_ci_high"]) == tuple(expected)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx(tuple(np.exp(expected)))


def test_a_zero_first_period_gives_no_multiplier():
    table = property_period_table(planted(0.0, 0.5, models=50), {"early": EARLY, "late": LATE}, n_boot=20, seed=2)
    got = multipliers(table, "early", "late", statistics=["share_moe"]).row(0, named=True)
    assert got["multiplier"] is None and got["ci_low"] == np.inf
    assert got["note"].startswith("not bounded")


def test_clusters_are_drawn_whole_and_jointly_across_periods():
    """a and b form one cluster (both quantized, 1 download each), c another (2 downloads, not quantized), in both
    periods: draw b's share is w_pair / (w_pair + w_other), and the same in both periods."""
    rows = panel(
        *(
            {"model_key": m, "downloads": d, "is_quantized": m != "c", "week": week}
            for week in (IN_EARLY, IN_LATE)
            for m, d in (("a", 1), ("b", 1), ("c", 2))
        )
    )
    rows = rows.with_columns(
        pl.when(pl.col("model_key") == "c").then(pl.lit("other")).otherwise(pl.lit("pair")).alias("cluster")
    )
    table = property_period_table(rows, {"early": EARLY, "late": LATE}, n_boot=2000, seed=3, cluster_column="cluster")
    draws = {
        p: np.array(
            table.filter((pl.col("period") == p) & (pl.col("statistic") == "share_quantized"))
            .get_column("draws")
            .item()
        )
        for p in ("early", "late")
    }
    weights = poisson_weights(unit_keys(["other", "pair"], 3), 0, 2000).astype(float)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(draws["early"], weights[:, 1] / weights.sum(axis=1), rtol=1e-15)
    np.testing.assert_array_equal(draws["early"], draws["late"])
    assert table["clusters"].unique().to_list() == [2] and table["models"].unique().to_list() == [3]


@settings(max_examples=25, deadline=None)
@given(
    downloads=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 40), st.booleans()), min_size=1, max_size=30),
    seed=st.integers(0, 10_000),
)
def test_a_periods_table_does_not_depend_on_the_other_periods(downloads, seed):
    """A period computed alone gives the rows it gets beside other periods, draws included: a closed period's job
    never needs to rerun because other periods gained weeks or models."""
    weeks = (IN_EARLY, IN_LATE, dt.date(2025, 7, 1))
    rows = panel(
        *(
            {"model_key": f"m{i}", "downloads": d, "is_moe": moe, "week": weeks[w]}
            for i, (w, d, moe) in enumerate(downloads)
        )
    )
    periods = {"early": EARLY, "late": LATE, "summer": (dt.date(2025, 6, 1), dt.date(2025, 7, 31))}
    together = property_period_table(rows, periods, n_boot=20, seed=seed)
    for name, window in periods.items():
        alone = property_period_table(rows, {name: window}, n_boot=20, seed=seed)
        assert alone.equals(together.filter(pl.col("period") == name)), name


def test_leaving_out_the_top_clusters_by_hand():
    # clusters by downloads in the period: c 60 (not quantized), a 20, b 10 (both quantized); c's late week is not in it
    rows = panel(
        {"model_key": "a", "downloads": 20, "is_quantized": True},
        {"model_key": "b", "downloads": 10, "is_quantized": True},
        {"model_key": "c", "downloads": 60},
        {"model_key": "c", "downloads": 60, "week": IN_LATE},
    )
    got = property_periods.leave_top_out(rows, {"early": EARLY}, [0, 1, 2])
    quantized = got.filter(pl.col("statistic") == "share_quantized")
    # all: 30 / 90; without c: 30 / 30; without c and a: 10 / 10
    assert quantized["estimate"].to_list() == pytest.approx([1 / 3, 1.0, 1.0])
    assert quantized["clusters_left_out"].to_list() == ["", "c", "c; a"]


def test_workflow_clusters_are_families_then_namespaces():
    frame = pl.DataFrame(
        {"model_key": ["k1", "k2", "k3"], "family": ["llama", None, None], "namespace": ["meta", "org", None]}
    )
    assert property_periods.with_clusters(frame)["cluster"].to_list() == ["llama", "org", "k3"]


def test_same_seed_same_table_and_period_order_does_not_matter():
    rows = planted(0.1, 0.3, models=100)
    first = property_period_table(rows, {"early": EARLY, "late": LATE}, n_boot=50, seed=9)
    again = property_period_table(rows, {"late": LATE, "early": EARLY}, n_boot=50, seed=9)
    for period in ("early", "late"):
        assert first.filter(pl.col("period") == period).equals(again.filter(pl.col("period") == period))
    other = property_period_table(rows, {"early": EARLY, "late": LATE}, n_boot=50, seed=10)
    assert not first.get_column("draws").equals(other.get_column("draws"))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="openness"):
        property_period_table(three_models().drop("openness"), {"p": EARLY}, n_boot=5, seed=0)
    with pytest.raises(ValueError, match="n_boot"):
        property_period_table(three_models(), {"p": EARLY}, n_boot=0, seed=0)
    with pytest.raises(ValueError, match="size source"):
        property_period_table(three_models(), {"p": EARLY}, n_boot=5, seed=0, size_sources=("card",))
    with pytest.raises(ValueError, match="no single row"):
        multipliers(property_period_table(three_models(), {"p": EARLY}, n_boot=5, seed=0), "p", "q")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**6),
            st.sampled_from(LICENSE_CLASSES),
            st.sampled_from(["disclosed", "not_disclosed", "unknown"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_partitions_sum_to_one_in_estimates_and_every_draw(models):
    rows = panel(
        *(
            {
                "model_key": f"m{i}",
                "downloads": d,
                "license_class": lic,
                "training_data_transparency": data,
                "openness": "open_source" if open_source else "open_weights",
            }
            for i, (d, lic, data, open_source) in enumerate(models)
        )
    )
    table = property_period_table(rows, {"p": EARLY}, n_boot=20, seed=0)
    families = [
        [f"share_license_{c}" for c in LICENSE_CLASSES],
        ["share_training_data_disclosed", "share_training_data_not_disclosed", "share_training_data_unknown"],
        ["share_open_source", "share_open_weights"],
    ]
    total = sum(d for d, *_ in models)
    expected_osi = sum(d for d, lic, *_ in models if lic == "osi_open_source") / total
    assert values(table, "p")["share_license_osi_open_source"] == pytest.approx(expected_osi)
    for family in families:
        block = table.filter(pl.col("statistic").is_in(family))
        assert block.get_column("estimate").sum() == pytest.approx(1.0)
        sums = np.array(block.get_column("draws").to_list(), dtype=float).sum(axis=0)
        # a draw that weights every model 0 has no downloads: every share undefined
        assert np.allclose(sums[~np.isnan(sums)], 1.0) and not np.isnan(sums).all()


def weighted_median(sizes: np.ndarray, weights: np.ndarray) -> float:
    """Smallest size whose cumulative weight reaches half, the definition spelled out."""
    order = np.argsort(sizes, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(sizes[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


@settings(max_examples=30, deadline=None)
@given(
    downloads=st.lists(st.integers(1, 50), min_size=1, max_size=40),
    block=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_blocks_of_models_do_not_change_the_statistics(downloads, block, seed):
    """Sums and medians taken block by block (a block of 1 to 5 models) equal those of one block."""
    rows = panel(
        *[
            {
                "model_key": f"m{i:02d}",
                "downloads": d,
                "params": (i * 7) % 11 + 1,
                "params_source": "safetensors",
                "is_moe": i % 3 == 0,
            }
            for i, d in enumerate(downloads)
        ]
    )
    whole = property_period_table(rows, {"p": EARLY}, n_boot=30, seed=seed)
    with mock.patch.object(property_periods, "MODEL_BLOCK", block):
        blocked = property_period_table(rows, {"p": EARLY}, n_boot=30, seed=seed)
    for statistic in ("median_params", "mean_params", "share_moe"):
        one, other = (np.array(values(t, "p", "draws")[statistic].to_list(), dtype=float) for t in (whole, blocked))
        np.testing.assert_allclose(other, one, rtol=1e-12)
    sizes = np.array([(i * 7) % 11 + 1 for i in range(len(downloads))], dtype=float)
    assert values(blocked, "p")["median_params"] == weighted_median(sizes, np.array(downloads, dtype=float))


def test_cluster_bootstrap_covers_what_model_resampling_misses_in_the_clustered_simulator():
    from hubshare.inference.bootstrap_calibration import PLANTED_SHARE, bootstrap_coverage, clustered_population

    population = clustered_population(np.random.default_rng(0), 1.1, clusters=50, models_per_cluster=3)
    # every model of a cluster shares its flag; both periods hold the same models
    assert population.group_by("cluster").agg(pl.col("is_quantized").n_unique())["is_quantized"].max() == 1
    assert population.group_by("week").len()["len"].to_list() == [150, 150]
    assert 0 < PLANTED_SHARE < 1
    coverage = bootstrap_coverage((0.8,), replicates=40, n_boot=100, clusters=100, models_per_cluster=3, seed=1)
    got = {(r["resampled"], r["target"]): r["coverage"] for r in coverage.iter_rows(named=True)}
    # 40 populations: a standard error of about 5 points; the gap measured at 100 populations is 20 points or more
    assert got[("cluster", "share")] > got[("model", "share")]
    assert got[("cluster", "multiplier")] > got[("model", "multiplier")]
    assert got[("cluster", "share")] >= 0.8


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 7),  # model
            st.integers(0, 10**9),  # downloads
            st.sampled_from([None, 10**8, 7 * 10**9, 10**11]),  # size
            st.booleans(),  # in the period
        ),
        min_size=1,
        max_size=25,
    ),
    st.lists(st.integers(0, 9), min_size=1, max_size=4),
)
def test_leaving_out_is_the_statistics_of_the_rows_without_the_top_clusters(entries, left_out):
    """Weighting the top k clusters by zero gives what the rows without them give."""
    rows = panel(
        *(
            {
                "model_key": f"m{model}",
                "downloads": downloads,
                "params": size,
                "params_source": "none" if size is None else "safetensors",
                # A model's properties are one per period: set by the model, not the row.
                "is_quantized": model % 2 == 1,
                "week": IN_EARLY if inside else IN_LATE,
            }
            for model, downloads, size, inside in entries
        )
    ).with_columns(cluster=pl.concat_str(pl.lit("c"), pl.col("model_key").str.slice(1).cast(pl.Int64) // 3))
    got = property_periods.leave_top_out(rows, {"early": EARLY}, left_out, cluster_column="cluster")
    in_period = rows.filter(pl.col("week").is_between(*EARLY))
    ranked = (
        in_period.group_by("cluster")
        .agg(pl.col("downloads").sum())
        .sort(["downloads", "cluster"], descending=[True, False])["cluster"]
        .to_list()
    )
    for k in left_out:
        without = in_period.filter(~pl.col("cluster").is_in(ranked[:k]))
        expected = values(property_period_table(without, {"early": EARLY}, n_boot=1, seed=0), "early")
        found = got.filter(pl.col("left_out") == k)
        assert found["clusters_left_out"].unique().to_list() == ["; ".join(ranked[:k])]
        for statistic, estimate in zip(found["statistic"], found["estimate"], strict=True):
            assert (estimate is None) == (expected[statistic] is None), (k, statistic)
            if estimate is not None:
                assert estimate == pytest.approx(expected[statistic], rel=1e-12), (k, statistic)


@settings(max_examples=30, deadline=None)
@given(
    entries=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 7), st.integers(1, 9), st.integers(1, 60), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    block=st.integers(1, 6),
    cells=st.integers(1, 40),
    seed=st.integers(0, 1000),
)
def test_median_draws_of_clusters_with_several_sizes_are_the_definition(entries, block, cells, seed):
    """Clusters of models whose sizes differ, and models whose size changes between weeks: each draw's median
    is the weighted median of every (model-week, size) row weighted by its cluster's Poisson weight, whatever
    the block of sizes (MODEL_BLOCK) and however few (cluster, block) sums are allowed (SIZE_BLOCK_CELLS)."""
    rows = panel(
        *[
            {
                "model_key": f"m{model}",
                "downloads": downloads,
                "params": size,
                "params_source": "safetensors",
                "week": IN_EARLY if early else dt.date(2022, 6, 8),
            }
            for _, model, size, downloads, early in entries
        ]
    ).with_columns(cluster=pl.lit("c") + pl.Series([str(c) for c, *_ in entries]))
    with (
        mock.patch.object(property_periods, "MODEL_BLOCK", block),
        mock.patch.object(property_periods, "SIZE_BLOCK_CELLS", cells),
    ):
        table = property_period_table(rows, {"p": EARLY}, n_boot=20, seed=seed, cluster_column="cluster")
    drawn = np.array(values(table, "p", "draws")["median_params"].to_list(), dtype=float)
    names = sorted({f"c{c}" for c, *_ in entries})
    weights = poisson_weights(unit_keys(names, seed), 0, 20).astype(float)
    sizes = np.array([size for _, _, size, _, _ in entries], dtype=float)
    expected = []
    for draw in weights:
        by_row = np.array([draw[names.index(f"c{c}")] * d for c, _, _, d, _ in entries])
        expected.append(weighted_median(sizes, by_row) if by_row.sum() > 0 else np.nan)
    np.testing.assert_array_equal(drawn, np.array(expected))


def test_both_tables_at_once_are_the_tables_one_at_a_time():
    rows = three_models().with_columns(
        cluster=pl.when(pl.col("model_key") == "c").then(pl.lit("x")).otherwise(pl.lit("y"))
    )
    periods = {"2022": EARLY, "2025": LATE}
    properties, left_out = property_periods.property_tables(rows, periods, 50, 4, [0, 1, 2], cluster_column="cluster")
    assert properties.equals(property_period_table(rows, periods, n_boot=50, seed=4, cluster_column="cluster"))
    assert left_out.equals(property_periods.leave_top_out(rows, periods, [0, 1, 2], cluster_column="cluster"))
    assert left_out.filter(pl.col("period") == "2022")["clusters_left_out"].unique(maintain_order=True).to_list() == [
        "",
        "x",
        "x; y",
    ]


def test_a_block_sum_rounded_past_one_half_moves_the_search_to_the_next_block():
    """Beyond 2^53 block sums and running sums may round apart: when the block the block sums point to falls
    short of one half entry by entry, the crossing is looked for in the next block."""
    units = {
        "n_units": 4,
        "size_model": np.arange(4),
        "size_downloads": np.array([1.0, 1.0, 1.0, 1.0]),
    }
    counts = np.ones(4)
    with mock.patch.object(property_periods, "MODEL_BLOCK", 2):
        # Exact block totals are 2 and 4; a first block rounded up to 2.5 points the search for 2.5 at it.
        assert property_periods._crossing(units, counts, np.array([2.5, 4.0]), 2.5) == 2
        assert property_periods._crossing(units, counts, np.array([2.0, 4.0]), 2.0) == 1


def test_the_periods_tables_combine_into_the_written_results(tmp_path):
    """`property_periods_file`: each period's job wrote its own table; the combined statistics lose the draws, the
    multipliers come from them draw by draw, and the leave-top-k-out rows keep the periods' order within each k."""
    rows = planted(0.1, 0.5, models=40)
    periods = {"early": EARLY, "late": LATE}
    table = property_period_table(rows, periods, n_boot=50, seed=3)
    left_out = property_periods.leave_top_out(rows, periods, [0, 1])
    tables, left = [], []
    for name in ("early", "late"):
        tables.append(tmp_path / f"{name}-properties.parquet")
        left.append(tmp_path / f"{name}-left.parquet")
        table.filter(pl.col("period") == name).write_parquet(tables[-1])
        left_out.filter(pl.col("period") == name).write_parquet(left[-1])
    outputs = {name: tmp_path / f"{name}.csv" for name in ("table", "multipliers", "leave_top_out")}
    property_periods_file(tables, left, "early", "late", outputs)
    written = pl.read_csv(outputs["table"])
    assert "draws" not in written.columns and written.height == table.height
    ratios = pl.read_csv(outputs["multipliers"]).rows_by_key("statistic", named=True, unique=True)
    assert ratios["share_quantized"]["multiplier"] == pytest.approx(5.0)
    assert ratios["mean_params"]["multiplier"] == pytest.approx(5.0)
    order = pl.read_csv(outputs["leave_top_out"]).select("left_out", "period").unique(maintain_order=True)
    assert order.rows() == [(0, "early"), (0, "late"), (1, "early"), (1, "late")]
