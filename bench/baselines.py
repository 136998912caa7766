"""The panel -> attribution -> metrics chain written directly in DuckDB SQL and in pandas.

Both read the normalized snapshots and compute what `hubshare.panel.model_weeks`,
`hubshare.attribution.credit`, `hubshare.analysis.shares` and `hubshare.analysis.concentration`
compute from them: downloads per model-week by differencing the cumulative
count over each model's observations (the first snapshot is the baseline; a
first appearance counts its whole count; after a fall the new value counts),
credited in the three views through the registry and the legacy-id table,
then weekly and trailing-52-week shares by country group and developer type,
and HHI, Gini and top-k shares over organisations. They write the same three
tables, which `run.py` compares with the project's.

They skip what the project does on top (the conservation ledger, pandera
validation, the period and coverage tables, the attribution quality report,
writing the panel and the attributed table), so their times flatter them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

DIMENSIONS = ["country_group", "developer_type"]
TRAILING_DAYS = 364
TOP_K = (1, 5, 10)
UNAFFILIATED = "unaffiliated_user"
UNKNOWN = "unknown"

# The columns of a normalized snapshot that the chain needs.
INPUT_COLUMNS = [
    "snapshot_date",
    "model_key",
    "model_id",
    "namespace",
    "downloads_all_time",
    "lineage_roots",
    "lineage_root_first",
]


def duckdb_metrics(
    snapshot_paths: Sequence[Path],
    registry: pl.DataFrame,
    legacy_ids: pl.DataFrame,
    out_dir: Path,
    threads: int,
    memory_limit: str,
) -> dict:
    import duckdb

    out_dir.mkdir(parents=True, exist_ok=True)
    spill = out_dir / "spill"
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.register(
        "registry_frame",
        registry.select("namespace_lower", "organization", "country_group", "developer_type").to_arrow(),
    )
    con.register("legacy_frame", legacy_ids.to_arrow())
    files = ", ".join(f"'{p}'" for p in snapshot_paths)
    con.execute("CREATE TEMP TABLE registry AS SELECT * FROM registry_frame")
    con.execute("CREATE TEMP TABLE legacy AS SELECT lower(model_id) AS legacy_key, namespace FROM legacy_frame")
    con.execute(f"""
        CREATE TEMP TABLE panel AS
        WITH observations AS (
            SELECT snapshot_date, model_key, model_id, namespace, downloads_all_time AS value,
                   lineage_roots, lineage_root_first
            FROM read_parquet([{files}])
            WHERE downloads_all_time IS NOT NULL
        ),
        steps AS (
            SELECT *, lag(value) OVER (PARTITION BY model_key ORDER BY snapshot_date) AS previous_value
            FROM observations
        )
        SELECT snapshot_date AS week, model_id, namespace, lineage_roots, lineage_root_first,
               CASE WHEN snapshot_date = (SELECT min(snapshot_date) FROM observations) THEN 0
                    WHEN previous_value IS NULL OR value < previous_value THEN value
                    ELSE value - previous_value END AS downloads
        FROM steps
        WHERE downloads > 0
    """)
    con.execute("""
        CREATE MACRO namespace_of(model_id, legacy_namespace) AS
            CASE WHEN contains(model_id, '/') THEN split_part(model_id, '/', 1) ELSE legacy_namespace END
    """)
    con.execute("""
        CREATE TEMP TABLE by_organization AS
        WITH credited AS (
            SELECT p.week, 'uploader' AS view, coalesce(p.namespace, namespace_of(p.model_id, l.namespace)) AS attributed_namespace,
                   p.downloads::DOUBLE AS downloads
            FROM panel p LEFT JOIN legacy l ON lower(p.model_id) = l.legacy_key
            UNION ALL
            SELECT r.week, 'derived', namespace_of(r.root.root_id, l.namespace), r.downloads * r.root.weight
            FROM (
                -- A model without recorded roots is its own root.
                SELECT week, downloads,
                       unnest(coalesce(lineage_roots, [struct_pack(root_id := model_id, weight := 1.0::DOUBLE)])) AS root
                FROM panel
            ) r
            LEFT JOIN legacy l ON lower(r.root.root_id) = l.legacy_key
            UNION ALL
            SELECT p.week, 'derived_first_parent', namespace_of(coalesce(p.lineage_root_first, p.model_id), l.namespace),
                   p.downloads::DOUBLE
            FROM panel p LEFT JOIN legacy l ON lower(coalesce(p.lineage_root_first, p.model_id)) = l.legacy_key
        )
        SELECT c.view, c.week,
               coalesce(r.organization, c.attributed_namespace, 'unknown') AS organization,
               CASE WHEN r.organization IS NOT NULL THEN r.country_group
                    WHEN c.attributed_namespace IS NOT NULL THEN 'unaffiliated_user' ELSE 'unknown' END AS country_group,
               CASE WHEN r.organization IS NOT NULL THEN r.developer_type
                    WHEN c.attributed_namespace IS NOT NULL THEN 'unaffiliated_user' ELSE 'unknown' END AS developer_type,
               sum(c.downloads) AS downloads
        FROM credited c LEFT JOIN registry r ON lower(c.attributed_namespace) = r.namespace_lower
        GROUP BY ALL
    """)
    by_group = " UNION ALL ".join(
        f"SELECT view, '{d}' AS dimension, {d} AS \"group\", week, sum(downloads) AS downloads FROM by_organization GROUP BY ALL"
        for d in DIMENSIONS
    )
    con.execute(f"""
        CREATE TEMP TABLE grid AS
        WITH by_group AS ({by_group}),
        keys AS (SELECT DISTINCT view, dimension, "group" FROM by_group),
        weeks AS (SELECT DISTINCT week FROM by_organization)
        SELECT k.view, k.dimension, k."group", w.week, coalesce(b.downloads, 0.0) AS downloads
        FROM keys k CROSS JOIN weeks w LEFT JOIN by_group b USING (view, dimension, "group", week)
    """)
    share = "downloads / nullif(sum(downloads) OVER (PARTITION BY view, dimension, week), 0)"
    con.execute(f"""
        COPY (SELECT view, dimension, "group", week, downloads, coalesce({share}, 0.0) AS share FROM grid
              ORDER BY ALL) TO '{out_dir / "shares_weekly.parquet"}' (FORMAT parquet)
    """)
    con.execute(f"""
        COPY (
            WITH rolled AS (
                SELECT view, dimension, "group", week,
                       sum(downloads) OVER (PARTITION BY view, dimension, "group" ORDER BY week
                                            RANGE BETWEEN INTERVAL {TRAILING_DAYS - 1} DAYS PRECEDING AND CURRENT ROW) AS downloads
                FROM grid
            ),
            cadence AS (SELECT min(week) AS first_week, min(gap) AS gap FROM (
                SELECT week, week - lag(week) OVER (ORDER BY week) AS gap FROM (SELECT DISTINCT week FROM grid)))
            SELECT view, dimension, "group", week, downloads, coalesce({share}, 0.0) AS share
            FROM rolled, cadence
            WHERE week >= first_week + ({TRAILING_DAYS} - gap)::INTEGER
            ORDER BY ALL
        ) TO '{out_dir / "shares_trailing52.parquet"}' (FORMAT parquet)
    """)
    top = ", ".join(f"sum(downloads) FILTER (WHERE descending <= {k}) / sum(downloads) AS top{k}" for k in TOP_K)
    con.execute(f"""
        COPY (
            WITH ranked AS (
                SELECT view, week, downloads,
                       sum(downloads) OVER (PARTITION BY view, week) AS total,
                       row_number() OVER (PARTITION BY view, week ORDER BY downloads) AS ascending,
                       row_number() OVER (PARTITION BY view, week ORDER BY downloads DESC) AS descending
                FROM (SELECT view, week, organization, sum(downloads) AS downloads FROM by_organization GROUP BY ALL)
                WHERE downloads > 0
            )
            SELECT view, week, count(*) AS organizations,
                   sum(power(downloads / total, 2)) AS hhi,
                   least(greatest(2.0 * sum(ascending * downloads) / (count(*) * sum(downloads)) - (count(*) + 1.0) / count(*), 0.0), 1.0) AS gini,
                   {top}
            FROM ranked GROUP BY view, week ORDER BY view, week
        ) TO '{out_dir / "concentration_weekly.parquet"}' (FORMAT parquet)
    """)
    panel_rows = con.execute("SELECT count(*) FROM panel").fetchone()[0]
    con.close()
    return {"panel_rows": panel_rows, "threads": threads, "memory_limit": memory_limit}


def pandas_metrics(
    snapshot_paths: Sequence[Path], registry: pl.DataFrame, legacy_ids: pl.DataFrame, out_dir: Path
) -> dict:
    """The chain in pandas (pyarrow-backed dtypes, as `read_parquet` gives them).

    The differencing runs over all observations at once, like the project's
    and DuckDB's; the per-row attributes of the counted model-weeks are then
    read one snapshot at a time, so the pandas frame never holds the
    lineage lists of every observation.
    """
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    lookup = registry.select("namespace_lower", "organization", "country_group", "developer_type").to_pandas()
    legacy = dict(zip(legacy_ids["model_id"].str.to_lowercase(), legacy_ids["namespace"], strict=True))

    keys = [
        pd.read_parquet(p, columns=["snapshot_date", "model_key", "downloads_all_time"], dtype_backend="pyarrow")
        for p in snapshot_paths
    ]
    sizes = [len(frame) for frame in keys]
    weeks = [pd.Timestamp(frame["snapshot_date"].iloc[0]) for frame in keys]
    observations = pd.concat(keys, ignore_index=True)
    del keys
    value = observations["downloads_all_time"]
    has_value = value.notna()
    # Snapshots are concatenated in date order, so the row before within a model is its previous observation.
    previous = (
        value[has_value]
        .groupby(observations.loc[has_value, "model_key"], sort=False)
        .shift(1)
        .reindex(observations.index)
    )
    restarted = (previous.isna() | (value < previous)).fillna(True)
    counted = value.where(restarted, value - previous)
    counted = counted.where(observations["snapshot_date"] != observations["snapshot_date"].min(), 0)
    counted = counted.fillna(0).to_numpy(dtype=np.int64)
    del observations, value, previous, restarted

    def namespace_of(ids: pd.Series) -> pd.Series:
        prefix = ids.str.split("/", n=1).list[0]
        return prefix.where(ids.str.contains("/", regex=False), ids.str.lower().map(legacy))

    totals = []
    start = 0
    for path, size, week in zip(snapshot_paths, sizes, weeks, strict=True):
        week_counted = counted[start : start + size]
        start += size
        rows = week_counted > 0
        attributes = pd.read_parquet(
            path, columns=["model_id", "namespace", "lineage_roots", "lineage_root_first"], dtype_backend="pyarrow"
        )[rows]
        downloads = pd.Series(week_counted[rows], index=attributes.index, dtype="float64")
        # A model without recorded roots is its own root.
        own_root = attributes["lineage_roots"].isna()
        roots = attributes.loc[~own_root, "lineage_roots"].list.flatten()
        credited = pd.concat(
            [
                pd.DataFrame(
                    {
                        "view": "uploader",
                        "attributed_namespace": attributes["namespace"].fillna(namespace_of(attributes["model_id"])),
                        "downloads": downloads,
                    }
                ),
                pd.DataFrame(
                    {
                        "view": "derived",
                        "attributed_namespace": namespace_of(roots.struct.field("root_id")),
                        "downloads": downloads.reindex(roots.index) * roots.struct.field("weight").astype("float64"),
                    }
                ),
                pd.DataFrame(
                    {
                        "view": "derived",
                        "attributed_namespace": namespace_of(attributes.loc[own_root, "model_id"]),
                        "downloads": downloads[own_root],
                    }
                ),
                pd.DataFrame(
                    {
                        "view": "derived_first_parent",
                        "attributed_namespace": namespace_of(
                            attributes["lineage_root_first"].fillna(attributes["model_id"])
                        ),
                        "downloads": downloads,
                    }
                ),
            ],
            ignore_index=True,
        )
        joined = credited.assign(namespace_lower=credited["attributed_namespace"].str.lower()).merge(
            lookup, on="namespace_lower", how="left"
        )
        listed = joined["organization"].notna()
        has_namespace = joined["attributed_namespace"].notna()
        fallback = np.where(has_namespace, UNAFFILIATED, UNKNOWN)
        joined["organization"] = joined["organization"].where(listed, joined["attributed_namespace"].fillna(UNKNOWN))
        joined["country_group"] = joined["country_group"].where(listed, fallback)
        joined["developer_type"] = joined["developer_type"].where(listed, fallback)
        summed = joined.groupby(
            ["view", "organization", "country_group", "developer_type"], as_index=False, dropna=False
        )["downloads"].sum()
        totals.append(summed.assign(week=week))
    by_organization = pd.concat(totals, ignore_index=True)

    grid = _pandas_grid(by_organization)
    _pandas_with_share(grid).pipe(_write_pandas, out_dir / "shares_weekly.parquet")
    _pandas_trailing(grid).pipe(_write_pandas, out_dir / "shares_trailing52.parquet")
    _pandas_concentration(by_organization).pipe(_write_pandas, out_dir / "concentration_weekly.parquet")
    return {"panel_rows": int((counted > 0).sum())}


def _pandas_grid(by_organization):
    import pandas as pd

    by_group = pd.concat(
        [
            by_organization.groupby(["view", dimension, "week"], as_index=False)["downloads"]
            .sum()
            .rename(columns={dimension: "group"})
            .assign(dimension=dimension)
            for dimension in DIMENSIONS
        ],
        ignore_index=True,
    )
    keys = by_group[["view", "dimension", "group"]].drop_duplicates()
    weeks = pd.DataFrame({"week": np.sort(by_organization["week"].unique())})
    grid = keys.merge(weeks, how="cross").merge(by_group, on=["view", "dimension", "group", "week"], how="left")
    grid["downloads"] = grid["downloads"].fillna(0.0)
    return grid


def _pandas_with_share(frame):
    total = frame.groupby(["view", "dimension", "week"])["downloads"].transform("sum")
    return frame.assign(share=(frame["downloads"] / total.where(total > 0)).fillna(0.0))


def _pandas_trailing(grid):
    weeks = np.sort(grid["week"].unique())
    cadence = np.diff(weeks).min()
    first_full = weeks[0] + np.timedelta64(TRAILING_DAYS, "D") - cadence
    rolled = (
        grid.sort_values(["view", "dimension", "group", "week"])
        .set_index("week")
        .groupby(["view", "dimension", "group"])["downloads"]
        .rolling(f"{TRAILING_DAYS}D")
        .sum()
        .reset_index()
    )
    return _pandas_with_share(rolled[rolled["week"] >= first_full])


def _pandas_concentration(by_organization):
    import pandas as pd

    per_org = by_organization.groupby(["view", "week", "organization"], as_index=False)["downloads"].sum()
    per_org = per_org[per_org["downloads"] > 0].sort_values(["view", "week", "downloads"])
    grouped = per_org.groupby(["view", "week"])["downloads"]
    per_org["n"] = grouped.transform("size")
    per_org["total"] = grouped.transform("sum")
    per_org["ascending"] = grouped.cumcount() + 1
    per_org["descending"] = per_org["n"] - per_org["ascending"] + 1
    per_org["squared_share"] = (per_org["downloads"] / per_org["total"]) ** 2
    per_org["weighted"] = per_org["ascending"] * per_org["downloads"]
    for k in TOP_K:
        per_org[f"top{k}"] = per_org["downloads"].where(per_org["descending"] <= k, 0.0)
    table = per_org.groupby(["view", "week"], as_index=False).agg(
        organizations=("n", "first"),
        total=("total", "first"),
        hhi=("squared_share", "sum"),
        weighted=("weighted", "sum"),
        **{f"top{k}": (f"top{k}", "sum") for k in TOP_K},
    )
    n = table["organizations"]
    table["gini"] = (2.0 * table["weighted"] / (n * table["total"]) - (n + 1) / n).clip(0.0, 1.0)
    for k in TOP_K:
        table[f"top{k}"] = table[f"top{k}"] / table["total"]
    return pd.DataFrame(table[["view", "week", "organizations", "hhi", "gini", *[f"top{k}" for k in TOP_K]]])


def _write_pandas(frame, path: Path) -> None:
    frame = frame.assign(week=frame["week"].dt.date)
    frame.to_parquet(path, index=False)


def compare_tables(expected: pl.DataFrame, actual: pl.DataFrame, keys: list[str]) -> dict:
    """Largest absolute difference per value column, and keys present in one table only."""
    actual = actual.with_columns(pl.col("week").cast(pl.Date)).select(expected.columns)
    joined = expected.join(actual, on=keys, how="full", suffix="_other", coalesce=True)
    values = [c for c in expected.columns if c not in keys]
    numeric = [c for c in values if expected.schema[c].is_numeric()]
    return {
        "rows": expected.height,
        "rows_other": actual.height,
        "only_in_one": joined.filter(
            pl.any_horizontal(pl.col(c).is_null() | pl.col(f"{c}_other").is_null() for c in numeric)
        ).height,
        "max_abs_difference": {
            c: float(
                joined.select((pl.col(c).cast(pl.Float64) - pl.col(f"{c}_other").cast(pl.Float64)).abs().max()).item()
                or 0.0
            )
            for c in numeric
        },
    }
