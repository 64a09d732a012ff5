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
    icon: str | None = None  # compact cards show an icon instead of the label


@dataclass(frozen=True)
class OfferCard:
    offer_id: str
    title: str
    why: str  # why it fits: the topic in the person's language
    description: str
    lines: tuple[CardLine, ...]
    note: str | None = None  # e.g. "sample entry"
    number: int | None = None  # position in a compact answer ("1.", "2.", "3.")


@dataclass
class Reply:
    text: str
    cards: list[OfferCard] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)  # rows of buttons
    rtl: bool = False
    footer: str = ""  # text after the cards (e.g. the follow-up consent question)


@dataclass(frozen=True)
class Event:
    """Something the service layer records or acts upon after the engine answered."""

    kind: Literal[
        "demand",
        "unanswered",
        "feedback",
        "handoff",
        "delete",
        "consent",
        "followup",  # schedule a referral follow-up (offers, topic, language)
        "followup_outcome",  # the person answered a follow-up (id, outcome)
    ]
    data: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What the engine decided for one turn, in the terms of `wegweiser ask --json`: for
    scripted conversations, benchmarks, monitoring and the staff's test box."""

    action: str  # answer | clarify | handoff | emergency
    language: str
    topics: list[str] = field(default_factory=list)  # ranked, best first
    offers: list[tuple[str, float]] = field(default_factory=list)  # (offer id, score), best first
    asks: str | None = None  # the slot asked for: age | city | language | topic
    emergency_kind: str | None = None
    no_offer: bool = False  # nothing in the directory fits (said honestly)
    profile: dict = field(default_factory=dict)  # whom the offers are for
    subject: str | None = None  # a relative's role when the request is for someone else


@dataclass
class EngineOutput:
    replies: list[Reply]
    events: list[Event] = field(default_factory=list)
    outcome: Outcome | None = None
