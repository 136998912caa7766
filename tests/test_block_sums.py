"""Sums kept a calendar block at a time give the jobs that read them the same bits as the weeks' rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubshare.analysis.block_sums import (
    BLOCK_TABLES,
    block_sums_file,
    calendar_blocks,
    period_namespaces,
    period_panel,
    scan_blocks,
)
from hubshare.analysis.composition import composition_file, composition_table
from hubshare.analysis.shares import DIMENSIONS
from hubshare.attribution.family_shares import family_shares, namespace_shares
from hubshare.attribution.intermediaries import intermediaries_file, intermediary_tables
from hubshare.attribution.sensitivity import CONTESTED_COLUMNS, sensitivity_file, sensitivity_table
from hubshare.contracts.base import empty_frame
from hubshare.contracts.panel_tables import Attributed, WeekNamespaces
from hubshare.panel.counter_falls import counted_after_falls

D = dt.date
# The weekly tables' columns the blocks read, typed as their contracts type them.
ATTRIBUTED = empty_frame(Attributed, ["week", "view", "model_number", *DIMENSIONS, "downloads"]).schema
NAMESPACES = empty_frame(
    WeekNamespaces,
    ["week", "namespace", "organization", "attribution_source", *DIMENSIONS, "downloads", "derivative_downloads"],
).schema
PANEL = pl.DataFrame(
    schema={
        "week": pl.Date,
        "model_key": pl.String,
        "model_number": pl.UInt32,
        "namespace": pl.String,
        "event": pl.String,
        "downloads": pl.Int64,
    }
)


CALENDAR = {
    "2024": (D(2024, 1, 1), D(2024, 12, 31)),
    "2025": (D(2025, 1, 1), D(2025, 12, 31)),
    "window": (D(2024, 12, 25), D(2025, 1, 8)),
}


def test_calendar_blocks_are_months_cut_where_a_period_starts_or_ends():
    dates = [(D(2024, 12, 18) + dt.timedelta(weeks=i)).isoformat() for i in range(6)] + ["2025-02-05", "2025-02-26"]
    # 2024-12-18 | 12-25 (window starts) | 01-01, 01-08 (2025 starts) | 01-15, 01-22 (window ended 01-08) | Feb
    assert calendar_blocks(dates, CALENDAR) == {
        "2024-12-01": ["2024-12-18"],
        "2024-12-25": ["2024-12-25"],
        "2025-01-01": ["2025-01-01", "2025-01-08"],
        "2025-01-09": ["2025-01-15", "2025-01-22"],
        "2025-02-01": ["2025-02-05", "2025-02-26"],
    }
    assert calendar_blocks([], CALENDAR) == {}


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.integers(0, 800), min_size=1, max_size=40, unique=True),
    bounds=st.lists(st.tuples(st.integers(-50, 850), st.integers(0, 400)), min_size=1, max_size=4),
)
def test_a_block_lies_in_or_out_of_every_period_and_in_one_month(days, bounds):
    origin = dt.date(2023, 11, 20)
    dates = sorted((origin + dt.timedelta(days=d)).isoformat() for d in days)
    periods = {
        f"p{k}": (origin + dt.timedelta(days=start), origin + dt.timedelta(days=start + length))
        for k, (start, length) in enumerate(bounds)
    }
    blocks = calendar_blocks(dates, periods)
    assert [date for block in blocks.values() for date in block] == dates
    for first, block in blocks.items():
        days_in = [dt.date.fromisoformat(date) for date in block]
        start = dt.date.fromisoformat(first)
        assert all(start <= day and (day.year, day.month) == (start.year, start.month) for day in days_in)
        for low, high in periods.values():
            # The block's first day says for the whole block whether it is in the period.
            assert {low <= day <= high for day in days_in} == {low <= start <= high}


def write_blocks(
    attributed: pl.DataFrame, namespaces: pl.DataFrame, periods: dict, folder: Path, panel: pl.DataFrame | None = None
) -> dict:
    """The weeks written a file each, as the workflow writes them, then each calendar block's sums; returns
    {"weeks": {date: {table: path}}, "blocks": {first day: {table: path}}}."""
    weekly = {"attributed": attributed, "namespaces": namespaces, "panel": PANEL.clear() if panel is None else panel}
    weeks: dict[str, dict[str, Path]] = {}
    for date in sorted({day for frame in weekly.values() for day in frame["week"].to_list()}):
        day = date.isoformat()
        weeks[day] = {table: folder / f"{day}.{table}.parquet" for table in weekly}
        for table, frame in weekly.items():
            frame.filter(pl.col("week") == date).write_parquet(weeks[day][table])
    blocks = {}
    for first, days in calendar_blocks(list(weeks), periods).items():
        blocks[first] = {table: folder / f"block-{first}.{table}.parquet" for table in BLOCK_TABLES}
        block_sums_file({table: [weeks[day][table] for day in days] for table in weekly}, blocks[first])
    return {"weeks": weeks, "blocks": blocks}


def entries(periods: dict) -> list[dict]:
    return [
        {"name": name, "start": start.isoformat(), "end": end.isoformat()} for name, (start, end) in periods.items()
    ]


ATTRIBUTED_EMPTY = pl.DataFrame(schema=ATTRIBUTED)
NAMESPACES_EMPTY = pl.DataFrame(schema=NAMESPACES)

ROWS = [
    (D(2023, 3, 1), "uploader", 1, "china", "industry", 10.0),
    (D(2023, 4, 1), "uploader", 1, "china", "industry", 5.0),
    (D(2023, 4, 1), "uploader", 2, "united_states", "academia", 5.0),
    (D(2023, 4, 20), "uploader", 2, "china", "academia", 1 / 3),
    (D(2023, 7, 1), "uploader", 3, "united_states", "industry", 99.0),  # between the windows
    (D(2024, 5, 1), "uploader", 1, "china", "industry", 20.0),
    (D(2024, 5, 1), "uploader", 4, "united_states", "industry", 20.0),
    (D(2024, 5, 29), "uploader", 1, "china", "industry", 0.1),
]


@pytest.mark.parametrize(
    "periods",
    [
        # Two calendar periods: the windows sum their blocks (two blocks in the first, two weeks in the last).
        {"a": (D(2023, 1, 1), D(2023, 6, 30)), "b": (D(2024, 1, 1), D(2024, 12, 31))},
        # The last window a single day on which a block starts (the one week of 2024-05-29).
        {"a": (D(2023, 1, 1), D(2023, 6, 30)), "b": (D(2024, 5, 29), D(2024, 5, 29))},
        # One period holding everything: the windows are the first and last week, read from their files.
        {"all": (D(2000, 1, 1), D(2100, 12, 31))},
    ],
)
def test_composition_from_blocks_is_the_table_from_the_rows_bit_for_bit(tmp_path, periods):
    attributed = pl.DataFrame(ROWS, schema=ATTRIBUTED, orient="row")
    namespaces = pl.DataFrame(schema=NAMESPACES)
    files = write_blocks(attributed, namespaces, periods, tmp_path)
    inputs = {
        "blocks": [paths["credited"] for paths in files["blocks"].values()],
        "attributed": [paths["attributed"] for paths in files["weeks"].values()],
    }
    settings = {"blocks": list(files["blocks"]), "periods": entries(periods), "measure": "alltime_diff"}
    from_blocks = composition_file(inputs, settings, tmp_path / "composition.csv")
    expected = composition_table(attributed.lazy(), periods, "alltime_diff")
    assert expected.height and from_blocks.equals(expected)


NAMESPACE_NAMES = ["quant", "user", "meta", None]


@st.composite
def weekly_namespace_sums(draw):
    """Weekly namespace sums over some weeks of 2024, with fractional derivative parts."""
    days = draw(st.lists(st.integers(0, 150), min_size=1, max_size=15, unique=True))
    rows = []
    for day in days:
        for namespace in draw(st.lists(st.sampled_from(NAMESPACE_NAMES), min_size=1, max_size=4, unique=True)):
            downloads = float(draw(st.integers(1, 10**7)))
            part = draw(st.fractions(0, 1, max_denominator=7))
            source = "registry" if namespace == "meta" else "unlisted_namespace" if namespace else "no_namespace"
            group = "united_states" if namespace == "meta" else "unaffiliated_user" if namespace else "unknown"
            rows.append(
                (
                    D(2024, 1, 3) + dt.timedelta(days=day),
                    namespace,
                    namespace or "unknown",
                    source,
                    group,
                    group,
                    downloads,
                    downloads * float(part),
                )
            )
    return pl.DataFrame(rows, schema=NAMESPACES, orient="row")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    namespaces=weekly_namespace_sums(),
    bounds=st.lists(st.tuples(st.integers(-10, 160), st.integers(0, 60)), min_size=1, max_size=3),
    threshold=st.sampled_from([0.3, 0.5, 0.7]),
)
def test_intermediaries_from_blocks_are_the_tables_from_the_weeks_bit_for_bit(
    tmp_path_factory, namespaces, bounds, threshold
):
    # Periods that start and end anywhere (a single day among them), so blocks are cut inside months.
    origin = D(2024, 1, 3)
    periods = {
        f"p{k}": (origin + dt.timedelta(days=start), origin + dt.timedelta(days=start + length))
        for k, (start, length) in enumerate(bounds)
    }
    periods["one day"] = (namespaces["week"].max(), namespaces["week"].max())
    folder = tmp_path_factory.mktemp("blocks")
    files = write_blocks(pl.DataFrame(schema=ATTRIBUTED), namespaces, periods, folder)
    outputs = {name: folder / f"{name}.csv" for name in ("namespaces", "by_period", "sensitivity")}
    blocks = [paths["namespaces"] for paths in files["blocks"].values()]
    settings = {"blocks": list(files["blocks"]), "periods": periods, "threshold": threshold, "min_downloads": 1.0}
    classified = intermediaries_file(blocks, settings, outputs)
    expected, shares, sensitivity = intermediary_tables(namespaces, periods, threshold, 1.0)
    assert classified.equals(expected)
    assert dict(pl.read_csv(outputs["by_period"]).iter_rows()) == shares
    assert pl.read_csv(outputs["sensitivity"]).equals(sensitivity)


def test_a_block_keeps_its_sums_exact_and_readable_by_any_parquet_reader(tmp_path):
    attributed = pl.DataFrame(
        [(D(2024, 5, 1), "derived", 1, "china", "industry", v) for v in (0.1, 0.2, 1 / 3)],
        schema=ATTRIBUTED,
        orient="row",
    )
    namespaces = pl.DataFrame(
        [(D(2024, 5, 1), "quant", "quant", "unlisted_namespace", "unaffiliated_user", "unaffiliated_user", 3.0, 1 / 3)],
        schema=NAMESPACES,
        orient="row",
    )
    files = write_blocks(attributed, namespaces, {}, tmp_path)
    paths = files["blocks"]["2024-05-01"]
    credited = pl.read_parquet(paths["credited"])
    # 0.1, 0.2 and 1/3 in whole 2^-48ths, each cut towards zero, then added as integers.
    assert credited.get_column("downloads").cast(pl.Int128).to_list() == [
        sum(int(v * 2**48) for v in (0.1, 0.2, 1 / 3))
    ]
    for table in ("credited", "namespaces"):
        assert str(pq.read_schema(paths[table]).field("downloads").type) == "decimal128(38, 0)"
    assert scan_blocks({"2024-05-01": paths["namespaces"]}).collect()["derivative_downloads"].to_list() == [
        int(2**48 / 3)
    ]
    with pytest.raises(ValueError, match="no calendar block starts between"):
        scan_blocks({"2024-05-01": paths["namespaces"]}, D(2025, 1, 1))


KEYS = "abcdef"


def test_a_periods_panel_from_blocks_by_hand(tmp_path):
    weeks = [D(2025, 1, 1), D(2025, 1, 8), D(2025, 2, 5)]
    panel = pl.DataFrame(
        [(weeks[0], "b", 1, 3), (weeks[1], "b", 1, 4), (weeks[1], "a", 0, 1), (weeks[2], "b", 1, 5)],
        schema=["week", "model_key", "model_number", "downloads"],
        orient="row",
    ).with_columns(namespace=pl.lit("org"), event=pl.lit("increase"))
    panel = panel.select(PANEL.columns).cast(PANEL.schema)
    files = write_blocks(ATTRIBUTED_EMPTY, NAMESPACES_EMPTY, {}, tmp_path, panel)
    state = tmp_path / "state.parquet"
    pl.DataFrame(
        {"model_key": ["a", "b", "c"], "model_number": [0, 1, 2]}, schema_overrides={"model_number": pl.UInt32}
    ).write_parquet(state)
    blocks = [paths["panel"] for paths in files["blocks"].values()]
    assert len(blocks) == 2  # January and February
    got = period_panel(blocks, state, D(2025, 1, 1))
    assert got.rows() == [(D(2025, 1, 1), "a", 1), (D(2025, 1, 1), "b", 12)]
    assert got.schema == pl.Schema({"week": pl.Date, "model_key": pl.String, "downloads": pl.Int64})
    assert period_panel([], None, D(2025, 1, 1)).schema == got.schema


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, len(KEYS) - 1), st.integers(1, 1000)),
        min_size=1,
        max_size=30,
        unique_by=lambda r: (r[0], r[1]),
    )
)
def test_a_periods_statistics_from_blocks_are_those_of_its_weeks(tmp_path_factory, cells):
    weeks = [D(2024, 12, 4) + dt.timedelta(weeks=w) for w in range(13)]
    panel = pl.DataFrame(
        [(weeks[w], KEYS[k], k, "org", "increase", downloads) for w, k, downloads in cells],
        schema=PANEL.schema,
        orient="row",
    )
    folder = tmp_path_factory.mktemp("panel")
    files = write_blocks(ATTRIBUTED_EMPTY, NAMESPACES_EMPTY, CALENDAR, folder, panel)
    state = folder / "state.parquet"
    pl.DataFrame(
        {"model_key": list(KEYS), "model_number": range(len(KEYS))}, schema_overrides={"model_number": pl.UInt32}
    ).write_parquet(state)
    models = pl.DataFrame({"model_key": list(KEYS), "family": ["F", "F", "G", None, "G", "H"]})
    for name, (start, end) in CALENDAR.items():
        inside = [paths["panel"] for first, paths in files["blocks"].items() if start <= D.fromisoformat(first) <= end]
        period = {name: (start, end)}
        from_blocks = family_shares(period_panel(inside, state, start), models, period)
        assert from_blocks.equals(family_shares(panel, models, period)), name


GROUP_OF = {"ns0": ("china", "industry"), "ns1": ("united_states", "academia"), "ns2": ("unknown", "unknown")}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(
        st.tuples(st.integers(0, 9), st.sampled_from([*GROUP_OF, None]), st.integers(1, 10**9), st.floats(0, 1)),
        min_size=1,
        max_size=30,
        unique_by=lambda cell: cell[:2],
    ),
    flagged=st.lists(st.sampled_from(list(GROUP_OF)), max_size=2, unique=True),
    judged=st.lists(st.sampled_from(list(GROUP_OF)), max_size=2, unique=True),
)
def test_the_sensitivity_from_blocks_is_the_table_from_the_weeks_bit_for_bit(tmp_path_factory, cells, flagged, judged):
    """Intermediaries apart, counter falls as revisions and the contested judgements, read from the blocks'
    namespace and fall sums, give the weekly rows' shares to the last bit."""
    weeks = [D(2025, 1, 29) + dt.timedelta(weeks=w) for w in range(10)]  # January to April
    periods = {"2025": (D(2025, 1, 1), D(2025, 12, 31)), "spring": (D(2025, 3, 1), D(2025, 5, 31))}
    namespaces, panel = [], []
    for number, (week, namespace, downloads, part) in enumerate(cells):
        group, kind = GROUP_OF.get(namespace, ("unknown", "unknown"))
        source = "registry" if namespace else "no_namespace"
        namespaces.append((weeks[week], namespace, namespace or "unknown", source, group, kind, float(downloads), 0.0))
        fall = int(downloads * part)
        if fall:
            panel.append((weeks[week], f"m{number}", number, namespace, "counter_reset", fall))
    namespaces = pl.DataFrame(namespaces, schema=NAMESPACES, orient="row")
    panel = pl.DataFrame(panel, schema=PANEL.schema, orient="row")
    folder = tmp_path_factory.mktemp("sensitivity")
    files = write_blocks(ATTRIBUTED_EMPTY, namespaces, periods, folder, panel)
    groups = (
        namespaces.group_by("week", *DIMENSIONS)
        .agg(pl.col("downloads").sum())
        .with_columns(view=pl.lit("derived"))
        .sort("week", *DIMENSIONS)
    )
    # The rule's table lists every classified namespace, flagged or not (a header alone when none flagged).
    classified = pl.DataFrame(
        {"namespace": flagged, "is_intermediary": [True] * len(flagged)},
        schema={"namespace": pl.String, "is_intermediary": pl.Boolean},
    )
    classified.write_csv(folder / "intermediaries.csv")
    contested = pl.DataFrame(
        [("alt", "Other way", namespace.upper(), "china", None, "https://example.org", "") for namespace in judged],
        schema=dict.fromkeys(CONTESTED_COLUMNS, pl.String),
        orient="row",
    )
    contested.write_csv(folder / "contested.csv")
    groups_file = folder / "groups.parquet"
    groups.write_parquet(groups_file)
    inputs = {
        "groups": [groups_file],
        **{table: [paths[table] for paths in files["blocks"].values()] for table in ("namespaces", "falls")},
        "intermediaries": folder / "intermediaries.csv",
        "contested": folder / "contested.csv",
    }
    got = sensitivity_file(inputs, {"blocks": list(files["blocks"]), "periods": periods}, folder / "table.csv")
    after_falls = counted_after_falls(panel.lazy())
    expected = sensitivity_table(
        groups, namespaces, flagged, periods, contested if judged else contested.clear(), after_falls
    )
    order = ["alternative", "period", "dimension", "group"]
    assert got.sort(order).equals(expected.sort(order))


def test_a_periods_namespace_shares_from_blocks_are_those_of_its_weeks(tmp_path):
    rows = [
        (D(2025, 1, 8), "meta", "Meta", "registry", "united_states", "industry", 10.0, 0.0),
        (D(2025, 1, 15), "meta", "Meta", "registry", "united_states", "industry", 5.0, 0.0),
        (D(2025, 1, 15), "user", "user", "unlisted_namespace", "unaffiliated_user", "unaffiliated_user", 7.0, 1.0),
        (D(2025, 2, 5), None, "unknown", "no_namespace", "unknown", "unknown", 3.0, 0.0),
    ]
    namespaces = pl.DataFrame(rows, schema=NAMESPACES, orient="row")
    files = write_blocks(ATTRIBUTED_EMPTY, namespaces, {}, tmp_path)
    blocks = [paths["namespaces"] for paths in files["blocks"].values()]
    period = {"2025": (D(2025, 1, 1), D(2025, 12, 31))}
    from_blocks = period_namespaces(blocks, D(2025, 1, 1))
    # January's two weeks of meta are one row of its block; every row dated the day given.
    assert from_blocks.sort("downloads").select("namespace", "downloads").rows() == [
        (None, 3.0),
        ("user", 7.0),
        ("meta", 15.0),
    ]
    assert set(from_blocks["week"]) == {D(2025, 1, 1)}
    assert namespace_shares(from_blocks, period).equals(namespace_shares(namespaces, period))
    assert period_namespaces([], D(2025, 1, 1)).is_empty()
