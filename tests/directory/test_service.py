"""The directory service: revisions, previews, refusals, history, rollback, retire/restore."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.directory.service import Change
from bot.storage.knowledge_store import knowledge_version_number
from bot.storage.models import Base, DirectoryItemVersion, KnowledgeVersion, OfferVersion

OFFER = "jmd-magdeburg"


async def _dump(services) -> dict[str, list]:
    out: dict[str, list] = {}
    async with services.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(table.select())).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


async def test_edit_history_rollback_and_retire(services) -> None:
    directory = services.directory
    live = await directory.live()
    base = live.revision
    data = live.offer_data(OFFER)
    data["description"]["ar"] = "وصف جديد: مع نقطتين"
    data["opening_hours"] = "Mo-Fr 10:00-14:00"

    preview = await directory.preview(Change(offers={OFFER: data}))
    assert preview.ok and preview.changed == [OFFER] and not preview.added
    paths = {c.path for c in preview.diffs[OFFER]}
    assert {"description.ar", "opening_hours"} <= paths
    assert await knowledge_version_number_of(services) == base  # a preview writes nothing

    outcome = await directory.apply(Change(offers={OFFER: data}), author="anna", source="form")
    assert outcome.revision == base + 1
    async with services.sessions() as session:
        # only what changed is stored: one offer version, no reference item
        assert (
            await session.scalar(
                select(func.count())
                .select_from(OfferVersion)
                .where(OfferVersion.revision == outcome.revision)
            )
            == 1
        )
        assert (
            await session.scalar(
                select(func.count())
                .select_from(DirectoryItemVersion)
                .where(DirectoryItemVersion.revision == outcome.revision)
            )
            == 0
        )
        row = await session.get(KnowledgeVersion, outcome.revision)
        assert row.author == "anna" and row.source == "form"

    history = await directory.history(OFFER)
    assert history[0].revision == outcome.revision
    assert any(c.path == "description.ar" for c in history[0].changes)

    back = await directory.rollback(base, author="anna")
    assert back.ok and back.revision == base + 2 and back.changed == [OFFER]
    live = await directory.live()
    assert live.knowledge.offers[OFFER].opening_hours != "Mo-Fr 10:00-14:00"

    retired = await directory.retire(OFFER, author="anna")
    assert retired.retired == [OFFER]
    live = await directory.live()
    assert OFFER not in live.knowledge.offers and OFFER in live.retired
    refused = await directory.apply(Change(offers={OFFER: data}), author="anna", source="form")
    assert not refused.ok and refused.errors[0].code == "offer_retired"
    restored = await directory.restore(OFFER, author="anna")
    assert restored.restored == [OFFER]
    assert OFFER in (await directory.live()).knowledge.offers


async def knowledge_version_number_of(services) -> int:
    async with services.sessions() as session:
        return await knowledge_version_number(session)


async def test_a_refused_change_leaves_every_table_as_it_was(services) -> None:
    directory = services.directory
    live = await directory.live()
    data = live.offer_data(OFFER)
    data["city"] = "Magdeburg"
    data["district"] = "Stadtfeld"
    data["topics"] = ["Migrationsberatung"]
    data["last_reviewed"] = "01.12.2025"
    data["email"] = "not an address"
    before = await _dump(services)
    outcome = await directory.apply(Change(offers={OFFER: data}), author="anna", source="form")
    assert not outcome.ok and outcome.revision is None
    assert await _dump(services) == before
    found = {p.code: p for p in outcome.errors}
    # every problem at once, each with its fix
    assert found["unknown_city"].suggestion.value == "magdeburg"
    assert found["unknown_district"].suggestion.value == "magdeburg-stadtfeld-ost"
    assert found["unknown_topic"].suggestion.value == "migration_counselling"
    assert found["bad_date"].suggestion.value == "2025-12-01"
    assert "bad_email" in found


async def test_gaps_queue_additions_store_one_item(services) -> None:
    directory = services.directory
    outcome = await directory.add_lexicon_phrase(
        "housing", "de", "Wohnungsnot Hilfe", author="gaps"
    )
    assert outcome.ok and outcome.items == [("topic", "housing", "changed")]
    live = await directory.live()
    assert "Wohnungsnot Hilfe" in live.knowledge.topics["housing"].lexicon["de"]
    detail = await directory.revision(outcome.revision)
    assert [(k, key, status) for k, key, status, _ in detail.items] == [
        ("topic", "housing", "changed")
    ]
    assert detail.items[0][3][0].path == "lexicon.de"
