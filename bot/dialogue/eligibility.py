"""Which offers a person can use, and in which order.

`eligible` drops offers a person cannot use (age, residence status, gender, city);
`rank_by_place` puts nearer offers first; `age_split` finds the case where the best offers differ
by age (JMD for 12–27, MBE from 27) so the engine asks one short question instead of guessing.
What a person said about themselves is read by `bot.dialogue.slots`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from bot.dialogue.state import Profile
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Offer, Scope


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
