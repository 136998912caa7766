"""The model-properties figure: download-weighted shares and sizes by period, with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from hubshare.figures.style import mark_demo

SHARE_SERIES = {
    "share_quantized": ("Quantized", "#0077BB"),
    "share_moe": ("Mixture-of-experts", "#EE7733"),
    "share_multimodal_generation": ("Multimodal generation", "#009988"),
    "share_training_data_disclosed": ("Training data disclosed", "#CC3311"),
}
SIZE_SERIES = {"mean_params": ("Mean", "#332288"), "median_params": ("Median", "#AA4499")}


def property_figure(table: pl.DataFrame, periods: list[str], demo: bool = False) -> Figure:
    """Two panels over `periods` (in order): property shares (%) and model size (billion parameters, log)."""
    rows = {(r["statistic"], r["period"]): r for r in table.iter_rows(named=True)}
    if not any((s, p) in rows for s in SHARE_SERIES for p in periods):
        raise ValueError("property figure: the table has none of the plotted statistics for the given periods")
    figure = Figure(figsize=(7.0, 3.4), layout="constrained")
    shares_axis, size_axis = figure.subplots(1, 2)
    positions = np.arange(len(periods))
    for axis, series, scale in ((shares_axis, SHARE_SERIES, 100.0), (size_axis, SIZE_SERIES, 1e-9)):
        for offset, (statistic, (label, colour)) in enumerate(series.items()):
            points = [rows.get((statistic, p)) for p in periods]
            estimate = np.array(
                [np.nan if r is None or r["estimate"] is None else r["estimate"] * scale for r in points]
            )
            low = np.array([np.nan if r is None or r["ci_low"] is None else r["ci_low"] * scale for r in points])
            high = np.array([np.nan if r is None or r["ci_high"] is None else r["ci_high"] * scale for r in points])
            shift = (offset - (len(series) - 1) / 2) * 0.08
            axis.errorbar(
                positions + shift,
                estimate,
                yerr=[estimate - low, high - estimate],
                marker="o",
                markersize=4,
                capsize=2,
                color=colour,
                label=label,
            )
        axis.set_xticks(positions, periods)
        axis.set_xlabel("Period")
    shares_axis.set_title("Share of downloads")
    shares_axis.set_ylabel("Downloads (%)")
    # Legends below the panels: inside, they would cover the intervals.
    shares_axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize="small", frameon=False)
    size_axis.set_title("Size of downloaded models")
    if any(rows.get((s, p), {}).get("estimate") for s in SIZE_SERIES for p in periods):
        size_axis.set_ylabel("Billion parameters (log scale)")
        size_axis.set_yscale("log")
    else:
        size_axis.text(
            0.5,
            0.5,
            "No parameter counts in this source",
            ha="center",
            va="center",
            transform=size_axis.transAxes,
            color="#555555",
        )
    size_axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize="small", frameon=False)
    if demo:
        mark_demo(figure)
    return figure
