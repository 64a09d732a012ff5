"""The per-person conversation state, stored as JSON in `conversation_states`.

Kept deliberately small: the chosen language, what the person told about themselves (age, city,
district, residence status, gender; only if they said it), the last question's topics and offers
(to re-rank on a location or an age answer) and at most one pending question.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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


@dataclass
class ConversationState:
    language: str | None = None
    language_chosen: bool = False
    profile: Profile = field(default_factory=Profile)
    last_text: str | None = None  # the question being worked on (cleared when answered)
    last_question: str | None = None  # the latest question, for an adviser's case summary
    last_topics: list[str] = field(default_factory=list)
    last_offers: list[str] = field(default_factory=list)
    pending: str | None = None  # age | language | delete
    relay: bool = False  # a hand-off case is open and the person's messages go to the advisers

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationState:
        if not data:
            return cls()
        profile = Profile(
            **{
                k: v
                for k, v in (data.get("profile") or {}).items()
                if k in Profile.__dataclass_fields__
            }
        )
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "profile"}
        return cls(profile=profile, **fields)
