"""The study's tables made from every week's small outputs: the conservation ledger, the shares and the
concentration.

Each runs again whenever a week is added, so each is called from a `run:`
block, a thread of the Snakemake process: as a script in a process of its
own, starting the interpreter and importing polars and pandera cost about a
second each time, most of such a job (bench/README.md). For the same reason
each writes its log line itself: redirecting stderr or the `hubshare` logger
would catch the other jobs running beside it in the process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from hubshare.analysis.shares import period_shares, period_totals, trailing_shares, weekly_shares
from hubshare.contracts.result_tables import Concentration
from hubshare.jobs.atomic import write_csv, write_parquet, write_text
from hubshare.panel.ledger import LEDGER_SCHEMA, check_conservation, combine_ledgers, panel_totals, week_measures
from hubshare.periods import parse_periods

Paths = Sequence[str | Path]


def conservation_ledger_file(
    week_ledgers: Paths,
    panels: Paths,
    last_state: str | Path,
    dates: Sequence[str],
    outputs: Mapping[str, str | Path],
    log: str | Path,
) -> None:
    """The weeks' ledger lines and the last panel state -> the study's ledger, checked, and each week's measure.

    `outputs`: `ledger` and `weeks`.
    """
    weeks = [pl.read_csv(path, schema=LEDGER_SCHEMA) for path in week_ledgers]
    ledger = combine_ledgers(weeks, pl.read_parquet(last_state))
    # The panel files summed on their own, not the ledger's lines: a week whose rows and lines disagree stops here.
    totals = panel_totals(pl.scan_parquet([str(path) for path in panels]))
    check_conservation(ledger, totals)
    write_csv(ledger, outputs["ledger"])
    write_csv(week_measures(list(dates), weeks), outputs["weeks"])
    write_text(f"ledger of {len(weeks)} weeks balances: {totals} downloads counted by measure\n", log)


def group_shares_file(
    week_groups: Paths, panels: Paths, periods: Sequence[Mapping], outputs: Mapping[str, str | Path], log: str | Path
) -> None:
    """The weeks' group sums (and panel rows, for model counts) -> weekly, trailing-52-week and per-period shares.

    `outputs`: `weekly`, `trailing`, `periods` and `totals`.
    """
    groups = pl.read_parquet([str(path) for path in week_groups])
    write_parquet(weekly_shares(groups), outputs["weekly"])
    write_parquet(trailing_shares(groups), outputs["trailing"])
    windows = parse_periods(list(periods))
    write_csv(period_shares(groups, windows), outputs["periods"])
    panel = pl.read_parquet([str(path) for path in panels], columns=["week", "model_number", "downloads"])
    write_csv(period_totals(panel, windows), outputs["totals"])
    write_text(f"shares written for {groups.get_column('week').n_unique()} weeks\n", log)


def concentration_file(week_rows: Paths, weekly_out: str | Path, log: str | Path) -> None:
    """Each week's concentration rows -> the weekly concentration table."""
    table = Concentration.validate(pl.read_parquet([str(path) for path in week_rows]).sort("view", "week"))
    write_parquet(table, weekly_out)
    write_text(f"concentration for {table.height} view-weeks\n", log)
