"""Telegram's webhook in `wegweiser serve`: registered with its secret and update types, a
request without the right secret refused and nothing stored, the same update posted to two
instances answered once; `/readyz` and `/metrics` of the same process."""

from __future__ import annotations

import contextlib

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.services import open_services
from bot.storage.models import InboxUpdate
from bot.web.app import create_app
from tests.telegram.running import standin_for

SECRET = "s3cret-token_for-tests"
URL = "https://bot.example.org/telegram/webhook"


def update(update_id: int, chat: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "T", "language_code": "de"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


@contextlib.asynccontextmanager
async def instance(services):
    app = create_app(services.settings, services)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def stored(services) -> int:
    async with services.sessions() as session:
        return await session.scalar(select(func.count(InboxUpdate.id)))


async def test_webhook_secret_one_answer_from_two_instances_and_ops(services) -> None:
    standin = await standin_for(
        services,
        telegram_webhook_url=URL,
        telegram_webhook_secret=SecretStr(SECRET),
        lease_seconds=3.0,
    )
    second = await open_services(services.settings)
    try:
        async with instance(services) as one, instance(second) as two:
            await standin.wait_for(lambda: len(standin.sent(method="setWebhook")) == 2, 10)
            registered = standin.sent(method="setWebhook")[-1].params
            assert registered["url"] == URL and registered["secret_token"] == SECRET
            assert set(registered["allowed_updates"]) == {
                "message",
                "edited_message",
                "callback_query",
                "my_chat_member",
            }

            body = update(501, 7001, "/privacy")
            missing = await one.post("/telegram/webhook", json=body)
            wrong = await one.post(
                "/telegram/webhook",
                json=body,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
            )
            assert missing.status_code in (401, 403) and wrong.status_code in (401, 403)
            assert await stored(services) == 0 and not standin.sent(7001)

            good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            first = await one.post("/telegram/webhook", json=body, headers=good)
            again = await two.post("/telegram/webhook", json=body, headers=good)
            assert first.status_code == 200 and again.status_code == 200
            assert first.content in (b"", b"{}")  # the answer goes out as a Bot API call
            await standin.wait_for(lambda: len(standin.sent(7001)) >= 1, 15)
            await standin.settle(quiet=1.0)
            assert len(standin.sent(7001)) == 1  # one answer, though both instances got it
            assert await stored(services) == 1

            assert (
                await one.post("/telegram/webhook", content=b"{", headers=good)
            ).status_code == 400
            ready = await two.get("/readyz")
            assert ready.status_code == 200 and ready.json()["database"] == "ok"
            exposed = (await one.get("/metrics")).text
            assert 'wegweiser_updates_received_total{kind="message",via="webhook"}' in exposed
            assert "wegweiser_inbox_depth 0.0" in exposed
            assert "wegweiser_handling_seconds_bucket" in exposed
    finally:
        await second.close()
        await standin.stop()


async def test_readyz_is_503_without_the_database(ready_sqlite_url: str) -> None:
    from tests.conftest import make_settings

    services = await open_services(make_settings(ready_sqlite_url))
    app = create_app(services.settings, services)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/readyz")).status_code == 200

                def broken(*args, **kwargs):
                    raise OSError("database unreachable")

                real, services.sessions = services.sessions, broken
                try:
                    response = await client.get("/readyz")
                finally:
                    services.sessions = real
                assert response.status_code == 503
                assert (await client.get("/healthz")).status_code == 200
    finally:
        await services.close()
