"""The per-person conversation state, stored as JSON in `conversation_states`.

Kept deliberately small: the chosen language and the language of the conversation, what the
person told about themselves (age, city, district, residence status, gender; only if they said
it), the open request (its topic, for whom, what is still missing; it expires after
`REQUEST_TTL`), the last offers shown (for "more" and feedback) and at most one pending question.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

REQUEST_TTL = dt.timedelta(minutes=30)


@dataclass
class Profile:
    age: int | None = None
    age_group: str | None = None  # young (under 27) | adult, from the age question's buttons
    city: str | None = None
    district: str | None = None
    status: str | None = None
    gender: str | None = None

    def known(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def copy(self) -> Profile:
        return Profile(**self.known())


@dataclass
class OpenRequest:
    """The need being worked on: answered again when a slot arrives in later words."""

    topic: str
    question: str
    at: str  # ISO time of the last turn about it
    subject: str | None = None  # None: the person; else a relative's role ("father")
    profile: Profile = field(default_factory=Profile)  # whom the offers are for
    asked: str | None = None  # the slot the bot asked for: age | city

    def expired(self, now: dt.datetime) -> bool:
        try:
            return now - dt.datetime.fromisoformat(self.at) > REQUEST_TTL
        except ValueError:
            return True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> OpenRequest | None:
        if not data or not data.get("topic"):
            return None
        profile = _profile(data.get("profile"))
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "profile"}
        try:
            return cls(profile=profile, **fields)
        except TypeError:
            return None


def _profile(data: dict[str, Any] | None) -> Profile:
    return Profile(**{k: v for k, v in (data or {}).items() if k in Profile.__dataclass_fields__})


@dataclass
class ConversationState:
    language: str | None = None  # the chosen language (language_chosen) or the first one seen
    language_chosen: bool = False
    turn_language: str | None = None  # the language of the bot's last answer
    profile: Profile = field(default_factory=Profile)
    request: OpenRequest | None = None
    last_text: str | None = None  # a question waiting for the language picker
    last_question: str | None = None  # the latest question, for an adviser's case summary
    last_topics: list[str] = field(default_factory=list)
    last_offers: list[str] = field(default_factory=list)  # ranked offers of the last answer
    shown: int = 0  # how many of `last_offers` were shown
    pending: str | None = None  # age | city | language | delete | handoff_city
    relay: bool = False  # a hand-off case is open and the person's messages go to the advisers
    # referral follow-up: None until the person answered the consent question (asked once)
    followup_consent: bool | None = None
    followup_asked: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["request"] = self.request.to_dict() if self.request else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationState:
        if not data:
            return cls()
        fields = {
            k: v
            for k, v in data.items()
            if k in cls.__dataclass_fields__ and k not in ("profile", "request")
        }
        return cls(
            profile=_profile(data.get("profile")),
            request=OpenRequest.from_dict(data.get("request")),
            **fields,
        )
