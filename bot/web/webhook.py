"""Telegram's webhook: check the secret, store the update in the inbox, answer 200.

Nothing is acknowledged that is not stored: a database failure answers 503 and Telegram sends
the update again. A request without the right `X-Telegram-Bot-Api-Secret-Token` is refused
before its body is read and changes nothing. Answers never go in the HTTP response; the inbox
workers send them through Bot API calls.
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.core import metrics
from bot.delivery.inbox import kind_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["telegram"])
MAX_BODY = 1 << 20  # an update is a few kilobytes


@router.post("/telegram/webhook")
async def telegram_webhook(request: Request) -> Response:
    settings = request.app.state.settings
    inbox = getattr(request.app.state, "inbox", None)
    if settings.telegram_webhook_url is None or settings.telegram_webhook_secret is None:
        return Response("not found", status_code=404)
    given = request.headers.get("x-telegram-bot-api-secret-token")
    if given is None:
        return Response("secret token missing", status_code=401)
    expected = settings.telegram_webhook_secret.get_secret_value()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return Response("wrong secret token", status_code=403)
    if inbox is None:  # starting or stopping
        return Response("not ready", status_code=503)
    body = await request.body()
    if len(body) > MAX_BODY:
        return Response("too large", status_code=413)
    try:
        update = json.loads(body)
    except ValueError:
        return Response("not JSON", status_code=400)
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return Response("not an update", status_code=400)
    try:
        new = await inbox.store([update])
    except Exception as exc:  # Telegram retries a failed delivery
        log.warning("webhook: could not store update (%s); answered 503", type(exc).__name__)
        return Response("try again", status_code=503)
    metrics.UPDATES_RECEIVED.labels(kind_of(update), "webhook").inc()
    if not new:
        metrics.UPDATES_DUPLICATE.labels("webhook").inc()
    request.app.state.inbox_wake()
    return Response(status_code=200)
