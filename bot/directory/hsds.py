"""The directory as Open Referral HSDS 3.0 objects: pure mapping, no web and no database.

An offer becomes a *service* with its *organization* (the provider; an offer without provider is
its own organization), a *location* and *service_at_location* when it has an address, *schedules*
from its OSM opening hours, *languages*, *phones*, *cost_options*, *service_areas* and
*attributes* that link it to two taxonomies:

* "Wegweiser: Themen nach Handlungsfeldern": one term per field of action and per topic (a topic's
  parent is its field of action);
* "Wegweiser: Merkmale": what HSDS has no field for (our offer id, sample entries, scope, city and
  district, emergency kinds, women only, residence status), so another Wegweiser can import the
  data without loss.

Identifiers, fixed texts and the taxonomies are in `hsds_vocabulary`. Texts are in one language
per catalogue, chosen as the bot chooses them: the language asked for, else German, else the first
one available.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bot.core.languages import DEFAULT_LANGUAGE
from bot.directory.hsds_schedules import (
    OSM_NOTE_PREFIX,
    WeeklyHours,
    is_all_week,
    parse_weekly,
    rows_of,
)
from bot.directory.hsds_vocabulary import (
    ALL_WEEK_TEXT,
    APPOINTMENT_TEXT,
    COST_TEXT,
    COUNTRY,
    FLAG_TERMS,
    FLAGS_TAXONOMY,
    GERMANY_URI,
    NATIONWIDE_TEXT,
    SAMPLE_TEXT,
    STATE_OF_CITY,
    TAXONOMY_TEXT,
    TOPICS_TAXONOMY,
    UPDATED_BY,
    de_en,
    eligibility_sentences,
    hsds_id,
    iso_time,
    parse_address,
    pick,
    picked_language,
    plain,
    taxonomy_id,
    term_id,
)
from bot.directory.snapshot import DirectorySnapshot
from bot.i18n import texts
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Cost, Offer, Scope

# --- the mapping ---------------------------------------------------------------------------


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    """Drop absent values (HSDS fields are optional; `null` is not a valid string)."""
    return {k: v for k, v in mapping.items() if v is not None}


SERVICE_SCALARS: Final = (
    "id",
    "organization_id",
    "name",
    "description",
    "url",
    "email",
    "status",
    "application_process",
    "fees_description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "alert",
    "last_modified",
)
ORGANIZATION_SCALARS: Final = ("id", "name", "description", "email", "website")
LOCATION_SCALARS: Final = ("id", "location_type", "name", "latitude", "longitude")


def scalars(obj: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: obj[k] for k in keys if k in obj}


@dataclass
class ServiceEntry:
    """One published offer with its HSDS objects (in the catalogue's language)."""

    offer: Offer
    service: dict[str, Any]  # fully nested, without `organization` (added by the views)
    organization_id: str
    modified: dt.datetime
    term_ids: frozenset[str]
    taxonomy_ids: frozenset[str]
    search_text: str
    location: dict[str, Any] | None = None
    service_at_location: dict[str, Any] | None = None


@dataclass
class OrganizationEntry:
    organization: dict[str, Any]
    service_ids: list[str] = field(default_factory=list)


class HsdsCatalogue:
    """The published directory in one language: services, organizations, locations,
    services at locations, taxonomies and terms, with their lookups.

    Built from a snapshot: retired offers are left out, and sample offers too unless
    `include_samples` (then each is marked by an `alert` and the "sample" attribute).
    """

    def __init__(
        self, snapshot: DirectorySnapshot, lang: str = DEFAULT_LANGUAGE, *, include_samples: bool
    ) -> None:
        self.snapshot = snapshot
        self.knowledge: Knowledge = snapshot.knowledge
        self.lang = lang
        self.t = texts(lang)
        self.include_samples = include_samples
        self.taxonomies = self._taxonomies()
        self.terms = self._terms()
        self.term_by_id = {term["id"]: term for term in self.terms}
        self.taxonomy_by_id = {tax["id"]: tax for tax in self.taxonomies}
        self.organizations: dict[str, OrganizationEntry] = {}
        self.services: list[ServiceEntry] = []
        for offer in sorted(snapshot.knowledge.offers.values(), key=lambda o: o.id):
            if offer.id in snapshot.retired or (offer.sample and not include_samples):
                continue
            self.services.append(self._entry(offer))
        self.service_by_id = {e.service["id"]: e for e in self.services}
        self.sal_by_id = {
            e.service_at_location["id"]: e for e in self.services if e.service_at_location
        }

    # --- texts ---

    def text(self, values: Mapping[str, str] | None) -> str | None:
        return pick(values, self.lang)

    def _fixed(self, values: Mapping[str, str]) -> str:
        return de_en(values, self.lang)

    # --- taxonomies and terms ---

    def _taxonomies(self) -> list[dict[str, Any]]:
        return [
            {
                "id": taxonomy_id(name),
                "name": self._fixed(title),
                "description": self._fixed(description),
            }
            for name, (title, description) in TAXONOMY_TEXT.items()
        ]

    def _terms(self) -> list[dict[str, Any]]:
        terms: list[dict[str, Any]] = []
        topics_id = taxonomy_id(TOPICS_TAXONOMY)
        for fld in self.knowledge.fields:
            field_name = self.text(fld.name) or fld.id
            field_term = term_id(TOPICS_TAXONOMY, fld.id)
            terms.append(
                {
                    "id": field_term,
                    "code": fld.id,
                    "name": field_name,
                    "description": field_name,
                    "taxonomy": "Wegweiser",
                    "language": picked_language(fld.name, self.lang),
                    "taxonomy_id": topics_id,
                }
            )
            for topic in fld.topics:
                name = self.text(topic.name) or topic.id
                terms.append(
                    {
                        "id": term_id(TOPICS_TAXONOMY, topic.id),
                        "code": topic.id,
                        "name": name,
                        "description": f"{field_name} › {name}",
                        "parent_id": field_term,
                        "taxonomy": "Wegweiser",
                        "language": picked_language(topic.name, self.lang),
                        "taxonomy_id": topics_id,
                    }
                )
        flags_id = taxonomy_id(FLAGS_TAXONOMY)
        flag_lang = self.lang if self.lang in ("de", "en") else "de"
        for flag in FLAG_TERMS.values():
            terms.append(
                {
                    "id": term_id(FLAGS_TAXONOMY, flag.code),
                    "code": flag.code,
                    "name": self._fixed(flag.name),
                    "description": self._fixed(flag.description),
                    "taxonomy": "Wegweiser",
                    "language": flag_lang,
                    "taxonomy_id": flags_id,
                }
            )
        return terms

    def term_with_taxonomy(self, term: Mapping[str, Any]) -> dict[str, Any]:
        return {**term, "taxonomy_detail": self.taxonomy_by_id[term["taxonomy_id"]]}

    def term_children(self, parent: str) -> list[str]:
        return [t["id"] for t in self.terms if t.get("parent_id") == parent]

    # --- one offer ---

    def _organization(self, offer: Offer) -> dict[str, Any]:
        if offer.provider:
            key = " ".join(offer.provider.split()).casefold()
            org_id = hsds_id("organization", key)
            org = {"id": org_id, "name": offer.provider, "description": offer.provider}
        else:
            # No provider named (e.g. a women's shelter): the offer stands for itself.
            org_id = hsds_id("organization", "offer", offer.id)
            org = _compact(
                {
                    "id": org_id,
                    "name": self.text(offer.name),
                    "description": self.text(offer.description),
                    "email": offer.email,
                    "website": offer.website_str,
                }
            )
        return org

    def _attribute(
        self, offer: Offer, service_id: str, taxonomy: str, code: str, value: str | None = None
    ) -> dict[str, Any]:
        term = self.term_by_id[term_id(taxonomy, code)]
        link_type = FLAG_TERMS[code].link_type if taxonomy == FLAGS_TAXONOMY else "topic"
        return _compact(
            {
                "id": hsds_id("attribute", offer.id, taxonomy, code, value or ""),
                "link_id": service_id,
                "taxonomy_term_id": term["id"],
                "link_type": link_type,
                "link_entity": "service",
                "value": value,
                "taxonomy_term": self.term_with_taxonomy(term),
            }
        )

    def _attributes(self, offer: Offer, service_id: str) -> list[dict[str, Any]]:
        out = [self._attribute(offer, service_id, TOPICS_TAXONOMY, t) for t in offer.topics]
        flag = self._attribute
        out.append(flag(offer, service_id, FLAGS_TAXONOMY, "offer_id", offer.id))
        if offer.sample:
            out.append(flag(offer, service_id, FLAGS_TAXONOMY, "sample"))
        out.append(flag(offer, service_id, FLAGS_TAXONOMY, "scope", offer.scope.value))
        if offer.city:
            out.append(flag(offer, service_id, FLAGS_TAXONOMY, "city", offer.city))
        if offer.district:
            out.append(flag(offer, service_id, FLAGS_TAXONOMY, "district", offer.district))
        if offer.emergency:
            kinds = [k.value for k in offer.emergency_kinds] or [None]
            out.extend(flag(offer, service_id, FLAGS_TAXONOMY, "emergency", k) for k in kinds)
        if offer.target_group.gender == "women":
            out.append(flag(offer, service_id, FLAGS_TAXONOMY, "women_only"))
        for status in offer.target_group.residence_status:
            out.append(flag(offer, service_id, FLAGS_TAXONOMY, "residence_status", status.value))
        return out

    def _eligibility(self, offer: Offer) -> str | None:
        group = offer.target_group
        parts = eligibility_sentences(
            self.lang,
            age_min=group.age_min,
            age_max=group.age_max,
            women=group.gender == "women",
            statuses=group.residence_status,
        )
        note = self.text(group.note)
        if note:
            parts.append(note)
        return " ".join(parts) or None

    def _schedules(self, offer: Offer, service_id: str) -> list[dict[str, Any]]:
        if not offer.opening_hours:
            return []
        hours: WeeklyHours = parse_weekly(offer.opening_hours)
        rows: list[dict[str, Any]] = []
        all_week = is_all_week(hours.table)
        for row in rows_of(hours.table):
            rows.append(
                {
                    "id": hsds_id("schedule", offer.id, row.byday, row.opens_at, row.closes_at),
                    "service_id": service_id,
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": row.byday,
                    "opens_at": row.opens_at,
                    "closes_at": row.closes_at,
                    "description": plain(self.t, ALL_WEEK_TEXT)
                    if all_week
                    else self._row_text(row.days, row.opens_at, row.closes_at),
                }
            )
        if hours.leftover:
            rows.append(
                {
                    "id": hsds_id("schedule", offer.id, "leftover"),
                    "service_id": service_id,
                    "description": "; ".join(hours.leftover),
                    "notes": OSM_NOTE_PREFIX + offer.opening_hours,
                }
            )
        return rows

    def _row_text(self, days: tuple[int, ...], opens: str, closes: str) -> str:
        """ "Mo–Do 09:00–16:00" in the catalogue's language (Babel day names)."""
        runs: list[list[int]] = []
        for day in days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        labels = [
            self.t.weekday(r[0])
            if len(r) == 1
            else f"{self.t.weekday(r[0])}–{self.t.weekday(r[-1])}"
            for r in runs
        ]
        return f"{', '.join(labels)} {opens}–{closes}"

    def _location(self, offer: Offer) -> dict[str, Any] | None:
        if not offer.address and offer.coordinates is None:
            return None
        location_id = hsds_id("location", offer.id)
        city = self.knowledge.city_by_id.get(offer.city or "")
        city_name = (pick(city.name, "de") if city else None) or ""
        location: dict[str, Any] = {
            "id": location_id,
            "location_type": "physical",
            "name": self.text(offer.name),
        }
        if offer.coordinates is not None:
            location["latitude"], location["longitude"] = offer.coordinates
        if offer.address:
            parsed = parse_address(offer.address, city_name)
            district = self.knowledge.districts.get(offer.district or "")
            location["addresses"] = [
                _compact(
                    {
                        "id": hsds_id("address", offer.id),
                        "location_id": location_id,
                        "address_1": parsed.address_1,
                        "address_2": parsed.address_2,
                        "city": parsed.city,
                        "region": district[1].name if district else None,
                        "state_province": STATE_OF_CITY.get(offer.city or "", ""),
                        "postal_code": parsed.postal_code,
                        "country": COUNTRY,
                        "address_type": "physical",
                    }
                )
            ]
        return location

    def _service_areas(self, offer: Offer, service_id: str) -> list[dict[str, Any]]:
        if offer.scope is Scope.NATIONWIDE:
            name = self.t.locale.territories.get(COUNTRY, "Deutschland")
            return [
                {
                    "id": hsds_id("service_area", offer.id),
                    "service_id": service_id,
                    "name": name,
                    "description": plain(self.t, NATIONWIDE_TEXT),
                    "uri": GERMANY_URI,
                }
            ]
        city = self.knowledge.city_by_id.get(offer.city or "")
        if city is None:
            return []
        return [
            {
                "id": hsds_id("service_area", offer.id),
                "service_id": service_id,
                "name": self.text(city.name),
            }
        ]

    def _entry(self, offer: Offer) -> ServiceEntry:
        service_id = hsds_id("service", offer.id)
        organization = self._organization(offer)
        org_entry = self.organizations.setdefault(
            organization["id"], OrganizationEntry(organization)
        )
        org_entry.service_ids.append(service_id)
        modified = self.snapshot.modified.get(offer.id) or dt.datetime.combine(
            offer.last_reviewed, dt.time(), tzinfo=dt.UTC
        )
        t = self.t
        fees = plain(t, COST_TEXT[offer.cost])
        if offer.cost_note:
            fees = f"{fees}: {self.text(offer.cost_note)}"
        service: dict[str, Any] = _compact(
            {
                "id": service_id,
                "organization_id": organization["id"],
                "name": self.text(offer.name),
                "description": self.text(offer.description),
                "url": offer.website_str,
                "email": offer.email,
                "status": "active",
                "application_process": plain(t, APPOINTMENT_TEXT[offer.appointment]),
                "fees_description": fees,
                "eligibility_description": self._eligibility(offer),
                "minimum_age": offer.target_group.age_min,
                "maximum_age": offer.target_group.age_max,
                "assured_date": offer.last_reviewed.isoformat(),
                "alert": plain(t, SAMPLE_TEXT) if offer.sample else None,
                "last_modified": iso_time(modified),
            }
        )
        if offer.phone:
            service["phones"] = [
                {
                    "id": hsds_id("phone", offer.id),
                    "service_id": service_id,
                    "number": offer.phone,
                    "type": "voice",
                }
            ]
        schedules = self._schedules(offer, service_id)
        if schedules:
            service["schedules"] = schedules
        areas = self._service_areas(offer, service_id)
        if areas:
            service["service_areas"] = areas
        location = self._location(offer)
        sal: dict[str, Any] | None = None
        if location is not None:
            sal = {
                "id": hsds_id("service_at_location", offer.id),
                "service_id": service_id,
                "location_id": location["id"],
                "location": location,
            }
            service["service_at_locations"] = [sal]
        service["languages"] = [
            {
                "id": hsds_id("language", offer.id, code),
                "service_id": service_id,
                "name": t.language_name(code),
                "code": code,
            }
            for code in offer.languages
        ]
        if offer.cost is Cost.FREE:
            service["cost_options"] = [
                {
                    "id": hsds_id("cost_option", offer.id),
                    "service_id": service_id,
                    "option": plain(t, COST_TEXT[Cost.FREE]),
                    "currency": "EUR",
                    "amount": 0,
                }
            ]
        service["attributes"] = self._attributes(offer, service_id)
        service["metadata"] = [
            {
                "id": hsds_id("metadata", offer.id, iso_time(modified)),
                "resource_id": service_id,
                "resource_type": "service",
                "last_action_date": iso_time(modified),
                "last_action_type": "update",
                "field_name": "",
                "previous_value": "",
                "replacement_value": "",
                "updated_by": UPDATED_BY,
            }
        ]
        term_ids = {term_id(TOPICS_TAXONOMY, t_) for t_ in offer.topics}
        term_ids |= {
            term_id(TOPICS_TAXONOMY, self.knowledge.field_of_topic.get(t_, ""))
            for t_ in offer.topics
        }
        term_ids |= {a["taxonomy_term_id"] for a in service["attributes"]}
        taxonomy_ids = {
            self.term_by_id[t_]["taxonomy_id"] for t_ in term_ids if t_ in self.term_by_id
        }
        return ServiceEntry(
            offer=offer,
            service=service,
            organization_id=organization["id"],
            modified=modified,
            term_ids=frozenset(term_ids),
            taxonomy_ids=frozenset(taxonomy_ids),
            search_text=self._search_text(offer),
            location=location,
            service_at_location=sal,
        )

    def _search_text(self, offer: Offer) -> str:
        words: list[str] = [offer.id, offer.provider or ""]
        for values in (offer.name, offer.description, offer.summary or {}):
            words.extend(values.values())
        for keyword_list in offer.keywords.values():
            words.extend(keyword_list)
        for topic in offer.topics:
            if topic in self.knowledge.topics:
                words.extend(self.knowledge.topics[topic].name.values())
        city = self.knowledge.city_by_id.get(offer.city or "")
        if city:
            words.extend(city.names())
        if offer.address:
            words.append(offer.address)
        return "\n".join(words).casefold()

    # --- views ---

    def organization_flat(self, org_id: str) -> dict[str, Any]:
        return scalars(self.organizations[org_id].organization, ORGANIZATION_SCALARS)

    def service_flat(self, entry: ServiceEntry) -> dict[str, Any]:
        flat = scalars(entry.service, SERVICE_SCALARS)
        flat["organization"] = self.organization_flat(entry.organization_id)
        return flat

    def service_minimal(self, entry: ServiceEntry) -> dict[str, Any]:
        return scalars(entry.service, ("id", "name", "status", "last_modified"))

    def service_full(self, entry: ServiceEntry) -> dict[str, Any]:
        full = dict(entry.service)
        full["organization"] = self.organization_flat(entry.organization_id)
        return full

    def organization_full(self, org_id: str, *, full_service: bool) -> dict[str, Any]:
        entry = self.organizations[org_id]
        org = dict(entry.organization)
        services = [self.service_by_id[s] for s in entry.service_ids if s in self.service_by_id]
        locations = [e.location for e in services if e.location]
        if locations:
            org["locations"] = locations
        org["services"] = [
            {k: v for k, v in e.service.items() if k != "organization"}
            if full_service
            else scalars(e.service, SERVICE_SCALARS)
            for e in services
        ]
        return org

    def sal_flat(self, entry: ServiceEntry) -> dict[str, Any]:
        assert entry.service_at_location is not None and entry.location is not None
        sal = scalars(entry.service_at_location, ("id", "service_id", "location_id"))
        sal["location"] = scalars(entry.location, LOCATION_SCALARS)
        sal["service"] = scalars(entry.service, SERVICE_SCALARS)
        return sal

    def sal_full(self, entry: ServiceEntry) -> dict[str, Any]:
        assert entry.service_at_location is not None
        sal = dict(entry.service_at_location)
        service = {k: v for k, v in entry.service.items() if k != "service_at_locations"}
        service["organization"] = self.organization_flat(entry.organization_id)
        sal["service"] = service
        return sal

    def taxonomy_term_full(self, term: Mapping[str, Any]) -> dict[str, Any]:
        return self.term_with_taxonomy(term)

    # --- queries ---

    def matching_services(
        self,
        *,
        search: str | None = None,
        taxonomy_term_id: str | None = None,
        taxonomy_id: str | None = None,
        organization_id: str | None = None,
        modified_after: dt.datetime | None = None,
        postcode: str | None = None,
        proximity_m: float | None = None,
    ) -> list[ServiceEntry]:
        """Services that pass every filter given. A field-of-action term matches the services of
        its topics; unknown ids match nothing. `postcode` alone keeps the services at an address
        with that postal code; with `proximity_m`, those within that many metres of the centre
        of the postal code's known locations."""
        words = search.casefold().split() if search else []
        centre = None
        if postcode is not None and proximity_m is not None:
            centre = self._postcode_centre(postcode)
            if centre is None:
                return []
        result = []
        for entry in self.services:
            if words and not all(w in entry.search_text for w in words):
                continue
            if taxonomy_term_id is not None and taxonomy_term_id not in entry.term_ids:
                continue
            if taxonomy_id is not None and taxonomy_id not in entry.taxonomy_ids:
                continue
            if organization_id is not None and entry.organization_id != organization_id:
                continue
            if modified_after is not None and entry.modified < modified_after:
                continue
            if centre is not None:
                assert proximity_m is not None
                if (
                    not entry.offer.coordinates
                    or distance_m(entry.offer.coordinates, centre) > proximity_m
                ):
                    continue
            elif postcode is not None and not _has_postcode(entry, postcode):
                continue
            result.append(entry)
        return result

    def _postcode_centre(self, postcode: str) -> tuple[float, float] | None:
        points = [
            e.offer.coordinates
            for e in self.services
            if e.offer.coordinates is not None and _has_postcode(e, postcode)
        ]
        if not points:
            return None
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

    def matching_terms(
        self,
        *,
        search: str | None = None,
        taxonomy_id: str | None = None,
        parent_id: str | None = None,
        top_only: bool = False,
    ) -> list[dict[str, Any]]:
        words = search.casefold().split() if search else []
        result = []
        for term in self.terms:
            text = f"{term['code']}\n{term['name']}\n{term['description']}".casefold()
            if words and not all(w in text for w in words):
                continue
            if taxonomy_id is not None and term["taxonomy_id"] != taxonomy_id:
                continue
            if parent_id is not None and term.get("parent_id") != parent_id:
                continue
            if top_only and "parent_id" in term:
                continue
            result.append(term)
        return result

    def matching_organizations(self, *, search: str | None = None) -> list[str]:
        words = search.casefold().split() if search else []
        return [
            org_id
            for org_id, entry in sorted(
                self.organizations.items(), key=lambda item: item[1].organization["name"]
            )
            if all(w in entry.organization["name"].casefold() for w in words)
        ]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _has_postcode(entry: ServiceEntry, postcode: str) -> bool:
    addresses = (entry.location or {}).get("addresses", [])
    return any(a.get("postal_code") == postcode.strip() for a in addresses)
