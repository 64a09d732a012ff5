"""The knowledge base as the running program sees it: validated, cross-checked, indexed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from bot.knowledge.schema import (
    City,
    DangerFile,
    District,
    ExemplarsFile,
    FieldOfAction,
    IntentsFile,
    Offer,
    Template,
    Topic,
)

# The topic ids of the outside contract. More may be added in topics.yaml; none may go missing.
CONTRACT_TOPICS: Final[dict[str, tuple[str, ...]]] = {
    "education_language": ("language_course", "childcare", "school", "university"),
    "work": ("job_search", "vocational_training", "recognition", "jobcenter_benefits"),
    "social_cohesion": (
        "meeting_leisure",
        "volunteering",
        "anti_discrimination",
        "neighbourhood_conflict",
        "migrant_organisations",
        "participation",
    ),
    "health": ("doctor_health_insurance", "psychosocial", "pregnancy_family_planning"),
    "housing_living": (
        "housing",
        "debt_counselling",
        "family_counselling",
        "women",
        "women_protection",
        "youth",
        "seniors",
    ),
    "administration_rights": (
        "migration_counselling",
        "residence_permit",
        "asylum_procedure",
        "family_reunification",
        "registration",
        "naturalisation",
        "interpreter",
        "legal_advice",
    ),
    "emergency": ("crisis",),
}
ALL_CONTRACT_TOPIC_IDS: Final = frozenset(t for ts in CONTRACT_TOPICS.values() for t in ts)


# When a directory text is missing in the person's language: English, then German, then any.
TEXT_FALLBACK: Final = ("en", "de")


def pick_text(values: dict[str, str] | None, language: str) -> tuple[str, str | None]:
    """A directory text in `language`, else by `TEXT_FALLBACK`; and the language it is in. The
    bot's cards, the workspace preview and the HSDS API all fall back the same way."""
    if not values:
        return "", None
    for lang in (language, *TEXT_FALLBACK):
        if values.get(lang):
            return values[lang], lang
    lang, text = next(iter(values.items()))
    return text, lang


@dataclass(frozen=True)
class Knowledge:
    """Everything the matcher and the dialogue engine need from the curated files."""

    fields: tuple[FieldOfAction, ...]
    cities: tuple[City, ...]
    intents: IntentsFile
    templates: tuple[Template, ...] = ()
    offers: dict[str, Offer] = field(default_factory=dict)
    office_hours: str = "Mo-Fr 09:00-16:00"  # when the advisers answer (OSM opening_hours)
    exemplars: ExemplarsFile = field(default_factory=ExemplarsFile)
    danger: DangerFile = field(default_factory=DangerFile)

    @cached_property
    def topics(self) -> dict[str, Topic]:
        return {t.id: t for f in self.fields for t in f.topics}

    @cached_property
    def field_of_topic(self) -> dict[str, str]:
        return {t.id: f.id for f in self.fields for t in f.topics}

    @cached_property
    def city_by_id(self) -> dict[str, City]:
        return {c.id: c for c in self.cities}

    @cached_property
    def districts(self) -> dict[str, tuple[City, District]]:
        return {d.id: (c, d) for c in self.cities for d in c.districts}

    @cached_property
    def offers_by_topic(self) -> dict[str, list[Offer]]:
        index: dict[str, list[Offer]] = {t: [] for t in self.topics}
        for offer in self.offers.values():
            for topic in offer.topics:
                index.setdefault(topic, []).append(offer)
        return index

    def template(self, template_id: str) -> Template | None:
        return next((t for t in self.templates if t.id == template_id), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dump of every field in every language (the export format)."""
        return {
            "fields": [f.model_dump(mode="json", exclude_none=True) for f in self.fields],
            "cities": [c.model_dump(mode="json", exclude_none=True) for c in self.cities],
            "intents": self.intents.model_dump(mode="json", exclude_none=True),
            "templates": [t.model_dump(mode="json", exclude_none=True) for t in self.templates],
            "office_hours": self.office_hours,
            "exemplars": self.exemplars.model_dump(mode="json", exclude_none=True),
            "danger": self.danger.model_dump(mode="json", exclude_none=True),
            "offers": [o.model_dump(mode="json", exclude_none=True) for o in self.offers.values()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Knowledge:
        """Rebuild from `to_dict` output (e.g. a database snapshot) without re-reading YAML."""
        return cls(
            fields=tuple(FieldOfAction.model_validate(f) for f in data["fields"]),
            cities=tuple(City.model_validate(c) for c in data["cities"]),
            intents=IntentsFile.model_validate(data["intents"]),
            templates=tuple(Template.model_validate(t) for t in data.get("templates", [])),
            office_hours=data.get("office_hours", "Mo-Fr 09:00-16:00"),
            exemplars=ExemplarsFile.model_validate(data.get("exemplars") or {}),
            danger=DangerFile.model_validate(data.get("danger") or {}),
            offers={o["id"]: Offer.model_validate(o) for o in data["offers"]},
        )

    @cached_property
    def content_hash(self) -> str:
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def offer_hash(offer: Offer) -> str:
    """A stable fingerprint of one offer, to tell changed offers from unchanged ones."""
    canonical = json.dumps(offer.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
