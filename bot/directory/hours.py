"""Opening hours in words for the editor's preview: "Mo–Do 9:00–16:00, Mi auch 13:00–17:00"."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from opening_hours import OpeningHours, State

from bot.i18n import Texts

# a Monday far from holidays; the weekly pattern is what staff check here
_WEEK = dt.datetime(2026, 3, 2)


def _clock(value: dt.time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def describe(expression: str, t: Texts) -> str | None:
    """The weekly schedule in words, or None when the expression cannot be read."""
    try:
        hours = OpeningHours(expression)
    except Exception:
        return None
    if expression.strip() == "24/7":
        return t._("open around the clock")
    spans: dict[int, tuple[str, ...]] = {}
    by_day: dict[int, list[str]] = {}
    for start, end, state, _comment in hours.intervals(_WEEK, _WEEK + dt.timedelta(days=7)):
        if state != State.OPEN:
            continue
        end_time = (
            (end - dt.timedelta(minutes=1)).time() if end.time() == dt.time(0) else end.time()
        )
        by_day.setdefault(start.weekday(), []).append(f"{_clock(start.time())}–{_clock(end_time)}")
    spans = {day: tuple(values) for day, values in by_day.items()}
    if not spans:
        return t._("by appointment only")
    base = Counter(spans.values()).most_common(1)[0][0]

    def label(days: list[int]) -> str:
        if len(days) == 1:
            return t.weekday(days[0])
        return f"{t.weekday(days[0])}–{t.weekday(days[-1])}"

    groups: list[tuple[list[int], tuple[str, ...]]] = []
    extras: list[str] = []
    for day in range(7):
        if day not in spans:
            continue
        own = spans[day]
        shown = own
        if own != base and set(base) < set(own):
            extra = [s for s in own if s not in base]
            extras.append(
                t._("{day} also {hours}").format(day=t.weekday(day), hours=", ".join(extra))
            )
            shown = base
        if groups and groups[-1][1] == shown and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], shown))
    parts = [f"{label(days)} {', '.join(s)}" for days, s in groups]
    return ", ".join(parts + extras)
