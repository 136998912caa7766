"""Contracts of the result tables: shares, concentration, period contrasts, composition, eras and
the calibration of the tests."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from hubshare.contracts.base import Contract


class GroupShares(Contract):
    """`results/tables/shares_weekly.parquet` and `shares_trailing52.parquet`."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type", "organization"], description="Grouping dimension."
    )
    group: str = pa.Field(nullable=False, description="Group value.")
    week: pl.Date = pa.Field(nullable=False, description="Week (end of the trailing window for trailing tables).")
    downloads: pl.Float64 = pa.Field(nullable=False, ge=0, description="Downloads of the group in the week or window.")
    share: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Share of all downloads in the week or window."
    )


class Concentration(Contract):
    """`results/tables/concentration_weekly.parquet`: concentration over organisations (each week's rows also in `data/processed/aggregates/<date>/concentration.parquet`)."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    week: pl.Date = pa.Field(nullable=False, description="Week.")
    organizations: pl.Int64 = pa.Field(nullable=False, ge=0, description="Organisations with downloads that week.")
    hhi: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Herfindahl-Hirschman index (sum of squared shares, 0-1)."
    )
    gini: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1, description="Gini coefficient of downloads across organisations with downloads."
    )
    top1: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the largest organisation.")
    top5: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the five largest.")
    top10: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Share of the ten largest.")


class PeriodContrasts(Contract):
    """`results/tables/period_contrasts.csv`: difference of mean weekly share between two periods, per headline series and view."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type"], description="Grouping dimension of the series."
    )
    group: str = pa.Field(nullable=False, description="Group whose weekly share is compared.")
    contrast: str = pa.Field(nullable=False, description="`<second period> vs <first period>`.")
    first_period: str = pa.Field(nullable=False, description="Earlier period of the contrast.")
    second_period: str = pa.Field(nullable=False, description="Later period of the contrast.")
    weeks_first: pl.Int64 = pa.Field(nullable=False, ge=0, description="Weeks of data in the first period.")
    weeks_second: pl.Int64 = pa.Field(nullable=False, ge=0, description="Weeks of data in the second period.")
    estimate_logit: pl.Float64 = pa.Field(
        nullable=True,
        description="Mean empirical logit share in the second period minus the first (the test's scale); null when not tested.",
    )
    ci_low_logit: pl.Float64 = pa.Field(
        nullable=True, description="Lower confidence bound of the difference on the logit scale."
    )
    ci_high_logit: pl.Float64 = pa.Field(
        nullable=True, description="Upper confidence bound of the difference on the logit scale."
    )
    estimate_pp: pl.Float64 = pa.Field(
        nullable=True,
        ge=-100,
        le=100,
        description="The logit difference carried to percentage points at the first period's level; null when not tested.",
    )
    ci_low: pl.Float64 = pa.Field(nullable=True, description="Lower confidence bound carried to percentage points.")
    ci_high: pl.Float64 = pa.Field(nullable=True, description="Upper confidence bound carried to percentage points.")
    confidence: pl.Float64 = pa.Field(nullable=False, gt=0, lt=1, description="Confidence level of the interval.")
    p_value: pl.Float64 = pa.Field(
        nullable=True,
        ge=0,
        le=1,
        description="Monte Carlo p-value of the test on the empirical logit share (AR(1) noise, simulated null).",
    )
    persistence: pl.Float64 = pa.Field(
        nullable=True,
        ge=0,
        le=1,
        description="Persistence plugged into the standard error: the larger of the lag-1 autocorrelation and the fourth root of the lag-4 one, around each period's line, made median-unbiased.",
    )
    null_model: str = pa.Field(
        nullable=True,
        description="The null model the test was read at: the least favourable of the confidence set of null models (AR(1) at a persistence, a random walk, or fractional noise).",
    )
    note: str = pa.Field(nullable=True, description="Empty when tested; otherwise why the contrast was not tested.")
    p_adjusted: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="Benjamini-Yekutieli adjusted p-value over the contrasts tested."
    )
    significant: bool = pa.Field(nullable=True, description="Rejected at the family's false discovery rate.")


class Composition(Contract):
    """`results/tables/composition.csv`: each group's change of share between the first and the last window, split into the change among the models in both windows (stayers), entrants and leavers (`hubshare.analysis.composition`; no rows when the build has fewer than two windows)."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type"], description="Grouping dimension."
    )
    group: str = pa.Field(nullable=False, description="Group whose share changes.")
    window_kind: str = pa.Field(
        nullable=False,
        isin=["period", "interval"],
        description="`period`: the first and last calendar periods with downloads; `interval`: the first and last non-overlapping download intervals.",
    )
    first_period: str = pa.Field(
        nullable=False, description="First window: a period's name, or the snapshot date closing the interval."
    )
    last_period: str = pa.Field(
        nullable=False, description="Last window: a period's name, or the snapshot date closing the interval."
    )
    share_first: pl.Float64 = pa.Field(nullable=False, ge=0, le=1, description="Group's share in the first window.")
    share_last: pl.Float64 = pa.Field(nullable=False, ge=0, le=1, description="Group's share in the last window.")
    change_pp: pl.Float64 = pa.Field(
        nullable=False, ge=-100, le=100, description="Change of share, last minus first, in percentage points."
    )
    stayers_pp: pl.Float64 = pa.Field(
        nullable=False,
        ge=-100,
        le=100,
        description="Part of the change among stayers: the change of the group's share of the stayers' downloads (points).",
    )
    entrants_pp: pl.Float64 = pa.Field(
        nullable=False,
        ge=-100,
        le=100,
        description="Part of entrants: their share of the last window's downloads times their group share minus the stayers' (points).",
    )
    leavers_pp: pl.Float64 = pa.Field(
        nullable=False,
        ge=-100,
        le=100,
        description="Part of leavers: their share of the first window's downloads times the stayers' group share minus theirs (points).",
    )
    stayers_share_first: pl.Float64 = pa.Field(
        nullable=False,
        ge=0,
        le=1,
        description="Group's share of the stayers' downloads in the first window (0 without stayers).",
    )
    stayers_share_last: pl.Float64 = pa.Field(
        nullable=False,
        ge=0,
        le=1,
        description="Group's share of the stayers' downloads in the last window (0 without stayers).",
    )
    stayers: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models with downloads in both windows.")
    entrants: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models with downloads in the last window only.")
    leavers: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models with downloads in the first window only.")
    stayer_downloads_first: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Stayers' downloads in the first window (all groups)."
    )
    stayer_downloads_last: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Stayers' downloads in the last window (all groups)."
    )
    entrant_downloads: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Entrants' downloads in the last window (all groups)."
    )
    leaver_downloads: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Leavers' downloads in the first window (all groups)."
    )


class ModelSeries(Contract):
    """`results/tables/model_series.csv`: series below the level of groups, one value per non-overlapping download interval: namespace shares, concentration among models and the downloads per 30 days, over all models and over the models present throughout (`hubshare.analysis.model_series`)."""

    variant: str = pa.Field(
        nullable=False,
        isin=["all", "throughout"],
        description="`all`: every model with downloads in the interval; `throughout`: the models with downloads in every non-overlapping interval.",
    )
    week: pl.Date = pa.Field(nullable=False, description="Snapshot date closing the interval.")
    series: str = pa.Field(
        nullable=False,
        isin=["namespace_share", "hhi", "top_model_share", "effective_models", "downloads"],
        description="What `value` measures (see the module docstring).",
    )
    subject: str = pa.Field(nullable=False, description="The namespace of a `namespace_share`; empty otherwise.")
    value: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Share (0-1), HHI (0-1), number of models, or downloads per 30 days."
    )
    downloads: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="The namespace's downloads per 30 days (namespace shares only)."
    )
    total: pl.Float64 = pa.Field(nullable=False, gt=0, description="Downloads per 30 days of the variant's models.")
    models: pl.Int64 = pa.Field(nullable=False, gt=0, description="Models in the variant over the whole series.")


class ModelTrends(Contract):
    """`results/tables/model_trends.csv`: trend tests of the series below the level of groups on their non-overlapping intervals, one Benjamini-Yekutieli family (`hubshare.inference.model_trends`); a series not tested says why and has no slope."""

    variant: str = pa.Field(nullable=False, isin=["all", "throughout"], description="Models the series covers.")
    series: str = pa.Field(
        nullable=False,
        isin=["namespace_share", "hhi", "top_model_share", "downloads"],
        description="Series (as in `model_series.csv`; the effective number of models, 1 / HHI, is tested as the HHI).",
    )
    subject: str = pa.Field(nullable=False, description="The namespace of a `namespace_share`; empty otherwise.")
    n_intervals: pl.Int64 = pa.Field(nullable=False, ge=0, description="Non-overlapping intervals in the series.")
    models: pl.Int64 = pa.Field(nullable=False, ge=0, description="Models the variant covers.")
    first_year: pl.Float64 = pa.Field(
        nullable=True, description="Mean value over the first 52 weeks (null when the series spans under two years)."
    )
    last_year: pl.Float64 = pa.Field(nullable=True, description="Mean value over the last 52 weeks (idem).")
    estimate: pl.Float64 = pa.Field(nullable=True, description="Trend per year in `unit` (null when not tested).")
    ci_low: pl.Float64 = pa.Field(nullable=True, description="Lower bound of the trend's confidence interval.")
    ci_high: pl.Float64 = pa.Field(nullable=True, description="Upper bound of the trend's confidence interval.")
    unit: str = pa.Field(
        nullable=False,
        isin=["percentage points", "HHI", "percent", ""],
        description="Unit of the trend: percentage points of share, HHI units (0-1) or percent growth, per year.",
    )
    p_value: pl.Float64 = pa.Field(nullable=True, ge=0, le=1, description="Robust trend test's Monte Carlo p-value.")
    p_adjusted: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="Benjamini-Yekutieli adjusted p-value across the tested series."
    )
    significant: bool = pa.Field(nullable=True, description="Rejected at the family's false discovery rate.")
    note: str = pa.Field(nullable=False, description="Empty when tested; otherwise why the series is not tested.")


class Eras(Contract):
    """`results/tables/eras.csv`: eras (change-point segments) of the headline weekly shares, alone and jointly."""

    view: str = pa.Field(nullable=False, description="Attribution view.")
    dimension: str = pa.Field(
        nullable=False, isin=["country_group", "developer_type"], description="Grouping dimension of the series."
    )
    group: str = pa.Field(nullable=False, description="Group whose weekly share the era describes.")
    fit: str = pa.Field(
        nullable=False,
        isin=["single", "joint"],
        description="`single`: the series segmented alone; `joint`: the dimension's headline series segmented together (shared boundaries).",
    )
    era: pl.Int64 = pa.Field(nullable=False, ge=1, description="Era number, from 1 in time order.")
    start: pl.Date = pa.Field(nullable=False, description="First week of the era.")
    end: pl.Date = pa.Field(nullable=False, description="Last week of the era.")
    weeks: pl.Int64 = pa.Field(nullable=False, ge=1, description="Weekly observations in the era.")
    mean_share: pl.Float64 = pa.Field(nullable=False, ge=0, le=1.000001, description="Mean weekly share in the era.")
    fitted_start_share: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Share fitted by the era's line (logit scale) at its first week."
    )
    fitted_end_share: pl.Float64 = pa.Field(
        nullable=False, ge=0, le=1.000001, description="Share fitted by the era's line at its last week."
    )
    start_low: pl.Date = pa.Field(
        nullable=True,
        description="Earliest start of the era in the boundary's 95% set (profile likelihood ratio, Hansen 2000); null for the first era.",
    )
    start_high: pl.Date = pa.Field(
        nullable=True, description="Latest start of the era in that set; null for the first era."
    )
    nearest_period_boundary: pl.Date = pa.Field(
        nullable=True,
        description="Start of the calendar period nearest to the era's start; null for the first era or without period boundaries.",
    )
    distance_weeks: pl.Float64 = pa.Field(
        nullable=True, description="Era start minus that period start, in weeks (negative: the era starts earlier)."
    )


class Calibration(Contract):
    """`results/tables/calibration.csv` (demo source only): size of every test under every noise scenario, and power and coverage on the planted series."""

    series: str = pa.Field(
        nullable=False,
        description="`flat` for size rows (noise alone); otherwise the expected weekly series of truth.json.",
    )
    scenario: str = pa.Field(
        nullable=False,
        description="Noise kind of `hubshare.inference.noise` (size rows), or `planted_trend` (the expected series plus AR(1) 0.8 noise).",
    )
    test: str = pa.Field(
        nullable=False,
        isin=["robust_trend", "fixed_b", "mann_kendall", "period_contrast", "eras"],
        description="Robust trend test, fixed-b regression alone, pre-whitened Mann-Kendall, period contrast (the paper's primary test), or eras (at least one boundary found).",
    )
    contrast: str = pa.Field(
        nullable=True, description="The contrast (`<second> vs <first>`) for period-contrast rows; null otherwise."
    )
    replicates: pl.Int64 = pa.Field(nullable=False, ge=1, description="Noisy replicates.")
    rejection_rate: pl.Float64 = pa.Field(
        nullable=False,
        ge=0,
        le=1,
        description="Share of replicates in which the test rejects at alpha (for eras: finds a boundary): false-positive rate on size rows, power on planted rows.",
    )
    mc_standard_error: pl.Float64 = pa.Field(
        nullable=False, ge=0, description="Monte Carlo standard error of the rate."
    )
    within_band: bool = pa.Field(
        nullable=True, description="Size rows: the rate lies within 2.5-7.5% (for a nominal 5%); null on planted rows."
    )
    planted_effect: pl.Float64 = pa.Field(
        nullable=True,
        description="Planted rows: OLS slope of the planted logit share per year (trend) or planted difference of period means of the logit share (contrast).",
    )
    mean_effect: pl.Float64 = pa.Field(nullable=True, description="Mean estimate over the replicates, same scale.")
    coverage: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="Share of replicates whose confidence interval holds the planted effect."
    )
