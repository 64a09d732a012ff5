"""The words of Wegweiser's HSDS 3.0 publication: identifiers, fixed texts, the two taxonomies.

Shared by the mapping (`hsds`), the import (`hsds_import`, which reads them back) and the tests.
Identifiers are UUIDv5 over one fixed namespace and our own ids: they never change while the
offer id does not, so a consumer can follow changes.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from bot.i18n import RLM, Texts
from bot.knowledge.model import pick_text
from bot.knowledge.schema import Appointment, Cost, ResidenceStatus

HSDS_VERSION: Final = "3.0"
HSDS_PROFILE: Final = "https://github.com/openreferral/specification/tree/3.0"
# Never change: every published identifier is derived from it.
NAMESPACE: Final = uuid.UUID("9b7f4c1e-2d6a-5e8b-a4f0-3c1d7e5b9a26")
COUNTRY: Final = "DE"
GERMANY_URI: Final = "https://www.wikidata.org/wiki/Q183"
UPDATED_BY: Final = "Wegweiser"

# The Land of each city, for `address.state_province` (required by HSDS; regions.yaml has no Land).
STATE_OF_CITY: Final[dict[str, str]] = {
    "magdeburg": "Sachsen-Anhalt",
    "dessau-rosslau": "Sachsen-Anhalt",
    "dresden": "Sachsen",
}


def hsds_id(kind: str, *parts: str) -> str:
    """The stable UUID of an HSDS object: uuid5(NAMESPACE, "kind/part/part")."""
    return str(uuid.uuid5(NAMESPACE, "/".join((kind, *parts))))


def pick(values: Mapping[str, str] | None, lang: str) -> str | None:
    """A text in `lang`, falling back as the bot does (`pick_text`: English, then German)."""
    return pick_text(dict(values), lang)[0] if values else None


def picked_language(values: Mapping[str, str] | None, lang: str) -> str:
    """The language `pick` takes its text from."""
    if not values:
        return lang
    return pick_text(dict(values), lang)[1] or lang


def plain(t: Texts, message: str, **values: object) -> str:
    """A catalog text without the right-to-left marks meant for Telegram lines."""
    return t._(message, **values).replace(RLM, "")


def iso_time(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as HSDS asks for `last_modified`."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- fixed texts (German and English; other languages fall back to German) ------------------

APPOINTMENT_TEXT: Final = {
    Appointment.REQUIRED: "Appointment needed",
    Appointment.RECOMMENDED: "Appointment recommended",
    Appointment.NOT_NEEDED: "No appointment needed",
}
COST_TEXT: Final = {
    Cost.FREE: "Free of charge",
    Cost.REDUCED: "Reduced fee",
    Cost.FEE: "Fee",
}
SAMPLE_TEXT: Final = "Sample entry: not a real contact."
NATIONWIDE_TEXT: Final = "Nationwide, by phone or online"
ALL_WEEK_TEXT: Final = "Open 24 hours, every day"

ELIGIBILITY_TEXT: Final[dict[str, dict[str, str]]] = {
    "women": {"de": "Nur für Frauen.", "en": "For women only."},
    "age_min": {"de": "Ab {min} Jahren.", "en": "Aged {min} and over."},
    "age_max": {"de": "Bis {max} Jahre.", "en": "Aged up to {max}."},
    "age_range": {"de": "Von {min} bis {max} Jahren.", "en": "Aged {min} to {max}."},
    "status": {"de": "Für: {statuses}.", "en": "For: {statuses}."},
}
STATUS_TEXT: Final[dict[ResidenceStatus, dict[str, str]]] = {
    ResidenceStatus.ASYLUM_SEEKER: {"de": "Asylsuchende", "en": "asylum seekers"},
    ResidenceStatus.TOLERATED: {"de": "Geduldete", "en": "people with a Duldung"},
    ResidenceStatus.RECOGNISED_REFUGEE: {
        "de": "anerkannte Geflüchtete",
        "en": "recognised refugees",
    },
    ResidenceStatus.TEMPORARY_PROTECTION: {
        "de": "Menschen mit vorübergehendem Schutz",
        "en": "people with temporary protection",
    },
    ResidenceStatus.EU_CITIZEN: {"de": "Unionsbürgerinnen und -bürger", "en": "EU citizens"},
    ResidenceStatus.THIRD_COUNTRY_NATIONAL: {
        "de": "Drittstaatsangehörige",
        "en": "third-country nationals",
    },
    ResidenceStatus.GERMAN_CITIZEN: {"de": "deutsche Staatsangehörige", "en": "German citizens"},
}


def de_en(values: Mapping[str, str], lang: str) -> str:
    """A fixed text written in German and English, for `lang` as the bot falls back."""
    return pick_text(dict(values), lang)[0]


def eligibility_sentences(
    lang: str,
    *,
    age_min: int | None,
    age_max: int | None,
    women: bool,
    statuses: Iterable[ResidenceStatus],
) -> list[str]:
    """The generated part of `eligibility_description` (the import strips it again)."""
    sentences = []
    if women:
        sentences.append(de_en(ELIGIBILITY_TEXT["women"], lang))
    if age_min is not None and age_max is not None:
        sentences.append(
            de_en(ELIGIBILITY_TEXT["age_range"], lang).format(min=age_min, max=age_max)
        )
    elif age_min is not None:
        sentences.append(de_en(ELIGIBILITY_TEXT["age_min"], lang).format(min=age_min))
    elif age_max is not None:
        sentences.append(de_en(ELIGIBILITY_TEXT["age_max"], lang).format(max=age_max))
    names = [de_en(STATUS_TEXT[s], lang) for s in statuses]
    if names:
        sentences.append(de_en(ELIGIBILITY_TEXT["status"], lang).format(statuses=", ".join(names)))
    return sentences


# --- taxonomies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagTerm:
    """A term of the "Merkmale" taxonomy: what HSDS has no field for."""

    code: str
    link_type: str
    name: dict[str, str]
    description: dict[str, str]


TOPICS_TAXONOMY: Final = "topics"
FLAGS_TAXONOMY: Final = "flags"
TAXONOMY_TEXT: Final = {
    TOPICS_TAXONOMY: (
        {
            "de": "Wegweiser: Themen nach Handlungsfeldern",
            "en": "Wegweiser: topics by field of action",
        },
        {
            "de": "Die Themen des Wegweiser-Verzeichnisses, gruppiert nach den Handlungsfeldern "
            "kommunaler Integrationskonzepte; ein Thema hat sein Handlungsfeld als Oberbegriff.",
            "en": "The topics of the Wegweiser directory, grouped by the fields of action of "
            "municipal integration concepts; a topic's parent is its field of action.",
        },
    ),
    FLAGS_TAXONOMY: (
        {"de": "Wegweiser: Merkmale der Einträge", "en": "Wegweiser: properties of entries"},
        {
            "de": "Angaben ohne eigenes HSDS-Feld (Angebots-ID, Beispieleinträge, Reichweite, "
            "Stadt und Stadtteil, Notfallarten, Zielgruppe); der Wert steht im Attribut.",
            "en": "Facts HSDS has no field for (offer id, sample entries, reach, city and "
            "district, emergency kinds, target group); the value is in the attribute.",
        },
    ),
}
FLAG_TERMS: Final[dict[str, FlagTerm]] = {
    term.code: term
    for term in (
        FlagTerm(
            "offer_id",
            "identifier",
            {"de": "Wegweiser-Angebots-ID", "en": "Wegweiser offer id"},
            {"de": "Die ID des Angebots im Wegweiser.", "en": "The offer's id in Wegweiser."},
        ),
        FlagTerm(
            "sample",
            "record_status",
            {"de": "Beispieleintrag", "en": "Sample entry"},
            {
                "de": "Illustrative Angaben, keine echten Kontaktdaten.",
                "en": "Illustrative details, not a real contact.",
            },
        ),
        FlagTerm(
            "scope",
            "service_area",
            {"de": "Reichweite", "en": "Reach"},
            {
                "de": "local (Anlaufstelle), city (ganze Stadt) oder nationwide (bundesweit).",
                "en": "local (a place to go), city (the whole city) or nationwide.",
            },
        ),
        FlagTerm(
            "city",
            "service_area",
            {"de": "Stadt", "en": "City"},
            {"de": "Die Stadt (ID in regions.yaml).", "en": "The city (id in regions.yaml)."},
        ),
        FlagTerm(
            "district",
            "service_area",
            {"de": "Stadtteil", "en": "District"},
            {
                "de": "Der Stadtteil (ID in regions.yaml).",
                "en": "The district (id in regions.yaml).",
            },
        ),
        FlagTerm(
            "emergency",
            "emergency",
            {"de": "Notfall- und Krisenangebot", "en": "Emergency or crisis service"},
            {
                "de": "Wird bei Gefahr zuerst genannt; der Wert nennt die Art der Gefahr.",
                "en": "Shown first in danger; the value names the kind of danger.",
            },
        ),
        FlagTerm(
            "women_only",
            "eligibility",
            {"de": "Nur für Frauen", "en": "For women only"},
            {"de": "Das Angebot richtet sich nur an Frauen.", "en": "The offer is for women only."},
        ),
        FlagTerm(
            "residence_status",
            "eligibility",
            {"de": "Aufenthaltsstatus", "en": "Residence status"},
            {
                "de": "Für Menschen mit diesem Aufenthaltsstatus (Wert).",
                "en": "For people with this residence status (value).",
            },
        ),
    )
}


def taxonomy_id(name: str) -> str:
    return hsds_id("taxonomy", name)


def term_id(taxonomy: str, code: str) -> str:
    return hsds_id("taxonomy_term", taxonomy, code)


# --- addresses -----------------------------------------------------------------------------

_POSTAL = re.compile(r"^(?P<postal>\d{5})\s+(?P<city>.+)$")


@dataclass(frozen=True)
class ParsedAddress:
    address_1: str
    address_2: str | None
    postal_code: str
    city: str


def parse_address(address: str, fallback_city: str) -> ParsedAddress:
    """ "Musterstraße 1, 2. OG, 39104 Magdeburg" → street, extra line, postal code, city."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) >= 2 and (match := _POSTAL.match(parts[-1])):
        extra = ", ".join(parts[1:-1]) or None
        return ParsedAddress(parts[0], extra, match["postal"], match["city"])
    return ParsedAddress(address.strip(), None, "", fallback_city)
