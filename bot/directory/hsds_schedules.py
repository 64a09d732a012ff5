"""OpenStreetMap opening hours ↔ HSDS 3.0 schedule rows (weekly RRULE parts), both ways.

Offers keep their hours in OSM `opening_hours` syntax; HSDS describes them as iCalendar-style
rows (`freq: WEEKLY`, `byday: MO,TU`, `opens_at`, `closes_at`). The weekly subset of the OSM
syntax (day lists and ranges, time spans, `off`, `24/7`) maps exactly; anything else (public
holidays, months, weeks, comments, fallback rules) cannot be expressed as a weekly row and is
carried as text, together with the whole original expression, so nothing is silently lost.

Both directions go through the same per-weekday table, so export → import → export gives the same
rows: the rows are a function of the weekly table, not of how the OSM string was written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opening_hours import OpeningHours

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FULL_DAY = (0, 24 * 60)
# The `notes` of a row that carries an expression no weekly row can hold (read back by the import).
OSM_NOTE_PREFIX = "OpenStreetMap opening_hours: "

Span = tuple[int, int]  # minutes after midnight, [open, close); close may be 1440 (24:00)
WeekTable = dict[int, tuple[Span, ...]]  # weekday 0=Monday → spans, sorted

_DAY = "|".join(DAYS)
_DAYSPEC = rf"(?:{_DAY})(?:-(?:{_DAY}))?"
_DAYS_RE = re.compile(rf"^{_DAYSPEC}(?:,{_DAYSPEC})*$")
_TIME = r"(?:[01]?\d|2[0-4]):[0-5]\d"
_SPAN_RE = re.compile(rf"^({_TIME})-({_TIME})$")


@dataclass(frozen=True)
class WeeklyHours:
    """The weekly part of an opening-hours expression, and what did not fit into it."""

    table: WeekTable
    leftover: tuple[str, ...] = ()  # rules outside the weekly subset, as written
    expression: str = ""

    @property
    def exact(self) -> bool:
        return not self.leftover


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start = DAYS.index(first)
        end = DAYS.index(last) if last else start
        span = (end - start) % 7
        days.extend((start + i) % 7 for i in range(span + 1))
    return list(dict.fromkeys(days))


def _spans(spec: str) -> tuple[Span, ...] | None:
    """Time spans of a rule; None when the text is not a plain list of spans."""
    if spec in ("off", "closed"):
        return ()
    spans = []
    for part in spec.split(","):
        match = _SPAN_RE.match(part.strip())
        if not match:
            return None
        opens, closes = _minutes(match[1]), _minutes(match[2])
        if opens >= 24 * 60 or closes > 24 * 60 or opens == closes:
            return None
        spans.append((opens, closes))
    return tuple(sorted(spans))


def _split_rules(expression: str) -> list[str]:
    """Rules separated by `;`, keeping quoted comments (which may hold `;`) in one piece."""
    rules, current, quoted = [], [], False
    for char in expression:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            rules.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    rules.append("".join(current).strip())
    return [rule for rule in rules if rule]


def parse_weekly(expression: str) -> WeeklyHours:
    """The weekly table of an OSM expression; rules outside the weekly subset go to `leftover`.

    A later rule replaces earlier ones for the days it names, as in OSM.
    """
    table: dict[int, tuple[Span, ...]] = {}
    leftover: list[str] = []
    text = expression.strip()
    if text == "24/7":
        return WeeklyHours({day: (FULL_DAY,) for day in range(7)}, (), expression)
    for rule in _split_rules(text):
        head, _, tail = rule.partition(" ")
        if _DAYS_RE.match(head):
            days, times = _days(head), tail.strip()
        else:
            days, times = list(range(7)), rule
        spans = (FULL_DAY,) if not times else _spans(times)
        if spans is None:
            leftover.append(rule)
            continue
        for day in days:
            table[day] = spans
    return WeeklyHours({d: s for d, s in sorted(table.items()) if s}, tuple(leftover), expression)


@dataclass(frozen=True)
class ScheduleRow:
    """One HSDS weekly schedule row: the same opening span on a set of weekdays."""

    days: tuple[int, ...]
    opens: int
    closes: int

    @property
    def byday(self) -> str:
        return ",".join(ICAL_DAYS[d] for d in self.days)

    @property
    def opens_at(self) -> str:
        return _clock(self.opens)

    @property
    def closes_at(self) -> str:
        # HSDS consumers read HH:MM; "24:00" is not a clock time, so a day's end is 23:59.
        return "23:59" if self.closes >= 24 * 60 else _clock(self.closes)


def rows_of(table: Mapping[int, Sequence[Span]]) -> list[ScheduleRow]:
    """Group the weekly table into rows: one row per distinct span, with every day it occurs."""
    by_span: dict[Span, list[int]] = {}
    for day in sorted(table):
        for span in table[day]:
            by_span.setdefault(span, []).append(day)
    rows = [ScheduleRow(tuple(days), span[0], span[1]) for span, days in by_span.items()]
    return sorted(rows, key=lambda r: (r.days[0], r.opens, r.closes, r.days))


def is_all_week(table: Mapping[int, Sequence[Span]]) -> bool:
    return len(table) == 7 and all(tuple(table[d]) == (FULL_DAY,) for d in range(7))


# --- import: HSDS rows → an OSM expression -------------------------------------------------

_ROW_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass
class RowProblem:
    index: int
    message: str


@dataclass
class ImportedHours:
    """The OSM expression built from HSDS rows, and the rows that could not be used."""

    expression: str | None
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # texts of rows without a weekly rule


def _row_minutes(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    match = _ROW_TIME_RE.match(value.strip())
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _osm_day_group(days: Sequence[int]) -> str:
    """Mo,We,Th,Fr → "Mo,We-Fr" (consecutive runs as ranges)."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            parts.extend(DAYS[d] for d in run)
    return ",".join(parts)


def expression_of(table: Mapping[int, Sequence[Span]]) -> str | None:
    """The canonical OSM expression of a weekly table (None when it is never open)."""
    if not table:
        return None
    if is_all_week(table):
        return "24/7"
    groups: dict[tuple[Span, ...], list[int]] = {}
    for day in sorted(table):
        groups.setdefault(tuple(sorted(table[day])), []).append(day)
    rules = []
    for spans, days in sorted(groups.items(), key=lambda item: item[1][0]):
        times = ",".join(f"{_clock(o)}-{_clock(c)}" for o, c in spans)
        rules.append(f"{_osm_day_group(days)} {times}")
    return "; ".join(rules)


def hours_from_rows(rows: Sequence[Mapping[str, object]]) -> ImportedHours:
    """Read HSDS schedule rows back into one OSM expression.

    Rows Wegweiser wrote with the original expression in `notes` give it back unchanged; plain
    weekly rows (freq WEEKLY or none, byday with plain day codes, opens_at/closes_at) are merged
    into a weekly table; every other row is reported by its index and its texts kept as notes.
    """
    result = ImportedHours(None)
    for row in rows:
        notes = row.get("notes")
        if isinstance(notes, str) and notes.startswith(OSM_NOTE_PREFIX):
            expression = notes.removeprefix(OSM_NOTE_PREFIX).strip()
            try:
                OpeningHours(expression)
            except Exception:
                break
            result.expression = expression
            return result
    table: dict[int, list[Span]] = {}
    for index, row in enumerate(rows):
        reason = _not_weekly(row)
        opens, closes = _row_minutes(row.get("opens_at")), _row_minutes(row.get("closes_at"))
        if reason is None and (opens is None or closes is None):
            reason = "opens_at/closes_at are not times (HH:MM)"
        if reason is None and opens == closes:
            reason = "opens_at equals closes_at"
        if reason is not None:
            result.problems.append(RowProblem(index, reason))
            for key in ("description", "notes"):
                text = row.get(key)
                if isinstance(text, str) and text.strip():
                    result.notes.append(text.strip())
            continue
        assert opens is not None and closes is not None
        if closes == 23 * 60 + 59:
            closes = 24 * 60
        for code in str(row["byday"]).split(","):
            table.setdefault(ICAL_DAYS.index(code.strip().upper()), []).append((opens, closes))
    merged = {day: tuple(sorted(set(spans))) for day, spans in table.items()}
    expression = expression_of(merged)
    if expression is not None:
        try:
            OpeningHours(expression)
        except Exception:
            result.problems.append(RowProblem(-1, f"the rows give no valid hours ({expression})"))
            expression = None
    result.expression = expression
    return result


def _not_weekly(row: Mapping[str, object]) -> str | None:
    """Why a row is not a plain weekly rule, or None when it is one."""
    freq = row.get("freq")
    if freq not in (None, "", "WEEKLY"):
        return f"freq {freq} is not weekly"
    for key in ("byweekno", "bymonthday", "byyearday"):
        if row.get(key) not in (None, ""):
            return f"{key} limits the rule to certain weeks or days of the year"
    interval = row.get("interval")
    if interval not in (None, "", 1, 1.0):
        return f"interval {interval} (not every week)"
    byday = row.get("byday")
    if not isinstance(byday, str) or not byday.strip():
        return "no byday (weekdays)"
    codes = [code.strip().upper() for code in byday.split(",")]
    if any(code not in ICAL_DAYS for code in codes):
        return f"byday {byday!r} is not a list of weekdays (MO…SU)"
    return None
