"""Family, namespace and period totals by hand; the choice of download measure."""

import datetime as dt

import polars as pl
import pytest

from hubshare.analysis.period_tables import family_shares_file
from hubshare.analysis.shares import WHOLE_STUDY, period_totals
from hubshare.attribution.family_shares import family_shares, namespace_shares
from hubshare.panel.measures import measure_for
from hubshare.panel.model_weeks import PanelError

W1, W2 = dt.date(2024, 1, 3), dt.date(2025, 1, 8)
PERIODS = {"2024": (dt.date(2024, 1, 1), dt.date(2024, 12, 31)), "2025": (dt.date(2025, 1, 1), dt.date(2025, 12, 31))}


def test_family_shares_are_of_all_downloads():
    panel = pl.DataFrame({"week": [W1, W1, W1, W2], "model_key": ["q", "l", "x", "q"], "downloads": [30, 10, 60, 5]})
    models = pl.DataFrame({"model_key": ["q", "l", "x"], "family": ["Qwen", "Llama", None]})
    table = family_shares(panel, models, PERIODS)
    share = {(r["family"], r["period"]): r["share"] for r in table.iter_rows(named=True)}
    # 2024: Qwen 30 and Llama 10 of 100 (the 60 without a family count in the total but get no row)
    assert share == {("Qwen", "2024"): 0.3, ("Llama", "2024"): 0.1, ("Qwen", "2025"): 1.0}


def attributed():
    return pl.DataFrame(
        {
            "week": [W1, W1, W1, W1],
            "view": ["uploader", "uploader", "uploader", "derived"],
            "model_key": ["a", "b", "c", "a"],
            "attributed_namespace": ["Comfy-Org", "user-1", "Comfy-Org", "meta"],
            "organization": ["Comfy Org", "user-1", "Comfy Org", "Meta"],
            "attribution_source": ["registry", "unlisted_namespace", "registry", "registry"],
            "downloads": [2.0, 6.0, 2.0, 2.0],
        }
    )


def test_namespace_shares_name_listed_organisations_only():
    # Two weeks of uploader-view sums by namespace; Comfy-Org's split over two rows in W1.
    namespaces = pl.DataFrame(
        {
            "week": [W1, W1, W1, W2],
            "namespace": ["Comfy-Org", "user-1", "Comfy-Org", "user-1"],
            "organization": ["Comfy Org", "user-1", "Comfy Org", "user-1"],
            "attribution_source": ["registry", "unlisted_namespace", "registry", "unlisted_namespace"],
            "downloads": [2.0, 6.0, 2.0, 3.0],
        }
    )
    table = namespace_shares(namespaces, PERIODS)
    rows = {
        (r["namespace"], r["period"]): (r["organization"], pytest.approx(r["share"]))
        for r in table.iter_rows(named=True)
    }
    # 2024: Comfy-Org 4 of 10, user-1 6 of 10 (unlisted: no organisation); 2025: user-1 alone
    assert rows == {
        ("Comfy-Org", "2024"): ("Comfy Org", 0.4),
        ("user-1", "2024"): (None, 0.6),
        ("user-1", "2025"): (None, 1.0),
    }


def test_period_totals_include_the_whole_study():
    panel = (
        attributed()
        .filter(pl.col("view") == "uploader")
        .select("week", pl.col("model_key").rank("dense").cast(pl.UInt32).alias("model_number"), "downloads")
    )
    totals = {r["period"]: (r["downloads"], r["models"]) for r in period_totals(panel, PERIODS).iter_rows(named=True)}
    assert totals == {"2024": (10.0, 3), "2025": (0.0, 0), WHOLE_STUDY: (10.0, 3)}


@pytest.mark.parametrize(
    ("source", "requested", "chosen"),
    [
        ("demo", "auto", "alltime_diff"),
        ("hub", "auto", "alltime_diff"),
        ("dir", "auto", "alltime_diff"),
        ("api-json", "auto", "rolling30"),
        ("demo", "rolling30", "rolling30"),
        ("api-json", "alltime_diff", "alltime_diff"),
    ],
)
def test_measure_choice(source, requested, chosen):
    assert measure_for(source, requested) == chosen


def test_unknown_measure_is_refused():
    with pytest.raises(PanelError, match="unknown download measure"):
        measure_for("demo", "weekly")


def test_the_periods_tables_are_combined_in_period_order(tmp_path):
    """`family_shares_file` writes each period's family and namespace rows as one table, sorted by period and name."""
    paths = {}
    for period, families, namespaces in (("2024", ["qwen", "llama"], ["b"]), ("2023", ["llama"], ["a", "c"])):
        paths.setdefault("families", []).append(tmp_path / f"{period}-families.parquet")
        paths.setdefault("namespaces", []).append(tmp_path / f"{period}-namespaces.parquet")
        pl.DataFrame({"period": period, "family": families, "share": 0.5}).write_parquet(paths["families"][-1])
        pl.DataFrame({"period": period, "namespace": namespaces, "share": 0.25}).write_parquet(paths["namespaces"][-1])
    outputs = {"families": tmp_path / "families.csv", "namespaces": tmp_path / "namespaces.csv"}
    family_shares_file(paths["families"], paths["namespaces"], outputs)
    families = pl.read_csv(outputs["families"], schema_overrides={"period": pl.String})
    namespaces = pl.read_csv(outputs["namespaces"], schema_overrides={"period": pl.String})
    assert list(families.select("period", "family").iter_rows()) == [
        ("2023", "llama"),
        ("2024", "llama"),
        ("2024", "qwen"),
    ]
    assert list(namespaces.select("period", "namespace").iter_rows()) == [("2023", "a"), ("2023", "c"), ("2024", "b")]
