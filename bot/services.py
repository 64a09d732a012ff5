"""Start-up shared by every entry point: settings → engine → schema at head → knowledge loaded.

`wegweiser run`, `chat` and `ask` all call `open_services`, so each works on a fresh machine with
nothing set: the schema is migrated and, when the database holds no knowledge yet,
`KNOWLEDGE_DIR` is imported first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.core.config import Settings
from bot.directory.service import Directory, Outcome
from bot.knowledge.model import Knowledge
from bot.matching.passages import build_passages
from bot.matching.semantic import SemanticModel, load_semantic_model
from bot.storage.database import create_engine, session_factory, upgrade_to_head
from bot.storage.knowledge_store import EmbeddingIndex, load_embeddings, load_live_knowledge

log = logging.getLogger(__name__)


class KnowledgeUnavailable(Exception):
    """The database holds no knowledge and `KNOWLEDGE_DIR` does not validate."""

    def __init__(self, report: Outcome) -> None:
        super().__init__("the knowledge base does not validate")
        self.report = report


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker
    semantic: SemanticModel | None = None
    knowledge_version: int = 0
    knowledge: Knowledge | None = None
    embeddings: EmbeddingIndex | None = field(default=None, repr=False)
    _directory: Directory | None = field(default=None, repr=False)

    @property
    def directory(self) -> Directory:
        """The directory service over this database (one per process: it caches the live
        state and the shipped vectors)."""
        if self._directory is None:
            self._directory = Directory(
                self.sessions,
                passages=build_passages,
                embedder=self.semantic.passages if self.semantic else None,
                model_name=self.semantic.name if self.semantic else None,
                cache_folder=self.settings.knowledge_dir,
            )
        return self._directory

    async def import_knowledge(
        self, author: str | None = None, comment: str | None = None
    ) -> Outcome:
        """Validate and import `KNOWLEDGE_DIR` as one revision; refresh the live knowledge."""
        outcome = await self.directory.import_folder(
            self.settings.knowledge_dir, author=author, comment=comment, source="yaml"
        )
        if outcome.ok:
            await self.refresh_knowledge()
        return outcome

    async def refresh_knowledge(self) -> bool:
        """Load the newest knowledge version from the database; False when there is none."""
        async with self.sessions() as session:
            live = await load_live_knowledge(session)
            if live is None:
                return False
            self.knowledge_version, self.knowledge = live
            self.embeddings = (
                await load_embeddings(session, self.semantic.name) if self.semantic else None
            )
        return True

    async def close(self) -> None:
        await self.engine.dispose()


async def open_services(
    settings: Settings, *, ensure_knowledge: bool = True, semantic: bool = True
) -> Services:
    """Connect, migrate to head and (optionally) make sure knowledge is loaded."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
    except Exception:
        await engine.dispose()
        raise
    services = Services(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        semantic=load_semantic_model() if semantic else None,
    )
    if ensure_knowledge and not await services.refresh_knowledge():
        log.info("no knowledge in the database yet: importing %s", settings.knowledge_dir)
        report = await services.import_knowledge(comment="first import of KNOWLEDGE_DIR")
        if not report.ok:
            await services.close()
            raise KnowledgeUnavailable(report)
    if ensure_knowledge and services.semantic and services.embeddings is None:
        # knowledge imported without the semantic model (e.g. by a lexical-only process)
        await services.import_knowledge()
        log.info("embeddings computed for knowledge version %s", services.knowledge_version)
    return services
