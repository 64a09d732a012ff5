"""Multi-turn conversations end to end through python-telegram-bot and the Bot API stand-in:
a city typed after a question, an age in words, a follow-up for another person, a language
switch, and an emergency in other words in a low-resource language."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.botapi_standin import BotApiStandIn
from tests.telegram.running import standin_for, start_bot, stop_bot
from tests.telegram.test_bot_e2e import assert_valid_html


@pytest.fixture
async def bot(services) -> AsyncIterator[tuple[BotApiStandIn, object]]:
    standin = await standin_for(services)
    application = await start_bot(services)
    yield standin, services
    await stop_bot(application)
    await standin.stop()


async def say(standin: BotApiStandIn, user: int, text: str, language: str) -> dict:
    """Send one message and return the bot's one answer to it."""
    before = len(standin.sent(user))
    standin.message(user, text, language=language)
    await standin.wait_for(lambda: len(standin.sent(user)) > before)
    await standin.settle(quiet=0.5)
    new = standin.sent(user)[before:]
    assert len(new) == 1, [c.params["text"][:80] for c in new]  # one message per answer
    assert_valid_html(new[0].params["text"])
    return new[0].params


def buttons(params: dict) -> list[str]:
    markup = params.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def offers_in(params: dict) -> list[str]:
    return [d[2:] for d in buttons(params) if d.startswith("o:")]


async def test_a_city_typed_after_the_question_completes_it(bot) -> None:
    standin, services = bot
    first = await say(standin, 901, "كيف بدي اعمل لم شمل لعيلتي", "ar")
    assert "c:magdeburg" in buttons(first)  # offers, and the city question
    answer = await say(standin, 901, "انا ساكن بماغدبورغ", "ar")
    offers = offers_in(answer)
    assert offers and all(services.knowledge.offers[o].city in ("magdeburg", None) for o in offers)
    assert "fb:family_reunification:1" in buttons(answer)


async def test_an_age_in_words_then_a_follow_up_for_the_father(bot) -> None:
    standin, _ = bot
    asked = await say(standin, 902, "Мені потрібна міграційна консультація в Магдебурзі", "uk")
    assert {"a:young", "a:adult"} <= set(buttons(asked))
    young = await say(standin, 902, "мені двадцять", "uk")
    assert any(o.startswith("jmd") for o in offers_in(young))
    father = await say(standin, 902, "а для мого батька? йому 60", "uk")
    offers = offers_in(father)
    assert offers and any(o.startswith("mbe-") for o in offers)
    assert not any(o.startswith("jmd") for o in offers)


async def test_a_sentence_in_another_language_is_answered_in_it(bot) -> None:
    standin, _ = bot
    answer = await say(standin, 903, "بدي اتعلم اللغة الالمانية وين في كورس", "de")
    assert any("\u0600" <= ch <= "\u06ff" for ch in answer["text"])
    assert "l:ar" in buttons(answer)  # one tap to keep Arabic
    standin.button(903, "l:ar", language="de")
    await standin.settle(quiet=0.5)
    german_word = await say(standin, 903, "Jobcenter", "de")
    assert any("\u0600" <= ch <= "\u06ff" for ch in german_word["text"])


async def test_an_emergency_in_other_words_in_tigrinya(bot) -> None:
    standin, _ = bot
    answer = await say(standin, 904, "ሰብኣየይ ይወቕዓኒ ኣሎ ክቐትለኒ እዩ", "ti")
    assert "110" in answer["text"] and "116 016" in answer["text"]
    data = buttons(answer)
    assert "h" in data and not any(d.startswith("fb:") for d in data)
