"""End to end: the capability record and the paper's parts for inputs that carry less than the Hub's snapshots.

Each build runs the whole workflow in a scratch copy of the repository. The
real-sample builds skip when ../shared/real-samples is absent; they read the
files where they are and never copy them into the repository.
"""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
import yaml
from conftest import REAL_SAMPLES, REPO
from workflow_runs import copy_repository, run_workflow

from hubshare.inference.model_trends import read_model_trends
from hubshare.manuscript.prepare import check_manuscript
from hubshare.manuscript.shortcodes import load_variables

pytestmark = pytest.mark.e2e


def capabilities(root):
    return json.loads((root / "results/capabilities.json").read_text())


def shown(root) -> dict:
    return yaml.safe_load((root / "paper/_generated/show.yml").read_text())["show"]


def headings(root) -> list[str]:
    html = (root / "paper/_build/index.html").read_text(encoding="utf-8")
    titles = [re.sub(r"<[^>]+>", "", title) for title in re.findall(r"<h[123][^>]*>(.*?)</h[123]>", html)]
    return [re.sub(r"^\s*[\d.]+\s+", "", title).strip() for title in titles]


def plain_text(root) -> str:
    html = (root / "paper/_build/index.html").read_text(encoding="utf-8")
    # The renderer sets apostrophes as typographic ones.
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("\u2019", "'")


@pytest.fixture(scope="session")
def built_cross_section(tmp_path_factory):
    """One snapshot of model ids and 30-day downloads only, through the `dir` source."""
    folder = tmp_path_factory.mktemp("cross_section")
    ids = (
        [
            "meta-llama/Llama-3.1-8B",
            "Qwen/Qwen2.5-7B",
            "google/gemma-2-9b",
            "deepseek-ai/DeepSeek-R1",
            "sentence-transformers/all-MiniLM-L6-v2",
            "openai/whisper-large-v3",
            "bigscience/bloom",
        ]
        + [f"user{i}/model-{i}" for i in range(40)]
        + ["bert-base-uncased", "some-legacy-model-missing-from-the-table"]
    )
    pl.DataFrame({"id": ids, "downloads": [1000 * (i + 1) for i in range(len(ids))]}).write_parquet(
        folder / "2022-06-01.parquet"
    )
    root = tmp_path_factory.mktemp("workflow_cross_section")
    copy_repository(root)
    run_workflow(
        root,
        {
            "source": "dir",
            "dir_source": {"path": str(folder)},
            "paper": {"renderer": "fallback"},
            "periods": [{"name": "last_year", "last_days": 365}],
            "properties": {"first_period": "last_year", "last_period": "last_year"},
        },
    )
    return root


@pytest.fixture(scope="session")
def built_kb_labb(tmp_path_factory):
    """Every other run of the monthly series (the files are linked, not copied): 28 non-overlapping 30-day
    counts, more than the 24 a trend test needs."""
    samples = REAL_SAMPLES / "kb-labb-monthly" / "models"
    if not samples.is_dir():
        pytest.skip("real samples absent")
    folder = tmp_path_factory.mktemp("kb_labb")
    for path in sorted(samples.glob("*_hf.csv"))[::2]:
        (folder / path.name).symlink_to(path)
    root = tmp_path_factory.mktemp("workflow_kb_labb")
    copy_repository(root)
    config = yaml.safe_load((REPO / "config" / "kb-labb.yaml").read_text())
    config["csv_source"]["path"] = str(folder)
    config["paper"] = {"renderer": "fallback"}
    run_workflow(root, config)
    return root


def test_full_demo_shows_every_part(built):
    record = capabilities(built)
    assert record["synthetic"] and record["lineage"] and record["cadence"] == "14-day"  # the tiny demo's step
    assert record["intervals"]["non_overlapping"] == record["snapshots"]["count"] - 1
    flags = shown(built)
    # Every part but the split of a list's share changes into entry and exit (the demo is the whole Hub) and the
    # series below the level of groups (its groups are an ecosystem's).
    below_groups = ("composition", "model_series")
    assert all(value for name, value in flags.items() if name not in below_groups)
    assert not any(flags[name] for name in below_groups)
    titles = set(headings(built))
    assert {"Intermediaries", "Trends", "Eras and period contrasts", "Appendix: calibration of the tests"} <= titles
    assert "Series within the namespaces" not in titles
    assert "Entry and exit of listed models" not in titles and "entered the list" not in plain_text(built)
    variables = load_variables(built / "paper/_variables.yml")
    assert variables["scope"]["title_input"] == "14-day Snapshots of the Hub"  # the tiny demo steps 14 days
    assert all(text == "" for text in variables["scope"]["lacks"].values())


def test_one_snapshot_of_ids_and_downloads_gives_a_cross_section_paper(built_cross_section):
    root = built_cross_section
    record = capabilities(root)
    assert record["cadence"] == "one snapshot" and record["download_measure"] == "rolling30"
    assert record["intervals"] == {
        "non_overlapping": 1,
        "first_day": "2022-05-03",
        "last_day": "2022-06-01",
        "span_days": 30,
    }
    assert record["frame"]["kind"] == "undeclared" and not record["lineage"]
    assert {name for name, share in record["fields"].items() if share > 0} == {"id", "author", "downloads"}
    flags = shown(root)
    assert not (flags["time"] or flags["derived"] or flags["properties"] or flags["model_series"])
    titles = set(headings(root))
    assert {"Participation by country", "Concentration", "Model properties"} <= titles
    assert not titles & {"Trends", "Eras and period contrasts", "Intermediaries"}
    variables = load_variables(root / "paper/_variables.yml")
    assert check_manuscript(root / "paper/index.qmd", variables) == []
    assert "fewer than the 3 a series over time needs" in variables["scope"]["lacks"]["time"]
    text = plain_text(root)
    assert "no property is reported" in text and "not declared by the source" in text
    # The legacy id missing from the table is its own, unlisted namespace; nothing is unknown.
    coverage = pl.read_csv(root / "results/tables/coverage_by_period.csv")
    assert coverage.filter(pl.col("group") == "no_namespace")["share"].fill_null(0).sum() == 0
    assert pl.read_csv(root / "results/tables/claims_ledger.csv").height > 0


def test_real_sample_dumps(built_real):
    record = capabilities(built_real)
    assert record["cadence"] == "daily" and record["frame"]["kind"] == "list" and not record["lineage"]
    assert record["intervals"]["non_overlapping"] == 1
    assert record["fields"]["tags"] == 0 and record["fields"]["pipeline_tag"] > 0.5
    flags = shown(built_real)
    assert flags["properties"] and not (flags["all_properties"] or flags["time"] or flags["derived"])
    assert not flags["model_series"]  # 162 namespaces and one interval
    titles = set(headings(built_real))
    assert not titles & {"Trends", "Eras and period contrasts", "Intermediaries"}
    text = plain_text(built_real)
    assert "week" not in text.lower()
    assert "a list of models, not the Hub" in text
    properties = (built_real / "paper/_generated/properties.md").read_text(encoding="utf-8")
    assert "Multimodal generation" in properties
    assert "Training data not disclosed" not in properties and "Open weights only" not in properties
    assert "Derived, merges split" not in text and "Sentence Transformers to Hugging Face" in text
    # The dumps cover one 30-day window of 2026: no claim about 2020-2025 is compared with them.
    ledger = pl.read_csv(built_real / "results/tables/claims_ledger.csv")
    assert not set(ledger["verdict"]) & {"reproduced", "differs"}
    outside = ledger.filter(pl.col("verdict") == "window_not_covered")
    assert outside.height > 0 and outside["ours"].is_null().all()
    china = outside.filter(pl.col("id") == "paper-china-share-last-year")["reason"].item()
    assert china.startswith(
        f"The claim speaks of 2024-09-01 to 2025-08-31; this build's data cover {record['intervals']['first_day']} "
    )
    # A list of one non-overlapping interval: share changes cannot be split into entry and exit, and it says so.
    assert not flags["composition"] and "Entry and exit of listed models" not in titles
    assert "with 1 non-overlapping download interval, fewer than the two a comparison needs" in text


def test_monthly_series_of_two_namespaces(built_kb_labb):
    root = built_kb_labb
    record = capabilities(root)
    assert record["source"] == "csv" and record["namespaces"] == 2 and record["download_measure"] == "rolling30"
    assert record["intervals"]["non_overlapping"] == record["snapshots"]["count"] == 28
    flags = shown(root)
    assert not flags["ecosystem"] and not flags["time"]
    variables = load_variables(root / "paper/_variables.yml")
    assert check_manuscript(root / "paper/index.qmd", variables) == []
    assert "2 namespaces only" in variables["scope"]["abstract_shares"]
    # The last year is the last 365 days of the series, not a fixed calendar window.
    assert f"to {record['snapshots']['last']})" in variables["text"]["scope"]
    assert not set(headings(root)) & {"Trends", "Concentration", "Families"}
    # Four years of data, but the last year is 2025-2026: the claims about Sep 2024 - Aug 2025 are not compared.
    ledger = pl.read_csv(root / "results/tables/claims_ledger.csv")
    last_year = ledger.filter(pl.col("window").str.starts_with("last_year"))
    assert set(last_year["verdict"]) == {"window_not_covered"}


def test_monthly_list_of_one_organisation_computes_entry_and_exit_but_has_no_shares_to_split(built_kb_labb):
    root = built_kb_labb
    table = pl.read_csv(root / "results/tables/composition.csv", schema_overrides={"first_period": pl.String})
    # One calendar window only (the whole series; the last year overlaps it): the first and last 30-day counts.
    record = capabilities(root)
    assert set(table["window_kind"]) == {"interval"} and set(table["last_period"]) == {record["snapshots"]["last"]}
    assert (table["stayers_pp"] + table["entrants_pp"] + table["leavers_pp"] - table["change_pp"]).abs().max() < 1e-9
    # Every group share is 100% in both windows: the split is of nothing, so the paper leaves it out (the model
    # series split all models from those listed throughout instead), and the attribution alternatives likewise.
    assert set(table["share_first"]) == set(table["share_last"]) == {1.0}
    assert not shown(root)["composition"] and "Entry and exit of listed models" not in headings(root)
    variables = load_variables(root / "paper/_variables.yml")
    assert variables["scope"]["lacks"]["composition"] == ""
    text = plain_text(root)
    assert variables["scope"]["lacks"]["robustness"] in text and "under each attribution alternative" not in text


def test_monthly_series_of_two_namespaces_tests_what_it_supports(built_kb_labb):
    root = built_kb_labb
    flags = shown(root)
    assert flags["model_series"] and "Series within the namespaces" in headings(root)
    trends = read_model_trends(root / "results/tables/model_trends.csv")
    # Of two namespaces one share is tested (the other is its complement); four series in each of two variants.
    assert set(trends["subject"]) == {"KBLab", ""} and trends.height == 8
    assert (trends["n_intervals"] == 28).all() and trends["p_value"].is_not_null().all()
    assert (trends["p_adjusted"] >= trends["p_value"]).all()
    variables = load_variables(root / "paper/_variables.yml")
    section = variables["model_series"]
    assert section["tested"] == "8" and section["namespaces"] == "KB and KBLab"
    for variant in ("all", "throughout"):
        for key in ("namespace_share_KBLab", "hhi", "top_model_share", "downloads"):
            row = section["rows"][variant][key]
            assert row["trend"] and row["p_adjusted"] and row["note"] == "", (variant, key)
    text = plain_text(root)
    assert section["rows"]["all"]["downloads"]["trend"] in text
    # What two namespaces of one organisation cannot show, said in the section and kept out of the abstract's tests.
    assert "cannot show a country's, a developer type's or an organisation's share of an ecosystem" in text
    assert "1 organisation (National Library of Sweden)" in section["cannot"]
    assert variables["text"]["test_abstract"] == section["abstract"]
    assert "own downloads support are tested instead" in variables["scope"]["lacks"]["ecosystem"]
    assert check_manuscript(root / "paper/index.qmd", variables) == []


def test_the_plausibility_guards_flag_no_month_of_the_kb_labb_series(built_kb_labb):
    """28 monthly 30-day counts of two namespaces, one model holding most of some months: all booked."""
    quality = json.loads((built_kb_labb / "results/data_quality.json").read_text())
    assert (quality["implausible_weeks"], quality["repeated_snapshots"]) == ([], [])
    assert sum(quality["week_measures"].values()) == quality["snapshots"]["count"] == 28
