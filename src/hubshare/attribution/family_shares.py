"""Download shares of model families and of single namespaces, by period (uploader view)."""

from __future__ import annotations

import datetime as dt

import polars as pl


def _shares_by_period(downloads: pl.DataFrame, key: str, periods: dict[str, tuple[dt.date, dt.date]]) -> pl.DataFrame:
    frames = []
    for name, (start, end) in periods.items():
        rows = downloads.filter(pl.col("week").is_between(start, end, closed="both"))
        total = rows["downloads"].sum()
        frames.append(
            rows.group_by(key)
            .agg(pl.col("downloads").sum())
            .with_columns(
                pl.lit(name).alias("period"),
                (pl.col("downloads") / total if total else pl.lit(0.0)).alias("share"),
            )
        )
    return pl.concat(frames).select(key, "period", "downloads", "share").sort("period", key)


def family_shares(panel: pl.DataFrame, models: pl.DataFrame, periods: dict) -> pl.DataFrame:
    """`family, period, downloads, share`; shares are of all downloads, models without a family have no row."""
    downloads = panel.select("week", "model_key", pl.col("downloads").cast(pl.Float64)).join(
        models.select("model_key", "family"), on="model_key", how="left"
    )
    return _shares_by_period(downloads, "family", periods).filter(pl.col("family").is_not_null())


def namespace_shares(namespaces: pl.DataFrame, periods: dict) -> pl.DataFrame:
    """`namespace, period, organization, downloads, share` for the uploader view (organization null if unlisted).

    `namespaces`: the uploader view's weekly sums by namespace (`WeekNamespaces`).
    """
    organizations = (
        namespaces.filter(pl.col("attribution_source") == "registry")
        .select("namespace", "organization")
        .unique("namespace")
    )
    return (
        _shares_by_period(namespaces.select("week", "namespace", "downloads"), "namespace", periods)
        .join(organizations, on="namespace", how="left")
        .select("namespace", "period", "organization", "downloads", "share")
    )
