"""What the paper shows for the input at hand, from the capability record.

The manuscript keeps every optional part in a Quarto conditional div keyed on
`show.<part>` (the metadata file this module's `show_flags` fill); where a
part is dropped, a `scope.lacks.<part>` sentence says what the source lacks
(and is empty where the part is shown). The `scope.*` phrases describe the
input actually used: its fields, frame, cadence and number of snapshots, and
how much of the data the headline period holds.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from hubshare.analysis.capabilities import FRAME_KINDS, MIN_NAMESPACES
from hubshare.manuscript.formatting import big_number, join_words
from hubshare.manuscript.shares_section import PROPERTY_ROWS
from hubshare.periods import HEADLINE_PERIOD

# Below this many non-overlapping download intervals the paper shows no series over time:
# no figure over time, trend test, era or period contrast (a line through two values has no error).
MIN_INTERVALS_OVER_TIME = 3
# The raw-contract columns each property row of the paper reads.
PROPERTY_FIELDS = {
    "share_quantized": "tags",
    "share_moe": "tags",
    "share_multimodal_generation": "pipeline_tag",
    "share_training_data_disclosed": "tags",
    "share_training_data_not_disclosed": "tags",
    "share_open_source": "tags",
    "share_open_weights": "tags",
    "share_known_size": "safetensors",
    "mean_params": "safetensors",
    "median_params": "safetensors",
}
# How the methods describe where each property row is read from, in the order the methods give them.
PROPERTY_SOURCES = {
    "share_known_size": "parameter count (safetensors total, then GGUF metadata, then a size in the name such as "
    "`7B` or `8x7B`)",
    "share_quantized": "quantization (quantization tags, a `quantized` relation or a quantization suffix)",
    "share_moe": "mixture-of-experts (architecture tags and names)",
    "share_multimodal_generation": "modality (from the pipeline tag; multimodal generation means the output is "
    "generated images, audio or video)",
    "share_open_source": "licence class (from licence tags)",
    "share_training_data_disclosed": "training-data disclosure (a `dataset:` tag, which shows that data is named, "
    "not that it is available)",
}
# The contract's optional columns as a reader names them.
FIELD_NAMES = {
    "_id": "stable object ids",
    "createdAt": "creation times",
    "downloadsAllTime": "cumulative download counts",
    "likes": "likes",
    "pipeline_tag": "pipeline tags",
    "library_name": "libraries",
    "tags": "tags",
    "baseModels": "declared base models",
    "safetensors": "parameter counts",
}


def with_every_group(period_shares: pl.DataFrame, groups: dict[str, list[str]], periods: list[str]) -> pl.DataFrame:
    """Period shares with a row for every vocabulary group in every view and period: a group the input never
    credits has 0 downloads (a share of 0 where the period has downloads, none where it has none), so every
    group the text names resolves whatever the input."""
    views = period_shares.get_column("view").unique().to_list() or ["uploader"]
    grid = pl.DataFrame(
        [
            (view, dimension, group, period)
            for view in views
            for dimension, members in groups.items()
            for group in members
            for period in periods
        ],
        schema={"view": pl.String, "dimension": pl.String, "group": pl.String, "period": pl.String},
        orient="row",
    )
    totals = period_shares.group_by("view", "dimension", "period").agg(
        pl.col("downloads").fill_null(0).sum().alias("total")
    )
    missing = (
        grid.join(period_shares, on=["view", "dimension", "group", "period"], how="anti")
        .join(totals, on=["view", "dimension", "period"], how="left")
        .select(
            "view",
            "dimension",
            "group",
            "period",
            pl.lit(0.0).alias("downloads"),
            pl.when(pl.col("total") > 0).then(0.0).alias("share"),
        )
    )
    return pl.concat([period_shares, missing.cast(period_shares.schema)]) if missing.height else period_shares


def carried(capabilities: dict, field: str) -> bool:
    return capabilities["fields"][field] > 0


def property_rows(capabilities: dict) -> dict[str, str]:
    """The rows of the property table whose fields the input carries."""
    return {key: label for key, label in PROPERTY_ROWS.items() if carried(capabilities, PROPERTY_FIELDS[key])}


def property_sources(capabilities: dict) -> str:
    """The methods' list of the properties read and where from: only those whose fields the input carries."""
    rows = property_rows(capabilities)
    return join_words([source for key, source in PROPERTY_SOURCES.items() if key in rows]) if rows else ""


def partial_properties_sentence(capabilities: dict) -> str:
    """The properties' results sentence when some of their fields are absent (no final stop: the text adds it)."""
    rows = property_rows(capabilities)
    missing = sorted({FIELD_NAMES[PROPERTY_FIELDS[key]] for key in PROPERTY_ROWS if key not in rows})
    shown = [label.lower() for label in rows.values()]
    return (
        f"The input lacks {join_words(missing)}, so @tbl-properties reports only the rows that do not need them "
        f"({join_words(shown)})"
    )


def property_caption(rows: dict[str, str], several_periods: bool) -> str:
    """The property table's caption after its bootstrap's citation: draws joint across periods and the
    multipliers only when the table compares periods, how sizes are counted only when it shows sizes."""
    if several_periods:
        caption = (
            ", so the draws are joint across the periods, each cluster bringing its downloads in every period "
            "with the same weight, while each period is computed from its own snapshots; the interval in brackets "
            "under each estimate. Multipliers between periods are formed draw by draw on the log scale; results "
            "table `property_leave_top_out.csv` gives each period's estimates without its 1, 5 and 10 largest "
            "clusters."
        )
    else:
        caption = (
            "; the interval in brackets under each estimate. Results table `property_leave_top_out.csv` gives "
            "the estimates without the 1, 5 and 10 largest clusters."
        )
    if "mean_params" in rows:
        caption += (
            " Sizes, in billions of parameters, count models with a known parameter count (safetensors metadata, "
            "then GGUF metadata, then the size in the name)."
        )
    return caption


def show_flags(capabilities: dict) -> dict:
    """`show.<part>`: the manuscript's optional parts the input supports."""
    rows = property_rows(capabilities)
    return {
        "synthetic": capabilities["synthetic"],
        "derived": capabilities["lineage"],
        "cumulative": capabilities["download_measure"] == "alltime_diff",
        # Shares over time need independent intervals and an ecosystem to share among.
        "time": (
            capabilities["intervals"]["non_overlapping"] >= MIN_INTERVALS_OVER_TIME
            and capabilities["namespaces"] >= MIN_NAMESPACES
        ),
        "ecosystem": capabilities["namespaces"] >= MIN_NAMESPACES,
        # Too few namespaces for an ecosystem, but a series: the namespaces' and models' own series instead.
        "model_series": (
            capabilities["intervals"]["non_overlapping"] >= MIN_INTERVALS_OVER_TIME
            and 0 < capabilities["namespaces"] < MIN_NAMESPACES
        ),
        "properties": bool(rows),
        "all_properties": len(rows) == len(PROPERTY_ROWS),
    }


def _intervals_text(capabilities: dict) -> str:
    intervals = capabilities["intervals"]
    count = intervals["non_overlapping"]
    if count == 0:
        return "no download interval (one snapshot of cumulative counts is a baseline only)"
    kind = (
        "differences of cumulative counts between consecutive snapshots"
        if capabilities["download_measure"] == "alltime_diff"
        else "30-day counts at least 30 days apart; counts taken closer together overlap"
    )
    return (
        f"{count:,} non-overlapping download interval{'s' if count != 1 else ''} ({kind}), covering "
        f"{intervals['span_days']:,} days from {intervals['first_day']} to {intervals['last_day']}"
    )


def lacks(capabilities: dict, flags: dict) -> dict:
    """`scope.lacks.<part>`: one sentence for each dropped part, empty for a part that is shown."""
    names = capabilities["namespaces"]
    sentences = {
        "derived": "The input declares no base models, so downloads cannot be traced to root models: only the "
        "uploader view is reported, and no namespace can be classified as an intermediary.",
        "time": f"The input gives {_intervals_text(capabilities)}, fewer than the {MIN_INTERVALS_OVER_TIME} a "
        "series over time needs, so this build reports no shares over time, trend test, era or period "
        "contrast.",
        "ecosystem": f"The input lists models of {names:,} namespace{'s' if names != 1 else ''} only, fewer than "
        f"the {MIN_NAMESPACES} that shares of countries, developer types and organisations need to "
        "describe an ecosystem rather than a few accounts; the tables below describe those namespaces, "
        + (
            "no group's share is followed over time, and the series the namespaces' own downloads support are "
            "tested instead."
            if flags.get("model_series")
            else "and no share over time, trend test, era or period contrast is reported."
        ),
        "properties": "The input carries none of the fields the model properties are read from (tags, pipeline "
        "tags, parameter counts), so no property is reported.",
        # Each alternative moves a download between groups of an ecosystem; a few accounts have no such shares.
        "robustness": "With no ecosystem to share among, no attribution alternative has a headline share to move, "
        "so no robustness table is reported.",
    }
    if capabilities["intervals"]["non_overlapping"] >= MIN_INTERVALS_OVER_TIME:
        sentences["time"] = ""  # enough intervals: the ecosystem sentence says why nothing over time is shown
    shown = {**flags, "robustness": flags["ecosystem"]}
    return {part: ("" if shown[part] else sentence) for part, sentence in sentences.items()}


def _title_input(capabilities: dict) -> str:
    cadence = capabilities["cadence"]
    frame = "the Hub" if capabilities["frame"]["kind"] == "whole_hub" else "Listed Hub Models"
    if cadence == "one snapshot":
        return f"One Snapshot of {frame}"
    rhythm = cadence.capitalize() if cadence in ("daily", "weekly", "monthly") else f"{cadence.capitalize()}"
    return f"{rhythm} Snapshots of {frame}"


def input_sentence(capabilities: dict) -> str:
    """The data section's description of the input actually used."""
    snapshots, frame = capabilities["snapshots"], capabilities["frame"]
    count = snapshots["count"]
    series = "one snapshot" if count == 1 else f"{count:,} {capabilities['cadence']} snapshots"
    when = f"taken on {snapshots['first']}" if count == 1 else f"from {snapshots['first']} to {snapshots['last']}"
    origin = (
        "of synthetic data from the seeded simulator of the Hub"
        if capabilities["synthetic"]
        else "of observed Hub data"
    )
    fields = capabilities["fields"]
    present = [f"{FIELD_NAMES[name]} ({fields[name] * 100:.0f}% of rows)" for name in FIELD_NAMES if fields[name] > 0]
    absent = [FIELD_NAMES[name] for name in FIELD_NAMES if fields[name] == 0]
    measure = (
        "the rolling 30-day count"
        if capabilities["download_measure"] == "rolling30"
        else "the increase of the cumulative count between snapshots"
    )
    text = (
        f"The input is {series} {origin} {when}, in the schema of the Hub's own `models.parquet`. "
        f"Its frame is {frame['description']}"
        f"{'' if frame['kind'] == 'whole_hub' else ': ' + FRAME_KINDS[frame['kind']]}. Besides model ids and "
        f"30-day download counts, the snapshots carry {join_words(present) if present else 'no other field'}"
    )
    text += f"; they lack {join_words(absent)}." if absent else "."
    return text + f" Downloads are measured by {measure}; the snapshots give {_intervals_text(capabilities)}."


def frame_limitation(capabilities: dict) -> str:
    """The limitations' sentence on the frame."""
    frame = capabilities["frame"]
    if frame["kind"] == "whole_hub":
        return f"The snapshots cover {frame['description']}, so shares are shares of the whole Hub's counted downloads."
    head = (
        "a list of models, not the Hub"
        if frame["kind"] == "list"
        else "models chosen in a way the source does not declare"
    )
    return (
        f"The input covers {head}: {frame['description']}. Every share is a share of the downloads of the "
        "models listed; models outside the list, the long tail of the Hub in particular, are not counted, "
        "and a model entering or leaving the list changes the shares as much as a change in use does."
    )


def headline_sentence(capabilities: dict, periods: list[dict], totals: dict[str, float], headline: str) -> str:
    """Says so when the headline period leaves out part of the counted data, or holds none."""
    bounds = {period["name"]: period for period in periods}
    if headline not in bounds:
        return ""
    counted, whole = totals.get(headline, 0.0), totals.get("whole_study", 0.0)
    start, end = bounds[headline]["start"], bounds[headline]["end"]
    if whole == 0:
        return "The panel counts no download, so no share is reported."
    if counted == 0:
        return (
            f'The headline period ({start} to {end}) holds no counted download: its shares are reported as "no data".'
        )
    if counted < whole:
        return (
            f"The headline period ({start} to {end}) holds {big_number(counted)} of the "
            f"{big_number(whole)} downloads counted from "
            f"{capabilities['intervals']['first_day'] or capabilities['snapshots']['first']} to "
            f"{capabilities['snapshots']['last']} ({counted / whole * 100:.1f}%); the shares said to be of "
            "that period leave the rest out."
        )
    return ""


def window_phrases(capabilities: dict) -> dict:
    """How shares over time are windowed, in the words of figure captions and the methods."""
    cadence = capabilities["cadence"]
    first, last = (dt.date.fromisoformat(capabilities["snapshots"][key]) for key in ("first", "last"))
    interval = {"weekly": "week", "daily": "day", "monthly": "month"}.get(cadence, "interval between snapshots")
    if (last - first).days >= 364:
        window = "trailing 52-week windows" if cadence == "weekly" else "trailing one-year windows"
    else:
        window = f"each {interval}"
    return {
        "window_caption": window,
        "share_windows": f"{interval}, {window.removeprefix('each ')} or period"
        if window != f"each {interval}"
        else f"{interval} or period",
        "each_interval": f"each {interval}",
    }


def abstract_shares(flags: dict, variables: dict) -> str:
    """The abstract's headline shares, or what the input lacks for them."""
    if not flags["ecosystem"]:
        return variables["scope"]["lacks"]["ecosystem"]
    share = variables["share"]["uploader"]
    last = HEADLINE_PERIOD
    if last not in share["country_group"]["china"]:
        raise ValueError(
            f"config key 'periods': period '{last}' counts no download of this input, and the abstract reports "
            f"its headline shares for that window (step manuscript_inputs); move it over the data, or give it "
            f"as {{name: {last}, last_days: 365}}"
        )
    return (
        f"In {variables['text']['last']}, developers in China receive {share['country_group']['china'][last]} "
        f"of downloads and developers in the United States {share['country_group']['united_states'][last]}; "
        f"unaffiliated users receive {share['developer_type']['unaffiliated_user'][last]}."
    )


def scope_variables(
    capabilities: dict,
    flags: dict,
    periods: list[dict],
    totals: dict[str, float],
    counted: str,
    intervals: str,
    headline: str = HEADLINE_PERIOD,
) -> dict:
    """The `scope` tree of `_variables.yml`; `counted` and `intervals` name the panel's downloads and intervals."""
    views = (
        "both as uploaded and as traced to the root of each model's base-model tree"
        if flags["derived"]
        else "as uploaded (the input declares no base models, so no download is traced to a root model)"
    )
    return {
        "title_input": _title_input(capabilities),
        "views": views,
        "alternatives": (
            "; derived with merges split equally among parents; derived following only the first "
            "declared parent; as uploaded with intermediaries taken out of their groups into a group "
            "of their own"
            if flags["derived"]
            else ""
        ),
        # Only a cumulative counter can fall; an input of 30-day counts has no such reading to offer.
        "falls_alternative": (
            "; as uploaded with every download counted after a fall of a cumulative counter booked as 0 (the "
            "fall read as a revision rather than a restart, @sec-methods)"
            if flags["cumulative"]
            else ""
        ),
        "counted": (
            f"{counted} downloads, estimated from 30-day counts"
            if capabilities["download_measure"] == "rolling30"
            else f"{counted} in {intervals}"
        ),
        "table_views": "uploader view, with the derived view in the last period"
        if flags["derived"]
        else "uploader view",
        "figure_views": (
            "as uploaded (left) and credited to the developer of the root base model (right)"
            if flags["derived"]
            else "as uploaded"
        ),
        "input": input_sentence(capabilities),
        "property_sources": property_sources(capabilities),
        "frame_limitation": frame_limitation(capabilities),
        "headline": headline_sentence(capabilities, periods, totals, headline),
        "lacks": lacks(capabilities, flags),
        **window_phrases(capabilities),
    }
