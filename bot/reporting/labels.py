"""Names for what the figures count, in the staff's language (German first, English second),
shared by the text, the dashboard, the PDF and the workbook."""

from __future__ import annotations

import datetime as dt

from bot.dialogue.cards import localized
from bot.i18n import Texts
from bot.knowledge.model import Knowledge
from bot.reporting.figures import NO_PLACE


def share_label(t: Texts, key: str) -> str:
    return {
        "answered": t._("answered with offers"),
        "clarify": t._("asked back"),
        "no_offer": t._("no fitting offer"),
        "emergency": t._("emergencies"),
        "handoff": t._("request for a person"),
    }[key]


def outcome_label(t: Texts, key: str) -> str:
    return {
        "helped": t._("reached, it helped"),
        "not_helped": t._("reached, did not help"),
        "unreached": t._("could not reach"),
    }[key]


def gap_label(t: Texts, key: str) -> str:
    return {
        "no_offer": t._("no fitting offer"),
        "unclear": t._("not understood"),
        "not_helpful": t._("“not what I need”"),
        "handoff": t._("routed to a person"),
    }.get(key, key)


def field_name(knowledge: Knowledge, field_id: str, language: str) -> str:
    for f in knowledge.fields:
        if f.id == field_id:
            return localized(f.name, language)
    return field_id


def topic_name(knowledge: Knowledge, topic_id: str, language: str) -> str:
    topic = knowledge.topics.get(topic_id)
    return localized(topic.name, language) if topic else topic_id


def offer_name(knowledge: Knowledge, offer_id: str, language: str) -> str:
    offer = knowledge.offers.get(offer_id)
    return localized(offer.name, language) if offer else offer_id


def city_name(knowledge: Knowledge, city_id: str, t: Texts) -> str:
    if city_id == NO_PLACE:
        return t._("no place given")
    city = knowledge.city_by_id.get(city_id)
    return localized(city.name, t.language) if city else city_id


def district_name(knowledge: Knowledge, key: tuple[str, str], t: Texts) -> str:
    city_id, district_id = key
    found = knowledge.districts.get(district_id)
    name = found[1].name if found else district_id
    return f"{name} ({city_name(knowledge, city_id, t)})"


def language_label(t: Texts, code: str) -> str:
    return f"{t.language_name(code)} ({code})"


def duration(seconds: float | None, t: Texts) -> str:
    if seconds is None:
        return "–"
    minutes = int(seconds // 60)
    if minutes < 60:
        return t._("{n} min", n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return t._("{h} h {m} min", h=hours, m=f"{minutes:02d}")
    return t._("{d} d {h} h", d=hours // 24, h=hours % 24)


def day(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def week_label(monday: dt.date, t: Texts) -> str:
    year, week, _ = monday.isocalendar()
    return t._("wk {week}/{year}", week=f"{week:02d}", year=year)
