"""The dialogue engine without any transport: replies, buttons and state."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dialogue.engine import DialogueEngine
from bot.dialogue.messages import Incoming
from bot.dialogue.state import ConversationState

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # a Monday morning


def text(t: str, lang: str | None = None) -> Incoming:
    return Incoming("text", t, telegram_language=lang)


def button(data: str) -> Incoming:
    return Incoming("button", data)


def all_data(output) -> list[str]:
    return [b.data for r in output.replies for row in r.buttons for b in row]


def test_a_question_gets_offer_cards_in_the_persons_language(
    shipped_engine: DialogueEngine,
) -> None:
    state = ConversationState()
    out = shipped_engine.handle(state, text("بدي كورس الماني بماغدبورغ"), NOW)
    cards = [c for r in out.replies for c in r.cards]
    assert cards and len(cards) <= 3
    assert state.language == "ar" and state.profile.city == "magdeburg"
    card = cards[0]
    assert card.title and card.description
    labels = [line.label for line in card.lines]
    assert any("openstreetmap.org" in (line.url or "") for line in card.lines)
    assert len(labels) >= 5
    assert all(r.rtl for r in out.replies)
    assert any(d.startswith("fb:") for d in all_data(out)) and "h" in all_data(out)
    assert any(e.kind == "demand" for e in out.events)


def test_age_split_asks_one_question_then_answers(shipped_engine: DialogueEngine) -> None:
    state = ConversationState(language="de", language_chosen=True)
    out = shipped_engine.handle(state, text("Ich brauche Migrationsberatung in Magdeburg"), NOW)
    assert state.pending == "age"
    assert {"a:young", "a:adult"} <= set(all_data(out))
    young = shipped_engine.handle(state, button("a:young"), NOW)
    offers = [c.offer_id for r in young.replies for c in r.cards]
    assert offers and any("jmd" in o for o in offers)
    assert not any(o.startswith("mbe-") for o in offers)


def test_stated_age_and_city_filter_without_asking(shipped_engine: DialogueEngine) -> None:
    state = ConversationState(language="de", language_chosen=True)
    out = shipped_engine.handle(
        state, text("Ich bin 45 und brauche Migrationsberatung in Dresden"), NOW
    )
    assert state.profile.age == 45 and state.profile.city == "dresden"
    offers = [c.offer_id for r in out.replies for c in r.cards]
    assert offers and not any(o.startswith("jmd") for o in offers)
    assert not any(o.endswith("-magdeburg") or o.endswith("-dessau") for o in offers)


def test_emergency_comes_first_in_every_case(shipped_engine: DialogueEngine) -> None:
    state = ConversationState()
    out = shipped_engine.handle(state, text("mein Mann schlägt mich gerade"), NOW)
    first = out.replies[0]
    assert "112" in first.text and "110" in first.text and "116 016" in first.text
    assert out.replies[1].cards[0].offer_id == "notruf-112-110"


def test_menu_navigation_without_typing(shipped_engine: DialogueEngine) -> None:
    state = ConversationState(language="uk", language_chosen=True)
    menu = shipped_engine.handle(state, Incoming("command", "menu"), NOW)
    fields = [d for d in all_data(menu) if d.startswith("f:")]
    assert len(fields) == 6  # the emergency field is not a menu item
    topics = shipped_engine.handle(state, button(fields[0]), NOW)
    topic = next(d for d in all_data(topics) if d.startswith("t:"))
    offers = shipped_engine.handle(state, button(topic), NOW)
    assert [c for r in offers.replies for c in r.cards]


@pytest.mark.parametrize(
    "data",
    [
        "t:nonexistent",
        "o:../../etc",
        "fb:x:2",
        "zzz",
        "",
        "a:old",
        "l:xx",
        "del:yes",
        "f:" + "x" * 100,
    ],
)
def test_forged_or_stale_buttons_expire_politely(shipped_engine: DialogueEngine, data: str) -> None:
    state = ConversationState(language="de", language_chosen=True)
    out = shipped_engine.handle(state, button(data), NOW)
    assert len(out.replies) == 1 and out.events == []
    assert "m" in all_data(out)


def test_location_ranks_by_distance_and_keeps_only_the_district(
    shipped_engine: DialogueEngine,
) -> None:
    state = ConversationState(language="de", language_chosen=True)
    shipped_engine.handle(state, text("Ich suche einen Deutschkurs"), NOW)
    kannenstieg = (52.1722, 11.6062)
    out = shipped_engine.handle(
        state, Incoming("location", latitude=kannenstieg[0], longitude=kannenstieg[1]), NOW
    )
    assert state.profile.district == "magdeburg-kannenstieg"
    assert "52.17" not in str(state.to_dict())  # the position itself is not stored
    cards = [c for r in out.replies for c in r.cards]
    assert cards and cards[0].offer_id.endswith("magdeburg")
    assert any("km" in line.value for line in cards[0].lines)


def test_unsure_language_asks_with_a_picker_then_answers(shipped_engine: DialogueEngine) -> None:
    state = ConversationState()
    out = shipped_engine.handle(state, text("kita"), NOW)
    assert state.pending == "language"
    assert sum(d.startswith("l:") for d in all_data(out)) == 12
    answered = shipped_engine.handle(state, button("l:en"), NOW)
    assert state.language == "en" and state.language_chosen
    assert [c for r in answered.replies for c in r.cards]


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x07", "😀", "a" * 10_000])
def test_odd_input_never_raises(shipped_engine: DialogueEngine, raw: str) -> None:
    state = ConversationState(language="de", language_chosen=True)
    out = shipped_engine.handle(state, text(raw), NOW)
    assert out.replies and all(r.text or r.cards for r in out.replies)


def test_media_gets_a_friendly_explanation(shipped_engine: DialogueEngine) -> None:
    state = ConversationState(language="fa", language_chosen=True)
    out = shipped_engine.handle(state, Incoming("media", media="voice"), NOW)
    assert out.replies[0].rtl and "h" in all_data(out)


def test_opening_hours_are_localised(shipped_engine: DialogueEngine) -> None:
    from bot.i18n import texts

    def hours(lang: str) -> tuple[str, str]:
        card = shipped_engine.card("integrationskurs-vhs-magdeburg", lang, NOW)
        label = texts(lang)._("Opening hours")
        now_label = texts(lang)._("Now")
        schedule = next(line.value for line in card.lines if line.label == label)
        status = next(line.value for line in card.lines if line.label == now_label)
        return schedule, status

    de_schedule, de_status = hours("de")
    ar_schedule, _ = hours("ar")
    assert "Mo" in de_schedule and de_schedule != ar_schedule
    assert de_status  # open-now state in words
