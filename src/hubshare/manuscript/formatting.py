"""Numbers and period names as the paper writes them."""

from __future__ import annotations

import re

PERCENT_DECIMALS = 1


def period_key(name: str) -> str:
    """A period name as a variable key: `<=2022` -> `to2022`, `2023` -> `p2023`."""
    key = re.sub(r"[^0-9a-z]+", "_", name.lower().replace("<=", "to")).strip("_")
    return f"p{key}" if key[:1].isdigit() else key


def period_label(name: str) -> str:
    """A period name as a table header: `<=2022` -> `≤2022`, `last_year` -> `Last year`."""
    if name.startswith("<="):
        return "\u2264" + name[2:]
    return name.replace("_", " ").capitalize() if not name[:1].isdigit() else name


NO_DATA = "no data"


def pct(share: float | None, decimals: int = PERCENT_DECIMALS) -> str:
    return NO_DATA if share is None else f"{share * 100:.{decimals}f}%"


def signed(value: float, decimals: int = 1) -> str:
    return f"{value:+.{decimals}f}".replace("-", "\u2212")


# A share cannot move by more than 100 points; a slope bound beyond that says only that the data do not bound it.
SLOPE_BOUND_PP = 100.0


def slope_interval(low: float, high: float, decimals: int = 2) -> str:
    """`[low, high]`, each bound beyond +-100 percentage points a year written as unbounded."""

    def bound(value: float) -> str:
        return ("\u2212\u221e" if value < 0 else "+\u221e") if abs(value) > SLOPE_BOUND_PP else signed(value, decimals)

    return f"[{bound(low)}, {bound(high)}]"


def p_value(value: float) -> str:
    return "<\u00a00.001" if value < 0.001 else f"{value:.3f}"  # no-break space: never split "<" from its number


def big_number(value: float) -> str:
    """Readable counts: 2,213,000,000 -> `2.21 billion`; 45,300 -> `45,300`."""
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if round(abs(value) / size, 2) >= 1:
            return f"{value / size:.2f} {word}"
    if round(abs(value)) >= 1e6:
        return f"{value / 1e6:.2f} million"
    return f"{value:,.0f}"


def one_decimal(value: float | None) -> str:
    return NO_DATA if value is None else f"{value:.1f}"


def small_number(value: float) -> str:
    """Two decimals, or scientific notation where two decimals would read as an exact zero."""
    return f"{value:.2f}" if value == 0 or value >= 0.005 else f"{value:.1e}"


def count_noun(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
