"""Read a knowledge folder, validate every file and the links between them.

Every problem is collected (not just the first), each with file and line, so staff can fix a whole
batch of edits in one round. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.languages import LANGUAGES
from bot.knowledge.model import ALL_CONTRACT_TOPIC_IDS, Knowledge
from bot.knowledge.schema import (
    ExemplarsFile,
    HandoffFile,
    IntentsFile,
    Offer,
    RegionsFile,
    Scope,
    TopicsFile,
)
from bot.knowledge.yaml_source import Problem, YamlDocument, YamlSyntaxError, load_yaml

M = TypeVar("M", bound=BaseModel)

# A topic lexicon thinner than this matches badly; staff see a warning, not a refusal.
LEXICON_MINIMUM = {"de": 12, "en": 12}
LEXICON_MINIMUM_OTHER = 6


@dataclass
class LoadResult:
    """The loaded knowledge (None when any error was found) and every problem seen."""

    root: Path
    knowledge: Knowledge | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def report(self) -> list[str]:
        return [p.render(self.root) for p in self.problems]


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, doc: YamlDocument | Path, where: Sequence[str | int], message: str) -> None:
        self._add(doc, where, message, warning=False)

    def warn(self, doc: YamlDocument | Path, where: Sequence[str | int], message: str) -> None:
        self._add(doc, where, message, warning=True)

    def _add(
        self, doc: YamlDocument | Path, where: Sequence[str | int], message: str, warning: bool
    ) -> None:
        if isinstance(doc, YamlDocument):
            self.problems.append(Problem(doc.path, doc.line_of(where), message, warning))
        else:
            self.problems.append(Problem(doc, None, message, warning))

    def parse(self, path: Path, model: type[M]) -> tuple[YamlDocument | None, M | None]:
        """Load one YAML file and validate it against `model`; record problems."""
        try:
            doc = load_yaml(path)
        except YamlSyntaxError as exc:
            self.problems.append(exc.problem)
            return None, None
        if not isinstance(doc.data, dict):
            self.error(doc, (), f"expected a mapping of fields, found {type(doc.data).__name__}")
            return doc, None
        try:
            return doc, model.model_validate(doc.data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = _yaml_location(err["loc"])
                label = ".".join(str(p) for p in loc) or "(file)"
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = "unknown field (check the spelling)"
                self.error(doc, loc, f"{label}: {msg}")
            return doc, None


def _yaml_location(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's internal path parts (validator names like 'function-after[...]')."""
    return tuple(p for p in loc if isinstance(p, int) or "[" not in str(p))


def load_knowledge(root: Path) -> LoadResult:
    """Load and validate the whole knowledge folder at `root`."""
    root = Path(root)
    out = _Collector()
    if not root.is_dir():
        out.error(root, (), "knowledge folder not found")
        return LoadResult(root, None, out.problems)

    topics_doc, topics = out.parse(root / "topics.yaml", TopicsFile)
    regions_doc, regions = out.parse(root / "regions.yaml", RegionsFile)
    _, intents = out.parse(root / "intents.yaml", IntentsFile)
    handoff = HandoffFile()
    if (root / "handoff.yaml").exists():
        _, parsed_handoff = out.parse(root / "handoff.yaml", HandoffFile)
        handoff = parsed_handoff or handoff
    exemplars = ExemplarsFile()
    if (root / "exemplars.yaml").exists():
        _, parsed_exemplars = out.parse(root / "exemplars.yaml", ExemplarsFile)
        exemplars = parsed_exemplars or exemplars

    offers: dict[str, tuple[YamlDocument, Offer]] = {}
    offer_files = sorted((root / "offers").glob("*.yaml")) if (root / "offers").is_dir() else []
    if not offer_files:
        out.error(root / "offers", (), "no offer files (offers/*.yaml)")
    for path in offer_files:
        doc, offer = out.parse(path, Offer)
        if doc is None or offer is None:
            continue
        if offer.id != path.stem:
            out.error(doc, ("id",), f"id {offer.id!r} must equal the file name {path.stem!r}")
        if offer.id in offers:
            first = offers[offer.id][0].path.name
            out.error(doc, ("id",), f"duplicate offer id {offer.id!r} (also in {first})")
            continue
        offers[offer.id] = (doc, offer)

    topic_ids: set[str] = set()
    if topics_doc is not None and topics is not None:
        topic_ids = _check_topics(out, topics_doc, topics)
    if regions_doc is not None and regions is not None:
        _check_regions(out, regions_doc, regions)
    if topics is not None and regions is not None:
        _check_offers(out, offers.values(), topic_ids, regions)

    knowledge = None
    if not any(not p.warning for p in out.problems):
        assert topics is not None and regions is not None and intents is not None
        knowledge = Knowledge(
            fields=tuple(topics.fields),
            cities=tuple(regions.cities),
            intents=intents,
            templates=tuple(handoff.templates),
            office_hours=handoff.office_hours,
            exemplars=exemplars,
            offers={oid: offer for oid, (_, offer) in sorted(offers.items())},
        )
        for topic_id, listed in knowledge.offers_by_topic.items():
            if not listed and topics_doc is not None:
                out.warn(topics_doc, (), f"topic {topic_id!r} has no offer yet")
    return LoadResult(root, knowledge, out.problems)


def _check_topics(out: _Collector, doc: YamlDocument, topics: TopicsFile) -> set[str]:
    seen: set[str] = set()
    for fi, field_ in enumerate(topics.fields):
        for ti, topic in enumerate(field_.topics):
            where = ("fields", fi, "topics", ti)
            if topic.id in seen:
                out.error(doc, (*where, "id"), f"duplicate topic id {topic.id!r}")
            seen.add(topic.id)
            for lang in LANGUAGES:
                need = LEXICON_MINIMUM.get(lang, LEXICON_MINIMUM_OTHER)
                have = len(topic.lexicon.get(lang, []))
                if have < need:
                    out.warn(
                        doc,
                        (*where, "lexicon"),
                        f"topic {topic.id!r}: lexicon has {have} entries in {lang}, want {need}",
                    )
    for missing in sorted(ALL_CONTRACT_TOPIC_IDS - seen):
        out.error(doc, ("fields",), f"topic {missing!r} of the contract taxonomy is missing")
    return seen


def _check_regions(out: _Collector, doc: YamlDocument, regions: RegionsFile) -> None:
    seen: set[str] = set()
    for ci, city in enumerate(regions.cities):
        for ident, where in [(city.id, ("cities", ci, "id"))] + [
            (d.id, ("cities", ci, "districts", di, "id")) for di, d in enumerate(city.districts)
        ]:
            if ident in seen:
                out.error(doc, where, f"duplicate region id {ident!r}")
            seen.add(ident)
        for di, district in enumerate(city.districts):
            if not city.contains(district.center):
                out.error(
                    doc,
                    ("cities", ci, "districts", di, "center"),
                    f"district {district.id!r} centre lies outside the bbox of {city.id!r}",
                )


def _check_offers(
    out: _Collector,
    offers: Sequence[tuple[YamlDocument, Offer]] | Any,
    topic_ids: set[str],
    regions: RegionsFile,
) -> None:
    cities = {c.id: c for c in regions.cities}
    for doc, offer in offers:
        for i, topic in enumerate(offer.topics):
            if topic not in topic_ids:
                out.error(doc, ("topics", i), f"unknown topic id {topic!r}")
        if offer.scope is Scope.NATIONWIDE:
            continue
        city = cities.get(offer.city or "")
        if city is None:
            out.error(doc, ("city",), f"unknown city {offer.city!r}")
            continue
        if offer.district is not None and offer.district not in {d.id for d in city.districts}:
            out.error(doc, ("district",), f"unknown district {offer.district!r} in {city.id!r}")
        if offer.coordinates is not None and not city.contains(offer.coordinates):
            lat, lon = offer.coordinates
            out.error(doc, ("coordinates",), f"coordinates {lat}, {lon} lie outside {city.id!r}")
