"""The directory in the database: live rows, revisions that store only what changed, vectors.

The live state is `offers` (every offer, retired ones flagged) and `directory_items` (reference
items: topics, places, intents…), so loading it is two small queries. Each revision adds one
`knowledge_versions` row and one version row per offer or item it changed. Deciding *what* to
change (validation, previews, rollbacks) is the job of `bot.directory`; this module only reads and
writes, always inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.knowledge.model import Knowledge
from bot.knowledge.parts import ItemKey, assemble, item_hash, knowledge_dict
from bot.storage.models import (
    DirectoryItem,
    DirectoryItemVersion,
    Embedding,
    KnowledgeVersion,
    OfferRow,
    OfferText,
    OfferVersion,
    utcnow,
)

WRITE_LOCK_KEY = 0x5765_6764  # PostgreSQL advisory lock: one directory revision at a time

# (owner_kind, owner_id, text) triples to embed.
Passage = tuple[str, str, str]


@dataclass
class EmbeddingIndex:
    """Stored vectors of one model, grouped by owner, ready for the matcher."""

    model: str
    owners: list[tuple[str, str]]  # (owner_kind, owner_id) per row
    vectors: np.ndarray  # float32, shape (n, dim), L2-normalised


@dataclass
class StoredOffer:
    data: dict[str, Any]
    content_hash: str
    retired: bool
    revision: int
    updated_at: Any


@dataclass
class StoredState:
    """The live directory as stored: revision number, reference items, every offer."""

    revision: int
    items: dict[ItemKey, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    item_hashes: dict[ItemKey, str] = field(default_factory=dict)
    offers: dict[str, StoredOffer] = field(default_factory=dict)
    legacy_snapshot: dict[str, Any] | None = None  # reference data of a pre-0003 database

    def parts(self) -> dict[str, Any] | None:
        if self.items:
            return assemble(self.items)
        if self.legacy_snapshot:
            snap = self.legacy_snapshot
            return {
                "topics": {"fields": snap["fields"]},
                "regions": {"cities": snap["cities"]},
                "intents": snap["intents"],
                "handoff": {
                    "office_hours": snap.get("office_hours", "Mo-Fr 09:00-16:00"),
                    "templates": snap.get("templates", []),
                },
                "exemplars": snap.get("exemplars") or {},
                "danger": snap.get("danger") or {},
            }
        return None


@dataclass
class RevisionWrite:
    """What one revision changes; everything else stays as it is."""

    content_hash: str
    author: str | None
    comment: str | None
    source: str
    summary: dict[str, Any]
    items: dict[ItemKey, tuple[int, dict[str, Any]]]  # set (added or changed)
    removed_items: list[ItemKey]
    offers: dict[str, tuple[dict[str, Any], bool]]  # offer id → (data, retired)
    counts: tuple[int, int, int] = (0, 0, 0)  # added, changed, retired


def text_hash(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


async def current_version(session: AsyncSession) -> KnowledgeVersion | None:
    return await session.scalar(
        select(KnowledgeVersion).order_by(KnowledgeVersion.version.desc()).limit(1)
    )


async def knowledge_version_number(session: AsyncSession) -> int:
    """The live revision number: one cheap query, made for every message by every process."""
    return int(await session.scalar(select(func.coalesce(func.max(KnowledgeVersion.version), 0))))


async def lock_for_writing(session: AsyncSession) -> None:
    """Serialise directory writers (PostgreSQL; SQLite's write lock does it by itself)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})


async def load_state(session: AsyncSession) -> StoredState:
    revision = await knowledge_version_number(session)
    state = StoredState(revision)
    for row in (await session.scalars(select(DirectoryItem))).all():
        state.items[(row.kind, row.key)] = (row.position, row.data)
        state.item_hashes[(row.kind, row.key)] = row.content_hash
    for row in (await session.scalars(select(OfferRow).order_by(OfferRow.id))).all():
        state.offers[row.id] = StoredOffer(
            row.data, row.content_hash, row.retired, row.knowledge_version, row.updated_at
        )
    if not state.items and revision:
        latest = await current_version(session)
        state.legacy_snapshot = latest.snapshot if latest and latest.snapshot else None
    return state


async def load_live_knowledge(session: AsyncSession) -> tuple[int, Knowledge] | None:
    """The live directory (active offers only), or None when nothing was loaded yet."""
    state = await load_state(session)
    parts = state.parts()
    if not state.revision or parts is None:
        return None
    offers = [o.data for _, o in sorted(state.offers.items()) if not o.retired]
    return state.revision, Knowledge.from_dict(knowledge_dict(parts, offers))


async def write_revision(session: AsyncSession, change: RevisionWrite) -> int:
    """Add one revision with exactly the given changes (inside the caller's transaction)."""
    now = utcnow()
    added, changed, retired = change.counts
    version = KnowledgeVersion(
        content_hash=change.content_hash,
        imported_at=now,
        offers_added=added,
        offers_changed=changed,
        offers_removed=retired,
        snapshot={},
        author=change.author,
        comment=change.comment,
        source=change.source,
        summary=change.summary,
    )
    session.add(version)
    await session.flush()
    number = version.version
    for (kind, key), (position, data) in change.items.items():
        await session.merge(
            DirectoryItem(
                kind=kind,
                key=key,
                position=position,
                data=data,
                content_hash=item_hash(data),
                revision=number,
            )
        )
        session.add(
            DirectoryItemVersion(kind=kind, key=key, revision=number, position=position, data=data)
        )
    for kind, key in change.removed_items:
        await session.execute(
            delete(DirectoryItem).where(DirectoryItem.kind == kind, DirectoryItem.key == key)
        )
        session.add(DirectoryItemVersion(kind=kind, key=key, revision=number, data=None))
    if change.offers:
        await session.execute(delete(OfferText).where(OfferText.offer_id.in_(list(change.offers))))
    for offer_id, (data, is_retired) in change.offers.items():
        digest = item_hash(data)
        coordinates = data.get("coordinates")
        await session.merge(
            OfferRow(
                id=offer_id,
                content_hash=digest,
                data=data,
                city=data.get("city"),
                district=data.get("district"),
                latitude=coordinates[0] if coordinates else None,
                longitude=coordinates[1] if coordinates else None,
                emergency=bool(data.get("emergency")),
                sample=bool(data.get("sample")),
                retired=is_retired,
                knowledge_version=number,
                updated_at=now,
            )
        )
        session.add(
            OfferVersion(
                offer_id=offer_id,
                revision=number,
                data=data,
                content_hash=digest,
                retired=is_retired,
            )
        )
        if not is_retired:
            session.add_all(_offer_texts(offer_id, data))
    return number


def _offer_texts(offer_id: str, data: dict[str, Any]) -> list[OfferText]:
    rows: list[OfferText] = []
    for kind in ("name", "description"):
        for lang, value in (data.get(kind) or {}).items():
            rows.append(OfferText(offer_id=offer_id, language=lang, kind=kind, text=value))
    for lang, words in (data.get("keywords") or {}).items():
        rows.extend(
            OfferText(offer_id=offer_id, language=lang, kind="keyword", text=w) for w in words
        )
    return rows


async def stored_vectors(session: AsyncSession, model: str) -> dict[str, np.ndarray]:
    rows = await session.execute(
        select(Embedding.text_hash, Embedding.vector).where(Embedding.model == model)
    )
    return {h: np.frombuffer(v, dtype=np.float32) for h, v in rows.all()}


async def sync_embeddings(
    session: AsyncSession,
    wanted: list[Passage],
    vectors: dict[str, np.ndarray],
    model: str,
) -> None:
    """Keep exactly the wanted passages' vectors: drop stale rows, add new ones."""
    keys = {(kind, owner, text_hash(t)) for kind, owner, t in wanted}
    existing = {
        (kind, owner, digest): row_id
        for row_id, kind, owner, digest in (
            await session.execute(
                select(
                    Embedding.id, Embedding.owner_kind, Embedding.owner_id, Embedding.text_hash
                ).where(Embedding.model == model)
            )
        ).all()
    }
    stale = [row_id for key, row_id in existing.items() if key not in keys]
    for start in range(0, len(stale), 500):
        await session.execute(delete(Embedding).where(Embedding.id.in_(stale[start : start + 500])))
    session.add_all(
        Embedding(
            owner_kind=kind,
            owner_id=owner,
            model=model,
            text_hash=digest,
            vector=vectors[digest].astype(np.float32).tobytes(),
        )
        for kind, owner, digest in sorted(keys - set(existing))
    )


async def load_embeddings(session: AsyncSession, model_name: str) -> EmbeddingIndex | None:
    rows = (
        await session.execute(
            select(Embedding.owner_kind, Embedding.owner_id, Embedding.vector)
            .where(Embedding.model == model_name)
            .order_by(Embedding.id)
        )
    ).all()
    if not rows:
        return None
    vectors = np.stack([np.frombuffer(v, dtype=np.float32) for _, _, v in rows])
    return EmbeddingIndex(model_name, [(k, o) for k, o, _ in rows], vectors)
