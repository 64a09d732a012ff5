"""Offer cards in the person's language: name, why it fits, description, address with a map
link, opening hours (Babel weekday and time names) with "open now", contact, languages spoken,
appointment, cost. German is the fallback for texts not translated yet."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, State

from bot.dialogue.messages import CardLine, OfferCard
from bot.i18n import Texts, _
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Appointment, Cost, Offer, Scope

BERLIN = ZoneInfo("Europe/Berlin")

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
    if not values:
        return ""
    return values.get(language) or values.get("de") or next(iter(values.values()))


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


def build_card(
    offer: Offer,
    knowledge: Knowledge,
    t: Texts,
    *,
    topic: str | None,
    now: dt.datetime,
    distance_km: float | None = None,
) -> OfferCard:
    lang = t.language
    why = ""
    if topic and topic in knowledge.topics:
        why = localized(knowledge.topics[topic].name, lang)
    lines: list[CardLine] = []
    if offer.scope is Scope.NATIONWIDE:
        lines.append(CardLine(t._("Where"), t._("Nationwide, by phone or online")))
    elif offer.address:
        place = offer.address
        if distance_km is not None:
            away = t._("{km} km away", km=f"{distance_km:.1f}")
            place = f"{place} ({away})"
        lines.append(CardLine(t._("Address"), place, map_link(offer)))
    elif offer.city:
        city = knowledge.city_by_id.get(offer.city)
        lines.append(CardLine(t._("Where"), localized(city.name, lang) if city else offer.city))
    if offer.opening_hours:
        schedule, status = opening_lines(offer.opening_hours, t, now)
        lines.append(CardLine(t._("Opening hours"), schedule))
        if status:
            lines.append(CardLine(t._("Now"), status))
    if offer.phone:
        digits = "".join(ch for ch in offer.phone if ch.isdigit() or ch == "+")
        lines.append(CardLine(t._("Phone"), offer.phone, f"tel:{digits}"))
    if offer.email:
        lines.append(CardLine(t._("E-mail"), offer.email, f"mailto:{offer.email}"))
    if offer.website:
        lines.append(CardLine(t._("Website"), offer.website_str or "", offer.website_str))
    if offer.languages:
        names = [t.language_name(code) for code in offer.languages]
        lines.append(CardLine(t._("Languages"), t.join(names)))
    lines.append(CardLine(t._("Appointment"), t._(APPOINTMENT[offer.appointment])))
    cost = t._(COST[offer.cost])
    if offer.cost_note:
        cost = f"{cost} ({localized(offer.cost_note, lang)})"
    lines.append(CardLine(t._("Cost"), cost))
    note = t._("Sample entry: not a real contact.") if offer.sample else None
    return OfferCard(
        offer_id=offer.id,
        title=localized(offer.name, lang),
        why=why,
        description=localized(offer.description, lang),
        lines=tuple(lines),
        note=note,
    )
