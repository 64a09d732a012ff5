"""Shared fixtures: database URLs for SQLite and PostgreSQL, and ready-made services.

PostgreSQL tests run when TEST_DATABASE_URL is set (`.ci/run` sets it). With
WEGWEISER_REQUIRE_POSTGRES=1 a missing or unreachable PostgreSQL fails those tests instead of
skipping them, so CI cannot pass with the PostgreSQL half silently skipped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.config import Settings
from bot.core.paths import shipped
from bot.services import Services, open_services

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("WEGWEISER_REQUIRE_POSTGRES") == "1"
KNOWLEDGE = shipped("knowledge")


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _fresh_postgres() -> str:
    """TEST_DATABASE_URL with an empty schema, or a skip (a failure when CI requires it)."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("WEGWEISER_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL not set")
    try:
        await _reset_postgres(POSTGRES_URL)
    except OSError as exc:  # server not reachable
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return POSTGRES_URL


_TEMPLATE_BUILT: set[str] = set()


async def _recreate(admin_url: str, database: str, template: str | None = None) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            source = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(text(f'CREATE DATABASE "{database}"{source}'))
    finally:
        await engine.dispose()


async def _ready_postgres() -> str:
    """TEST_DATABASE_URL as a copy of a template database that holds the shipped knowledge.

    Migrating and importing the directory takes seconds; PostgreSQL copies a template database
    in a fraction of that. The template is built once per test session (named after the test
    database, so parallel runs on other databases never share it)."""
    url = make_url(await _fresh_postgres())
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    template = f"{url.database}_knowledge_tpl"
    if template not in _TEMPLATE_BUILT:
        await _recreate(admin, template)
        tpl_url = url.set(database=template).render_as_string(hide_password=False)
        built = await open_services(make_settings(tpl_url))
        await built.close()
        _TEMPLATE_BUILT.add(template)
    await _recreate(admin, url.database, template)
    return url.render_as_string(hide_password=False)


def _postgres_or_skip() -> str:
    return asyncio.run(_fresh_postgres())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a fresh SQLite file, or a wiped PostgreSQL schema."""
    if request.param == "postgres":
        return _postgres_or_skip()
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


def make_settings(database_url: str, **overrides: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        knowledge_dir=overrides.pop("knowledge_dir", KNOWLEDGE),
        **overrides,
    )


@pytest.fixture(scope="session")
def knowledge_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and loaded with the shipped knowledge (embeddings included),
    built once per test session and copied by tests that need a ready database."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def build() -> None:
        services = await open_services(make_settings(f"sqlite+aiosqlite:///{path}"))
        await services.close()

    asyncio.run(build())
    return path


@pytest.fixture
def ready_sqlite_url(knowledge_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "ready.sqlite3"
    shutil.copyfile(knowledge_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def services(
    request: pytest.FixtureRequest, knowledge_template: Path, tmp_path: Path
) -> AsyncIterator[Services]:
    """Services on a database holding the shipped knowledge: a copy of the SQLite template, or
    a fresh PostgreSQL schema (imported on start, as in production)."""
    if request.param == "postgres":
        url = await _ready_postgres()
    else:
        target = tmp_path / "ready.sqlite3"
        shutil.copyfile(knowledge_template, target)
        url = f"sqlite+aiosqlite:///{target}"
    svc = await open_services(make_settings(url))
    yield svc
    await svc.close()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the shipped knowledge folder, for tests that break it on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    yield target


@pytest.fixture(scope="session")
def shipped_matcher(knowledge_template: Path):
    """The matcher over the shipped knowledge with stored embeddings (built once)."""
    from bot.matching.matcher import Matcher

    async def load():
        services = await open_services(make_settings(f"sqlite+aiosqlite:///{knowledge_template}"))
        await services.close()
        return services

    services = asyncio.run(load())
    return Matcher(services.knowledge, services.semantic, services.embeddings)


@pytest.fixture(scope="session")
def shipped_engine(shipped_matcher):
    from bot.dialogue.engine import DialogueEngine

    return DialogueEngine(shipped_matcher.knowledge, shipped_matcher)
