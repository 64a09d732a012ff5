"""Import the knowledge folder into the database, and read the live version back.

The import is all or nothing: the folder is validated first (any error: the database is not
touched), embeddings are computed outside the transaction, then offers, texts, embeddings and the
new version row are written in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge.loader import LoadResult, load_knowledge
from bot.knowledge.model import Knowledge, offer_hash
from bot.matching.embedding_cache import load_cache
from bot.storage.models import Embedding, KnowledgeVersion, OfferRow, OfferText, utcnow

# (owner_kind, owner_id, text) triples to embed, built by the matcher's passage builder.
Passage = tuple[str, str, str]
PassageBuilder = Callable[[Knowledge], list[Passage]]
# Embeds a list of passages; returns one float32 row per passage.
PassageEmbedder = Callable[[Sequence[str]], np.ndarray]


@dataclass
class ImportReport:
    load: LoadResult
    version: int | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: bool = False

    @property
    def ok(self) -> bool:
        return self.load.knowledge is not None and self.version is not None


@dataclass
class EmbeddingIndex:
    """Stored vectors of one model, grouped by owner, ready for the matcher."""

    model: str
    owners: list[tuple[str, str]]  # (owner_kind, owner_id) per row
    vectors: np.ndarray  # float32, shape (n, dim), L2-normalised


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _offer_texts(knowledge: Knowledge) -> list[OfferText]:
    rows: list[OfferText] = []
    for offer in knowledge.offers.values():
        for lang, text in offer.name.items():
            rows.append(OfferText(offer_id=offer.id, language=lang, kind="name", text=text))
        for lang, text in offer.description.items():
            rows.append(OfferText(offer_id=offer.id, language=lang, kind="description", text=text))
        for lang, words in offer.keywords.items():
            rows.extend(
                OfferText(offer_id=offer.id, language=lang, kind="keyword", text=w) for w in words
            )
    return rows


async def current_version(session: AsyncSession) -> KnowledgeVersion | None:
    return await session.scalar(
        select(KnowledgeVersion).order_by(KnowledgeVersion.version.desc()).limit(1)
    )


async def import_knowledge(
    sessions: async_sessionmaker,
    folder: Path,
    *,
    passages: PassageBuilder | None = None,
    embedder: PassageEmbedder | None = None,
    model_name: str | None = None,
) -> ImportReport:
    """Validate `folder` and load it; on any validation error the database stays as it was."""
    load = load_knowledge(folder)
    report = ImportReport(load=load)
    knowledge = load.knowledge
    if knowledge is None:
        return report

    wanted: list[Passage] = passages(knowledge) if passages else []
    async with sessions() as session, session.begin():
        previous = await current_version(session)
        old_hashes = dict((await session.execute(select(OfferRow.id, OfferRow.content_hash))).all())
        new_hashes = {oid: offer_hash(o) for oid, o in knowledge.offers.items()}
        report.added = sorted(set(new_hashes) - set(old_hashes))
        report.removed = sorted(set(old_hashes) - set(new_hashes))
        report.changed = sorted(
            oid for oid in set(new_hashes) & set(old_hashes) if new_hashes[oid] != old_hashes[oid]
        )
        if previous is not None and previous.content_hash == knowledge.content_hash:
            report.version = previous.version
            report.unchanged = True
            if model_name is not None and embedder is not None:
                stored = await session.scalar(
                    select(func.count()).select_from(Embedding).where(Embedding.model == model_name)
                )
                if not stored:
                    vectors = await _embed_missing(session, wanted, embedder, model_name, folder)
                    _store_embeddings(session, wanted, vectors, model_name)
            return report

        vectors = await _embed_missing(session, wanted, embedder, model_name, folder)

        version = KnowledgeVersion(
            content_hash=knowledge.content_hash,
            imported_at=utcnow(),
            offers_added=len(report.added),
            offers_changed=len(report.changed),
            offers_removed=len(report.removed),
            snapshot={k: v for k, v in knowledge.to_dict().items() if k != "offers"},
        )
        session.add(version)
        await session.flush()

        await session.execute(delete(OfferText))
        if report.removed:
            await session.execute(delete(OfferRow).where(OfferRow.id.in_(report.removed)))
        for oid, offer in knowledge.offers.items():
            row = OfferRow(
                id=oid,
                content_hash=new_hashes[oid],
                data=offer.model_dump(mode="json", exclude_none=True),
                city=offer.city,
                district=offer.district,
                latitude=offer.coordinates[0] if offer.coordinates else None,
                longitude=offer.coordinates[1] if offer.coordinates else None,
                emergency=offer.emergency,
                sample=offer.sample,
                knowledge_version=version.version,
                updated_at=utcnow(),
            )
            await session.merge(row)
        session.add_all(_offer_texts(knowledge))

        if model_name is not None and embedder is not None:
            await session.execute(delete(Embedding).where(Embedding.model == model_name))
            _store_embeddings(session, wanted, vectors, model_name)
        report.version = version.version
    return report


def _store_embeddings(
    session: AsyncSession, wanted: list[Passage], vectors: dict[str, np.ndarray], model_name: str
) -> None:
    session.add_all(
        Embedding(
            owner_kind=kind,
            owner_id=owner,
            model=model_name,
            text_hash=text_hash(text),
            vector=vectors[text_hash(text)].astype(np.float32).tobytes(),
        )
        for kind, owner, text in dict.fromkeys(wanted)
    )


async def _embed_missing(
    session: AsyncSession,
    wanted: list[Passage],
    embedder: PassageEmbedder | None,
    model_name: str | None,
    folder: Path,
) -> dict[str, np.ndarray]:
    """Vectors by text hash: reused from the database or the shipped cache where the text is
    unchanged, embedded otherwise."""
    if embedder is None or model_name is None or not wanted:
        return {}
    known = load_cache(folder, model_name)
    known |= {
        h: np.frombuffer(v, dtype=np.float32)
        for h, v in (
            await session.execute(
                select(Embedding.text_hash, Embedding.vector).where(Embedding.model == model_name)
            )
        ).all()
    }
    texts = {text_hash(t): t for _, _, t in wanted}
    missing = [h for h in texts if h not in known]
    if missing:
        fresh = embedder([texts[h] for h in missing])
        known.update(zip(missing, fresh, strict=True))
    return known


async def load_live_knowledge(session: AsyncSession) -> tuple[int, Knowledge] | None:
    """The newest imported knowledge, or None when nothing was imported yet."""
    version = await current_version(session)
    if version is None:
        return None
    offers = (await session.scalars(select(OfferRow.data).order_by(OfferRow.id))).all()
    data = dict(version.snapshot)
    data["offers"] = list(offers)
    return version.version, Knowledge.from_dict(data)


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


async def knowledge_version_number(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(KnowledgeVersion.version), 0))))
