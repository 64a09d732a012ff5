from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from bot.storage.database import create_engine, session_factory, upgrade_to_head
from bot.storage.models import Base, Person


async def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)

    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        changes = await connection.run_sync(diff)
    await engine.dispose()
    assert changes == [], f"models and migrations differ; add a migration: {changes}"


async def test_upgrade_is_idempotent_and_ids_are_64_bit(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    await upgrade_to_head(engine)
    sessions = session_factory(engine)
    big = 2**62 + 12345
    async with sessions() as session, session.begin():
        session.add(
            Person(
                channel="telegram",
                external_id=big,
                language="uk",
                consent_at=dt.datetime.now(dt.UTC),
            )
        )
    async with sessions() as session:
        person = await session.scalar(select(Person).where(Person.external_id == big))
    await engine.dispose()
    assert person is not None and person.external_id == big
    assert person.consent_at is not None and person.consent_at.tzinfo is not None


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    await upgrade_to_head(engine)
    async with engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
    await engine.dispose()
    assert journal == "wal"
    assert foreign_keys == 1
