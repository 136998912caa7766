"""Adapter: results -> paper/_variables.yml, generated tables, staged figures."""

import json
from pathlib import Path

import polars as pl

from hubshare.analysis.capabilities import views_supported
from hubshare.analysis.composition_text import (
    composition_lacks,
    composition_markdown,
    composition_shown,
    composition_variables,
)
from hubshare.attribution.sensitivity import ALTERNATIVES, CONTESTED_COLUMNS, INTERMEDIARY_GROUP, contested_alternatives
from hubshare.attribution.vocabularies import load_vocabularies
from hubshare.claims.rendering import ledger_markdown, ledger_source_notes
from hubshare.contracts.curated_csv import read_curated_csv
from hubshare.figures.provenance import provenance_line
from hubshare.inference.calibration_text import calibration_section
from hubshare.inference.contrasts import MIN_PER_PERIOD
from hubshare.inference.era_table import read_eras, skipped_reason
from hubshare.inference.model_trends import read_model_trends
from hubshare.jobs.atomic import copy_file, write_text, write_yaml
from hubshare.jobs.joblog import log_to
from hubshare.manuscript.attribution_section import (
    counter_fall_sentence,
    coverage_table,
    intermediary_variables,
    sensitivity_table_markdown,
    threshold_table,
    top_intermediaries_table,
)
from hubshare.manuscript.data_section import ledger_section
from hubshare.manuscript.eras_section import contrast_section, contrast_variables, era_section, era_variables
from hubshare.manuscript.model_series_text import model_series_shown, model_series_variables, model_trends_markdown
from hubshare.manuscript.scope import (
    abstract_shares,
    partial_properties_sentence,
    property_caption,
    property_rows,
    scope_variables,
    show_flags,
    with_every_group,
)
from hubshare.manuscript.shares_section import (
    multiplier_variables,
    named_share_variables,
    period_table,
    periods_with_data,
    property_table,
)
from hubshare.manuscript.text import headline_trend_subjects, narrative_variables
from hubshare.manuscript.trends_section import test_family_sentence, trend_table
from hubshare.manuscript.validation_section import claims_summary, multiplier_recovery_section, validation_section
from hubshare.manuscript.values import assemble_variables
from hubshare.panel.counter_falls import FALLS_AS_REVISIONS
from hubshare.panel.ledger import measure_summary
from hubshare.periods import read_results_csv


def read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


with log_to(snakemake.log[0]) as log:
    inputs = snakemake.input
    is_demo = "truth" in inputs.keys()  # noqa: SIM118 (`in` on a Namedlist looks at its values)
    vocabularies = load_vocabularies(inputs.vocabularies)
    country_labels = {k: v["label"] for k, v in vocabularies.country_groups.items()}
    type_labels = {k: v["label"] for k, v in vocabularies.developer_types.items()}
    period_names = [p["name"] for p in snakemake.params.periods]
    stats = read_json(inputs.stats)
    weeks = read_results_csv(inputs.weeks)
    measure = measure_summary(weeks)  # alltime_diff, rolling30, or mixed: what the weeks were booked by
    # Every group of the vocabularies in every period, so that the text's named groups resolve whatever the input.
    credited_shares = read_results_csv(inputs.periods)  # the tables show only the groups credited
    period_shares = with_every_group(
        credited_shares,
        {"country_group": list(country_labels), "developer_type": list(type_labels)},
        period_names,
    )
    coverage = read_results_csv(inputs.coverage)
    ledger = pl.read_csv(inputs.ledger)
    truth = read_json(inputs.truth) if is_demo else None
    recovery = read_results_csv(inputs.recovery) if is_demo else None
    concentration = pl.read_parquet(inputs.concentration)
    intermediary_share = read_results_csv(inputs.intermediary_share)
    properties = read_results_csv(inputs.properties)
    multipliers = read_results_csv(inputs.multipliers)
    claims = pl.read_csv(inputs.claims)
    variables = assemble_variables(
        source=snakemake.params.source,
        snapshots=snakemake.params.snapshots,
        stats=stats,
        period_shares=period_shares,
        concentration=concentration,
        ledger=ledger,
        coverage=coverage,
        quality=read_json(inputs.quality),
        truth=truth,
        recovery=recovery,
        vocabulary={
            "version": vocabularies.version,
            "country_groups": str(len(vocabularies.country_groups)),
            "developer_types": str(len(vocabularies.developer_types)),
        },
    )
    classified = pl.read_csv(inputs.intermediaries)
    variables["intermediaries"] = intermediary_variables(
        classified,
        intermediary_share,
        snakemake.params.intermediary_threshold,
        snakemake.params.intermediary_min_downloads,
        truth["intermediary_namespaces"] if is_demo else None,
    )
    variables["multiplier"] = multiplier_variables(multipliers)
    variables["family"] = named_share_variables(
        read_results_csv(inputs.families), "family", snakemake.params.named_families
    )
    variables["namespace"] = named_share_variables(
        read_results_csv(inputs.namespaces), "namespace", snakemake.params.named_namespaces
    )
    variables["data"]["measure"] = f"`{measure}`"
    contrasts = read_results_csv(inputs.contrasts)
    eras = read_eras(inputs.eras)
    variables["stats"]["contrast_min_weeks"] = f"{MIN_PER_PERIOD}"
    variables["contrast"] = contrast_variables(contrasts)
    variables["eras"] = era_variables(snakemake.params.eras)
    verdicts = dict(claims["verdict"].value_counts().iter_rows())
    variables["claims"] = {"summary": claims_summary(verdicts, is_demo), "sources": ledger_source_notes(claims)}
    # Sentences worded for the data at hand: period comparisons and trends, or one window said once.
    variables["text"] = narrative_variables(
        period_shares=period_shares,
        periods=snakemake.params.periods,
        concentration=concentration,
        stats=stats,
        snapshots=snakemake.params.snapshots,
        intermediaries=variables["intermediaries"],
        intermediary_share=intermediary_share,
        property_periods=properties,
        multipliers=multipliers,
        headline_trends=headline_trend_subjects(snakemake.params.headline_series, country_labels),
        contrasts=contrasts,
    )
    # What the input supports: the manuscript's conditional parts and the sentences for what it lacks.
    capabilities = read_json(inputs.capabilities)
    show = show_flags(capabilities)
    variables["text"]["counter_falls"] = counter_fall_sentence(
        read_results_csv(inputs.counter_falls),
        read_results_csv(inputs.sensitivity),
        {**country_labels, **type_labels},
        sensitivity_table_shown=show["ecosystem"],
    )
    totals = dict(read_results_csv(inputs.totals).select("period", "downloads").iter_rows())
    variables["scope"] = scope_variables(
        capabilities,
        show,
        snakemake.params.periods,
        totals,
        variables["ledger"]["counted"],
        variables["text"]["intervals"],
    )
    variables["scope"]["abstract_shares"] = abstract_shares(show, variables)
    # A list's entry and exit, separated from the change among the models listed throughout.
    composition = read_results_csv(inputs.composition)
    show["composition"] = composition_shown(capabilities, composition)
    variables["scope"]["lacks"]["composition"] = composition_lacks(capabilities, composition)
    variables["composition"] = composition_variables(composition, measure)
    # Too few namespaces for an ecosystem: the series their own downloads support, tested.
    model_trends = read_model_trends(inputs.model_trends)
    show["model_series"] = model_series_shown(show, model_trends)
    if show["model_series"]:
        credited = read_results_csv(inputs.namespaces).filter(pl.col("share") > 0)
        variables["model_series"] = model_series_variables(
            model_trends,
            capabilities,
            {
                **{key: sorted(set(credited[key].drop_nulls())) for key in ("namespace", "organization")},
                **{
                    dimension: sorted(set(credited_shares.filter(pl.col("dimension") == dimension)["group"]))
                    for dimension in ("country_group", "developer_type")
                },
            },
            stats["confidence"],
            stats["alpha"],
        )
    if capabilities["download_measure"] == "rolling30":
        # The first snapshot's 30-day counts reach back 29 days before it.
        variables["data"]["first_week"] = capabilities["intervals"]["first_day"]
    if not show["time"]:
        variables["text"]["test_abstract"] = (
            variables["model_series"]["abstract"] if show["model_series"] else variables["scope"]["lacks"]["time"]
        )
    shown_properties = property_rows(capabilities)
    if show["properties"] and not show["all_properties"]:
        variables["text"]["properties"] = partial_properties_sentence(capabilities)
    # Tables show the periods in which the panel counts downloads; the text says once what is missing.
    shown_periods = periods_with_data(period_shares, period_names)
    variables["text"]["properties_caption"] = property_caption(shown_properties, len(shown_periods) > 1)
    variables["text"]["test_family"] = test_family_sentence(
        int(stats.get("contrasts", {}).get("tested", 0)), len(stats["tests"]), len(stats.get("duplicates", []))
    )
    manifest = read_json(inputs.manifest)
    variables["provenance"] = {
        record["name"]: provenance_line(record)
        + f" Script: [{record['script']['path']}](../{record['script']['path']})."
        for record in manifest["figures"]
    }
    write_yaml(variables, snakemake.output.variables)
    sensitivity = read_results_csv(inputs.sensitivity)
    contested = read_curated_csv(inputs.contested, CONTESTED_COLUMNS, ValueError)
    alternatives = {
        name: label
        for name, label in ALTERNATIVES.items()
        if show["derived"] or name == "uploader" or (name == FALLS_AS_REVISIONS and show["cumulative"])
    }
    alternatives.update(contested_alternatives(contested))

    tables = Path(snakemake.output.tables)
    tables.mkdir(parents=True, exist_ok=True)
    generated = {
        "country_group_shares.md": period_table(
            credited_shares, "country_group", country_labels, shown_periods, show["derived"]
        ),
        "developer_type_shares.md": period_table(
            credited_shares, "developer_type", type_labels, shown_periods, show["derived"]
        ),
        "trend_tests.md": trend_table(
            {
                **stats,
                **{
                    key: [test for test in stats.get(key, []) if test["view"] in views_supported(capabilities)]
                    for key in ("tests", "skipped")
                },
            },
            {**country_labels, **type_labels},
        ),
        "coverage.md": coverage_table(
            coverage, shown_periods, ("uploader", "derived") if show["derived"] else ("uploader",)
        ),
        "ledger_section.md": ledger_section(ledger, measure, weeks),
        "validation.md": validation_section(recovery, {**country_labels, **type_labels}, variables["intermediaries"]),
        "calibration.md": calibration_section(
            pl.read_csv(inputs.calibration) if is_demo else None,
            {**country_labels, "intermediaries": "Intermediaries"},
            snakemake.params.calibration,
            stats["alpha"],
            pl.read_csv(inputs.bootstrap_calibration) if is_demo else None,
        ),
        "claims_ledger.md": ledger_markdown(claims),
        "eras.md": era_section(
            eras,
            {**country_labels, **type_labels},
            skipped_reason(pl.read_parquet(inputs.weekly), snakemake.params.eras["min_segment_weeks"]),
            truth,
        ),
        "model_trends.md": model_trends_markdown(model_trends, stats["confidence"]),
        "composition.md": composition_markdown(
            composition, snakemake.params.headline_series, {**country_labels, **type_labels}
        ),
        "period_contrasts.md": contrast_section(contrasts, {**country_labels, **type_labels}, stats["alpha"]),
        "multiplier_recovery.md": multiplier_recovery_section(
            truth,
            multipliers,
        ),
        "properties.md": property_table(properties, shown_periods, shown_properties),
        "top_intermediaries.md": top_intermediaries_table(classified),
        "intermediary_thresholds.md": threshold_table(read_results_csv(inputs.intermediary_thresholds), shown_periods),
        "attribution_sensitivity.md": sensitivity_table_markdown(
            sensitivity,
            alternatives,
            {
                **country_labels,
                **type_labels,
                "unaffiliated_user": "Unaffiliated users",
                INTERMEDIARY_GROUP: "Intermediaries",
            },
            [(row["dimension"], row["group"]) for row in snakemake.params.sensitivity_rows],
        ),
    }
    for name, text in generated.items():
        write_text(text, tables / name)
    write_yaml({"show": show}, tables / "show.yml")
    for source, target in zip(inputs.figures, snakemake.output.figures, strict=True):
        copy_file(source, target)
    log.info("%d generated tables, %d figures staged", len(generated), len(inputs.figures))
