"""The dialogue engine without any transport: replies, buttons, state and the turn's outcome."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dialogue.engine import DialogueEngine
from bot.dialogue.html import reply_html
from bot.dialogue.messages import Incoming
from bot.dialogue.slots import read_slots
from bot.dialogue.state import ConversationState, Profile
from bot.i18n import texts

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # a Monday morning


def text(t: str, lang: str | None = None) -> Incoming:
    return Incoming("text", t, telegram_language=lang)


def button(data: str) -> Incoming:
    return Incoming("button", data)


def all_data(output) -> list[str]:
    return [b.data for r in output.replies for row in r.buttons for b in row]


def cards_of(output):
    return [c for r in output.replies for c in r.cards]


def chat(engine: DialogueEngine, *turns: str, lang: str | None = None, state=None):
    state = state or ConversationState()
    outputs = [
        engine.handle(state, text(t, lang), NOW + dt.timedelta(seconds=i))
        for i, t in enumerate(turns)
    ]
    return state, outputs


# -- one answer, one message ------------------------------------------------------------------


def test_an_answer_is_one_message_with_compact_cards_and_buttons_below(
    shipped_engine: DialogueEngine,
) -> None:
    state = ConversationState()
    out = shipped_engine.handle(state, text("بدي كورس الماني بماغدبورغ"), NOW)
    assert len(out.replies) == 1
    reply = out.replies[0]
    assert 1 <= len(reply.cards) <= 3 and reply.rtl
    assert state.language == "ar" and state.profile.city == "magdeburg"
    for card in reply.cards:
        assert card.title and card.description
        assert len(card.lines) <= 5  # where, when, one contact, appointment/cost (+ name, what)
        assert sum(1 for line in card.lines if line.label in ("Phone", "E-mail", "Website")) <= 1
    html = reply_html(reply)
    assert html.count("\n") <= 3 + 9 * len(reply.cards)  # about 8 lines per card
    data = all_data(out)
    assert [d for d in data if d.startswith("o:")] == [f"o:{c.offer_id}" for c in reply.cards]
    assert "fb:language_course:1" in data and "fb:language_course:0" in data and "h" in data
    assert out.outcome.action == "answer" and out.outcome.topics[0] == "language_course"
    assert "km" not in html  # no distance without a shared location


def test_details_button_shows_the_full_card(shipped_engine: DialogueEngine) -> None:
    state, (answer,) = chat(shipped_engine, "Ich suche einen Deutschkurs in Magdeburg", lang="de")
    offer = answer.replies[0].cards[0].offer_id
    details = shipped_engine.handle(state, button(f"o:{offer}"), NOW)
    card = details.replies[0].cards[0]
    labels = [line.label for line in card.lines]
    assert "Öffnungszeiten" in labels and "Kosten" in labels and "Sprachen" in labels
    assert any("openstreetmap.org" in (line.url or "") for line in card.lines)


def test_location_gives_distances_in_the_locales_format(shipped_engine: DialogueEngine) -> None:
    state, _ = chat(shipped_engine, "Ich suche einen Deutschkurs", lang="de")
    kannenstieg = (52.1722, 11.6062)
    out = shipped_engine.handle(
        state, Incoming("location", latitude=kannenstieg[0], longitude=kannenstieg[1]), NOW
    )
    assert state.profile.district == "magdeburg-kannenstieg"
    assert "52.17" not in str(state.to_dict())  # the position itself is not stored
    cards = cards_of(out)
    assert cards and cards[0].offer_id.endswith("magdeburg")
    place = cards[0].lines[0].value
    assert "km" in place and "," in place.split("km")[0]  # "2,1 km" in German


# -- slots before topics, and a conversation -------------------------------------------------


def test_where_i_live_is_a_place_never_a_housing_question(shipped_engine: DialogueEngine) -> None:
    state, (out,) = chat(
        shipped_engine,
        "wie kann ich meinen führerschein umschreiben, wohne in magdeburg",
        lang="de",
    )
    assert state.profile.city == "magdeburg"
    assert "housing" not in out.outcome.topics[:1]


@pytest.mark.parametrize(
    ("answer", "city"),
    [
        ("انا ساكن بماغدبورغ", "magdeburg"),
        ("Dessau-Roßlau", "dessau-rosslau"),
        ("я живу в дессау", "dessau-rosslau"),
        ("в дрездені", "dresden"),
        ("magdeburgdayım", "magdeburg"),
        ("li Magdeburgê", "magdeburg"),
    ],
)
def test_a_place_in_words_completes_the_open_request(
    shipped_engine: DialogueEngine, answer: str, city: str
) -> None:
    state, outputs = chat(shipped_engine, "كيف بدي اعمل لم شمل لعيلتي", answer, lang="ar")
    last = outputs[-1].outcome
    assert state.profile.city == city
    assert last.action == "answer" and last.topics[0] == "family_reunification"
    offers = shipped_engine.knowledge.offers
    local = [offers[o].city for o, _ in last.offers if offers[o].city]
    assert local and set(local) == {city}


def test_an_age_in_words_answers_the_age_question(shipped_engine: DialogueEngine) -> None:
    state, (asked, answered) = chat(
        shipped_engine,
        "Мені потрібна міграційна консультація в Магдебурзі",
        "мені двадцять",
        lang="uk",
    )
    assert asked.outcome.asks == "age" and state.pending is None
    assert answered.outcome.profile["age"] == 20
    assert any(o.startswith("jmd") for o, _ in answered.outcome.offers)
    assert not any(o.startswith("mbe-") for o, _ in answered.outcome.offers)


def test_a_follow_up_for_another_person_asks_the_same_need_again(
    shipped_engine: DialogueEngine,
) -> None:
    state, (young, father) = chat(
        shipped_engine,
        "I need migration counselling, I'm 19 and live in Magdeburg",
        "and for my father? he is 60",
        lang="en",
    )
    assert any(o.startswith("jmd") for o, _ in young.outcome.offers)
    assert father.outcome.topics[0] == "migration_counselling"
    assert father.outcome.subject == "father" and father.outcome.profile["age"] == 60
    assert any(o.startswith("mbe-") for o, _ in father.outcome.offers)
    assert state.profile.age == 19  # the person's own age is kept


def test_the_open_request_expires(shipped_engine: DialogueEngine) -> None:
    state = ConversationState()
    shipped_engine.handle(state, text("Ich suche einen Deutschkurs", "de"), NOW)
    later = shipped_engine.handle(state, text("Dresden", "de"), NOW + dt.timedelta(minutes=31))
    assert later.outcome.action == "clarify" and not later.outcome.offers
    assert state.profile.city == "dresden"


# -- language --------------------------------------------------------------------------------


def test_a_sentence_in_another_language_is_answered_in_it_with_a_switch(
    shipped_engine: DialogueEngine,
) -> None:
    state = ConversationState(language="de", language_chosen=True)
    out = shipped_engine.handle(state, text("بدي اتعلم اللغة الالمانية وين في كورس"), NOW)
    assert out.outcome.language == "ar" and out.replies[-1].rtl
    assert "l:ar" in all_data(out)
    assert state.language == "de"  # the choice stays until the person taps the switch
    shipped_engine.handle(state, button("l:ar"), NOW)
    assert state.language == "ar" and state.language_chosen


def test_a_german_loanword_in_an_arabic_sentence_switches_nothing(
    shipped_engine: DialogueEngine,
) -> None:
    state = ConversationState(language="ar", language_chosen=True)
    out = shipped_engine.handle(state, text("وين في Kita بماغدبورغ"), NOW)
    assert out.outcome.language == "ar" and not any(d.startswith("l:") for d in all_data(out))
    one_word = shipped_engine.handle(state, text("Jobcenter"), NOW)
    assert one_word.outcome.language == "ar"


# -- danger first, by kind ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "kind", "numbers"),
    [
        (
            "my friend took lot of pills and he dont wake up what do i do",
            "poisoning",
            ["112", "0361 730 730"],
        ),
        ("mein Mann schlägt mich gerade", "domestic_violence", ["110", "116 016"]),
        ("a man with a knife is in front of our door", "violence", ["110"]),
        ("my son is not breathing", "medical", ["112"]),
        ("I want to kill myself", "self_harm", ["112", "0800 111 0 111"]),
        ("the kitchen is on fire", "fire", ["112"]),
    ],
)
def test_emergencies_get_the_numbers_of_their_kind_and_no_feedback_buttons(
    shipped_engine: DialogueEngine, message: str, kind: str, numbers: list[str]
) -> None:
    state = ConversationState()
    out = shipped_engine.handle(state, text(message), NOW)
    assert out.outcome.action == "emergency" and out.outcome.emergency_kind == kind
    assert all(n in out.replies[0].text for n in numbers)
    data = all_data(out)
    assert "h" in data and not any(d.startswith("fb:") for d in data)
    offers = [c.offer_id for c in cards_of(out)]
    assert offers[0] == "notruf-112-110"
    if kind == "poisoning":
        assert "giftnotruf-erfurt" in offers
    if kind == "domestic_violence":
        assert "hilfetelefon-gewalt-gegen-frauen" in offers
    if kind in ("medical", "fire", "violence", "poisoning"):
        assert not any(o.startswith("frau") for o in offers)


def test_alarming_words_in_ordinary_questions_raise_no_alarm(
    shipped_engine: DialogueEngine,
) -> None:
    for message in (
        "mein Kind hat Fieber, welcher Kinderarzt hat heute offen",
        "ich will bei der Feuerwehr eine Ausbildung machen",
        "diese Bürokratie bringt mich noch um",
        "my residence permit dies next week",
    ):
        out = shipped_engine.handle(ConversationState(), text(message), NOW)
        assert out.outcome.action != "emergency", message


# -- knowing what it does not know ----------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    ["my cat is sick where can i find a vet", "steuererklärung machen hilfe", "tell me a joke"],
)
def test_needs_outside_the_directory_get_an_honest_no_offer(
    shipped_engine: DialogueEngine, message: str
) -> None:
    state = ConversationState(profile=Profile(age=35, city="dresden"))
    out = shipped_engine.handle(state, text(message), NOW)
    assert out.outcome.action == "clarify" and out.outcome.no_offer and not out.outcome.offers
    assert not cards_of(out)
    data = all_data(out)
    assert "h" in data and "t:migration_counselling" in data
    gap = next(e for e in out.events if e.kind == "unanswered")
    assert gap.data["reason"] == "no_offer"
    named = out.replies[0].text
    assert (
        "Dresden" in named
        or "MBE" in named
        or "Migrationsberatung" in named
        or "migration" in named.lower()
    )


@pytest.mark.parametrize(("message", "lang"), [("help", "en"), ("hilfe", "de"), ("مرسته", "ps")])
def test_help_alone_shows_the_menu(shipped_engine: DialogueEngine, message: str, lang: str) -> None:
    """Also where the word resembles a topic word ("hilfe" in "Aushilfe")."""
    out = shipped_engine.handle(ConversationState(), text(message, lang), NOW)
    assert out.outcome.action == "clarify" and not out.outcome.offers
    assert sum(d.startswith("f:") for d in all_data(out)) == 6


# -- a person when no adviser is reachable --------------------------------------------------


def test_no_adviser_chooses_by_what_is_known_and_never_loops(
    shipped_engine: DialogueEngine,
) -> None:
    t = texts("en")
    nothing_known = ConversationState(language="en")
    asked = shipped_engine.handoff_unavailable(nothing_known, t, NOW)
    assert nothing_known.pending == "handoff_city"
    assert {"c:magdeburg", "c:dresden"} <= {b.data for r in asked for row in r.buttons for b in row}
    city = shipped_engine.handle(nothing_known, button("c:dresden"), NOW)
    offers = [c.offer_id for c in cards_of(city)]
    assert offers and all("dresden" in o or "mbeon" in o or "jmd4you" in o for o in offers)
    assert "h" not in all_data(city)

    young = ConversationState(language="en")
    young.profile.age, young.profile.city = 19, "magdeburg"
    offers = [
        c.offer_id for r in shipped_engine.handoff_unavailable(young, t, NOW) for c in r.cards
    ]
    assert offers and offers[0].startswith("jmd")

    violence = ConversationState(language="en")
    shipped_engine.handle(violence, text("my husband beats me"), NOW)
    replies = shipped_engine.handoff_unavailable(violence, t, NOW)
    offers = [c.offer_id for r in replies for c in r.cards]
    assert "hilfetelefon-gewalt-gegen-frauen" in offers
    assert "h" not in {b.data for r in replies for row in r.buttons for b in row}


# -- robustness ------------------------------------------------------------------------------


def test_menu_navigation_without_typing(shipped_engine: DialogueEngine) -> None:
    state = ConversationState(language="uk", language_chosen=True)
    menu = shipped_engine.handle(state, Incoming("command", "menu"), NOW)
    fields = [d for d in all_data(menu) if d.startswith("f:")]
    assert len(fields) == 6  # the emergency field is not a menu item
    topics = shipped_engine.handle(state, button(fields[0]), NOW)
    topic = next(d for d in all_data(topics) if d.startswith("t:"))
    offers = shipped_engine.handle(state, button(topic), NOW)
    assert cards_of(offers)


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


def test_a_card_says_when_it_falls_back_to_another_language(shipped_engine: DialogueEngine) -> None:
    from bot.dialogue.cards import build_card

    offer = shipped_engine.knowledge.offers["jmd-magdeburg"]
    partial = offer.model_copy(
        update={
            "description": {"de": offer.description["de"], "en": offer.description["en"]},
            "summary": {"de": offer.summary["de"]},
        }
    )
    card = build_card(
        partial, shipped_engine.knowledge, texts("ti"), topic="youth", now=NOW, compact=True
    )
    assert card.note and texts("ti").language_name("de") in card.note
    full = build_card(
        offer, shipped_engine.knowledge, texts("ti"), topic="youth", now=NOW, compact=True
    )
    assert not full.note or texts("ti").language_name("de") not in full.note


@pytest.mark.parametrize(
    ("message", "age"),
    [
        ("ich bin 19, wohne in Dresden", 19),
        ("he is 60", 60),
        ("em 22 tuổi", 22),
        ("عمري ٢٤", 24),
        ("em 5 kes in", None),  # Kurmanji: "we are 5 people"
        ("j'ai 2 enfants", None),
        ("ez li Magdeburgê li xaniyekî digerim, em 5 kes in", None),
    ],
)
def test_an_age_needs_an_age_word_or_a_closed_clause(
    shipped_engine: DialogueEngine, message: str, age: int | None
) -> None:
    assert read_slots(message, shipped_engine.matcher.places).age == age
