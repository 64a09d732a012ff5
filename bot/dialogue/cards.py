"""Offer cards in the person's language.

* A **compact** card (an answer shows up to three in one message, so it fits a phone): the name,
  what the offer does in one line, where (with the district, and the distance only after a shared
  location), when with "open now", and one way to reach it.
* A **full** card (the "details" button, advisers' `/offer`): also why it fits, the description,
  a map link, every contact, languages spoken, appointment and cost.

Texts fall back to English, then German, when a translation is missing, and the card says so in
one short line. Weekdays, times and distances are formatted for the person's locale (Babel).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, State

from bot.dialogue.messages import CardLine, OfferCard
from bot.i18n import Texts, _
from bot.knowledge.model import Knowledge, pick_text
from bot.knowledge.schema import Appointment, Cost, Offer, Scope

BERLIN = ZoneInfo("Europe/Berlin")
SUMMARY_LENGTH = 90

APPOINTMENT = {
    Appointment.REQUIRED: _("Appointment needed"),
    Appointment.RECOMMENDED: _("Appointment recommended"),
    Appointment.NOT_NEEDED: _("No appointment needed"),
}
COST = {
    Cost.FREE: _("Free of charge"),
    Cost.REDUCED: _("Reduced fee"),
    Cost.FEE: _("Fee"),
}


def localized(values: dict[str, str] | None, language: str) -> str:
    return localized_with_source(values, language)[0]


def localized_with_source(values: dict[str, str] | None, language: str) -> tuple[str, str | None]:
    """The text in `language`, else English, else German, else any; and the language used."""
    return pick_text(values, language)


def map_link(offer: Offer) -> str | None:
    if offer.coordinates is None:
        return None
    lat, lon = offer.coordinates
    query = urlencode({"mlat": f"{lat:.5f}", "mlon": f"{lon:.5f}"})
    return f"https://www.openstreetmap.org/?{query}#map=17/{lat:.5f}/{lon:.5f}"


def opening_lines(expression: str, t: Texts, now: dt.datetime) -> tuple[str, str | None]:
    """(weekly schedule, open-now status) in the person's language."""
    try:
        hours = OpeningHours(expression)
    except Exception:  # validated at import; a bad value must still not break a reply
        return expression, None
    local_now = now.astimezone(BERLIN).replace(tzinfo=None)
    if expression.strip() == "24/7":
        return t._("Open 24 hours, every day"), t._("Open now")
    monday = (local_now - dt.timedelta(days=local_now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    by_day: dict[int, list[str]] = defaultdict(list)
    for start, end, state, _comment in hours.intervals(monday, monday + dt.timedelta(days=7)):
        if state != State.OPEN:
            continue
        end_time = (
            (end - dt.timedelta(minutes=1)).time() if end.time() == dt.time(0) else end.time()
        )
        by_day[start.weekday()].append(f"{t.time(start.time())}–{t.time(end_time)}")
    groups: list[tuple[list[int], str]] = []
    for day in range(7):
        if day not in by_day:
            continue
        spans = ", ".join(by_day[day])
        if groups and groups[-1][1] == spans and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    parts = []
    for days, spans in groups:
        label = (
            t.weekday(days[0]) if len(days) == 1 else f"{t.weekday(days[0])}–{t.weekday(days[-1])}"
        )
        parts.append(f"{label} {spans}")
    schedule = "; ".join(parts) or t._("By appointment")
    try:
        is_open = hours.is_open(local_now)
        change = hours.next_change(local_now)
    except Exception:
        return schedule, None
    if is_open:
        status = t._("Open now")
        if change is not None:
            status = t._("Open now, until {time}", time=t.time(change.time()))
    else:
        status = t._("Closed now")
        if change is not None:
            status = t._(
                "Closed now, opens {day} {time}",
                day=t.weekday(change.weekday()),
                time=t.time(change.time()),
            )
    return schedule, status


def summary_of(offer: Offer, language: str) -> tuple[str, str | None]:
    """What the offer does in one line: its summary, else the description's first sentence."""
    if offer.summary:
        return localized_with_source(offer.summary, language)
    text, used = localized_with_source(offer.description, language)
    first = text.split(". ", 1)[0].rstrip(".")
    if len(first) > SUMMARY_LENGTH:
        first = first[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return first, used


def _fallback_note(t: Texts, used: set[str | None]) -> str | None:
    others = sorted(lang for lang in used if lang and lang != t.language)
    if not others:
        return None
    return t._(
        "Some details are only available in {languages}.",
        languages=t.join([t.language_name(lang) for lang in others]),
    )


def _place_line(
    offer: Offer, knowledge: Knowledge, t: Texts, distance_km: float | None, *, compact: bool
) -> CardLine | None:
    if offer.scope is Scope.NATIONWIDE:
        return CardLine(
            t._("Where"), t._("Nationwide, by phone or online"), icon="📍" if compact else None
        )
    if offer.address:
        place = offer.address
        if compact and offer.district and offer.district in knowledge.districts:
            district = knowledge.districts[offer.district][1].name
            if district.lower() not in place.lower():
                place = f"{place} ({district})"
        if distance_km is not None:
            away = t._("{km} km away", km=t.decimal(distance_km, "#,##0.0"))
            place = f"{place} · {away}"
        return CardLine(t._("Address"), place, map_link(offer), icon="📍" if compact else None)
    if offer.city:
        city = knowledge.city_by_id.get(offer.city)
        name = localized(city.name, t.language) if city else offer.city
        return CardLine(t._("Where"), name, icon="📍" if compact else None)
    return None


def _contact_lines(offer: Offer, t: Texts, *, compact: bool) -> list[CardLine]:
    lines = []
    if offer.phone:
        digits = "".join(ch for ch in offer.phone if ch.isdigit() or ch == "+")
        lines.append(
            CardLine(t._("Phone"), offer.phone, f"tel:{digits}", icon="☎" if compact else None)
        )
    if offer.email:
        lines.append(
            CardLine(
                t._("E-mail"), offer.email, f"mailto:{offer.email}", icon="✉" if compact else None
            )
        )
    if offer.website:
        lines.append(
            CardLine(
                t._("Website"),
                offer.website_str or "",
                offer.website_str,
                icon="🌐" if compact else None,
            )
        )
    return lines[:1] if compact else lines


def build_card(
    offer: Offer,
    knowledge: Knowledge,
    t: Texts,
    *,
    topic: str | None,
    now: dt.datetime,
    distance_km: float | None = None,
    compact: bool = False,
    number: int | None = None,
) -> OfferCard:
    lang = t.language
    title, title_lang = localized_with_source(offer.name, lang)
    used: set[str | None] = {title_lang}
    lines: list[CardLine] = []
    place = _place_line(offer, knowledge, t, distance_km, compact=compact)
    if place is not None:
        lines.append(place)
    if offer.opening_hours:
        schedule, status = opening_lines(offer.opening_hours, t, now)
        if compact:
            lines.append(
                CardLine(
                    t._("Opening hours"), " · ".join(filter(None, [schedule, status])), icon="🕒"
                )
            )
        else:
            lines.append(CardLine(t._("Opening hours"), schedule))
            if status:
                lines.append(CardLine(t._("Now"), status))
    lines += _contact_lines(offer, t, compact=compact)
    cost = t._(COST[offer.cost])
    if offer.cost_note:
        note_text, note_lang = localized_with_source(offer.cost_note, lang)
        used.add(note_lang)
        if not compact:
            cost = f"{cost} ({note_text})"
    if compact:
        lines.append(
            CardLine(
                t._("Appointment"), f"{t._(APPOINTMENT[offer.appointment])} · {cost}", icon="ℹ"
            )
        )
        description, description_lang = summary_of(offer, lang)
        used.add(description_lang)
        why = ""
    else:
        if offer.languages:
            names = [t.language_name(code) for code in offer.languages]
            lines.append(CardLine(t._("Languages"), t.join(names)))
        lines.append(CardLine(t._("Appointment"), t._(APPOINTMENT[offer.appointment])))
        lines.append(CardLine(t._("Cost"), cost))
        if offer.target_group.note:
            group, group_lang = localized_with_source(offer.target_group.note, lang)
            used.add(group_lang)
            lines.append(CardLine(t._("For whom"), group))
        description, description_lang = localized_with_source(offer.description, lang)
        used.add(description_lang)
        why = ""
        if topic and topic in knowledge.topics:
            why = localized(knowledge.topics[topic].name, lang)
    notes = [_fallback_note(t, used)]
    if offer.sample:
        notes.append(t._("Sample entry: not a real contact."))
    return OfferCard(
        offer_id=offer.id,
        title=title,
        why=why,
        description=description,
        lines=tuple(lines),
        note="\n".join(n for n in notes if n) or None,
        number=number,
    )
