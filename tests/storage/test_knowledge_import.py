from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select, text

from bot.services import open_services
from bot.storage.models import Base, Embedding, KnowledgeVersion, OfferRow, OfferText
from tests.conftest import make_settings


async def _dump(services) -> dict[str, list]:
    """Every row of every table, to prove a refused import changed nothing."""
    out: dict[str, list] = {}
    async with services.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(table.select())).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


async def test_import_change_remove_and_refuse(database_url: str, knowledge_copy: Path) -> None:
    settings = make_settings(database_url, knowledge_dir=knowledge_copy)
    services = await open_services(settings, ensure_knowledge=False)
    try:
        first = await services.import_knowledge()
        assert first.ok and first.revision == 1
        total = len(first.knowledge.offers)
        assert len(first.added) == total and not first.changed and not first.retired

        async with services.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(OfferRow)) == total
            assert await session.scalar(select(func.count()).select_from(OfferText)) > total * 3
            if services.semantic is not None:
                assert await session.scalar(select(func.count()).select_from(Embedding)) > total

        again = await services.import_knowledge()
        assert again.ok and again.unchanged and again.revision is None
        assert services.knowledge_version == 1

        offers = sorted((knowledge_copy / "offers").glob("*.yaml"))
        changed, removed = offers[0], offers[1]
        text_ = changed.read_text(encoding="utf-8")
        changed.write_text(re.sub(r"last_reviewed: .+", "last_reviewed: 2026-11-01", text_))
        removed.unlink()
        second = await services.import_knowledge()
        assert second.ok and second.revision == 2
        assert second.changed == [changed.stem] and second.retired == [removed.stem]
        assert second.added == []
        # the removed file's offer is retired: kept with its history, hidden from the bot
        assert removed.stem not in services.knowledge.offers
        async with services.sessions() as session:
            row = await session.get(OfferRow, removed.stem)
            assert row is not None and row.retired

        before = await _dump(services)
        broken = offers[2]
        broken.write_text(
            broken.read_text(encoding="utf-8").replace("topics: [", "topics: [bogus, ", 1)
        )
        offers[3].write_text("id: [unclosed\n", encoding="utf-8")
        refused = await services.import_knowledge()
        assert not refused.ok and refused.revision is None
        assert len(refused.errors) >= 2
        assert await _dump(services) == before
    finally:
        await services.close()


async def test_live_knowledge_round_trips(services) -> None:
    assert services.knowledge is not None
    async with services.sessions() as session:
        version = await session.scalar(select(func.max(KnowledgeVersion.version)))
        assert version == services.knowledge_version
        ids = set((await session.scalars(select(OfferRow.id))).all())
    assert ids == set(services.knowledge.offers)
    # the rebuilt knowledge hashes exactly like the folder it came from
    from bot.knowledge.loader import load_knowledge

    assert load_knowledge(services.settings.knowledge_dir).knowledge.content_hash == (
        services.knowledge.content_hash
    )
    async with services.engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
