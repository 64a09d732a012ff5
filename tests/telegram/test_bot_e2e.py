"""End to end through python-telegram-bot (HTTPXRequest, AIORateLimiter, Updater, handlers)
against the project's own Bot API stand-in on loopback, reached via TELEGRAM_API_BASE_URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from bot.storage.models import ConversationState, Person
from tests.botapi_standin import BotApiStandIn
from tests.telegram.running import standin_for, start_bot, stop_bot

ALLOWED_TAGS = {"b", "i", "a", "u", "s", "code", "pre"}


class TelegramHTML(HTMLParser):
    """Checks what Telegram checks: only its tags, balanced, entities well-formed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag {tag}")
        self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced {tag}")

    def handle_entityref(self, name) -> None:
        if name not in ("amp", "lt", "gt", "quot"):
            self.errors.append(f"entity {name}")


def assert_valid_html(text: str) -> None:
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    assert not parser.errors and not parser.stack, (parser.errors, text[:300])


@pytest.fixture
async def bot(services) -> AsyncIterator[tuple[BotApiStandIn, object]]:
    standin = await standin_for(
        services,
        flood_limit=8,
        flood_window_seconds=10.0,
        staff_user_ids=frozenset({777}),
    )
    application = await start_bot(services)
    clock = FakeClock()
    application.bot_data["adapter"].flood.clock = clock
    services.clock = clock  # the flood test moves time forward instead of sleeping
    yield standin, services
    await stop_bot(application)
    await standin.stop()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def buttons_of(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def test_start_in_three_languages_and_command_menus(bot) -> None:
    standin, _ = bot
    expected = {101: ("ar", "Wegweiser"), 102: ("uk", "Wegweiser"), 103: ("de", "Wegweiser")}
    for user, (lang, _) in expected.items():
        standin.message(user, "/start", language=lang)
    await standin.settle()
    for user, (lang, word) in expected.items():
        sent = standin.sent(user)
        assert len(sent) == 2, lang
        welcome, picker = sent
        assert word in welcome.params["text"]
        assert welcome.params["parse_mode"] == "HTML"
        assert sum(d.startswith("l:") for d in buttons_of(picker)) == 12
    arabic = standin.sent(101)[0].params["text"]
    german = standin.sent(103)[0].params["text"]
    assert arabic != german and any("\u0600" <= ch <= "\u06ff" for ch in arabic)
    ukrainian = standin.sent(102)[0].params["text"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in ukrainian)
    menus = [c for c in standin.calls if c.method == "setMyCommands"]
    assert {c.params.get("language_code") for c in menus} >= {"de", "ar", "uk", "ti", "vi"}


async def test_question_answered_with_cards_and_feedback_stored(bot) -> None:
    standin, services = bot
    standin.message(201, "Ich suche einen Deutschkurs in Magdeburg", language="de")
    await standin.settle()
    sent = standin.sent(201)
    # one message per answer: the cards and the buttons below them; once per person it also
    # asks whether the bot may follow up on the referral
    assert len(sent) == 1 and buttons_of(sent[0])[-2:] == ["fc:1", "fc:0"]
    answer = sent[0]
    assert answer.params["parse_mode"] == "HTML"
    assert_valid_html(answer.params["text"])
    details = [d for d in buttons_of(answer) if d.startswith("o:")]
    assert 1 <= len(details) <= 3 and "fb:language_course:1" in buttons_of(answer)
    for data in details:
        name = services.knowledge.offers[data[2:]].name["de"]
        assert name.split()[0] in answer.params["text"]
    standin.button(201, details[0])
    await standin.settle()
    full = standin.sent(201)[-1].params["text"]
    assert "openstreetmap.org" in full
    assert_valid_html(full)
    standin.button(201, "fb:language_course:1")
    await standin.settle()
    assert any(c.method == "answerCallbackQuery" for c in standin.calls)


async def test_menu_navigation_and_location(bot) -> None:
    standin, _ = bot
    standin.message(301, "/menu", language="fr")
    await standin.settle()
    field = next(d for d in buttons_of(standin.sent(301)[-1]) if d.startswith("f:"))
    standin.button(301, field, language="fr")
    await standin.settle()
    topic = next(d for d in buttons_of(standin.sent(301)[-1]) if d.startswith("t:"))
    standin.button(301, topic, language="fr")
    await standin.settle()
    assert any("fb:" in " ".join(buttons_of(c)) for c in standin.sent(301))
    before = len(standin.sent(301))
    standin.message(301, None, language="fr", location={"latitude": 51.0051, "longitude": 13.7952})
    await standin.settle()
    after = standin.sent(301)[before:]
    assert after and any("km" in c.params["text"] for c in after)


async def test_delete_removes_the_rows(bot) -> None:
    standin, services = bot
    standin.message(401, "wo finde ich eine Schuldnerberatung", language="de")
    await standin.settle()
    async with services.sessions() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Person).where(Person.external_id == 401)
            )
            == 1
        )
    standin.message(401, "/delete", language="de")
    await standin.settle()
    assert "del:yes" in buttons_of(standin.sent(401)[-1])
    standin.button(401, "del:yes")
    await standin.settle()
    async with services.sessions() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Person).where(Person.external_id == 401)
            )
            == 0
        )
        assert await session.scalar(select(func.count()).select_from(ConversationState)) == 0


async def test_media_long_and_markup_laden_text(bot) -> None:
    standin, _ = bot
    standin.message(
        501,
        None,
        language="ar",
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    await standin.settle()
    standin.message(
        501, None, language="ar", voice={"file_id": "v", "file_unique_id": "v", "duration": 3}
    )
    await standin.settle()
    sticker_reply, voice_reply = standin.sent(501)[-2:]
    assert "m" in buttons_of(sticker_reply) and "h" in buttons_of(voice_reply)
    standin.message(
        502, "<b>Deutschkurs</b> & <script>x</script> (Schule) - a.b " * 150, language="de"
    )
    await standin.settle()
    standin.message(503, "Wohnung " + "x" * 6000, language="de")
    await standin.settle()
    for user in (501, 502, 503):
        for call in standin.sent(user):
            text = call.params["text"]
            assert text.strip() and len(text) <= 4096
            assert_valid_html(text)


async def test_forged_button_flood_and_the_bot_keeps_answering(bot) -> None:
    standin, services = bot
    standin.button(601, "t:../../etc/passwd")
    standin.button(601, "fb:someone-elses-topic:1")
    await standin.settle()
    assert len(standin.sent(601)) == 2
    assert all("m" in buttons_of(c) for c in standin.sent(601))

    for i in range(40):
        standin.message(602, f"hallo {i}", language="de")
    await standin.settle()
    burst = standin.sent(602)
    assert (
        len(burst) <= 8 * 2 + 1
    )  # at most the limit's answers (and their buttons) plus one notice
    notices = [
        c
        for c in burst
        if "many messages" in c.params["text"] or "viele" in c.params["text"].lower()
    ]
    assert len(notices) == 1

    services.clock.now += 11  # the flood window has passed
    standin.message(602, "Ich suche eine Wohnung", language="de")
    await standin.settle()
    assert any("fb:" in " ".join(buttons_of(c)) for c in standin.sent(602)[len(burst) :])


async def test_an_error_gets_an_apology_and_the_bot_survives(bot, monkeypatch) -> None:
    standin, _ = bot
    from bot.dialogue.service import DialogueService

    original = DialogueService.handle
    calls = {"n": 0}

    async def failing_once(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(DialogueService, "handle", failing_once)
    standin.message(701, "Ich suche einen Kitaplatz", language="de")
    await standin.settle()
    assert len(standin.sent(701)) == 1  # the apology
    standin.message(701, "Ich suche einen Kitaplatz", language="de")
    await standin.settle()
    assert len(standin.sent(701)) > 1


async def test_stats_only_for_staff(bot) -> None:
    standin, _ = bot
    standin.message(778, "Ich suche eine Wohnung in Cracau", language="de")
    await standin.settle()
    standin.message(777, "/stats", language="de")
    standin.message(778, "/stats", language="de")
    await standin.settle()
    report = standin.sent(777)[-1].params["text"]
    assert report.startswith("<pre>") and "Anfragen vom" in report
    assert "Wohnen und Leben" in report and "Cracau (Magdeburg) &lt; 5" in report
    assert "Magdeburg &lt; 5" in report  # city counts, small ones suppressed
    assert_valid_html(report)
    other = standin.sent(778)[-1].params["text"]
    assert "Anfragen" not in other  # non-staff get the usual unknown-command answer
