"""Small counts are never shown: every count below `SMALL` appears as "< 5".

The rule holds for every output (CLI, charts, tables, xlsx, PDF). Shares and durations built
from fewer than `SMALL` cases are not shown either, because a share of 3 requests or the median
of 2 cases would tell about single people as much as the count itself.
"""

from __future__ import annotations

SMALL = 5
HIDDEN = "< 5"


def shown(count: int) -> str:
    """A count as it may be shown: the number, or "< 5"."""
    return str(count) if count >= SMALL else HIDDEN


def visible(count: int) -> bool:
    return count >= SMALL


def share(part: int, whole: int, decimal_comma: bool = True) -> str:
    """A percentage, or "–" when either count is too small to be shown."""
    if whole < SMALL or part < SMALL:
        return "–"
    value = f"{100 * part / whole:.0f} %"
    return value if decimal_comma else value.replace(" %", "%")
