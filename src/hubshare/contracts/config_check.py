"""The whole configuration checked when the workflow starts, before any job runs.

The JSON schema gives types, ranges and defaults, checked here with formats
such as `format: date` (which Snakemake's `validate` leaves unchecked) by the
same helper as the claims and the demo settings; this adds the references
between keys (periods that exist, groups that the
vocabulary defines, ranges that do not run backwards). An error names the
key and says what is accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from hubshare.attribution.sensitivity import INTERMEDIARY_GROUP
from hubshare.contracts.json_schemas import problems
from hubshare.periods import HEADLINE_PERIOD, parse_periods


class ConfigError(ValueError):
    """A configuration the workflow refuses, with the key named."""


def _schema_breaks(config: Mapping, schema_path: str | Path) -> None:
    for _, key, message in problems(config, schema_path):
        raise ConfigError(f"config key '{key}': {message}")


def _vocabulary_groups(vocabularies_path: str | Path) -> dict[str, set[str]]:
    vocabulary = yaml.safe_load(Path(vocabularies_path).read_text(encoding="utf-8"))
    return {
        "country_group": {entry["id"] for entry in vocabulary["country_groups"]},
        "developer_type": {entry["id"] for entry in vocabulary["developer_types"]},
    }


def check_config(config: Mapping, schema_path: str | Path, vocabularies_path: str | Path) -> None:
    """Raise `ConfigError` naming the first key that is malformed or refers to something that does not exist."""
    _schema_breaks(config, schema_path)
    # Periods given as the last N days of the data get their dates once the snapshots are known.
    dated = [entry for entry in config["periods"] if "last_days" not in entry]
    try:
        parse_periods(dated)
    except ValueError as error:
        raise ConfigError(f"config key 'periods': {error}") from None
    periods = [entry["name"] for entry in config["periods"]]
    if len(set(periods)) != len(periods):
        raise ConfigError(f"config key 'periods': a name is used twice ({', '.join(periods)})")
    if HEADLINE_PERIOD not in periods:
        raise ConfigError(
            f"config key 'periods': none is named '{HEADLINE_PERIOD}', the window whose shares the paper's "
            f"abstract and headline tables report (periods: {', '.join(periods)}); add one, e.g. "
            f"{{name: {HEADLINE_PERIOD}, last_days: 365}}"
        )
    for key in ("first_period", "last_period"):
        name = config.get("properties", {}).get(key)
        if name is not None and name not in periods:
            raise ConfigError(f"config key 'properties.{key}': '{name}' is not one of the periods {sorted(periods)}")
    groups = _vocabulary_groups(vocabularies_path)
    rows = {
        "stats.headline_series": (config.get("stats", {}).get("headline_series", []), {}),
        # The sensitivity table may also show the intermediaries set apart as a country group of their own.
        "paper.sensitivity_rows": (
            config.get("paper", {}).get("sensitivity_rows", []),
            {"country_group": {INTERMEDIARY_GROUP}},
        ),
    }
    for key, (entries, extra) in rows.items():
        for index, series in enumerate(entries):
            known = groups.get(series["dimension"], set()) | extra.get(series["dimension"], set())
            if series["group"] not in known:
                raise ConfigError(
                    f"config key '{key}.{index}.group': '{series['group']}' is not a "
                    f"{series['dimension']} of {vocabularies_path} ({', '.join(sorted(known))})"
                )
    hub = config.get("hub", {})
    if hub.get("end", "latest") != "latest" and dt.date.fromisoformat(hub["end"]) < dt.date.fromisoformat(hub["start"]):
        raise ConfigError(f"config key 'hub.end': {hub['end']} is before hub.start {hub['start']}")


def check_periods_hold_data(periods: Sequence[Mapping], dates: Sequence[str]) -> None:
    """Raise `ConfigError` unless some period (its dates fixed, `last_days` resolved) holds a snapshot.

    Checked once the source's snapshot dates are known, before any job runs:
    periods that hold none would leave every share, test and table empty.
    """
    days = sorted(dt.date.fromisoformat(str(date)) for date in dates)
    windows = parse_periods(list(periods))
    if not any(start <= day <= end for start, end in windows.values() for day in days):
        listed = ", ".join(f"{name} ({start} to {end})" for name, (start, end) in windows.items())
        raise ConfigError(
            f"config key 'periods': no period holds any of the {len(days)} snapshots ({days[0]} to "
            f"{days[-1]}); periods: {listed}. Move them over the data, or give the last year as "
            f"{{name: {HEADLINE_PERIOD}, last_days: 365}}"
        )
