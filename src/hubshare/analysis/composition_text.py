"""The paper's account of a list's entry and exit: `composition.*` variables, the flag and the generated table.

The part is shown when the input is a list (any frame but the whole Hub: a
frame the source does not declare may be a list too) of an ecosystem (a few
accounts hold every group share whole, so there is no change to split; their
own series split all models from those listed throughout instead) and the build
has two windows to compare (`hubshare.analysis.composition`); for such a list
with fewer, one sentence says so; otherwise, nothing.
"""

from __future__ import annotations

import polars as pl

from hubshare.analysis.capabilities import MIN_NAMESPACES
from hubshare.manuscript.formatting import pct, period_label, signed
from hubshare.manuscript.tables import markdown_table

VIEW = "uploader"


def is_list_of_an_ecosystem(capabilities: dict) -> bool:
    return capabilities["frame"]["kind"] != "whole_hub" and capabilities["namespaces"] >= MIN_NAMESPACES


def composition_shown(capabilities: dict, table: pl.DataFrame) -> bool:
    return is_list_of_an_ecosystem(capabilities) and table.height > 0


def composition_lacks(capabilities: dict, table: pl.DataFrame) -> str:
    """The sentence for a list of an ecosystem without two windows to compare; empty otherwise."""
    if not is_list_of_an_ecosystem(capabilities) or table.height:
        return ""
    count = capabilities["intervals"]["non_overlapping"]
    return (
        f"The input is a list, so shares move when models enter or leave it as well as when downloads move "
        f"among the models listed; with {count} non-overlapping download interval{'s' if count != 1 else ''}, "
        "fewer than the two a comparison needs, this build cannot tell the two apart."
    )


def window_phrase(kind: str, name: str, measure: str) -> str:
    if kind == "period":  # a period's name in running text: `<=2022` -> `≤2022`, `last_year` -> `last year`
        return f"the period {period_label(name) if name.startswith('<=') else name.replace('_', ' ')}"
    return f"the 30 days to {name}" if measure == "rolling30" else f"the download interval closing on {name}"


def _models(count: int) -> str:
    return f"{count:,} model{'s' if count != 1 else ''}"


def composition_variables(table: pl.DataFrame, measure: str) -> dict:
    """`composition.*`: the windows and the entry and exit counts (uploader view); empty strings without rows."""
    keys = ("first", "last", "entry_exit", "stayers", "stayers_first", "stayers_last")
    if table.height == 0:
        return dict.fromkeys(keys, "")
    row = table.filter(pl.col("view") == VIEW).row(0, named=True)
    first_total = row["stayer_downloads_first"] + row["leaver_downloads"]
    last_total = row["stayer_downloads_last"] + row["entrant_downloads"]
    return {
        "first": window_phrase(row["window_kind"], row["first_period"], measure),
        "last": window_phrase(row["window_kind"], row["last_period"], measure),
        "entry_exit": f"{_models(row['entrants'])} entered the list and {_models(row['leavers'])} left it",
        "stayers": _models(row["stayers"]),
        "stayers_first": pct(row["stayer_downloads_first"] / first_total),
        "stayers_last": pct(row["stayer_downloads_last"] / last_total),
    }


def composition_markdown(table: pl.DataFrame, headline: list[dict], labels: dict[str, str]) -> str:
    """The headline groups' share changes and their parts (uploader view); a group the table lacks had no
    downloads in either window, so each of its numbers is 0."""
    if table.height == 0:
        return ""
    # Rounded first, so that a change of -0.04 points reads +0.0 rather than a signed zero.
    rows, seen = [], set()
    for item in headline:
        if item["group"] in seen:  # a group named under both dimensions (unaffiliated users) is the same downloads
            continue
        seen.add(item["group"])
        found = table.filter(
            (pl.col("view") == VIEW) & (pl.col("dimension") == item["dimension"]) & (pl.col("group") == item["group"])
        )
        values = found.row(0, named=True) if found.height else dict.fromkeys(table.columns, 0.0)
        rows.append(
            [
                labels.get(item["group"], item["group"]),
                pct(values["share_first"]),
                pct(values["share_last"]),
                *(
                    signed(round(values[part], 1) + 0.0)
                    for part in ("change_pp", "stayers_pp", "entrants_pp", "leavers_pp")
                ),
            ]
        )
    columns = ["Group", "First window", "Last window", "Change", "Among stayers", "Entrants", "Leavers"]
    return markdown_table(pl.DataFrame(rows, schema=columns, orient="row"), align="lrrrrrr")
