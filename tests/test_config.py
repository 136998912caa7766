"""The configuration schema: every key described and defaulted; bad values named."""

import copy

import pytest
import yaml
from conftest import REPO
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def default_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def walk_properties(schema: dict, path: str = ""):
    for key, sub in schema.get("properties", {}).items():
        yield f"{path}.{key}".lstrip("."), sub
        yield from walk_properties(sub, f"{path}.{key}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield from walk_properties(items, f"{path}[]")


DEMO_SCHEMA = REPO / "workflow" / "schemas" / "demo.schema.yaml"


@pytest.mark.parametrize("schema_path", [SCHEMA, DEMO_SCHEMA], ids=["workflow", "demo"])
def test_every_key_has_a_description_and_a_default(schema_path):
    schema = yaml.safe_load(schema_path.read_text())
    for path, sub in walk_properties(schema):
        assert sub.get("description"), f"{path} has no description"
        if "[]" not in path:  # keys inside list items are required instead
            assert "default" in sub, f"{path} has no default"


def test_default_config_is_valid():
    validate(default_config(), str(SCHEMA))


def test_empty_config_gets_every_default():
    config = {}
    validate(config, str(SCHEMA))
    assert config["source"] == "demo"
    assert config["stats"]["alpha"] == 0.05
    assert config["attribution"]["registry"].endswith("organizations.csv")


@pytest.mark.parametrize(
    ("key_path", "value", "named"),
    [
        (("stats", "alpha"), 2, "['stats']['alpha']"),
        (("source",), "ftp", "['source']"),
        (("paper", "renderer"), "word", "['paper']['renderer']"),
        (("demo", "seed"), -1, "['demo']['seed']"),
    ],
)
def test_bad_value_stops_with_the_key_named(key_path, value, named):
    config = copy.deepcopy(default_config())
    config.setdefault("demo", {})
    target = config
    for key in key_path[:-1]:
        target = target[key]
    target[key_path[-1]] = value
    with pytest.raises(WorkflowError, match=r"instance" + named.replace("[", r"\[").replace("]", r"\]")):
        validate(config, str(SCHEMA))


def test_unknown_key_is_refused():
    config = default_config()
    config["stats"]["alpfa"] = 0.1
    with pytest.raises(WorkflowError, match="alpfa"):
        validate(config, str(SCHEMA))


def checked(config: dict) -> dict:
    """The configuration as the workflow sees it at start: defaults filled by the schema, then checked."""
    from hubshare.contracts.config_check import check_config

    validate(config, str(SCHEMA))
    check_config(config, SCHEMA, REPO / "data" / "raw" / "attribution" / "vocabularies.yaml")
    return config


def test_the_default_sensitivity_rows_with_the_intermediaries_pass_the_start_check():
    config = copy.deepcopy(default_config())
    checked(config)
    assert ["country_group", "intermediary"] in [list(row.values()) for row in config["paper"]["sensitivity_rows"]]


def test_the_default_and_shipped_configurations_pass_the_start_check():
    for path in (REPO / "config").glob("*.yaml"):
        checked({**default_config(), **yaml.safe_load(path.read_text())})


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            lambda c: c["periods"].__setitem__(0, {"name": "x", "start": "2025-02-30", "end": "2025-03-01"}),
            "periods.0.start",
        ),
        (lambda c: c["periods"].__setitem__(0, {"name": "x", "start": "2025-03-01", "end": "2025-02-01"}), "periods"),
        (lambda c: c["properties"].__setitem__("last_period", "2031"), "properties.last_period"),
        # The paper's headline window.
        (lambda c: c.__setitem__("periods", [p for p in c["periods"] if p["name"] != "last_year"]), "periods"),
        (
            lambda c: c["stats"]["headline_series"].append({"dimension": "country_group", "group": "atlantis"}),
            "stats.headline_series.5.group",
        ),
        (lambda c: c.setdefault("hub", {}).update(start="2025-01-01", end="2024-01-01"), "hub.end"),
        (
            # The intermediaries set apart are a row of the country groups only.
            lambda c: c["paper"].update(sensitivity_rows=[{"dimension": "developer_type", "group": "intermediary"}]),
            "paper.sensitivity_rows.0.group",
        ),
    ],
)
def test_a_bad_configuration_is_refused_at_start_naming_the_key(change, key):
    from hubshare.contracts.config_check import ConfigError

    config = copy.deepcopy(default_config())
    change(config)
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        checked(config)


def test_periods_that_hold_no_snapshot_are_refused_naming_the_data_and_the_windows():
    from hubshare.contracts.config_check import ConfigError, check_periods_hold_data

    dates = ["2025-08-20", "2025-08-27"]
    check_periods_hold_data([{"name": "last_year", "start": "2025-08-27", "end": "2025-08-27"}], dates)
    with pytest.raises(
        ConfigError,
        match=r"no period holds any of the 2 snapshots \(2025-08-20 to 2025-08-27\); periods: 2010 "
        r"\(2010-01-01 to 2010-12-31\), last_year \(2025-08-28 to 2026-08-27\)",
    ):
        check_periods_hold_data(
            [
                {"name": "2010", "start": "2010-01-01", "end": "2010-12-31"},
                {"name": "last_year", "start": "2025-08-28", "end": "2026-08-27"},
            ],
            dates,
        )
