"""HSDS 3.0 services → Wegweiser offers, with a report of everything that could not be mapped.

Pure: it reads the input (`hsds_read`), a mapping file and the live knowledge (for topics, cities
and the ids of offers already imported) and returns validated `Offer` objects; applying them is
`hsds_apply`'s job.

* Our own export (the "Wegweiser: Merkmale" attributes) comes back exactly: offer ids, topics,
  scope, city, district, sample and emergency flags, target group.
* Another directory's services become offers with ids slugged from their names; an offer keeps
  its id across re-imports because its `source` names the HSDS service id. Taxonomy terms become
  topics through the mapping file (term id, code or name → topic id); terms without a mapping are
  listed. Places are matched to our cities by name; `--city` places the rest.
* A service that cannot become a valid offer is skipped with its reason; values that do not fit
  (a malformed phone number, coordinates outside the city, schedules that are not weekly) are
  dropped with a note. Broken input (not JSON, a service without id or name, wrong types) is an
  error with its place, and nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale
from pydantic import ValidationError

from bot.core.languages import LANGUAGES
from bot.directory.hsds_read import FoundService, HsdsInput, Place, Problem
from bot.directory.hsds_schedules import hours_from_rows, parse_weekly
from bot.directory.hsds_vocabulary import (
    APPOINTMENT_TEXT,
    COST_TEXT,
    FLAG_TERMS,
    FLAGS_TAXONOMY,
    GERMANY_URI,
    TOPICS_TAXONOMY,
    eligibility_sentences,
    hsds_id,
    plain,
    term_id,
)
from bot.i18n import texts
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import (
    EMAIL,
    LANGUAGE_CODE,
    PHONE,
    SLUG,
    Appointment,
    City,
    Cost,
    EmergencyKind,
    Offer,
    ResidenceStatus,
    Scope,
)
from bot.knowledge.yaml_source import YamlSyntaxError, load_yaml

SOURCE_PREFIX = "HSDS import, service "
MAX_ID_LENGTH = 80
FREE_WORDS = ("kostenlos", "kostenfrei", "gratis", "free", "no charge", "unentgeltlich")
NOT_IMPORTED = (
    "alternate_name",
    "interpretation_services",
    "accreditations",
    "alert",
    "funding",
    "program",
    "required_documents",
    "contacts",
    "wait_time",
    "licenses",
)
UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def slugify(text: str) -> str:
    """ "Migrationsberatung für Erwachsene (MBE)" → "migrationsberatung-fuer-erwachsene-mbe"."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(UMLAUTS))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:MAX_ID_LENGTH].rstrip("-")


# --- the mapping file -------------------------------------------------------------------------


@dataclass
class TermMapping:
    """Term id, code or name (case-insensitive) → topic ids, from a YAML file."""

    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)

    def lookup(self, term: Mapping[str, Any]) -> tuple[str, ...] | None:
        for key in ("id", "code", "name"):
            value = term.get(key)
            if isinstance(value, str) and value.strip().casefold() in self.topics:
                return self.topics[value.strip().casefold()]
        return None


def load_mapping(path: Path | None, knowledge: Knowledge) -> TermMapping:
    """Read `terms: {term: topic}` (or the bare mapping); every topic id must exist."""
    mapping = TermMapping()
    if path is None:
        return mapping
    try:
        document = load_yaml(path)
    except YamlSyntaxError as exc:
        mapping.errors.append(Problem(exc.problem.render(), "cannot read the mapping file"))
        return mapping
    except OSError as exc:
        mapping.errors.append(Problem(str(path), f"cannot read the mapping file ({exc.strerror})"))
        return mapping
    data = document.data
    where: tuple[str, ...] = ()
    if isinstance(data, dict) and isinstance(data.get("terms"), dict):
        data, where = data["terms"], ("terms",)
    if not isinstance(data, dict):
        mapping.errors.append(
            Problem(f"{path}:{document.line_of(())}", "expected `terms:` mapping term → topic id")
        )
        return mapping
    for key, value in data.items():
        line = document.line_of((*where, str(key)))
        topics = [value] if isinstance(value, str) else value
        if (
            not isinstance(topics, list)
            or not all(isinstance(t, str) for t in topics)
            or not topics
        ):
            mapping.errors.append(
                Problem(f"{path}:{line}", f"{key!r}: expected a topic id or a list of topic ids")
            )
            continue
        unknown = [t for t in topics if t not in knowledge.topics]
        if unknown:
            mapping.errors.append(
                Problem(f"{path}:{line}", f"{key!r}: unknown topic id(s) {', '.join(unknown)}")
            )
            continue
        mapping.topics[str(key).strip().casefold()] = tuple(topics)
    return mapping


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import would do: the offers, and every problem with its place."""

    offers: dict[str, Offer] = field(default_factory=dict)
    origin: dict[str, Place] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    unmapped_terms: dict[str, str] = field(default_factory=dict)  # term key → label
    unmapped_uses: dict[str, int] = field(default_factory=dict)
    services_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Context:
    knowledge: Knowledge
    mapping: TermMapping
    lang: str
    city: City | None
    terms: Mapping[str, Mapping[str, Any]]
    organizations: Mapping[str, Mapping[str, Any]]
    existing_by_source: Mapping[str, str]
    today: dt.date


class _ServiceError(Exception):
    """Broken input: the whole import is refused."""

    def __init__(self, place: Place, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(place, message)


class _Skip(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def plan_import(
    found: HsdsInput,
    knowledge: Knowledge,
    *,
    mapping: TermMapping | None = None,
    lang: str = "de",
    city: str | None = None,
    today: dt.date | None = None,
) -> ImportPlan:
    """Map every service read into an offer (or a reason why not)."""
    plan = ImportPlan(errors=[*found.errors])
    mapping = mapping or TermMapping()
    plan.errors += mapping.errors
    fallback = knowledge.city_by_id.get(city) if city else None
    if city and fallback is None:
        plan.errors.append(Problem("--city", f"unknown city {city!r} (see regions.yaml)"))
    if lang not in LANGUAGES:
        plan.errors.append(Problem("--lang", f"unsupported language {lang!r}"))
    if plan.errors:
        return plan
    context = _Context(
        knowledge=knowledge,
        mapping=mapping,
        lang=lang,
        city=fallback,
        terms=found.terms,
        organizations=found.organizations,
        existing_by_source={
            o.source.removeprefix(SOURCE_PREFIX): o.id
            for o in knowledge.offers.values()
            if o.source.startswith(SOURCE_PREFIX)
        },
        today=today or dt.date.today(),
    )
    services = _deduplicate(found.services)
    plan.services_read = len(services)
    candidates: list[tuple[FoundService, dict[str, Any], list[Problem]]] = []
    for service in services:
        notes: list[Problem] = []
        try:
            data = _offer_data(service, context, notes, plan)
        except _ServiceError as exc:
            plan.errors.append(exc.problem)
            continue
        except _Skip as exc:
            plan.skipped.append(Problem(_label(service), exc.message))
            continue
        candidates.append((service, data, notes))
    for service, data, notes in _assign_ids(candidates, context):
        existing = knowledge.offers.get(data["id"])
        if existing is not None:
            data = merge_into(existing, data, lang)
        _fill_required_texts(data, lang, service, notes)
        try:
            offer = Offer.model_validate(data)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'] if '[' not in str(p))}: "
                f"{e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            plan.skipped.append(Problem(_label(service), f"not a valid offer: {reasons}"))
            continue
        plan.offers[offer.id] = offer
        plan.origin[offer.id] = service.place
        plan.notes += notes
    return plan


LOCALIZED = ("name", "description", "cost_note")
NOT_CARRIED = ("keywords", "summary", "source")  # HSDS has no place for them


def merge_into(existing: Offer, data: dict[str, Any], lang: str) -> dict[str, Any]:
    """An update of an offer we have: HSDS carries one language, so the other languages'
    texts (and keywords, summary, source) stay; everything HSDS carries is taken as imported,
    its absence included (no phone in the data: no phone)."""
    old = existing.model_dump(mode="json", exclude_none=True)
    merged = dict(data)
    for key in LOCALIZED:
        if key in data:
            merged[key] = {**old.get(key, {}), **data[key]}
    old_note = old.get("target_group", {}).get("note")
    new_group = merged.get("target_group")
    if old_note and new_group and "note" in new_group:
        merged["target_group"] = {**new_group, "note": {**old_note, **new_group["note"]}}
    for key in NOT_CARRIED:
        if key in old:
            merged[key] = old[key]
    hours, before = data.get("opening_hours"), existing.opening_hours
    same_week = bool(hours and before) and _same_week(hours, before or "")
    if same_week:
        merged["opening_hours"] = before  # the same week, as staff wrote it
    return merged


def _same_week(imported: str, current: str) -> bool:
    ours = parse_weekly(current)
    return ours.exact and parse_weekly(imported).table == ours.table


def _fill_required_texts(
    data: dict[str, Any], lang: str, service: FoundService, notes: list[Problem]
) -> None:
    """German names and German and English descriptions are required: the imported text
    stands in where there is none."""
    for key, needed in (("name", ("de",)), ("description", ("de", "en"))):
        for missing in [n for n in needed if n not in data[key]]:
            data[key][missing] = data[key][lang]
            notes.append(
                Problem(service.place.at(key), f"no {missing} text: the {lang} text stands in")
            )


def _label(service: FoundService) -> str:
    name = service.data.get("name")
    return f"{service.place} ({name})" if isinstance(name, str) else str(service.place)


def _deduplicate(services: list[FoundService]) -> list[FoundService]:
    """The same service may come in several files (service, organization, service_at_location):
    keep its richest copy and add the locations the others brought."""
    by_id: dict[Any, FoundService] = {}
    order: list[Any] = []
    for service in services:
        key = service.data.get("id") or id(service)
        if key not in by_id:
            by_id[key] = service
            order.append(key)
            continue
        kept = by_id[key]
        richer, other = (service, kept) if len(service.data) > len(kept.data) else (kept, service)
        richer.extra_locations += other.extra_locations
        richer.organization = richer.organization or other.organization
        by_id[key] = richer
    return [by_id[k] for k in order]


# --- one service ------------------------------------------------------------------------------


def _text(service: FoundService, key: str, *, required: bool = False) -> str | None:
    value = service.data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _ServiceError(service.place.at(key), f"{key} is required")
        return None
    if not isinstance(value, str):
        raise _ServiceError(
            service.place.at(key), f"{key} must be a string, not {type(value).__name__}"
        )
    return value.strip()


def _list(obj: Mapping[str, Any], key: str, place: Place) -> list[tuple[dict[str, Any], Place]]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _ServiceError(place.at(key), f"{key} must be a list")
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _ServiceError(place.at(key, index), f"{key}[{index}] must be an object")
        out.append((item, place.at(key, index)))
    return out


def _offer_data(
    service: FoundService, context: _Context, notes: list[Problem], plan: ImportPlan
) -> dict[str, Any]:
    lang = context.lang
    _text(service, "id", required=True)
    name = _text(service, "name", required=True)
    assert name is not None
    _check_lists(service)
    status = service.data.get("status")
    if status not in (None, "active"):
        raise _Skip(f"status {status!r}: only active services are imported")

    def note(place: Place, message: str) -> None:
        notes.append(Problem(place, message))

    attributes = _list(service.data, "attributes", service.place)
    flags, topics = _read_attributes(attributes, context, plan, note)
    description = _text(service, "description") or name
    data: dict[str, Any] = {
        "name": {lang: name},
        "description": {lang: description},
        "topics": topics,
        "sample": "sample" in flags,
    }
    if not topics:
        raise _Skip("no topic: none of its taxonomy terms is one of ours or in the mapping file")

    _contact_data(service, context, data, note)
    _eligibility_data(service, context, data, flags, note)
    _cost_and_appointment(service, context, data, note)
    _place_data(service, context, data, flags, note)
    _schedule_data(service, data, note)
    _organization_data(service, context, data, flags)

    if "emergency" in flags:
        data["emergency"] = True
        kinds = [v for v in flags["emergency"] if v in {k.value for k in EmergencyKind}]
        data["emergency_kinds"] = list(dict.fromkeys(kinds))
    data["last_reviewed"] = _reviewed(service, context, note)
    data["source"] = SOURCE_PREFIX + str(service.data["id"])
    data["_offer_id"] = next(
        (v for v in flags.get("offer_id", []) if v and SLUG.match(v) and len(v) <= 100), None
    )
    present = [key for key in NOT_IMPORTED if service.data.get(key) not in (None, "", [], {})]
    if data["sample"] and "alert" in present:
        present.remove("alert")  # our own export marks sample entries with an alert
    if present:
        note(service.place, f"not imported (no place in Wegweiser): {', '.join(present)}")
    return data


LISTS = (
    "phones",
    "schedules",
    "service_areas",
    "service_at_locations",
    "languages",
    "cost_options",
    "attributes",
)


def _check_lists(service: FoundService) -> None:
    """Lists of objects where HSDS has them (else the input is broken: an error, not a skip)."""
    for key in LISTS:
        _list(service.data, key, service.place)
    for location, place in _locations(service):
        for key in ("addresses", "phones", "schedules"):
            _list(location, key, place)


def _read_attributes(
    attributes: list[tuple[dict[str, Any], Place]],
    context: _Context,
    plan: ImportPlan,
    note: Any,
) -> tuple[dict[str, list[str]], list[str]]:
    """Our flags (code → values) and the topics of the service's terms."""
    flags: dict[str, list[str]] = {}
    topics: list[str] = []
    our_flags = {term_id(FLAGS_TAXONOMY, code): code for code in FLAG_TERMS}
    our_topics = {term_id(TOPICS_TAXONOMY, t): t for t in context.knowledge.topics}
    our_fields = {term_id(TOPICS_TAXONOMY, f.id) for f in context.knowledge.fields}
    for attribute, place in attributes:
        term = attribute.get("taxonomy_term")
        ident = attribute.get("taxonomy_term_id")
        if not isinstance(term, dict):
            term = context.terms.get(ident) if isinstance(ident, str) else None
        if term is None and isinstance(ident, str):
            term = {"id": ident}
        if term is None:
            note(place, "attribute without a taxonomy term: ignored")
            continue
        tid = term.get("id")
        value = attribute.get("value")
        if tid in our_flags:
            flags.setdefault(our_flags[tid], []).append(value if isinstance(value, str) else "")
        elif tid in our_topics:
            topics.append(our_topics[tid])
        elif tid in our_fields:
            continue  # a field of action: its topics are named separately
        elif (mapped := context.mapping.lookup(term)) is not None:
            topics.extend(mapped)
        else:
            key = str(tid or term.get("code") or term.get("name"))
            label = ", ".join(
                f"{k} {term[k]!r}" for k in ("code", "name") if isinstance(term.get(k), str)
            )
            plan.unmapped_terms[key] = f"{key}" + (f" ({label})" if label else "")
            plan.unmapped_uses[key] = plan.unmapped_uses.get(key, 0) + 1
    return flags, list(dict.fromkeys(topics))


def _contact_data(
    service: FoundService, context: _Context, data: dict[str, Any], note: Any
) -> None:
    url = _text(service, "url")
    if url:
        if re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
            data["website"] = url
        else:
            note(service.place.at("url"), f"not a web address: {url!r} (dropped)")
    email = _text(service, "email")
    if email:
        if EMAIL.match(email):
            data["email"] = email
        else:
            note(service.place.at("email"), f"not an e-mail address: {email!r} (dropped)")
    phones = _list(service.data, "phones", service.place)
    for location, place in _locations(service):
        phones += _list(location, "phones", place)
    for phone, place in phones:
        number = phone.get("number")
        if not isinstance(number, str):
            continue
        cleaned = number.strip().strip("\"'").strip()
        if PHONE.match(cleaned) and sum(c.isdigit() for c in cleaned) >= 3:
            data["phone"] = cleaned
            if phone.get("extension") not in (None, ""):
                note(place.at("extension"), "phone extension not imported")
            break
        note(place.at("number"), f"not a phone number: {number!r} (dropped)")
    codes = []
    for language, place in _list(service.data, "languages", service.place):
        code = language.get("code")
        if isinstance(code, str) and LANGUAGE_CODE.match(code.strip().lower()):
            codes.append(code.strip().lower())
        else:
            note(place.at("code"), f"not an ISO 639 language code: {code!r} (dropped)")
    if codes:
        data["languages"] = list(dict.fromkeys(codes))


def _whole_number(value: Any, place: Place, note: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        note(place, f"not a whole number: {value!r} (dropped)")
        return None
    if not 0 <= value <= 120:
        note(place, f"age {value!r} out of range 0–120 (dropped)")
        return None
    return int(value)


def _eligibility_data(
    service: FoundService,
    context: _Context,
    data: dict[str, Any],
    flags: Mapping[str, list[str]],
    note: Any,
) -> None:
    age_min = _whole_number(service.data.get("minimum_age"), service.place.at("minimum_age"), note)
    age_max = _whole_number(service.data.get("maximum_age"), service.place.at("maximum_age"), note)
    if age_min is not None and age_max is not None and age_min > age_max:
        note(service.place.at("minimum_age"), "minimum_age above maximum_age (ages dropped)")
        age_min = age_max = None
    women = "women_only" in flags
    statuses = [
        ResidenceStatus(v)
        for v in flags.get("residence_status", [])
        if v in {s.value for s in ResidenceStatus}
    ]
    group: dict[str, Any] = {}
    if age_min is not None:
        group["age_min"] = age_min
    if age_max is not None:
        group["age_max"] = age_max
    if women:
        group["gender"] = "women"
    if statuses:
        group["residence_status"] = [s.value for s in dict.fromkeys(statuses)]
    text = _text(service, "eligibility_description")
    if text:
        generated = " ".join(
            eligibility_sentences(
                context.lang, age_min=age_min, age_max=age_max, women=women, statuses=statuses
            )
        )
        if generated and text.startswith(generated):
            text = text[len(generated) :].strip()
        if text:
            group["note"] = {context.lang: text}
    if group:
        data["target_group"] = group


def _labels(messages: Mapping[Any, str]) -> dict[str, Any]:
    """Catalog texts (all languages, and the English message ids) → the enum value."""
    out: dict[str, Any] = {}
    for value, message in messages.items():
        out[message.casefold()] = value
        for lang in LANGUAGES:
            out[plain(texts(lang), message).casefold()] = value
    return out


def _cost_and_appointment(
    service: FoundService, context: _Context, data: dict[str, Any], note: Any
) -> None:
    process = _text(service, "application_process")
    if process:
        appointment = _labels(APPOINTMENT_TEXT).get(process.casefold())
        if appointment is not None:
            data["appointment"] = Appointment(appointment)
        else:
            data["description"][context.lang] += f"\n\n{process}"
            note(service.place.at("application_process"), "added to the description")
    fees = _text(service, "fees_description")
    cost: Cost | None = None
    cost_note: str | None = None
    if fees:
        label, _, rest = fees.partition(":")
        known = _labels(COST_TEXT).get(label.strip().casefold())
        if known is not None:
            cost, cost_note = Cost(known), rest.strip() or None
        else:
            cost_note = fees
    amounts = [
        option.get("amount")
        for option, _ in _list(service.data, "cost_options", service.place)
        if isinstance(option.get("amount"), int | float)
    ]
    if cost is None and amounts:
        cost = Cost.FEE if any(a > 0 for a in amounts) else Cost.FREE
    if cost is None and fees:
        cost = Cost.FREE if any(w in fees.casefold() for w in FREE_WORDS) else Cost.FEE
    if cost is None:
        cost = Cost.FREE
        note(service.place, "no fee information: taken as free of charge")
    data["cost"] = cost
    if cost_note:
        data["cost_note"] = {context.lang: cost_note}


def _locations(service: FoundService) -> list[tuple[dict[str, Any], Place]]:
    found = []
    for sal, place in _list(service.data, "service_at_locations", service.place):
        location = sal.get("location")
        if isinstance(location, dict):
            found.append((location, place.at("location")))
    return found + service.extra_locations


def _city_named(name: str, knowledge: Knowledge) -> City | None:
    wanted = name.strip().casefold()
    for city in knowledge.cities:
        if any(wanted == n.casefold() for n in city.names()):
            return city
    return None


GERMANY_NAMES = frozenset(
    Locale.parse(lang).territories.get("DE", "").casefold() for lang in LANGUAGES
) | {"deutschland", "germany", "bundesweit", "nationwide"}


def _place_data(
    service: FoundService,
    context: _Context,
    data: dict[str, Any],
    flags: Mapping[str, list[str]],
    note: Any,
) -> None:
    knowledge = context.knowledge
    scope = next(iter(flags.get("scope", [])), None)
    areas = _list(service.data, "service_areas", service.place)
    nationwide = scope == Scope.NATIONWIDE.value or (
        scope is None
        and any(
            a.get("uri") == GERMANY_URI
            or (isinstance(a.get("name"), str) and a["name"].strip().casefold() in GERMANY_NAMES)
            for a, _ in areas
        )
    )
    if nationwide:
        data["scope"] = Scope.NATIONWIDE
        return
    locations = _locations(service)
    address: dict[str, Any] | None = None
    address_place: Place | None = None
    location: dict[str, Any] | None = None
    location_place: Place | None = None
    for candidate, place in locations:
        addresses = _list(candidate, "addresses", place)
        if location is None:
            location, location_place = candidate, place
        if addresses:
            location, location_place = candidate, place
            address, address_place = addresses[0]
            break
    city = knowledge.city_by_id.get(next(iter(flags.get("city", [])), ""))
    if city is None and address is not None and isinstance(address.get("city"), str):
        city = _city_named(address["city"], knowledge)
    if city is None:
        for area, _ in areas:
            if isinstance(area.get("name"), str) and (
                found := _city_named(area["name"], knowledge)
            ):
                city = found
                break
    if city is None:
        if context.city is None:
            named = address.get("city") if address else None
            raise _Skip(
                f"not in one of our cities ({named or 'no city given'}); place it with --city"
            )
        city = context.city
        note(address_place or service.place, f"placed in {city.id} (--city)")
    data["city"] = city.id
    district_id = next(iter(flags.get("district", [])), None)
    if district_id and district_id in {d.id for d in city.districts}:
        data["district"] = district_id
    elif address is not None and isinstance(address.get("region"), str):
        region = address["region"].strip().casefold()
        for district in city.districts:
            if any(region == n.casefold() for n in district.names()):
                data["district"] = district.id
    if address is not None:
        data["address"] = _address_text(address)
    if location is not None:
        lat, lon = location.get("latitude"), location.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            if city.contains((lat, lon)):
                data["coordinates"] = [lat, lon]
            else:
                note(location_place, f"coordinates {lat}, {lon} lie outside {city.id} (dropped)")
    if scope in (Scope.LOCAL.value, Scope.CITY.value):
        data["scope"] = Scope(scope)
    else:
        data["scope"] = Scope.LOCAL if "address" in data and "coordinates" in data else Scope.CITY
    if data["scope"] is Scope.LOCAL and not ("address" in data and "coordinates" in data):
        data["scope"] = Scope.CITY
        note(service.place, "no address with coordinates: imported as a city-wide offer")


def _address_text(address: Mapping[str, Any]) -> str:
    def part(key: str) -> str:
        value = address.get(key)
        return value.strip() if isinstance(value, str) else ""

    lines = [part("address_1"), part("address_2")]
    if part("postal_code"):
        lines.append(f"{part('postal_code')} {part('city')}".strip())
    return ", ".join(p for p in lines if p)


def _schedule_data(service: FoundService, data: dict[str, Any], note: Any) -> None:
    rows = _list(service.data, "schedules", service.place)
    for sal, place in _list(service.data, "service_at_locations", service.place):
        rows += _list(sal, "schedules", place)
    for location, place in _locations(service):
        rows += _list(location, "schedules", place)
    if not rows:
        return
    result = hours_from_rows([row for row, _ in rows])
    for problem in result.problems:
        where = rows[problem.index][1] if 0 <= problem.index < len(rows) else service.place
        note(where, f"schedule not imported: {problem.message}")
    if result.expression:
        data["opening_hours"] = result.expression
    if result.notes:
        note(
            service.place.at("schedules"), f"opening times only as text: {' / '.join(result.notes)}"
        )


def _organization_data(
    service: FoundService, context: _Context, data: dict[str, Any], flags: Mapping[str, list[str]]
) -> None:
    organization = service.data.get("organization")
    if not isinstance(organization, dict):
        organization = service.organization
    if not isinstance(organization, dict):
        org_id = service.data.get("organization_id")
        organization = context.organizations.get(org_id) if isinstance(org_id, str) else None
    if not isinstance(organization, dict):
        return
    offer_id = next(iter(flags.get("offer_id", [])), None)
    if offer_id and organization.get("id") == hsds_id("organization", "offer", offer_id):
        return  # exported without provider: the offer stood for itself
    name = organization.get("name")
    if isinstance(name, str) and name.strip():
        data["provider"] = name.strip()


def _reviewed(service: FoundService, context: _Context, note: Any) -> dt.date:
    for key in ("assured_date", "last_modified"):
        value = service.data.get(key)
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value[:10])
            except ValueError:
                note(service.place.at(key), f"not a date: {value!r}")
                continue
            if day > context.today:
                note(service.place.at(key), f"{day} is in the future: today is used")
                return context.today
            return day
    note(service.place, "no assured_date: today is taken as the review date")
    return context.today


def _assign_ids(
    candidates: list[tuple[FoundService, dict[str, Any], list[Problem]]], context: _Context
) -> Iterable[tuple[FoundService, dict[str, Any], list[Problem]]]:
    """Offer ids: ours when the data carries one; else the id an earlier import gave this HSDS
    service; else the slug of the name (with the service id's start when names collide)."""
    wanted: dict[int, str] = {}
    for index, (service, data, _) in enumerate(candidates):
        hsds = str(service.data["id"])
        offer_id = data.pop("_offer_id")
        if offer_id is None:
            offer_id = context.existing_by_source.get(hsds)
        if offer_id is None:
            base = slugify(data["name"][context.lang]) or "hsds"
            taken = context.knowledge.offers.get(base)
            if taken is not None and taken.source != SOURCE_PREFIX + hsds:
                base = f"{base[: MAX_ID_LENGTH - 9]}-{slugify(hsds)[:8]}".strip("-")
            offer_id = base
        wanted[index] = offer_id
    counts: dict[str, int] = {}
    for offer_id in wanted.values():
        counts[offer_id] = counts.get(offer_id, 0) + 1
    for index, (service, data, notes) in enumerate(candidates):
        offer_id = wanted[index]
        if counts[offer_id] > 1:
            offer_id = f"{offer_id[: MAX_ID_LENGTH - 9]}-{slugify(str(service.data['id']))[:8]}"
        data["id"] = offer_id
        yield service, data, notes
