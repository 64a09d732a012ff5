"""What goes into the engine and what comes out: plain data, no transport types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

IncomingKind = Literal["text", "command", "button", "location", "media"]


@dataclass(frozen=True)
class Incoming:
    kind: IncomingKind
    text: str = ""  # message text, command name (without "/"), or button data
    argument: str = ""  # command argument
    telegram_language: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    media: str | None = None  # voice | photo | sticker | document | contact | video | other
    chat_id: int | None = None  # the transport's chat and message, for relaying to advisers
    message_id: int | None = None


@dataclass(frozen=True)
class Button:
    label: str
    data: str = ""  # callback data (at most 64 bytes); empty when `url` is set
    url: str | None = None


@dataclass(frozen=True)
class CardLine:
    label: str
    value: str
    url: str | None = None


@dataclass(frozen=True)
class OfferCard:
    offer_id: str
    title: str
    why: str  # why it fits: the topic in the person's language
    description: str
    lines: tuple[CardLine, ...]
    note: str | None = None  # e.g. "sample entry"


@dataclass
class Reply:
    text: str
    cards: list[OfferCard] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)  # rows of buttons
    rtl: bool = False


@dataclass(frozen=True)
class Event:
    """Something the service layer records or acts upon after the engine answered."""

    kind: Literal["demand", "unanswered", "feedback", "handoff", "delete", "consent"]
    data: dict = field(default_factory=dict)


@dataclass
class EngineOutput:
    replies: list[Reply]
    events: list[Event] = field(default_factory=list)
