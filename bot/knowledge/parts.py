"""The directory's reference data as small versioned items, and back.

Topics, places, intents, exemplars and the advisers' settings are stored item by item (one topic
with its names and lexicon, one city with its districts, one intent's phrase list…), so a revision
that adds one phrase stores one topic, not the whole 300 KB lexicon. `split` turns a `Knowledge`
into items; `assemble` builds the file-shaped raw data (`RawDirectory` parts) from items.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.knowledge.model import Knowledge

ItemKey = tuple[str, str]  # (kind, key)
Item = tuple[int, dict[str, Any]]  # (position, data)

INTENT_SECTIONS = ("handoff", "emergency", "greeting", "thanks", "help")
EXEMPLAR_SECTIONS = ("emergency", "ordinary")


def item_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def split(knowledge: Knowledge) -> dict[ItemKey, Item]:
    data = knowledge.to_dict()
    items: dict[ItemKey, Item] = {}
    position = 0
    for fi, field_ in enumerate(data["fields"]):
        topics = field_.pop("topics")
        field_["topics"] = [t["id"] for t in topics]
        items[("field", field_["id"])] = (fi, field_)
        for topic in topics:
            items[("topic", topic["id"])] = (position, topic)
            position += 1
    for ci, city in enumerate(data["cities"]):
        items[("city", city["id"])] = (ci, city)
    for si, section in enumerate(INTENT_SECTIONS):
        if section in data["intents"]:
            items[("intent", section)] = (si, {"value": data["intents"][section]})
    items[("handoff", "office_hours")] = (0, {"value": data["office_hours"]})
    for ti, template in enumerate(data["templates"]):
        items[("template", template["id"])] = (ti, template)
    exemplars = data["exemplars"]
    for si, section in enumerate(EXEMPLAR_SECTIONS):
        if exemplars.get(section):
            items[("exemplar", section)] = (si, {"value": exemplars[section]})
    for oi, category in enumerate(exemplars.get("outside", [])):
        items[("outside", category["id"])] = (oi, category)
    danger = data.get("danger") or {}
    if danger.get("rules") or danger.get("concepts"):
        settings = {k: v for k, v in danger.items() if k != "concepts"}
        items[("danger", "rules")] = (0, settings)
        for li, (lang, concepts) in enumerate(danger.get("concepts", {}).items()):
            items[("danger_words", lang)] = (li, {"value": concepts})
    return items


def _ordered(items: dict[ItemKey, Item], kind: str) -> list[tuple[str, dict[str, Any]]]:
    found = [(pos, key, data) for (k, key), (pos, data) in items.items() if k == kind]
    return [(key, data) for _, key, data in sorted(found, key=lambda x: (x[0], x[1]))]


def assemble(items: dict[ItemKey, Item]) -> dict[str, Any]:
    """File-shaped raw parts: topics, regions, intents, handoff, exemplars."""
    topics = dict(_ordered(items, "topic"))
    fields = []
    for _, field_ in _ordered(items, "field"):
        entry = {k: v for k, v in field_.items() if k != "topics"}
        entry["topics"] = [topics[t] for t in field_.get("topics", []) if t in topics]
        fields.append(entry)
    intents = {key: data["value"] for key, data in _ordered(items, "intent")}
    exemplars: dict[str, Any] = {key: data["value"] for key, data in _ordered(items, "exemplar")}
    exemplars["outside"] = [data for _, data in _ordered(items, "outside")]
    danger: dict[str, Any] = dict(dict(_ordered(items, "danger")).get("rules") or {})
    words = {lang: data["value"] for lang, data in _ordered(items, "danger_words")}
    if danger or words:
        danger["concepts"] = words
    office = dict(_ordered(items, "handoff")).get("office_hours")
    handoff: dict[str, Any] = {"templates": [data for _, data in _ordered(items, "template")]}
    if office is not None:
        handoff["office_hours"] = office["value"]
    return {
        "topics": {"fields": fields},
        "regions": {"cities": [data for _, data in _ordered(items, "city")]},
        "intents": intents,
        "handoff": handoff,
        "exemplars": exemplars,
        "danger": danger,
    }


def knowledge_dict(parts: dict[str, Any], offers: list[dict[str, Any]]) -> dict[str, Any]:
    """`Knowledge.from_dict` input from assembled parts and offer data."""
    return {
        "fields": parts["topics"]["fields"],
        "cities": parts["regions"]["cities"],
        "intents": parts["intents"],
        "templates": parts["handoff"].get("templates", []),
        "office_hours": parts["handoff"].get("office_hours", "Mo-Fr 09:00-16:00"),
        "exemplars": parts["exemplars"],
        "danger": parts.get("danger") or {},
        "offers": offers,
    }
