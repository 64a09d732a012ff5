"""The offer → HSDS mapping itself (pure: no database, no web)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from bot.directory.hsds import HsdsCatalogue
from bot.directory.hsds_vocabulary import (
    NAMESPACE,
    eligibility_sentences,
    hsds_id,
    parse_address,
    pick,
    term_id,
)
from bot.directory.snapshot import DirectorySnapshot
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import ResidenceStatus
from tests.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    loaded = load_knowledge(KNOWLEDGE).knowledge
    assert loaded is not None
    return loaded


def snapshot(knowledge: Knowledge, retired: frozenset[str] = frozenset()) -> DirectorySnapshot:
    return DirectorySnapshot(7, knowledge, retired, {})


def test_retired_and_sample_offers_are_left_out(knowledge: Knowledge) -> None:
    real = {o.id for o in knowledge.offers.values() if not o.sample}
    retired = frozenset({"notruf-112-110", "mbe-caritas-magdeburg"})
    published = HsdsCatalogue(snapshot(knowledge, retired), include_samples=False)
    assert {e.offer.id for e in published.services} == real - retired
    demo = HsdsCatalogue(snapshot(knowledge, retired), include_samples=True)
    assert {e.offer.id for e in demo.services} == set(knowledge.offers) - retired
    assert all(("alert" in e.service) == e.offer.sample for e in demo.services)


def test_an_offer_without_provider_is_its_own_organization(knowledge: Knowledge) -> None:
    offer = knowledge.offers["frauenschutz-dessau"]
    assert offer.provider is None
    catalogue = HsdsCatalogue(snapshot(knowledge), include_samples=True)
    org_id = hsds_id("organization", "offer", offer.id)
    organization = catalogue.organizations[org_id].organization
    assert organization["name"] == offer.name["de"]
    assert catalogue.organizations[org_id].service_ids == [hsds_id("service", offer.id)]


def test_one_organization_per_provider(knowledge: Knowledge) -> None:
    catalogue = HsdsCatalogue(snapshot(knowledge), include_samples=True)
    providers = {o.provider for o in knowledge.offers.values() if o.provider}
    without = [o for o in knowledge.offers.values() if not o.provider]
    assert len(catalogue.organizations) == len(providers) + len(without)


def test_ids_are_uuid5_of_our_ids(knowledge: Knowledge) -> None:
    assert str(NAMESPACE) == "9b7f4c1e-2d6a-5e8b-a4f0-3c1d7e5b9a26"
    assert hsds_id("service", "x") == str(uuid.uuid5(NAMESPACE, "service/x"))
    assert term_id("topics", "housing") == str(
        uuid.uuid5(NAMESPACE, "taxonomy_term/topics/housing")
    )
    first = HsdsCatalogue(snapshot(knowledge), include_samples=True)
    renamed = dataclasses.replace(
        knowledge,
        offers={
            oid: o.model_copy(update={"name": {**o.name, "de": "Neu"}})
            for oid, o in knowledge.offers.items()
        },
    )
    second = HsdsCatalogue(snapshot(renamed), include_samples=True)
    assert [e.service["id"] for e in first.services] == [e.service["id"] for e in second.services]


def test_texts_fall_back_like_the_bot() -> None:
    assert pick({"de": "Hallo", "en": "Hello"}, "en") == "Hello"
    assert pick({"de": "Hallo", "en": "Hello"}, "ps") == "Hello"  # English, then German
    assert pick({"de": "Hallo", "fr": "Bonjour"}, "ps") == "Hallo"
    assert pick({"en": "Hello", "fr": "Bonjour"}, "ps") == "Hello"
    assert pick(None, "de") is None


def test_eligibility_text() -> None:
    assert eligibility_sentences(
        "de",
        age_min=18,
        age_max=27,
        women=True,
        statuses=[ResidenceStatus.ASYLUM_SEEKER, ResidenceStatus.TOLERATED],
    ) == ["Nur für Frauen.", "Von 18 bis 27 Jahren.", "Für: Asylsuchende, Geduldete."]
    assert eligibility_sentences("en", age_min=None, age_max=17, women=False, statuses=[]) == [
        "Aged up to 17."
    ]
    # languages without these phrases fall back as the bot does: English, then German
    assert eligibility_sentences("ar", age_min=60, age_max=None, women=False, statuses=[]) == [
        "Aged 60 and over."
    ]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Musterstraße 1, 39104 Magdeburg", ("Musterstraße 1", None, "39104", "Magdeburg")),
        ("Breiter Weg 1, 2. OG, 39104 Magdeburg", ("Breiter Weg 1", "2. OG", "39104", "Magdeburg")),
        ("Am Markt 3, 06844 Dessau-Roßlau", ("Am Markt 3", None, "06844", "Dessau-Roßlau")),
        ("Rathaus, Zimmer 4", ("Rathaus, Zimmer 4", None, "", "Dresden")),
    ],
)
def test_addresses(text: str, parts: tuple) -> None:
    parsed = parse_address(text, "Dresden")
    assert (parsed.address_1, parsed.address_2, parsed.postal_code, parsed.city) == parts


def test_modified_time_comes_from_the_snapshot(knowledge: Knowledge) -> None:
    moment = dt.datetime(2026, 11, 3, 12, 0, 5, 123000, tzinfo=dt.UTC)
    catalogue = HsdsCatalogue(
        DirectorySnapshot(
            1,
            knowledge,
            frozenset(),
            {
                **dict.fromkeys(knowledge.offers, moment - dt.timedelta(days=30)),
                "notruf-112-110": moment,
            },
        ),
        include_samples=False,
    )
    entry = catalogue.service_by_id[hsds_id("service", "notruf-112-110")]
    assert entry.service["last_modified"] == "2026-11-03T12:00:05.123Z"
    assert entry.service["metadata"][0]["last_action_date"] == "2026-11-03T12:00:05.123Z"
    assert catalogue.matching_services(modified_after=moment) == [entry]


def test_the_fixed_texts_are_bot_catalog_messages() -> None:
    """The HSDS texts reuse the bot's catalog messages (offer cards); if one is renamed there,
    it would silently stay English here."""
    from bot.directory.hsds_vocabulary import (
        ALL_WEEK_TEXT,
        APPOINTMENT_TEXT,
        COST_TEXT,
        NATIONWIDE_TEXT,
        SAMPLE_TEXT,
    )
    from bot.i18n import texts

    messages = [*APPOINTMENT_TEXT.values(), *COST_TEXT.values()]
    messages += [SAMPLE_TEXT, NATIONWIDE_TEXT, ALL_WEEK_TEXT]
    for language in ("de", "uk", "ar"):
        for message in messages:
            assert texts(language)._(message) != message, (language, message)
