"""Validate a whole directory in one pass: every problem at once, each located and explained.

The input is raw data as people wrote it (parsed YAML files, spreadsheet rows, a web form), in
the shape of the knowledge files: `topics` ({fields: […]}), `regions` ({cities: […]}),
`intents`, `handoff`, `exemplars` and the offers by their source key. A `Locator` turns a part
and a field path into a `Place` (file:line for YAML, sheet/row/column for a workbook, offer and
field for a form), so one set of rules serves the command line, uploads and the workspace.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.core.languages import LANGUAGES
from bot.knowledge.model import ALL_CONTRACT_TOPIC_IDS, Knowledge
from bot.knowledge.problems import MESSAGES, Place, Problem, Suggestion
from bot.knowledge.schema import (
    SLUG,
    City,
    DangerFile,
    ExemplarsFile,
    HandoffFile,
    IntentsFile,
    Offer,
    RegionsFile,
    Scope,
    TopicsFile,
)
from bot.knowledge.suggest import (
    fix_date,
    fix_hours,
    hours_overrides,
    resolve_city,
    resolve_district,
    resolve_topic,
)

# A topic lexicon thinner than this matches badly; staff see a warning, not a refusal.
LEXICON_MINIMUM = {"de": 12, "en": 12}
LEXICON_MINIMUM_OTHER = 6
STALE_AFTER = dt.timedelta(days=365)
# Offer texts whose every language is checked (missing ones are warnings).
TRANSLATED_FIELDS = ("name", "summary", "description", "cost_note", "target_group.note")

Locator = Callable[[str, Sequence[str | int]], Place]


def plain_locator(part: str, path: Sequence[str | int]) -> Place:
    """Places for data without a file: an offer and its field path, or a reference part."""
    dotted = ".".join(str(p) for p in path)
    if part.startswith("offer:"):
        return Place(offer=part.removeprefix("offer:"), field=dotted)
    return Place(field=f"{part}.{dotted}" if dotted else part)


@dataclass
class RawDirectory:
    topics: Any = None
    regions: Any = None
    intents: Any = None
    handoff: Any = None
    exemplars: Any = None
    danger: Any = None
    offers: dict[str, Any] = field(default_factory=dict)  # source key → raw offer


PART_MODELS: dict[str, type[BaseModel]] = {
    "topics": TopicsFile,
    "regions": RegionsFile,
    "intents": IntentsFile,
    "handoff": HandoffFile,
    "exemplars": ExemplarsFile,
    "danger": DangerFile,
}


class Checker:
    def __init__(self, locate: Locator, today: dt.date | None = None) -> None:
        self.locate = locate
        self.today = today or dt.date.today()
        self.problems: list[Problem] = []

    def add(
        self,
        part: str,
        path: Sequence[str | int],
        code: str,
        params: dict[str, Any] | None = None,
        *,
        warning: bool = False,
        suggestion: Suggestion | None = None,
    ) -> None:
        self.problems.append(
            Problem(
                code=code,
                place=self.locate(part, path),
                params=params or {},
                severity="warning" if warning else "error",
                suggestion=suggestion,
            )
        )

    # -- pydantic ---------------------------------------------------------------------------

    def parse(self, part: str, model: type[BaseModel], data: Any, skip=()) -> Any:
        if not isinstance(data, dict):
            self.add(part, (), "not_mapping")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(p for p in err["loc"] if isinstance(p, int) or "[" not in str(p))
                if any(_starts(loc, s) for s in skip):
                    continue
                self._convert(part, model, loc, err)
            return None

    def _convert(self, part: str, model: type[BaseModel], loc: tuple, err: dict) -> None:
        kind = err["type"]
        ctx = dict(err.get("ctx") or {})
        value = err.get("input")
        shown = value if isinstance(value, str | int | float) else ""
        name = str(loc[-1]) if loc else ""
        if kind == "extra_forbidden":
            allowed = _allowed_fields(model, loc[:-1])
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = Suggestion("did_you_mean_field", {"value": close[0]}) if close else None
            self.add(part, loc, "unknown_field", {"field": name}, suggestion=hint)
        elif kind == "missing":
            self.add(part, loc, "missing_field", {"field": name})
        elif kind in MESSAGES:
            hint = None
            if kind == "bad_opening_hours":
                fixed = fix_hours(str(value))
                hint = (
                    Suggestion("use_hours", {"value": fixed}, _dotted(loc), fixed)
                    if fixed
                    else Suggestion("hours_examples")
                )
            elif kind == "bad_email":
                hint = Suggestion("email_example")
            elif kind == "bad_phone":
                hint = Suggestion("phone_example")
            self.add(part, loc, kind, ctx, suggestion=hint)
        elif kind.startswith(("date", "datetime")):
            fixed = fix_date(value)
            hint = (
                Suggestion("use_date", {"value": fixed}, _dotted(loc), fixed)
                if fixed
                else Suggestion("write_date")
            )
            self.add(part, loc, "bad_date", {"value": shown}, suggestion=hint)
        elif kind.startswith("url"):
            self.add(part, loc, "bad_url", {"value": shown}, suggestion=Suggestion("url_example"))
        elif kind in ("enum", "literal_error"):
            allowed = str(ctx.get("expected", "")).replace("'", "")
            self.add(
                part,
                loc,
                "bad_choice",
                {"value": shown, "allowed": allowed},
                suggestion=Suggestion("use_choice", {"allowed": allowed}),
            )
        elif kind in ("int_parsing", "float_parsing", "int_type", "float_type", "int_from_float"):
            self.add(part, loc, "bad_number", {"value": shown})
        elif kind == "string_pattern_mismatch" and name == "id":
            self.add(part, loc, "bad_id", {"value": shown})
        else:
            self.add(part, loc, "bad_value", {"detail": err["msg"].removeprefix("Value error, ")})


def _starts(loc: tuple, prefix: tuple) -> bool:
    return loc[: len(prefix)] == prefix


def _dotted(loc: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in loc)


def _allowed_fields(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names allowed at `loc` inside `model` (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(str(part)) if hasattr(current, "model_fields") else None
        if info is None:
            return []
        current = _inner_model(info.annotation)
        if current is None:
            return []
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def check_directory(
    raw: RawDirectory,
    locate: Locator = plain_locator,
    *,
    problems: Sequence[Problem] = (),
    file_names: bool = False,
    today: dt.date | None = None,
) -> tuple[Knowledge | None, list[Problem]]:
    """Validate everything; the `Knowledge` when there is no error, and every problem."""
    out = Checker(locate, today)
    out.problems.extend(problems)
    topics = out.parse("topics", TopicsFile, raw.topics) if raw.topics is not None else None
    regions = out.parse("regions", RegionsFile, raw.regions) if raw.regions is not None else None
    intents = out.parse("intents", IntentsFile, raw.intents) if raw.intents is not None else None
    handoff = HandoffFile()
    if raw.handoff is not None:
        handoff = out.parse("handoff", HandoffFile, raw.handoff) or handoff
    exemplars = ExemplarsFile()
    if raw.exemplars is not None:
        exemplars = out.parse("exemplars", ExemplarsFile, raw.exemplars) or exemplars
    danger = DangerFile()
    if raw.danger is not None:
        danger = out.parse("danger", DangerFile, raw.danger) or danger

    topic_ids: set[str] = set()
    if topics is not None:
        topic_ids = _check_topics(out, topics)
    if regions is not None:
        _check_regions(out, regions)

    offers: dict[str, Offer] = {}
    seen: dict[str, str] = {}
    for key, data in raw.offers.items():
        part = f"offer:{key}"
        offer = out.parse(part, Offer, data, skip=(("topics",),))
        if isinstance(data, dict):
            _cross_check_offer(out, part, data, topics, regions, topic_ids)
        if offer is None:
            continue
        if file_names and offer.id != key:
            out.add(part, ("id",), "id_not_file_name", {"value": offer.id, "expected": key})
        if offer.id in seen:
            out.add(part, ("id",), "duplicate_offer", {"value": offer.id, "other": seen[offer.id]})
            continue
        seen[offer.id] = key
        offers[offer.id] = offer
        _offer_warnings(out, part, offer)

    errors = [p for p in out.problems if not p.warning]
    knowledge = None
    if not errors and topics is not None and regions is not None and intents is not None:
        knowledge = Knowledge(
            fields=tuple(topics.fields),
            cities=tuple(regions.cities),
            intents=intents,
            templates=tuple(handoff.templates),
            office_hours=handoff.office_hours,
            exemplars=exemplars,
            danger=danger,
            offers={oid: offers[oid] for oid in sorted(offers)},
        )
        for topic_id, listed in knowledge.offers_by_topic.items():
            if not listed:
                out.add("topics", (), "topic_without_offer", {"value": topic_id}, warning=True)
    if raw.topics is None or raw.regions is None or raw.intents is None:
        knowledge = None
    return knowledge, out.problems


def _check_topics(out: Checker, topics: TopicsFile) -> set[str]:
    seen: set[str] = set()
    for fi, field_ in enumerate(topics.fields):
        for ti, topic in enumerate(field_.topics):
            where = ("fields", fi, "topics", ti)
            if topic.id in seen:
                out.add("topics", (*where, "id"), "duplicate_topic", {"value": topic.id})
            seen.add(topic.id)
            for lang in LANGUAGES:
                need = LEXICON_MINIMUM.get(lang, LEXICON_MINIMUM_OTHER)
                have = len(topic.lexicon.get(lang, []))
                if have < need:
                    out.add(
                        "topics",
                        (*where, "lexicon"),
                        "thin_lexicon",
                        {"value": topic.id, "have": have, "need": need, "language": lang},
                        warning=True,
                    )
    for missing in sorted(ALL_CONTRACT_TOPIC_IDS - seen):
        out.add("topics", ("fields",), "contract_topic_missing", {"value": missing})
    return seen


def _check_regions(out: Checker, regions: RegionsFile) -> None:
    seen: set[str] = set()
    for ci, city in enumerate(regions.cities):
        idents = [(city.id, ("cities", ci, "id"))]
        idents += [
            (d.id, ("cities", ci, "districts", di, "id")) for di, d in enumerate(city.districts)
        ]
        for ident, where in idents:
            if ident in seen:
                out.add("regions", where, "duplicate_region", {"value": ident})
            seen.add(ident)
        for di, district in enumerate(city.districts):
            if not city.contains(district.center):
                out.add(
                    "regions",
                    ("cities", ci, "districts", di, "center"),
                    "district_outside",
                    {"value": district.name, "city": city.name.get("de", city.id)},
                )


def _cross_check_offer(
    out: Checker,
    part: str,
    data: dict[str, Any],
    topics: TopicsFile | None,
    regions: RegionsFile | None,
    topic_ids: set[str],
) -> None:
    """Links to topics and places, checked on the raw data so they are reported even when
    other fields of the same offer are wrong."""
    if topics is not None:
        listed = data.get("topics")
        for i, topic in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(topic, str) and topic in topic_ids:
                continue
            found = resolve_topic(str(topic), topics.fields)
            hint = (
                Suggestion(
                    "did_you_mean",
                    {"value": found.id, "label": found.label},
                    f"topics.{i}",
                    found.id,
                )
                if found
                else None
            )
            out.add(part, ("topics", i), "unknown_topic", {"value": topic}, suggestion=hint)
    if regions is None or data.get("scope") == Scope.NATIONWIDE.value:
        return
    cities = {c.id: c for c in regions.cities}
    city_value = data.get("city")
    city: City | None = cities.get(city_value) if isinstance(city_value, str) else None
    if city_value is not None and city is None:
        found = resolve_city(str(city_value), regions.cities)
        hint = (
            Suggestion("use_city", {"value": found.id, "label": found.label}, "city", found.id)
            if found
            else None
        )
        out.add(part, ("city",), "unknown_city", {"value": city_value}, suggestion=hint)
        if found:
            city = cities[found.id]
    district_value = data.get("district")
    district = None
    if district_value is not None and city is not None:
        district = next((d for d in city.districts if d.id == district_value), None)
        if district is None:
            found = resolve_district(str(district_value), regions.cities, city.id)
            hint = (
                Suggestion(
                    "use_district", {"value": found.id, "label": found.label}, "district", found.id
                )
                if found
                else None
            )
            out.add(
                part,
                ("district",),
                "unknown_district",
                {"value": district_value, "city": city.name.get("de", city.id)},
                suggestion=hint,
            )
            if found:
                district = next((d for d in city.districts if d.id == found.id), None)
    point = data.get("coordinates")
    if city is not None and isinstance(point, list | tuple) and len(point) == 2:
        try:
            lat, lon = float(point[0]), float(point[1])
        except (TypeError, ValueError):
            return
        if not city.contains((lat, lon)):
            centre = district.center if district is not None else city.center
            label = district.name if district is not None else city.name.get("de", city.id)
            value = [round(centre[0], 5), round(centre[1], 5)]
            out.add(
                part,
                ("coordinates",),
                "coordinates_outside",
                {"lat": lat, "lon": lon, "city": city.name.get("de", city.id)},
                suggestion=Suggestion(
                    "district_centre",
                    {"label": label, "value": f"{value[0]}, {value[1]}"},
                    "coordinates",
                    value,
                ),
            )


def _offer_warnings(out: Checker, part: str, offer: Offer) -> None:
    for path in TRANSLATED_FIELDS:
        values = _get(offer, path)
        if not values:
            continue
        for lang in LANGUAGES:
            if lang not in values:
                out.add(
                    part,
                    (*path.split("."), lang),
                    "missing_translation",
                    {"language": lang, "field": path},
                    warning=True,
                    suggestion=Suggestion("translate"),
                )
    contacts = [offer.email or "", offer.website_str or ""]
    if not offer.sample and any("example.org" in c.lower() for c in contacts):
        where = "email" if "example.org" in (offer.email or "") else "website"
        out.add(
            part,
            (where,),
            "sample_contact",
            warning=True,
            suggestion=Suggestion("mark_sample", {}, "sample", True),
        )
    if offer.last_reviewed < out.today - STALE_AFTER:
        out.add(
            part,
            ("last_reviewed",),
            "stale_review",
            {"value": offer.last_reviewed.isoformat()},
            warning=True,
            suggestion=Suggestion("review_again", {}, "last_reviewed", out.today.isoformat()),
        )
    if offer.opening_hours:
        from bot.knowledge.suggest import DAYS

        for override in hours_overrides(offer.opening_hours):
            out.add(
                part,
                ("opening_hours",),
                "hours_override",
                {"later": override.later, "days": ", ".join(DAYS[d] for d in override.days)},
                warning=True,
                suggestion=Suggestion(
                    "hours_add",
                    {"value": override.suggestion},
                    "opening_hours",
                    override.suggestion,
                ),
            )


def _get(offer: Offer, path: str) -> dict[str, str] | None:
    value: Any = offer
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value if isinstance(value, dict) else None


def valid_slug(value: str) -> bool:
    return bool(SLUG.match(value))
