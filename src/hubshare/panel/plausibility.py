"""Guards that tell an implausible week from a real one, with stated thresholds.

Every rule of the panel can book a broken snapshot without complaint: every
counter one lower reads as counter resets, two swapped snapshots as a fall and
a jump, a snapshot from another source as a burst. Two guards catch these:

- falling counters: more than `max_falling_share` of the models with a
  previous cumulative count, and at least `min_falling_models`, show a lower
  one (real resets touch a few models in a million a week);
- an outlying rate: the week's downloads per day (since the last booked week)
  differ from the median of the last `history_weeks` booked weeks by more than
  a factor `max_rate_ratio`, once `min_history` weeks are booked, and still
  do without the week's largest model-week. A broken snapshot moves every
  model; a real burst of one model does not make a week implausible, however
  few models the series has. The real monthly series of the National Library
  of Sweden's 65 models shows why: on 2026-01-23 one model's 30-day count
  reached 4.27 million of the month's 5.66 million downloads (the source's
  own monthly total), 21 times the median month; without that model the
  month is 5 times the median.

The history the second guard needs travels from week to week beside the
panel state, so each week stays one job.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field

from hubshare.contracts.json_schemas import CONFIG_SCHEMA, defaults

# The thresholds of the configuration's `plausibility` block, as its schema states them.
DEFAULTS = defaults(CONFIG_SCHEMA, "plausibility")


@dataclass
class BookedHistory:
    """The last booked weeks: their dates and downloads per day."""

    dates: list[str] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)

    def booked(self, week: dt.date, downloads: int, keep: int) -> BookedHistory:
        """The history after booking `downloads` in `week` (rate over the days since the last booked week)."""
        if not self.dates:
            return BookedHistory([week.isoformat()], [])
        days = (week - dt.date.fromisoformat(self.dates[-1])).days
        rate = downloads / days if days > 0 else 0.0
        return BookedHistory((self.dates + [week.isoformat()])[-keep - 1 :], (self.rates + [rate])[-keep:])

    def to_dict(self) -> dict:
        return asdict(self)


def implausible(
    week: dt.date,
    downloads: int,
    falling: int,
    with_previous: int,
    history: BookedHistory,
    settings: dict,
    largest: int,
) -> str | None:
    """Why the week is implausible under `settings` (complete, as `DEFAULTS`), or None; `largest` is the week's
    largest model-week."""
    limits = settings
    if falling >= limits["min_falling_models"] and falling / with_previous > limits["max_falling_share"]:
        return (
            f"{falling:,} of {with_previous:,} models with a previous cumulative count show a lower one "
            f"({falling / with_previous:.1%}, more than {limits['max_falling_share']:.1%})"
        )
    if len(history.rates) >= limits["min_history"] and history.dates:
        days = (week - dt.date.fromisoformat(history.dates[-1])).days
        median = statistics.median(history.rates[-limits["history_weeks"] :])
        ratio = limits["max_rate_ratio"]
        rate, without_largest = ((value / days if days > 0 else 0.0) for value in (downloads, downloads - largest))
        if median > 0 and not any(median / ratio <= value <= median * ratio for value in (rate, without_largest)):
            return (
                f"{rate:,.0f} downloads a day ({without_largest:,.0f} without its largest model) against a median "
                f"of {median:,.0f} over the last {min(len(history.rates), limits['history_weeks'])} booked weeks "
                f"(more than {ratio:g} times apart)"
            )
    return None
