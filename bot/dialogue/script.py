"""Scripted conversations: one turn in, the bot's turn as a JSON-ready dict out.

Used by `wegweiser chat --script FILE` (JSON Lines in, one JSON line per bot turn out) and by the
conversation benchmark, so both see exactly what a person in Telegram would get from the engine.
A turn is `{"say": "text"}`, `{"command": "start"}`, `{"button": "c:dresden"}` or
`{"location": [lat, lon]}`; the output has the fields of `wegweiser ask --json` (`language`,
`action`, `offers`) plus `topics`, `asks`, `emergency_kind`, `profile` and the reply texts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.dialogue.cards import localized
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.messages import Incoming
from bot.dialogue.state import ConversationState


class ScriptError(ValueError):
    """A scripted turn that is not one of the known shapes."""


def incoming_of(turn: dict[str, Any], telegram_language: str | None) -> Incoming:
    if isinstance(turn.get("say"), str):
        return Incoming("text", turn["say"], telegram_language=telegram_language)
    if isinstance(turn.get("command"), str):
        name, _, argument = turn["command"].lstrip("/").partition(" ")
        return Incoming(
            "command", name.lower(), argument=argument, telegram_language=telegram_language
        )
    if isinstance(turn.get("button"), str):
        return Incoming("button", turn["button"], telegram_language=telegram_language)
    location = turn.get("location")
    if isinstance(location, list) and len(location) == 2:
        return Incoming(
            "location",
            latitude=float(location[0]),
            longitude=float(location[1]),
            telegram_language=telegram_language,
        )
    raise ScriptError('a turn needs "say", "command", "button" or "location"')


def run_turn(
    engine: DialogueEngine,
    state: ConversationState,
    turn: dict[str, Any],
    now: dt.datetime,
    *,
    telegram_language: str | None = None,
) -> dict[str, Any]:
    """Run one turn against `state` (changed in place); the bot's answer as a dict."""
    output = engine.handle(state, incoming_of(turn, telegram_language), now)
    outcome = output.outcome
    offers = engine.knowledge.offers
    return {
        "language": outcome.language,
        "action": outcome.action,
        "offers": [
            {
                "id": offer_id,
                "name": localized(offers[offer_id].name, outcome.language),
                "topics": list(offers[offer_id].topics),
                "score": round(score, 4),
            }
            for offer_id, score in outcome.offers
            if offer_id in offers
        ],
        "topics": list(outcome.topics),
        "asks": outcome.asks,
        "emergency_kind": outcome.emergency_kind,
        "no_offer": outcome.no_offer,
        "profile": outcome.profile,
        "replies": [reply.text for reply in output.replies if reply.text],
        "buttons": [b.data for r in output.replies for row in r.buttons for b in row if b.data],
    }
