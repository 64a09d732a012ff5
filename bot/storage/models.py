"""SQLAlchemy models: every piece of state lives here, so several bot processes can share it.

Privacy by design: a person is a row keyed by their Telegram id with a chosen language and a
consent time; no name, username or phone number is ever stored. Question texts kept for monitoring
(`unanswered_questions`, `demand_events`) carry no link to a person. Message contents of hand-offs
are the only personal texts, and `/delete` or the retention period removes them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, dt.datetime: UTCDateTime}  # noqa: RUF012


# --- knowledge -----------------------------------------------------------------------------


class KnowledgeVersion(Base):
    """One revision of the directory; the newest row is the live version.

    Every change (a form, a spreadsheet or YAML import, a rollback) is one row with its author,
    time, comment and source. What changed is stored beside it, and only that: offer versions in
    `offer_versions`, reference items (topics, places, intents…) in `directory_item_versions`.
    `snapshot` is the whole reference data of revisions written before those tables existed.
    """

    __tablename__ = "knowledge_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    offers_added: Mapped[int] = mapped_column(Integer, default=0)
    offers_changed: Mapped[int] = mapped_column(Integer, default=0)
    offers_removed: Mapped[int] = mapped_column(Integer, default=0)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(32))  # form | xlsx | yaml | rollback | …
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ids and items that changed


class OfferRow(Base):
    """One offer of the live directory, with its full validated data as JSON.

    Retired offers keep their row (`retired`), hidden from the bot and the public API.
    """

    __tablename__ = "offers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    city: Mapped[str | None] = mapped_column(String(64), index=True)
    district: Mapped[str | None] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    knowledge_version: Mapped[int] = mapped_column(
        ForeignKey("knowledge_versions.version", ondelete="RESTRICT")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OfferVersion(Base):
    """An offer as one revision left it (its data, or that it was retired)."""

    __tablename__ = "offer_versions"
    __table_args__ = (Index("ix_offer_versions_offer", "offer_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(
        ForeignKey("knowledge_versions.version", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class DirectoryItem(Base):
    """One live reference item: a field of action, a topic (name and lexicon), a city with its
    districts, an intent phrase list, exemplars, the advisers' hours or a template.

    Kept per item so that adding one phrase stores one topic, not the whole lexicon."""

    __tablename__ = "directory_items"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(
        ForeignKey("knowledge_versions.version", ondelete="RESTRICT")
    )


class DirectoryItemVersion(Base):
    """A reference item as one revision left it; `data` is null when the item was removed."""

    __tablename__ = "directory_item_versions"
    __table_args__ = (Index("ix_directory_item_versions_item", "kind", "key", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(
        ForeignKey("knowledge_versions.version", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OfferText(Base):
    """Searchable texts of an offer: names, descriptions and keywords per language."""

    __tablename__ = "offer_texts"
    __table_args__ = (Index("ix_offer_texts_language_kind", "language", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # name | description | keyword
    text: Mapped[str] = mapped_column(Text)


class Embedding(Base):
    """A stored sentence embedding of an offer or topic passage, computed at import."""

    __tablename__ = "embeddings"
    __table_args__ = (
        UniqueConstraint("owner_kind", "owner_id", "model", "text_hash", name="uq_embeddings_key"),
        Index("ix_embeddings_owner", "owner_kind", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_kind: Mapped[str] = mapped_column(String(16))  # offer | topic
    owner_id: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(64))
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


# --- people and conversations --------------------------------------------------------------


class Person(Base):
    """A pseudonymous person: a channel id, a language and a consent time, nothing more."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_people_channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | console | api
    external_id: Mapped[int] = mapped_column(BigInteger)  # Telegram user/chat id (64-bit)
    language: Mapped[str | None] = mapped_column(String(8))
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ConversationState(Base):
    """The dialogue state of one person; `revision` guards against lost concurrent updates."""

    __tablename__ = "conversation_states"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- hand-off ------------------------------------------------------------------------------


class HandoffTicket(Base):
    """One case handed to the advisers: one forum topic in the advisers' group."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (
        Index("ix_handoff_tickets_person_status", "person_id", "status"),
        Index("ix_handoff_tickets_thread", "adviser_chat_id", "thread_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[str] = mapped_column(String(16), unique=True)
    # SET NULL: after /delete the case stays (contents wiped) so response-time figures survive
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    language: Mapped[str] = mapped_column(String(8))
    topics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # personal: deleted on request
    adviser_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    first_answer_at: Mapped[dt.datetime | None] = mapped_column()
    last_person_message_at: Mapped[dt.datetime | None] = mapped_column()
    last_adviser_message_at: Mapped[dt.datetime | None] = mapped_column()
    reminded_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    close_reason: Mapped[str | None] = mapped_column(String(32))


class HandoffMessage(Base):
    """The mapping of one relayed message between the person's chat and the case topic."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_tickets.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(16))  # to_advisers | to_person
    person_message_id: Mapped[int | None] = mapped_column(BigInteger)
    adviser_message_id: Mapped[int | None] = mapped_column(BigInteger)
    content: Mapped[str | None] = mapped_column(Text)  # personal: deleted on request
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to deliver through the Bot API, persisted first so nothing gets lost.

    Delivered in id order per chat; a failed attempt is retried later (429, 5xx, network);
    `lease_until` lets several bot processes share the outbox without sending a row twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_chat_sent", "chat_id", "sent_at"),  # the lanes' windows
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("handoff_tickets.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(16))  # to_advisers | to_person | system
    kind: Mapped[str] = mapped_column(String(16))  # text | copy | create_topic | close_topic
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # personal: wiped on deletion
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column()


# --- monitoring ----------------------------------------------------------------------------


class DemandEvent(Base):
    """What was asked for (topics, language, district), never who asked: needs monitoring."""

    __tablename__ = "demand_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(16))
    topics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    city: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class UnansweredQuestion(Base):
    """A question the bot could not answer, kept (without the asker) to improve the directory.

    The gaps queue groups them by meaning: `vector` caches the question's embedding (deleted
    with the text at the end of the retention period); `resolution` records what staff did
    (lexicon | outside | offer | dismissed) so a handled question leaves the queue."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # pseudonymous link to the asker, only so that /delete removes the text at once
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    candidates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    vector_model: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_at: Mapped[dt.datetime | None] = mapped_column()


class Feedback(Base):
    """'Helpful' / 'not what I need' on an offer; the person link is cut on deletion."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    offer_id: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    """A referral follow-up the person agreed to: in `FOLLOWUP_DAYS` the bot asks whether they
    reached the offers it suggested. One pending row per person at most; deleted once answered
    (the answer goes to `follow_up_outcomes` without the person), on /delete and at the end of
    the retention period."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | asked
    topic: Mapped[str] = mapped_column(String(64))
    offers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"ids": [...]}
    language: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[dt.datetime] = mapped_column()
    asked_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FollowUpOutcome(Base):
    """One answer to a follow-up, per offer: reached and it helped (`helped`), reached but it
    did not help (`not_helped`), could not reach (`unreached`). No link to the person."""

    __tablename__ = "follow_up_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


# --- staff workspace -----------------------------------------------------------------------


class StaffAccount(Base):
    """A person of the integration office who may use the workspace."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | editor | viewer
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))  # de | en; None: the browser's
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()


class StaffSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class LoginAttempt(Base):
    """A failed sign-in, counted per account and per client address to slow down guessing."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_name", "account_name", "created_at"),
        Index("ix_login_attempts_client", "client", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_name: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who changed what, when: directory revisions, accounts, sign-ins."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(100))
    revision: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class StaffDigest(Base):
    """The weekly digest of offers to review, one row per ISO week (the unique week makes
    several processes write and send it once)."""

    __tablename__ = "staff_digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week: Mapped[str] = mapped_column(String(8), unique=True)  # e.g. 2026-W48
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sent_at: Mapped[dt.datetime | None] = mapped_column()


# --- delivery: the inbox and leases (issue 10) ----------------------------------------------


class InboxUpdate(Base):
    """One Telegram update, stored before it is acknowledged and handled from here.

    `update_id` is unique, so a redelivery or a second instance storing the same update is
    recognised and handled once. Updates of one chat (`chat_key`) are handled in id order; a
    row is leased for seconds while one process handles it. The payload is wiped once handled;
    the row itself stays a while so a late redelivery is still recognised.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index("ix_inbox_status_chat", "status", "chat_key", "id"),
        Index("ix_inbox_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_key: Mapped[int] = mapped_column(BigInteger)  # chat id (user id for a bare button)
    kind: Mapped[str] = mapped_column(String(32))  # message | edited_message | callback_query …
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # personal: wiped when handled
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the first answer Telegram accepted: an attempt cut off after it is not answered again
    replied_at: Mapped[dt.datetime | None] = mapped_column()
    handled_at: Mapped[dt.datetime | None] = mapped_column()


class Lease(Base):
    """A named lease held by one process for seconds and renewed by its heartbeat: the
    long-polling leader, the job runner on SQLite, and the next due time of periodic jobs."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column()
