"""The panel's `rolling30` measure: a week's downloads estimated from the Hub's rolling 30-day count.

The week-by-week panel (`hubshare.panel.model_weeks.panel_week`) applies it to every
week that carries no cumulative count: every week of a source with only
30-day counts (`api-json`, `csv`, a `dir` folder without `downloadsAllTime`
or with `measure: rolling30`), and the Hub's own weeks before 2025-02-26.

Definition (stated in the paper's methods):

- The Hub's `downloads` field at snapshot t counts the downloads in the 30
  days up to t. One such count does not identify the downloads in the interval
  (t_prev, t] since the model's previous observation: the same download
  appears in every count whose window covers its day, and the count says
  nothing about how its downloads spread over the window.
- Estimator: each count is spread evenly over its 30 days, and the interval
  (t_prev, t] receives the days of the window it covers, min(t - t_prev, 30)
  of them. The estimate is count * min(t - t_prev, 30) / 30: for daily
  snapshots a thirtieth of each count, for weekly ones 7/30 of it. Where
  snapshots are closer than 30 days the windows overlap, and the rest of each
  count (the days before t_prev, already represented by earlier snapshots) is
  not counted; where they are more than 30 days apart the whole count is used
  and the days before the window are not observed at all.
- First snapshot: a first snapshot measured by 30-day counts books each
  count whole, as the downloads of the 30 days up to it (`interval_days` 30):
  unlike a cumulative count, a 30-day count can be placed in time, so even a
  single snapshot is a cross-section of 30 days. A first snapshot with
  cumulative counts is the baseline instead: those counts hold downloads from
  before the study window, which cannot be placed in time, and it books
  nothing (`hubshare.panel.model_weeks`).
- First appearance: a model first seen after the first snapshot gets the
  days since the source's previous snapshot, as if it had been observed there.
- Gaps: a model missing from some snapshots is estimated against its last
  observation; `interval_days` records the span.
- Rounding: the panel holds whole downloads. Each model's running estimate
  (an exact multiple of 1/30, kept in integers as thirtieths of a download in
  the panel state) is rounded half up, and its model-week value is the
  increase of that rounded sum, so every model's counted total is its exact
  estimate rounded to the nearest download and no model is favoured by a
  rounding order. Model-weeks with zero downloads are not stored.

Limits: the estimate is a 30-day moving average of the true daily downloads.
It smooths (a one-day spike is spread evenly over the 30 days after it), it
lags (a new model's first downloads are credited over the following 30 days,
and a decline shows late), and it cannot locate a spike within its window.
For daily snapshots every day away from the first and last 30 days of the
study is credited exactly once, so totals over long spans are right; with
weekly snapshots a day is credited 28/30 or 35/30 of its downloads depending
on where it falls, right on average and exactly for steady downloads. Values
for a single week are estimates, never observations.
"""

from __future__ import annotations

import polars as pl

MEASURE = "rolling30"
WINDOW_DAYS = 30


def estimate_thirtieths(count: pl.Expr, interval_days: pl.Expr) -> pl.Expr:
    """The estimate of one observation, in thirtieths of a download (an exact integer)."""
    return count * pl.min_horizontal(interval_days, pl.lit(WINDOW_DAYS))


def rounded(thirtieths: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """A running estimate in thirtieths of a download, rounded half up to whole downloads."""
    return (thirtieths + WINDOW_DAYS // 2) // WINDOW_DAYS
