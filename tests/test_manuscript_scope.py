"""What the paper shows for each capability combination: flags, sentences, and the sections left in the manuscript."""

import re
import shutil

import polars as pl
import pytest
import yaml
from conftest import REPO

from hubshare.analysis.capabilities import FIELD_PRESENCE
from hubshare.manuscript.conditions import apply_conditions
from hubshare.manuscript.markdown import split_front_matter
from hubshare.manuscript.prepare import check_manuscript
from hubshare.manuscript.scope import (
    MIN_NAMESPACES,
    headline_sentence,
    input_sentence,
    lacks,
    property_caption,
    property_rows,
    property_sources,
    scope_variables,
    show_flags,
    with_every_group,
)


def record(**changes) -> dict:
    """A capability record: weekly whole-Hub snapshots with every field, changed as asked."""
    base = {
        "source": "hub",
        "synthetic": False,
        "snapshots": {"count": 57, "first": "2024-07-24", "last": "2025-08-20", "rows": 1000},
        "cadence": "weekly",
        "fields": dict.fromkeys(FIELD_PRESENCE, 1.0),
        "lineage": True,
        "download_measure": "alltime_diff",
        "namespaces": 5000,
        "intervals": {"non_overlapping": 56, "first_day": "2024-07-25", "last_day": "2025-08-20", "span_days": 392},
        "frame": {"kind": "whole_hub", "description": "every public model of the Hub"},
    }
    fields = changes.pop("fields", {})
    base.update(changes)
    base["fields"] = {**base["fields"], **fields}
    return base


NO_LINEAGE = {"fields": {"baseModels": 0.0}, "lineage": False}
API_SAMPLE = dict(
    source="api-json",
    cadence="daily",
    download_measure="rolling30",
    namespaces=162,
    lineage=False,
    snapshots={"count": 4, "first": "2026-08-07", "last": "2026-08-10", "rows": 2122},
    fields={
        "_id": 0.0,
        "downloadsAllTime": 0.0,
        "tags": 0.0,
        "baseModels": 0.0,
        "safetensors": 0.0,
        "pipeline_tag": 0.89,
    },
    intervals={"non_overlapping": 1, "first_day": "2026-07-09", "last_day": "2026-08-07", "span_days": 30},
    frame={"kind": "list", "description": "the 300 most liked and the 300 most downloaded models of each day"},
)
ONE_SNAPSHOT = dict(
    source="dir",
    cadence="one snapshot",
    download_measure="rolling30",
    namespaces=3000,
    lineage=False,
    snapshots={"count": 1, "first": "2022-06-01", "last": "2022-06-01", "rows": 10406},
    fields={name: 0.0 for name in FIELD_PRESENCE if name not in ("id", "author", "downloads")},
    intervals={"non_overlapping": 1, "first_day": "2022-05-03", "last_day": "2022-06-01", "span_days": 30},
    frame={"kind": "undeclared", "description": "the models in the snapshot files"},
)
KB_LABB = dict(
    source="csv",
    cadence="monthly",
    download_measure="rolling30",
    namespaces=2,
    lineage=False,
    snapshots={"count": 55, "first": "2022-02-18", "last": "2026-08-19", "rows": 2710},
    fields={name: 0.0 for name in FIELD_PRESENCE if name not in ("id", "author", "downloads")},
    intervals={"non_overlapping": 40, "first_day": "2022-01-20", "last_day": "2026-08-19", "span_days": 1673},
    frame={"kind": "list", "description": "the models of two namespaces"},
)
COMBINATIONS = {
    "full demo": record(source="demo", synthetic=True),
    "real API sample": record(**API_SAMPLE),
    "one snapshot": record(**ONE_SNAPSHOT),
    "no lineage": record(**NO_LINEAGE),
    "no tags": record(fields={"tags": 0.0}),
    "top list": record(frame={"kind": "list", "description": "the 10,000 most downloaded models"}),
    "two namespaces, monthly": record(**KB_LABB),
    "two namespaces, one snapshot": record(
        **{**KB_LABB, "snapshots": ONE_SNAPSHOT["snapshots"], "intervals": ONE_SNAPSHOT["intervals"]}
    ),
}
# Expected flags: derived, time, properties, all_properties, cumulative, ecosystem, model_series.
EXPECTED = {
    "full demo": (True, True, True, True, True, True, False),
    "real API sample": (False, False, True, False, False, True, False),
    "one snapshot": (False, False, False, False, False, True, False),
    "no lineage": (False, True, True, True, True, True, False),
    "no tags": (True, True, True, False, True, True, False),
    "top list": (True, True, True, True, True, True, False),
    "two namespaces, monthly": (False, False, False, False, False, False, True),
    "two namespaces, one snapshot": (False, False, False, False, False, False, False),
}
# Labels of the manuscript that each flag keeps.
LABELS_OF = {
    "derived": {"sec-intermediaries", "tbl-intermediaries", "tbl-thresholds"},
    "time": {
        "sec-trends",
        "tbl-trends",
        "sec-eras",
        "fig-eras",
        "fig-country-groups",
        "fig-developer-types",
        "fig-concentration",
        "sec-calibration",
    },
    "all_properties": {"fig-properties"},
    "properties": {"tbl-properties"},
    "ecosystem": {"sec-families", "sec-concentration", "tbl-sensitivity"},
    "model_series": {"sec-model-series", "tbl-model-trends"},
}
ALWAYS = {
    "sec-data",
    "sec-methods",
    "sec-results",
    "tbl-country",
    "tbl-developer",
    "tbl-coverage",
    "sec-robustness",
    "sec-limitations",
    "sec-properties",
}


@pytest.mark.parametrize("name", COMBINATIONS)
def test_flags_follow_the_record(name):
    flags = show_flags(COMBINATIONS[name])
    keys = ("derived", "time", "properties", "all_properties", "cumulative", "ecosystem", "model_series")
    assert tuple(flags[key] for key in keys) == EXPECTED[name]


def labels_left(flags: dict) -> set[str]:
    _, body, _ = split_front_matter((REPO / "paper" / "index.qmd").read_text(encoding="utf-8"))
    return set(re.findall(r"\{#((?:sec|fig|tbl)-[\w-]+)", apply_conditions(body, {"show": flags})))


@pytest.mark.parametrize("name", COMBINATIONS)
def test_the_paper_keeps_exactly_the_parts_the_input_supports(name):
    flags = show_flags(COMBINATIONS[name])
    left = labels_left(flags)
    assert left >= ALWAYS
    for flag, labels in LABELS_OF.items():
        assert (labels <= left) if flags[flag] else not (labels & left), (flag, labels & left)


@pytest.mark.parametrize("name", COMBINATIONS)
def test_every_reference_left_resolves(name, tmp_path):
    paper = tmp_path / "paper"
    paper.mkdir()
    for item in ("index.qmd", "_quarto.yml", "references.bib"):
        shutil.copy2(REPO / "paper" / item, paper / item)
    (paper / "_generated").mkdir()
    (paper / "_generated" / "show.yml").write_text(yaml.safe_dump({"show": show_flags(COMBINATIONS[name])}))
    problems = check_manuscript(paper / "index.qmd", {})
    # Variables and generated tables come from a build; references and labels must resolve without one.
    assert [p for p in problems if "cross-reference" in p or "label" in p or "metadata" in p] == []


def test_a_dropped_part_says_what_the_source_lacks():
    api = COMBINATIONS["real API sample"]
    sentences = lacks(api, show_flags(api))
    assert "declares no base models" in sentences["derived"]
    assert "1 non-overlapping download interval" in sentences["time"] and "30 days" in sentences["time"]
    assert sentences["properties"] == "" and sentences["ecosystem"] == ""
    kb = COMBINATIONS["two namespaces, monthly"]
    sentences = lacks(kb, show_flags(kb))
    assert sentences["time"] == ""  # 40 intervals: the namespaces are what is missing
    assert f"2 namespaces only, fewer than the {MIN_NAMESPACES}" in sentences["ecosystem"]
    assert "own downloads support are tested instead" in sentences["ecosystem"]
    assert "no robustness table is reported" in sentences["robustness"]
    one = COMBINATIONS["two namespaces, one snapshot"]
    assert "no share over time, trend test" in lacks(one, show_flags(one))["ecosystem"]
    assert all(text == "" for text in lacks(COMBINATIONS["full demo"], show_flags(COMBINATIONS["full demo"])).values())


def test_the_data_section_describes_the_input_used():
    text = input_sentence(COMBINATIONS["real API sample"])
    assert text.startswith("The input is 4 daily snapshots of observed Hub data from 2026-08-07 to 2026-08-10")
    assert "the 300 most liked" in text and "not the whole Hub" in text
    assert "pipeline tags (89% of rows)" in text
    assert (
        "they lack stable object ids, cumulative download counts, tags, declared base models and parameter counts"
        in text
    )
    one = input_sentence(COMBINATIONS["one snapshot"])
    assert one.startswith("The input is one snapshot of observed Hub data taken on 2022-06-01")
    assert "carry no other field" in one and "not declared by the source" in one


def test_titles_and_captions_say_weekly_only_when_it_is():
    variables = {
        name: scope_variables(COMBINATIONS[name], show_flags(COMBINATIONS[name]), [], {}, "9", "3 intervals")
        for name in COMBINATIONS
    }
    assert variables["real API sample"]["counted"] == "9 downloads, estimated from 30-day counts"
    assert variables["full demo"]["counted"] == "9 in 3 intervals"
    assert variables["full demo"]["title_input"] == "Weekly Snapshots of the Hub"
    assert variables["full demo"]["window_caption"] == "trailing 52-week windows"
    assert variables["real API sample"]["title_input"] == "Daily Snapshots of Listed Hub Models"
    assert variables["one snapshot"]["title_input"] == "One Snapshot of Listed Hub Models"
    assert variables["two namespaces, monthly"]["window_caption"] == "trailing one-year windows"
    for name in ("real API sample", "one snapshot", "two namespaces, monthly"):
        assert "week" not in " ".join(str(v) for v in variables[name].values() if isinstance(v, str))
    assert "a list of models, not the Hub" in variables["top list"]["frame_limitation"]
    assert "whole Hub" in variables["full demo"]["frame_limitation"]
    # Counter falls are an alternative reading only of a cumulative counter; 30-day counts have none.
    assert "a fall of a cumulative counter" in variables["full demo"]["falls_alternative"]
    for name in ("real API sample", "one snapshot", "two namespaces, monthly"):
        assert variables[name]["falls_alternative"] == ""


def test_property_rows_need_their_fields():
    no_tags = property_rows(COMBINATIONS["no tags"])
    assert "share_training_data_not_disclosed" not in no_tags and "share_open_weights" not in no_tags
    assert {"share_multimodal_generation", "mean_params"} <= set(no_tags)
    assert list(property_rows(COMBINATIONS["real API sample"])) == ["share_multimodal_generation"]


def test_the_methods_describe_only_the_properties_read():
    every = property_sources(COMBINATIONS["full demo"])
    assert every.startswith("parameter count (safetensors total") and "`dataset:` tag" in every
    # Pipeline tags only: the modality alone, no tag or parameter count is said to be read.
    api = property_sources(COMBINATIONS["real API sample"])
    assert api.startswith("modality (from the pipeline tag") and "tag," not in api.replace("pipeline tag", "")
    assert "safetensors" not in api and "quantization" not in api and "licence" not in api
    no_tags = property_sources(COMBINATIONS["no tags"])
    assert "safetensors" in no_tags and "modality" in no_tags and "dataset:" not in no_tags
    assert property_sources(COMBINATIONS["one snapshot"]) == ""


def test_headline_period_that_leaves_out_data_says_so():
    periods = [{"name": "last_year", "start": "2025-08-11", "end": "2026-08-10"}]
    api = COMBINATIONS["real API sample"]
    partial = headline_sentence(api, periods, {"last_year": 204.5e6, "whole_study": 1.04e9}, "last_year")
    assert "204.50 million of the 1.04 billion downloads counted from 2026-07-09" in partial and "(19.7%)" in partial
    assert headline_sentence(api, periods, {"last_year": 5.0, "whole_study": 5.0}, "last_year") == ""
    assert "no counted download" in headline_sentence(api, periods, {"last_year": 0.0, "whole_study": 5.0}, "last_year")


def test_every_group_resolves_whatever_the_input():
    shares = pl.DataFrame(
        {
            "view": ["uploader"],
            "dimension": ["country_group"],
            "group": ["rest_of_europe"],
            "period": ["last_year"],
            "downloads": [10.0],
            "share": [1.0],
        }
    )
    complete = with_every_group(shares, {"country_group": ["rest_of_europe", "china"]}, ["last_year", "2023"])
    cells = {(r["group"], r["period"]): r["share"] for r in complete.iter_rows(named=True)}
    # China was never credited: 0 where the period has downloads, no share where it has none.
    assert cells == {
        ("rest_of_europe", "last_year"): 1.0,
        ("china", "last_year"): 0.0,
        ("rest_of_europe", "2023"): None,
        ("china", "2023"): None,
    }


def test_a_headline_period_without_downloads_stops_the_abstract_naming_the_config_key():
    from hubshare.manuscript.scope import abstract_shares

    shares = {"china": {"2025": "24.4%"}, "united_states": {"2025": "39.3%"}}
    variables = {
        "share": {"uploader": {"country_group": shares, "developer_type": {"unaffiliated_user": {"2025": "6.4%"}}}},
        "text": {"last": "the last year"},
    }
    with pytest.raises(ValueError, match=r"config key 'periods': period 'last_year' counts no download"):
        abstract_shares({"ecosystem": True}, variables)
    for group in (*shares.values(), variables["share"]["uploader"]["developer_type"]["unaffiliated_user"]):
        group["last_year"] = group["2025"]
    assert abstract_shares({"ecosystem": True}, variables).startswith(
        "In the last year, developers in China receive 24.4%"
    )


@pytest.mark.parametrize("several_periods", [True, False])
@pytest.mark.parametrize("sizes", [True, False])
def test_the_property_caption_explains_only_what_the_table_shows(several_periods, sizes):
    rows = {"share_multimodal_generation": "Multimodal generation"}
    if sizes:
        rows |= {"share_known_size": "Known size", "mean_params": "Mean size", "median_params": "Median size"}
    caption = property_caption(rows, several_periods)
    assert ("Multipliers between periods" in caption) is several_periods
    assert ("joint across the periods" in caption) is several_periods
    assert ("Sizes, in billions of parameters" in caption) is sizes
    assert "property_leave_top_out.csv" in caption
    # It continues the sentence that cites the bootstrap, so it opens with punctuation and ends a sentence.
    assert caption[0] in ",;" and caption.endswith(".")
