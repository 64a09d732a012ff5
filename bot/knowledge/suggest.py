"""Suggested fixes: resolve what people type (names, aliases, any case) to ids, and turn
everyday spellings of dates and opening hours into the formats the directory stores."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from opening_hours import OpeningHours

from bot.knowledge.schema import City, District, FieldOfAction

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# German (and a few English) day spellings → OpenStreetMap's two-letter days.
_DAY_WORDS = {
    "montag": "Mo",
    "mo": "Mo",
    "dienstag": "Tu",
    "di": "Tu",
    "mittwoch": "We",
    "mi": "We",
    "donnerstag": "Th",
    "do": "Th",
    "freitag": "Fr",
    "fr": "Fr",
    "samstag": "Sa",
    "sonnabend": "Sa",
    "sa": "Sa",
    "sonntag": "Su",
    "so": "Su",
    "monday": "Mo",
    "tuesday": "Tu",
    "wednesday": "We",
    "thursday": "Th",
    "friday": "Fr",
    "saturday": "Sa",
    "sunday": "Su",
    "tu": "Tu",
    "we": "We",
    "th": "Th",
    "su": "Su",
}


def fold(text: str) -> str:
    """Case-, accent- and separator-insensitive form for comparing names."""
    text = unicodedata.normalize("NFKD", str(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss")
    return re.sub(r"[\s_\-./]+", " ", text).strip()


@dataclass(frozen=True)
class Match:
    id: str
    label: str  # the name people know it by


def _best(value: str, candidates: Sequence[tuple[str, Match]]) -> Match | None:
    wanted = fold(value)
    for key, match in candidates:
        if fold(key) == wanted:
            return match
    keys = [fold(k) for k, _ in candidates]
    close = difflib.get_close_matches(wanted, keys, n=1, cutoff=0.75)
    if close:
        return candidates[keys.index(close[0])][1]
    return None


def resolve_topic(value: str, fields: Iterable[FieldOfAction]) -> Match | None:
    """A topic id for what was typed: the id in any case, a name in any language, a typo."""
    candidates: list[tuple[str, Match]] = []
    phrases: list[tuple[str, Match]] = []
    for field_ in fields:
        for topic in field_.topics:
            match = Match(topic.id, topic.name.get("de", topic.id))
            candidates.append((topic.id, match))
            candidates += [(name, match) for name in topic.name.values()]
            phrases += [(w, match) for words in topic.lexicon.values() for w in words]
    found = _best(value, candidates)
    if found is None:  # a word people use for the topic ("Migrationsberatung")
        wanted = fold(value)
        found = next((m for phrase, m in phrases if fold(phrase) == wanted), None)
    return found


def resolve_city(value: str, cities: Iterable[City]) -> Match | None:
    candidates: list[tuple[str, Match]] = []
    for city in cities:
        match = Match(city.id, city.name.get("de", city.id))
        candidates += [(city.id, match)] + [(name, match) for name in city.names()]
    return _best(value, candidates)


def resolve_district(value: str, cities: Iterable[City], city_id: str | None) -> Match | None:
    """A district id for an id in any case, a name or an alias; districts of `city_id` first."""
    pools: list[list[District]] = []
    cities = list(cities)
    own = [c for c in cities if c.id == city_id]
    pools.append([d for c in own for d in c.districts])
    pools.append([d for c in cities if c.id != city_id for d in c.districts])
    for pool in pools:
        candidates: list[tuple[str, Match]] = []
        for district in pool:
            match = Match(district.id, district.name)
            candidates += [(district.id, match)] + [(n, match) for n in district.names()]
        found = _best(value, candidates)
        if found:
            return found
    return None


def fix_date(value: object) -> str | None:
    """ "1.12.2026", "01.12.26" or "2026/12/01" as 2026-12-01; None when it is no date."""
    text = str(value).strip()
    for pattern, order in (
        (r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{2,4})", "dmy"),
        (r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", "ymd"),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", "dmy"),
    ):
        m = re.fullmatch(pattern, text)
        if not m:
            continue
        a, b, c = (int(g) for g in m.groups())
        day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
        if year < 100:
            year += 2000
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    return None


def _valid_hours(text: str) -> bool:
    try:
        OpeningHours(text)
    except Exception:
        return False
    return True


def fix_hours(value: str) -> str | None:
    """German-style hours ("Mo-Fr 9-16 Uhr", "Di + Do 14.00 bis 18.00") in OSM syntax."""
    text = str(value).strip()
    text = re.sub(r"(?i)\buhr\b", "", text)
    text = re.sub(r"(?i)\s*(bis|–|—)\s*", "-", text)
    text = re.sub(r"\s*\+\s*|\s+und\s+|\s*&\s*", ",", text, flags=re.IGNORECASE)
    text = re.sub(
        r"(?i)\b([a-zäöü]{2,10})\b\.?",
        lambda m: _DAY_WORDS.get(m.group(1).lower(), m.group(0)),
        text,
    )

    def clock(m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        return f"{hour:02d}:{minute:02d}"

    text = re.sub(r"(?<![\d:])(\d{1,2})(?:[:.](\d{2}))?(?![\d:])", clock, text)
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"\s*,\s*", ",", text)
    text = re.sub(r"\s*;\s*", "; ", text)
    text = re.sub(r"(?<=[A-Za-z])\s*:\s*(?=\d)", " ", text)  # "Mo-Fr: 09:00" → "Mo-Fr 09:00"
    text = " ".join(text.split())
    if text != value and _valid_hours(text):
        return text
    return None


def _days_of(selector: str) -> list[int] | None:
    """The weekdays of a simple selector ("Mo-Fr", "Tu,Th", "Sa"), else None."""
    days: list[int] = []
    for part in selector.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in DAYS or last not in DAYS:
                return None
            a, b = DAYS.index(first), DAYS.index(last)
            days += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
        elif part in DAYS:
            days.append(DAYS.index(part))
        else:
            return None
    return days


def _selector(days: list[int]) -> str:
    return ",".join(DAYS[d] for d in days)


@dataclass(frozen=True)
class Override:
    later: str  # the later rule
    days: list[int]  # the days it silently takes over
    suggestion: str  # the expression that adds instead of replacing


def hours_overrides(expression: str) -> list[Override]:
    """Rules (`;`-separated) that replace the hours of an earlier rule for some days: in OSM
    syntax `Mo-Fr 09:00-16:00; We 13:00-17:00` means Wednesday 13–17 only, which is rarely
    what was meant."""
    rules = [r.strip() for r in expression.split(";") if r.strip()]
    parsed: list[tuple[str, list[int] | None, str]] = []
    for rule in rules:
        selector, _, times = rule.partition(" ")
        parsed.append((rule, _days_of(selector), times.strip()))
    found: list[Override] = []
    for i, (rule, days, times) in enumerate(parsed):
        if not days or not times or "off" in times or "closed" in times:
            continue
        for _earlier, earlier_days, earlier_times in parsed[:i]:
            if not earlier_days or not earlier_times or "off" in earlier_times:
                continue
            overlap = [d for d in days if d in earlier_days]
            if not overlap:
                continue
            if earlier_times == times:
                continue
            fixed = [other for j, (other, _d, _t) in enumerate(parsed) if j != i]
            merged = f"{_selector(overlap)} {earlier_times},{times}"
            rest = [d for d in days if d not in overlap]
            if rest:
                merged += f"; {_selector(rest)} {times}"
            fixed.insert(i, merged)
            found.append(Override(rule, overlap, "; ".join(fixed)))
            break
    return found
