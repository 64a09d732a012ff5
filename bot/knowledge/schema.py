"""Pydantic models of the knowledge files: what a valid topic, region, offer and intent is.

Checks that need only one file live here; checks across files (topic ids, districts, duplicate
ids) live in `bot.knowledge.loader`.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from opening_hours import OpeningHours
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.core.languages import LANGUAGES

# Languages an offer may list for counselling: ours plus any ISO 639-1/-3 code (Somali, Dari…).
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
# German phone numbers as printed: +49 391 123456, 0391/123-45, (0391) 12345, 116 117, 110.
PHONE = re.compile(r"^\+?[0-9][0-9 /()\-]{1,28}[0-9]$")


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a field name must not silently drop data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_languages(value: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise PydanticCustomError(
            "unknown_language",
            "unknown language code(s) {languages}",
            {"languages": ", ".join(unknown)},
        )
    for lang, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise PydanticCustomError(
                "empty_text", "empty text for language {language}", {"language": lang}
            )
    return {lang: text.strip() for lang, text in value.items()}


Localized = Annotated[dict[str, str], AfterValidator(_check_languages)]


def _require(languages: tuple[str, ...]):
    def check(value: dict[str, str]) -> dict[str, str]:
        missing = [lang for lang in languages if lang not in value]
        if missing:
            raise PydanticCustomError(
                "missing_language",
                "missing language(s) {languages}",
                {"languages": ", ".join(missing)},
            )
        return value

    return AfterValidator(check)


AllLanguages = Annotated[Localized, _require(LANGUAGES)]
GermanRequired = Annotated[Localized, _require(("de",))]
GermanAndEnglish = Annotated[Localized, _require(("de", "en"))]


def _check_lexicon(value: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise PydanticCustomError(
            "unknown_language",
            "unknown language code(s) {languages}",
            {"languages": ", ".join(unknown)},
        )
    cleaned: dict[str, list[str]] = {}
    for lang, words in value.items():
        entries = [str(w).strip() for w in words or [] if str(w).strip()]
        cleaned[lang] = list(dict.fromkeys(entries))
    return cleaned


Lexicon = Annotated[dict[str, list[str]], AfterValidator(_check_lexicon)]


def _plain_list_is_german(value: object) -> object:
    """Aliases may be written as a plain list (read as German spellings) or per language."""
    return {"de": value} if isinstance(value, list) else value


# Other spellings of a place per language: any script, transliterations, short forms.
Aliases = Annotated[Lexicon, BeforeValidator(_plain_list_is_german)]
LatLon = tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]]


# --- topics.yaml ---------------------------------------------------------------------------


class Topic(Strict):
    id: Annotated[str, Field(pattern=TOPIC_ID.pattern)]
    name: AllLanguages
    lexicon: Lexicon = Field(default_factory=dict)


class FieldOfAction(Strict):
    id: Annotated[str, Field(pattern=TOPIC_ID.pattern)]
    name: AllLanguages
    topics: list[Topic] = Field(min_length=1)


class TopicsFile(Strict):
    fields: list[FieldOfAction] = Field(min_length=1)


# --- regions.yaml --------------------------------------------------------------------------


class District(Strict):
    id: Annotated[str, Field(pattern=SLUG.pattern)]
    name: str
    center: LatLon
    aliases: Aliases = Field(default_factory=dict)

    def names(self) -> list[str]:
        """The official name and every alias, in every language."""
        return [self.name, *(a for words in self.aliases.values() for a in words)]


class City(Strict):
    id: Annotated[str, Field(pattern=SLUG.pattern)]
    name: GermanRequired
    center: LatLon
    bbox: tuple[float, float, float, float]
    aliases: Aliases = Field(default_factory=dict)
    districts: list[District] = Field(default_factory=list)

    def names(self) -> list[str]:
        """The city's names in every language and every alias."""
        return list(
            dict.fromkeys(
                [*self.name.values(), *(a for words in self.aliases.values() for a in words)]
            )
        )

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, value: tuple[float, float, float, float]) -> tuple[float, ...]:
        south, west, north, east = value
        if not (south < north and west < east):
            raise PydanticCustomError(
                "bad_bbox", "bbox must be [south, west, north, east] with south<north, west<east"
            )
        return value

    def contains(self, point: tuple[float, float]) -> bool:
        south, west, north, east = self.bbox
        return south <= point[0] <= north and west <= point[1] <= east


class RegionsFile(Strict):
    cities: list[City] = Field(min_length=1)


# --- intents.yaml --------------------------------------------------------------------------


class EmergencyKind(StrEnum):
    """Kinds of acute danger; each gets the numbers and helplines that fit it."""

    MEDICAL = "medical"  # unconscious, not breathing, heavy bleeding, heart attack → 112
    POISONING = "poisoning"  # overdose, swallowed pills or cleaner → 112 and the Giftnotruf
    FIRE = "fire"  # fire, smoke, gas → 112
    VIOLENCE = "violence"  # attack, weapon, threat to kill, kidnapping → 110
    DOMESTIC_VIOLENCE = "domestic_violence"  # violence by a partner or family → 110, 116 016
    SELF_HARM = "self_harm"  # suicidal thoughts, self-harm → 112 and the Telefonseelsorge
    CHILD_DANGER = "child_danger"  # a child is hurt, abused or missing → 110/112


class IntentsFile(Strict):
    handoff: Lexicon
    emergency: dict[EmergencyKind, Lexicon]
    greeting: Lexicon = Field(default_factory=dict)
    thanks: Lexicon = Field(default_factory=dict)
    help: Lexicon = Field(default_factory=dict)  # "help" alone: show what the bot can do


# --- exemplars.yaml ------------------------------------------------------------------------


class OutsideCategory(Strict):
    """A kind of need outside the directory's remit (pets, taxes, buying a car, jokes…): its
    words (matched like a topic's lexicon) and whole example messages (semantic layer)."""

    id: Annotated[str, Field(pattern=TOPIC_ID.pattern)]
    name: GermanAndEnglish
    lexicon: Lexicon = Field(default_factory=dict)
    examples: Lexicon = Field(default_factory=dict)


class ExemplarsFile(Strict):
    """Whole example messages for the semantic safety layers (not topic vocabulary).

    * `emergency`: acute danger in words that the phrase lists of intents.yaml may miss;
    * `ordinary`: questions that sound alarming but are not emergencies (hard negatives);
    * `outside`: needs the directory does not cover, answered honestly with "no offer".
    """

    emergency: dict[EmergencyKind, Lexicon] = Field(default_factory=dict)
    ordinary: Lexicon = Field(default_factory=dict)
    outside: list[OutsideCategory] = Field(default_factory=list)


# --- danger.yaml ---------------------------------------------------------------------------

CONCEPT_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class DangerFile(Strict):
    """Danger recognised from concepts that occur together, not from fixed phrases.

    People describe an emergency in endless ways ("mein Sohn ist seit 3 Stunden weg", "ibni
    dayi3", "con tôi mất tích"); a phrase list needs every wording, while two concepts in one
    sentence (a child + missing) generalise. Each language lists the words of each concept
    (`concepts`); a `rule` names the concepts that must all occur within `window` words, and a
    concept of `guards` ("Kurs", "Ausbildung", "letztes Jahr") silences every rule: learning or
    telling about danger is not danger now.

    A term is one or more words, matched after normalisation (lowercase, no Latin accents,
    Arabic letter variants unified): `stem*` matches every word starting with the stem, `*word`
    also with up to two letters glued on in front (Arabic-script prefixes), a plain word exactly
    or with one typo when it has eight letters or more.
    """

    window: int = Field(default=12, ge=2, le=40)
    guards: list[str] = Field(default_factory=list)
    # concepts that silence one kind's phrases too: "my son hits other kids at school" holds a
    # child-danger phrase, but other children make it a school matter
    quiet: dict[EmergencyKind, list[str]] = Field(default_factory=dict)
    rules: dict[EmergencyKind, list[list[str]]] = Field(default_factory=dict)
    concepts: dict[str, dict[str, list[str]]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> DangerFile:
        unknown = sorted(set(self.concepts) - set(LANGUAGES))
        if unknown:
            raise PydanticCustomError(
                "unknown_language",
                "unknown language code(s) {languages}",
                {"languages": ", ".join(unknown)},
            )
        defined = {c for by_concept in self.concepts.values() for c in by_concept}
        bad = sorted(c for c in defined if not CONCEPT_ID.match(c))
        used = {c.removeprefix("!") for rules in self.rules.values() for r in rules for c in r}
        used |= set(self.guards) | {c for concepts in self.quiet.values() for c in concepts}
        missing = sorted(used - defined) if self.concepts else []
        if bad or missing:
            raise PydanticCustomError(
                "unknown_concept",
                "concept(s) used but never defined, or badly named: {concepts}",
                {"concepts": ", ".join(bad + missing)},
            )
        if any(
            not [c for c in rule if not c.startswith("!")]
            for r in self.rules.values()
            for rule in r
        ):
            raise PydanticCustomError("empty_rule", "a rule needs at least one concept", {})
        return self


# --- templates.yaml ------------------------------------------------------------------------


class Template(Strict):
    id: Annotated[str, Field(pattern=SLUG.pattern)]
    title: GermanRequired
    text: GermanAndEnglish


# --- offers/*.yaml -------------------------------------------------------------------------


class ResidenceStatus(StrEnum):
    ASYLUM_SEEKER = "asylum_seeker"
    TOLERATED = "tolerated"
    RECOGNISED_REFUGEE = "recognised_refugee"
    TEMPORARY_PROTECTION = "temporary_protection"
    EU_CITIZEN = "eu_citizen"
    THIRD_COUNTRY_NATIONAL = "third_country_national"
    GERMAN_CITIZEN = "german_citizen"


class Appointment(StrEnum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"
    NOT_NEEDED = "not_needed"


class Cost(StrEnum):
    FREE = "free"
    REDUCED = "reduced"
    FEE = "fee"


class Scope(StrEnum):
    LOCAL = "local"
    CITY = "city"
    NATIONWIDE = "nationwide"


class TargetGroup(Strict):
    age_min: Annotated[int, Field(ge=0, le=120)] | None = None
    age_max: Annotated[int, Field(ge=0, le=120)] | None = None
    residence_status: list[ResidenceStatus] = Field(default_factory=list)
    gender: Literal["women"] | None = None
    note: Localized | None = None

    @model_validator(mode="after")
    def _age_order(self) -> TargetGroup:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise PydanticCustomError("age_order", "age_min is greater than age_max")
        return self


def _check_opening_hours(value: str) -> str:
    try:
        OpeningHours(value)
    except Exception as exc:  # the parser raises its own ParserError with a caret diagram
        first = str(exc).strip().splitlines()
        detail = first[-1].strip(" =") if first else "cannot parse"
        raise PydanticCustomError(
            "bad_opening_hours",
            "not OpenStreetMap opening_hours syntax: {value} ({detail})",
            {"value": value, "detail": detail},
        ) from None
    return value


def _check_email(value: str) -> str:
    if not EMAIL.match(value):
        raise PydanticCustomError("bad_email", "not an e-mail address: {value}", {"value": value})
    return value


def _check_phone(value: str) -> str:
    if not PHONE.match(value) or sum(c.isdigit() for c in value) < 3:
        raise PydanticCustomError("bad_phone", "not a phone number: {value}", {"value": value})
    return value


class Offer(Strict):
    id: Annotated[str, Field(pattern=SLUG.pattern)]
    sample: bool = False
    name: GermanRequired
    provider: str | None = None
    topics: list[Annotated[str, Field(pattern=TOPIC_ID.pattern)]] = Field(min_length=1)
    summary: Localized | None = None  # what the offer does, in one short line (cards)
    description: GermanAndEnglish
    target_group: TargetGroup = Field(default_factory=TargetGroup)
    languages: list[Annotated[str, Field(pattern=LANGUAGE_CODE.pattern)]] = Field(
        default_factory=lambda: ["de"]
    )
    scope: Scope = Scope.LOCAL
    city: str | None = None
    district: str | None = None
    address: str | None = None
    coordinates: LatLon | None = None
    opening_hours: Annotated[str, AfterValidator(_check_opening_hours)] | None = None
    phone: Annotated[str, AfterValidator(_check_phone)] | None = None
    email: Annotated[str, AfterValidator(_check_email)] | None = None
    website: HttpUrl | None = None
    appointment: Appointment = Appointment.RECOMMENDED
    cost: Cost = Cost.FREE
    cost_note: Localized | None = None
    keywords: Lexicon = Field(default_factory=dict)
    emergency: bool = False
    emergency_kinds: list[EmergencyKind] = Field(default_factory=list)  # which dangers it serves
    last_reviewed: dt.date
    source: Annotated[str, Field(min_length=1)]

    @field_validator("last_reviewed")
    @classmethod
    def _not_in_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise PydanticCustomError(
                "date_in_future",
                "last_reviewed {value} is in the future",
                {"value": value.isoformat()},
            )
        return value

    @model_validator(mode="after")
    def _place_fits_scope(self) -> Offer:
        if self.scope is Scope.NATIONWIDE:
            if self.city or self.district:
                raise PydanticCustomError(
                    "nationwide_with_place", "a nationwide offer has no city or district"
                )
        elif not self.city:
            raise PydanticCustomError(
                "city_required", "city is required for scope {scope}", {"scope": self.scope.value}
            )
        if self.scope is Scope.LOCAL and (not self.address or self.coordinates is None):
            raise PydanticCustomError(
                "local_needs_address",
                "a local offer needs address and coordinates (or use scope: city)",
            )
        if not (self.phone or self.email or self.website or self.address):
            raise PydanticCustomError("no_contact", "an offer needs at least one way to reach it")
        if self.emergency_kinds and not self.emergency:
            raise PydanticCustomError(
                "emergency_kinds_without_emergency",
                "emergency_kinds is only for offers with emergency: true",
            )
        return self

    @property
    def website_str(self) -> str | None:
        return str(self.website) if self.website else None


# --- handoff.yaml --------------------------------------------------------------------------


class HandoffFile(Strict):
    """The advisers' team: when they answer, and prepared answers they can send."""

    office_hours: Annotated[str, AfterValidator(_check_opening_hours)] = "Mo-Fr 09:00-16:00"
    templates: list[Template] = Field(default_factory=list)
