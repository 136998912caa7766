"""The `demo:` block of the workflow configuration: defaults and checks.

Pure Python (no numpy, no polars) so that the workflow can read the calendar
at DAG-build time without importing the simulator. `workflow/schemas/demo.schema.yaml`
documents the same keys; a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

# Relation shares of models that declare base models, from the October 2025
# `models.parquet` (FACTS.md).
HUB_RELATION_MIX = {"adapter": 0.4257, "finetune": 0.3591, "quantized": 0.1922, "merge": 0.0230}
# Kinds of logit-scale noise on the segments' shares (`hubshare.noise` draws them); listed here
# so that the settings can be checked without importing numpy.
NOISE_KINDS = (
    "none",
    "ar1_0.8",
    "ar1_0.95",
    "ar1_0.99",
    "random_walk",
    "long_memory",
    "spikes",
    "late_volatility",
    "level_shift",
)

DEFAULTS: dict[str, object] = {
    "seed": 20251203,
    "start": "2020-06-03",
    "end": "2025-08-27",
    "cadence_days": 7,
    "models_total": 20000,
    "pre_window_models": 400,
    "model_growth": 40.0,
    "weekly_downloads_start": 1_250_000,
    "weekly_downloads_end": 25_000_000,
    "effect_size": 1.0,
    "never_downloaded_rate": 0.62,
    "base_model_rate": 0.2809,
    "relation_mix": HUB_RELATION_MIX,
    "safetensors_rate": 0.2338,
    "missing_pipeline_tag_rate": 0.40,
    "missing_library_name_rate": 0.30,
    "missing_author_rate": 0.02,
    "rename_rate": 0.01,
    "deletion_rate": 0.02,
    "counter_reset_rate": 0.002,
    "private_parents": 4,
    "cycles": 1,
    "legacy_rename_date": "2024-01-31",
    "share_noise": "ar1_0.8",
    "share_noise_sigma": 0.05,
    "model_shock_sigma": 0.2,
    "model_shock_phi": 0.9,
    "sampling_noise": True,
}

_INTEGERS = (
    "seed",
    "cadence_days",
    "models_total",
    "pre_window_models",
    "weekly_downloads_start",
    "weekly_downloads_end",
    "private_parents",
    "cycles",
)
_POSITIVE = ("cadence_days", "models_total", "weekly_downloads_start", "weekly_downloads_end", "model_growth")
_RATES = (
    "never_downloaded_rate",
    "base_model_rate",
    "safetensors_rate",
    "missing_pipeline_tag_rate",
    "missing_library_name_rate",
    "missing_author_rate",
    "rename_rate",
    "deletion_rate",
    "counter_reset_rate",
)
_NUMBERS = ("effect_size", "model_growth", "share_noise_sigma", "model_shock_sigma", *_RATES)
_DATES = ("start", "end", "legacy_rename_date")


class DemoSettingsError(ValueError):
    """A demo setting that is unknown, of the wrong type or out of range."""


def resolve_settings(settings: Mapping[str, object] | None) -> dict[str, object]:
    """The given settings over the defaults, checked and normalised (ISO date strings,
    floats for real numbers); raises DemoSettingsError naming the key."""
    given = dict(settings or {})
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise DemoSettingsError(f"demo settings: unknown key(s) {unknown}; known keys are {sorted(DEFAULTS)}")
    resolved = {**DEFAULTS, **given}
    for key in _INTEGERS:
        if isinstance(resolved[key], bool) or not isinstance(resolved[key], int) or resolved[key] < 0:
            raise DemoSettingsError(f"demo settings: '{key}' must be a non-negative integer, got {resolved[key]!r}")
    for key in _NUMBERS:
        if isinstance(resolved[key], bool) or not isinstance(resolved[key], int | float) or resolved[key] < 0:
            raise DemoSettingsError(f"demo settings: '{key}' must be a non-negative number, got {resolved[key]!r}")
        resolved[key] = float(resolved[key])
    for key in _RATES:
        if resolved[key] > 1:
            raise DemoSettingsError(f"demo settings: '{key}' must be a share in [0, 1], got {resolved[key]!r}")
    for key in _POSITIVE:
        if resolved[key] <= 0:
            raise DemoSettingsError(f"demo settings: '{key}' must be positive, got {resolved[key]!r}")
    for key in _DATES:
        resolved[key] = iso_date(key, resolved[key]).isoformat()
    _check_noise(resolved)
    if (iso_date("end", resolved["end"]) - iso_date("start", resolved["start"])).days < resolved["cadence_days"]:
        raise DemoSettingsError("demo settings: 'start' to 'end' must span at least two snapshots")
    if resolved["pre_window_models"] > resolved["models_total"]:
        raise DemoSettingsError("demo settings: 'pre_window_models' cannot exceed 'models_total'")
    resolved["relation_mix"] = _relation_mix(resolved["relation_mix"])
    return resolved


def _check_noise(resolved: dict) -> None:
    if resolved["share_noise"] not in NOISE_KINDS:
        raise DemoSettingsError(
            f"demo settings: 'share_noise' must be one of {list(NOISE_KINDS)}, got {resolved['share_noise']!r}"
        )
    phi = resolved["model_shock_phi"]
    if isinstance(phi, bool) or not isinstance(phi, int | float) or not 0 <= phi < 1:
        raise DemoSettingsError(f"demo settings: 'model_shock_phi' must lie in [0, 1), got {phi!r}")
    resolved["model_shock_phi"] = float(phi)
    if not isinstance(resolved["sampling_noise"], bool):
        raise DemoSettingsError(
            f"demo settings: 'sampling_noise' must be true or false, got {resolved['sampling_noise']!r}"
        )


def _relation_mix(mix: object) -> dict[str, float]:
    if not isinstance(mix, Mapping) or set(mix) != set(HUB_RELATION_MIX):
        raise DemoSettingsError(
            f"demo settings: 'relation_mix' must give a share for each of {sorted(HUB_RELATION_MIX)}"
        )
    values = {k: float(v) for k, v in sorted(mix.items())}
    if any(v < 0 for v in values.values()) or sum(values.values()) <= 0:
        raise DemoSettingsError("demo settings: 'relation_mix' shares must be non-negative and not all zero")
    return values


def iso_date(key: str, value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise DemoSettingsError(f"demo settings: '{key}' must be an ISO date (YYYY-MM-DD), got {value!r}") from error
