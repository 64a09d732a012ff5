"""What a person told about themselves, and which offers they can use.

`read_profile` picks age, city, district, residence status and gender out of a message, in all our
languages (only what is said explicitly; nothing is guessed). `eligible` drops offers a person
cannot use; `rank_by_place` puts nearer offers first; `age_split` finds the case where the best
offers differ by age (JMD for 12–27, MBE from 27) so the engine asks one short question instead of
guessing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from bot.dialogue.state import Profile
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Offer, Scope
from bot.matching.normalize import normalize

_AGE_WORDS = (
    r"jahre?|jahrig\w*|jahrige\w*|alt|years?|yrs?|yo|old|aged|ans|an|tuoi|yas\w*|sal\w*|"
    r"років|рокiв|роки|рік|лет|года|год|годиков|عمري|عمرى|سنه|سنوات|سنین|ساله|سالمه|سالم|"
    r"سال|کلن|کلنی|کاله|ዓመት|ዓመተይ|ዕድመይ|umr|omr|3omri"
)
_AGE_BEFORE = re.compile(rf"(?<!\d)(\d{{1,2}})\s*(?:{_AGE_WORDS})\b")
_AGE_AFTER = re.compile(
    rf"\b(?:ich bin|bin|i am|im|i m|je suis|j ai|мне|мені|عمري|عمرى|عمر|ben|ez|toi|tôi|"
    rf"{_AGE_WORDS})\s+(\d{{1,2}})(?!\d)"
)
_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "tolerated": (
        "duldung",
        "geduldet",
        "дульдунг",
        "дульдунґ",
        "دولدونغ",
        "دولدونگ",
        "دولدونج",
        "ዱልዱንግ",
        "tolerated",
    ),
    "asylum_seeker": (
        "asylbewerber",
        "asylantrag",
        "aufenthaltsgestattung",
        "asylum seeker",
        "demandeur d asile",
        "طالب لجوء",
        "پناهجو",
        "پناهنده",
        "шукач притулку",
        "лучший",
        "iltica",
        "sığınmacı",
        "siginmaci",
        "penaber",
    ),
    "temporary_protection": (
        "24 aufenthg",
        "paragraph 24",
        "§24",
        "24 aufenthaltsgesetz",
        "тимчасовий захист",
        "временная защита",
        "временный защит",
    ),
    "recognised_refugee": (
        "anerkannt",
        "flüchtlingsanerkennung",
        "recognised refugee",
        "recognized refugee",
        "مقيم معترف",
        "اعتراف لاجئ",
    ),
    "eu_citizen": ("eu bürger", "eu burger", "eu citizen", "eu-bürger", "citoyen européen"),
}
_WOMAN_WORDS = (
    "ich bin eine frau",
    "als frau",
    "i am a woman",
    "as a woman",
    "im a woman",
    "انا امرأة",
    "انا امراه",
    "من زن هستم",
    "به عنوان زن",
    "я жінка",
    "я женщина",
    "kadınım",
    "kadinim",
    "ez jin im",
    "je suis une femme",
    "tôi là phụ nữ",
)


def _contains_phrase(haystack: str, phrase: str) -> bool:
    needle = normalize(phrase)
    return bool(needle) and f" {needle} " in f" {haystack} "


def read_profile(text: str, knowledge: Knowledge, previous: Profile | None = None) -> Profile:
    """The profile after this message: what it says explicitly overrides what was known."""
    profile = Profile(**(previous.known() if previous else {}))
    plain = normalize(text)
    if not plain:
        return profile
    # Arabic-script prepositions and conjunctions are written onto the next word ("بماغدبورغ"):
    # the words without them are matched too.
    glued = [w[1:] for w in plain.split() if len(w) >= 5 and w[0] in "بلوف"]
    if glued:
        plain = f"{plain} {' '.join(glued)}"
    for pattern in (_AGE_BEFORE, _AGE_AFTER):
        match = pattern.search(plain)
        if match and 5 <= int(match.group(1)) <= 99:
            profile.age = int(match.group(1))
            break
    for city in knowledge.cities:
        names = [city.id, *city.names()]
        if any(_contains_phrase(plain, n) for n in names):
            profile.city = city.id
            if profile.district and knowledge.districts.get(profile.district, (None,))[0] != city:
                profile.district = None
    district = find_district(plain, knowledge, prefer_city=profile.city)
    if district is not None:
        profile.district = district
        profile.city = knowledge.districts[district][0].id
    for status, words in _STATUS_WORDS.items():
        if any(_contains_phrase(plain, w) for w in words):
            profile.status = status
            break
    if any(_contains_phrase(plain, w) for w in _WOMAN_WORDS):
        profile.gender = "women"
    return profile


def find_district(plain: str, knowledge: Knowledge, prefer_city: str | None = None) -> str | None:
    """A district named in the (normalised) text; ambiguous names resolve to `prefer_city`."""
    found: list[tuple[int, str]] = []
    for district_id, (city, district) in knowledge.districts.items():
        for name in district.names():
            if len(normalize(name)) >= 4 and _contains_phrase(plain, name):
                found.append((0 if city.id == prefer_city else 1, district_id))
    return min(found)[1] if found else None


def eligible(offer: Offer, profile: Profile) -> bool:
    group = offer.target_group
    if profile.age is not None:
        if group.age_min is not None and profile.age < group.age_min:
            return False
        if group.age_max is not None and profile.age > group.age_max:
            return False
    elif (profile.age_group == "young" and group.age_min is not None and group.age_min >= 27) or (
        profile.age_group == "adult" and group.age_max is not None and group.age_max < 27
    ):
        return False
    if (
        profile.status
        and group.residence_status
        and profile.status not in {s.value for s in group.residence_status}
    ):
        return False
    if profile.gender == "men" and group.gender == "women":
        return False
    return not (profile.city and offer.scope is not Scope.NATIONWIDE and offer.city != profile.city)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def reference_point(
    profile: Profile, knowledge: Knowledge, location: tuple[float, float] | None = None
) -> tuple[float, float] | None:
    if location is not None:
        return location
    if profile.district and profile.district in knowledge.districts:
        return knowledge.districts[profile.district][1].center
    if profile.city and profile.city in knowledge.city_by_id:
        return knowledge.city_by_id[profile.city].center
    return None


def rank_by_place(
    offers: Iterable[Offer], point: tuple[float, float] | None
) -> list[tuple[Offer, float | None]]:
    """Offers with their distance from `point`; local ones by distance, then city-wide and
    nationwide ones, keeping the incoming order among equals."""
    ranked: list[tuple[tuple[int, float, int], Offer, float | None]] = []
    for position, offer in enumerate(offers):
        if point is not None and offer.coordinates is not None:
            km = distance_km(point, offer.coordinates)
            ranked.append(((0, km, position), offer, km))
        else:
            group = 1 if offer.scope is not Scope.NATIONWIDE else 2
            ranked.append(((group, 0.0, position), offer, None))
    ranked.sort(key=lambda item: item[0])
    return [(offer, km) for _, offer, km in ranked]


def age_split(offers: list[Offer]) -> bool:
    """True when the offers include one for young people only and one for adults only."""
    young = any(o.target_group.age_max is not None and o.target_group.age_max <= 27 for o in offers)
    adult = any(o.target_group.age_min is not None and o.target_group.age_min >= 25 for o in offers)
    return young and adult


def nearest_district(
    point: tuple[float, float], knowledge: Knowledge, max_km: float = 15.0
) -> str | None:
    best: tuple[float, str] | None = None
    for district_id, (_city, district) in knowledge.districts.items():
        km = distance_km(point, district.center)
        if best is None or km < best[0]:
            best = (km, district_id)
    return best[1] if best and best[0] <= max_km else None
