from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.languages import LANGUAGES
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import ALL_CONTRACT_TOPIC_IDS
from tests.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def shipped():
    return load_knowledge(KNOWLEDGE)


def test_shipped_knowledge_is_clean(shipped) -> None:
    assert shipped.errors == [], shipped.report()
    # translations are being completed; every other warning is a defect of the shipped data
    others = [p for p in shipped.warnings if p.code != "missing_translation"]
    assert others == [], [p.render() for p in others]
    assert shipped.knowledge is not None


def test_sample_directory_is_realistic(shipped) -> None:
    knowledge = shipped.knowledge
    assert len(knowledge.offers) >= 60
    covered = {t for o in knowledge.offers.values() for t in o.topics}
    assert covered >= ALL_CONTRACT_TOPIC_IDS
    cities = {o.city for o in knowledge.offers.values()}
    assert {"magdeburg", "dessau-rosslau", "dresden"} <= cities
    for offer in knowledge.offers.values():
        assert {"de", "en"} <= set(offer.description), offer.id
        assert "de" in offer.name and "en" in offer.name, offer.id
        if offer.sample:
            for contact in (offer.email, offer.website_str):
                assert contact is None or "example.org" in contact, offer.id


def test_nationwide_services_carry_real_contacts(shipped) -> None:
    phones = {o.id: re.sub(r"\D", "", o.phone or "") for o in shipped.knowledge.offers.values()}
    text = " ".join(
        f"{o.phone} {o.description['de']}" for o in shipped.knowledge.offers.values()
    ).replace(" ", "")
    for number in ("112", "110", "116117", "08001110111", "08001110222", "116016"):
        assert number in text, number
    assert any(p.endswith("3018151111") for p in phones.values())  # Anerkennung hotline
    sites = {o.website_str or "" for o in shipped.knowledge.offers.values()}
    assert any("mbeon.de" in s for s in sites)
    assert any("anerkennung-in-deutschland.de" in s for s in sites)


def test_topics_have_names_and_lexicon_in_every_language(shipped) -> None:
    for topic in shipped.knowledge.topics.values():
        assert set(topic.name) == set(LANGUAGES), topic.id
        assert len(topic.lexicon["de"]) >= 12 and len(topic.lexicon["en"]) >= 12, topic.id
        for lang in LANGUAGES:
            assert len(topic.lexicon[lang]) >= 6, (topic.id, lang)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _first_local_offer(folder: Path) -> Path:
    for path in sorted((folder / "offers").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "coordinates:" in text and "email:" in text and "opening_hours:" in text:
            return path
    raise AssertionError("no local offer with coordinates, email and opening hours")


def test_unknown_topic_and_syntax_error_are_both_reported(knowledge_copy: Path) -> None:
    offers = sorted((knowledge_copy / "offers").glob("*.yaml"))
    bad_topic, bad_syntax = offers[0], offers[1]
    _edit(bad_topic, "topics: [", "topics: [no_such_topic, ")
    bad_syntax.write_text(bad_syntax.read_text() + "\nname: [unclosed\n", encoding="utf-8")

    result = load_knowledge(knowledge_copy)
    assert result.knowledge is None
    lines = result.report()
    topic_line = [line for line in lines if "no_such_topic" in line]
    syntax_line = [line for line in lines if "YAML syntax error" in line]
    assert topic_line and topic_line[0].startswith(f"offers/{bad_topic.name}:")
    assert syntax_line and syntax_line[0].startswith(f"offers/{bad_syntax.name}:")
    assert re.match(r"offers/[^:]+:\d+: error:", syntax_line[0])


@pytest.mark.parametrize(
    ("field", "old_pattern", "replacement", "code"),
    [
        ("district", r"district: \S+", "district: atlantis", "unknown_district"),
        (
            "coordinates",
            r"coordinates: \[[^\]]+\]",
            "coordinates: [48.13, 11.57]",
            "coordinates_outside",
        ),
        (
            "opening_hours",
            r"opening_hours: .+",
            'opening_hours: "Montag bis Freitag"',
            "bad_opening_hours",
        ),
        ("email", r"email: .+", "email: not-an-address", "bad_email"),
        ("phone", r"phone: .+", 'phone: "call us"', "bad_phone"),
        ("website", r"website: .+", "website: www example", "bad_url"),
        ("last_reviewed", r"last_reviewed: .+", "last_reviewed: 2999-01-01", "date_in_future"),
    ],
)
def test_each_kind_of_error_is_located(
    knowledge_copy: Path, field: str, old_pattern: str, replacement: str, code: str
) -> None:
    path = _first_local_offer(knowledge_copy)
    text = path.read_text(encoding="utf-8")
    match = re.search(old_pattern, text)
    assert match, (field, path.name)
    line_no = text[: match.start()].count("\n") + 1
    path.write_text(text[: match.start()] + replacement + text[match.end() :], encoding="utf-8")

    result = load_knowledge(knowledge_copy)
    located = [p for p in result.errors if p.file == path]
    assert located, result.report()
    assert any(p.code == code and p.field == field for p in located), result.report()
    assert any(p.line == line_no for p in located), (line_no, result.report())


def test_missing_german_name_and_duplicate_id(knowledge_copy: Path) -> None:
    offers = sorted((knowledge_copy / "offers").glob("*.yaml"))
    first, second = offers[0], offers[1]
    text = first.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s+)de: .*\n", "", text, count=1)  # the first German text: the name
    first.write_text(text, encoding="utf-8")
    clone = knowledge_copy / "offers" / "zz-clone.yaml"
    clone.write_text(second.read_text(encoding="utf-8"), encoding="utf-8")

    result = load_knowledge(knowledge_copy)
    found = {(p.file.name, p.code, p.field) for p in result.errors}
    assert (first.name, "missing_language", "name") in found, result.report()
    assert ("zz-clone.yaml", "id_not_file_name", "id") in found, result.report()


def test_unknown_field_is_not_silently_ignored(knowledge_copy: Path) -> None:
    path = _first_local_offer(knowledge_copy)
    path.write_text(path.read_text(encoding="utf-8") + "opneing_hours: Mo 10:00-12:00\n")
    result = load_knowledge(knowledge_copy)
    unknown = [p for p in result.errors if p.code == "unknown_field"]
    assert unknown and unknown[0].params["field"] == "opneing_hours"
    assert unknown[0].suggestion is not None and unknown[0].suggestion.value is None
    assert "opening_hours" in unknown[0].suggestion.message


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    result = load_knowledge(tmp_path / "nowhere")
    assert result.knowledge is None and result.errors
