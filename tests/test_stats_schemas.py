"""The contracts of the statistics tables: eras, period contrasts and calibration."""

import datetime as dt

import pandera.errors
import polars as pl
import pytest

from hubshare.contracts.result_tables import Calibration, Eras, PeriodContrasts


def era_row(**changes) -> pl.DataFrame:
    row = {
        "view": "uploader",
        "dimension": "country_group",
        "group": "china",
        "fit": "single",
        "era": 2,
        "start": dt.date(2023, 1, 4),
        "end": dt.date(2023, 12, 27),
        "weeks": 52,
        "mean_share": 0.2,
        "fitted_start_share": 0.18,
        "fitted_end_share": 0.22,
        "start_low": dt.date(2022, 12, 21),
        "start_high": dt.date(2023, 1, 18),
        "nearest_period_boundary": dt.date(2023, 1, 1),
        "distance_weeks": 3 / 7,
    }
    return pl.DataFrame([{**row, **changes}])


def contrast_row(**changes) -> pl.DataFrame:
    row = {
        "view": "uploader",
        "dimension": "country_group",
        "group": "china",
        "contrast": "2024 vs 2023",
        "first_period": "2023",
        "second_period": "2024",
        "weeks_first": 52,
        "weeks_second": 52,
        "estimate_logit": 0.3,
        "ci_low_logit": 0.2,
        "ci_high_logit": 0.4,
        "estimate_pp": 5.0,
        "ci_low": 4.0,
        "ci_high": 6.0,
        "confidence": 0.95,
        "p_value": 0.001,
        "persistence": 0.5,
        "null_model": "AR(1) 0.6",
        "note": "",
        "p_adjusted": 0.004,
        "significant": True,
    }
    return pl.DataFrame([{**row, **changes}], schema=pl.DataFrame([row]).schema)


def test_valid_rows_pass():
    Eras.validate(era_row())
    PeriodContrasts.validate(contrast_row())
    PeriodContrasts.validate(
        contrast_row(
            estimate_logit=None,
            ci_low_logit=None,
            ci_high_logit=None,
            estimate_pp=None,
            ci_low=None,
            ci_high=None,
            p_value=None,
            persistence=None,
            null_model=None,
            p_adjusted=None,
            significant=None,
            note="not tested: each period needs 8 weeks",
        )
    )


@pytest.mark.parametrize("changes", [{"era": 0}, {"fit": "both"}, {"mean_share": 1.5}, {"weeks": 0}])
def test_bad_era_rows_fail(changes):
    with pytest.raises((pandera.errors.SchemaError, pandera.errors.SchemaErrors)):
        Eras.validate(era_row(**changes))


@pytest.mark.parametrize("changes", [{"p_value": 1.2}, {"confidence": 1.0}, {"dimension": "organization"}])
def test_bad_contrast_rows_fail(changes):
    with pytest.raises((pandera.errors.SchemaError, pandera.errors.SchemaErrors)):
        PeriodContrasts.validate(contrast_row(**changes))


def test_unknown_calibration_test_fails():
    row = {
        "series": "flat",
        "scenario": "random_walk",
        "test": "t_test",
        "contrast": None,
        "replicates": 10,
        "rejection_rate": 0.05,
        "mc_standard_error": 0.01,
        "within_band": True,
        "planted_effect": None,
        "mean_effect": None,
        "coverage": None,
    }
    schema = {"contrast": pl.String, "planted_effect": pl.Float64, "mean_effect": pl.Float64, "coverage": pl.Float64}
    with pytest.raises((pandera.errors.SchemaError, pandera.errors.SchemaErrors)):
        Calibration.validate(pl.DataFrame([row], schema_overrides=schema))
    Calibration.validate(
        pl.DataFrame([{**row, "test": "period_contrast", "contrast": "2024 vs 2023"}], schema_overrides=schema)
    )
    with pytest.raises((pandera.errors.SchemaError, pandera.errors.SchemaErrors)):
        Calibration.validate(pl.DataFrame([{**row, "test": "eras", "coverage": 1.5}], schema_overrides=schema))


def test_counter_fall_sensitivity_by_hand(tmp_path):
    from hubshare.panel.counter_falls import counter_fall_sensitivity

    # 2023: 90 by increases and 10 after a fall -> f = 0.1, bound 0.1 / 0.9 = 11.1 pp; 2024: no fall
    pl.DataFrame(
        {
            "week": [dt.date(2023, 3, 1), dt.date(2023, 3, 8), dt.date(2024, 3, 6)],
            "downloads": [90, 10, 50],
            "event": ["increase", "counter_reset", "increase"],
        }
    ).write_parquet(tmp_path / "p.parquet")
    periods = {
        "2023": (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        "2024": (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    }
    table = counter_fall_sensitivity([tmp_path / "p.parquet"], periods)
    rows = {r["period"]: r for r in table.iter_rows(named=True)}
    assert (rows["2023"]["downloads"], rows["2023"]["counted_after_fall"]) == (100, 10)
    assert rows["2023"]["max_share_shift_pp"] == pytest.approx(100 / 9)
    assert rows["2024"]["counted_after_fall"] == 0 and rows["2024"]["max_share_shift_pp"] == 0.0


def test_every_table_schema_shares_the_one_base_configuration():
    from hubshare.attribution import families, registry
    from hubshare.contracts.base import Contract
    from hubshare.contracts.data_dictionary import TABLE_MODULES, schema_models
    from hubshare.demo import releases

    models = schema_models([*TABLE_MODULES, registry, families, releases])
    assert {"ModelFamilies", "ReleaseTable"} <= {model.__name__ for model in models}
    assert all(issubclass(model, Contract) for model in models)
    assert not any(model.to_schema().coerce for model in models)
    # Only the tables that carry columns beyond their contract (raw extras, model properties) let them through.
    assert {model.__name__ for model in models if not model.to_schema().strict} == {"RawSnapshot", "Panel"}
