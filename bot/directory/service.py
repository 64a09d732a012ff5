"""The directory service: what staff (and later the HSDS import and the gaps queue) do to the
live directory. The database is the live directory; every change is a revision.

Public API of `Directory` (web pages, the CLI and other services call only this):

* `live()` → `LiveDirectory`: revision number, the `Knowledge` of active offers, retired offers,
  each offer's last-modified time and revision. Cached per revision number.
* `preview(change)` → `Preview`: added / changed / retired / restored offers, changed reference
  items, per-offer field diffs and every problem (errors and warnings); nothing is written.
* `apply(change, author=, comment=, source=)` → `Outcome` (the preview plus the new revision
  number, or None when refused). All or nothing: a refused change leaves every table as it was.
* `history(offer_id)` → the offer's versions, newest first, each with its diff to the one before.
* `revisions(limit=, offset=)`, `revision(number)` → the directory's history and one revision's
  changes; `diff(old, new)` a readable per-field diff (`bot.directory.diff`).
* `rollback(revision, author=)`: the whole directory back to how `revision` left it;
  `restore_version(offer_id, revision, author=)`: one offer back to an old version. Each is a
  new revision.
* `retire(offer_id, author=)`, `restore(offer_id, author=)`: hide an offer from the bot and the
  public API (kept, with its history) or bring it back.
* `add_lexicon_phrase(topic, language, phrase, author=)`,
  `add_outside_example(category, language, text, author=)`: small additions from the gaps queue.
* `import_folder(path, author=, source="yaml")`: a YAML knowledge folder as one revision (offers
  missing from the folder are retired, not deleted).

A `Change` names what to set: offers (raw data as typed, keyed by where they came from), offers
to retire or restore, and whole reference parts (topics, regions, intents, handoff, exemplars).
The candidate directory is validated as a whole (`bot.knowledge.validate`); passage vectors are
computed only for changed texts (reusing stored ones and the shipped `embeddings.npz`); the
revision number is the cheap `knowledge_version_number` every bot process checks per message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.directory.diff import FieldChange, diff
from bot.knowledge.loader import PART_FILES, read_folder
from bot.knowledge.model import Knowledge
from bot.knowledge.parts import ItemKey, assemble, item_hash, knowledge_dict, split
from bot.knowledge.problems import Place, Problem
from bot.knowledge.schema import Offer
from bot.knowledge.validate import Locator, RawDirectory, check_directory, plain_locator
from bot.storage.embedding_cache import load_cache
from bot.storage.knowledge_store import (
    Passage,
    RevisionWrite,
    StoredState,
    knowledge_version_number,
    load_state,
    lock_for_writing,
    stored_vectors,
    sync_embeddings,
    text_hash,
    write_revision,
)
from bot.storage.models import DirectoryItemVersion, KnowledgeVersion, OfferVersion

PARTS = tuple(PART_FILES)  # topics, regions, intents, handoff, exemplars, danger
PassageBuilder = Callable[[Knowledge], list[Passage]]
PassageEmbedder = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Change:
    """What to change; everything not named stays as it is."""

    offers: dict[str, Any] = field(default_factory=dict)  # source key → raw offer data
    retire: set[str] = field(default_factory=set)
    restore: set[str] = field(default_factory=set)
    parts: dict[str, Any] = field(default_factory=dict)  # part → raw file-shaped data
    all_offers: bool = False  # the offers given are the whole directory: retire the others
    locate: Locator | None = None  # where the raw values came from
    file_names: bool = False  # offer keys are file names that must equal the ids
    expected: dict[str, int] = field(default_factory=dict)  # offer id → revision it was read at
    problems: list[Problem] = field(default_factory=list)  # found while reading the input


@dataclass
class LiveDirectory:
    revision: int
    knowledge: Knowledge
    retired: dict[str, dict[str, Any]]  # offer id → last data
    modified: dict[str, dt.datetime]  # offer id → when it last changed
    offer_revision: dict[str, int]  # offer id → the revision that last changed it
    stored: StoredState = field(repr=False)

    def offer_data(self, offer_id: str) -> dict[str, Any] | None:
        stored = self.stored.offers.get(offer_id)
        return dict(stored.data) if stored else None


@dataclass
class Preview:
    base_revision: int
    problems: list[Problem] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, key, status)
    diffs: dict[str, list[FieldChange]] = field(default_factory=dict)
    knowledge: Knowledge | None = None
    write: RevisionWrite | None = field(default=None, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    @property
    def ok(self) -> bool:
        return not self.errors and self.knowledge is not None

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.retired or self.restored or self.items)


@dataclass
class Outcome(Preview):
    revision: int | None = None  # the new revision; None when refused or nothing changed

    @property
    def unchanged(self) -> bool:
        return self.ok and self.empty


@dataclass
class OfferHistoryEntry:
    revision: int
    at: dt.datetime
    author: str | None
    comment: str | None
    source: str | None
    retired: bool
    data: dict[str, Any]
    changes: list[FieldChange]


@dataclass
class RevisionInfo:
    number: int
    at: dt.datetime
    author: str | None
    comment: str | None
    source: str | None
    summary: dict[str, Any]
    counts: tuple[int, int, int]


@dataclass
class RevisionDetail:
    info: RevisionInfo
    offers: list[tuple[str, str, list[FieldChange]]]  # (offer id, status, changes)
    items: list[tuple[str, str, str, list[FieldChange]]]  # (kind, key, status, changes)


class Refused(Exception):
    """A change was refused; `outcome` holds the problems."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(f"{len(outcome.errors)} error(s)")
        self.outcome = outcome


class Directory:
    """See the module docstring."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        *,
        passages: PassageBuilder | None = None,
        embedder: PassageEmbedder | None = None,
        model_name: str | None = None,
        cache_folder: Path | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.sessions = sessions
        self.passages = passages
        self.embedder = embedder
        self.model_name = model_name
        self.cache_folder = cache_folder
        self.today = today
        self._live: LiveDirectory | None = None
        self._shipped_vectors: dict[str, np.ndarray] | None = None
        self._write_lock = asyncio.Lock()

    # -- reading ------------------------------------------------------------------------------

    async def version(self) -> int:
        async with self.sessions() as session:
            return await knowledge_version_number(session)

    async def live(self) -> LiveDirectory | None:
        """The live directory (None before the first import), cached per revision."""
        number = await self.version()
        if self._live is not None and self._live.revision == number:
            return self._live
        async with self.sessions() as session:
            state = await load_state(session)
        parts = state.parts()
        if not state.revision or parts is None:
            return None
        active = [o.data for _, o in sorted(state.offers.items()) if not o.retired]
        knowledge = Knowledge.from_dict(knowledge_dict(parts, active))
        self._live = LiveDirectory(
            revision=state.revision,
            knowledge=knowledge,
            retired={oid: o.data for oid, o in state.offers.items() if o.retired},
            modified={oid: o.updated_at for oid, o in state.offers.items()},
            offer_revision={oid: o.revision for oid, o in state.offers.items()},
            stored=state,
        )
        return self._live

    # -- previews and changes -------------------------------------------------------------------

    async def preview(self, change: Change) -> Preview:
        async with self.sessions() as session:
            state = await load_state(session)
        return self._prepare(change, state)

    def _prepare(self, change: Change, state: StoredState) -> Preview:
        preview = Preview(base_revision=state.revision)
        parts = state.parts() or {}
        raw = RawDirectory(**{p: change.parts.get(p, parts.get(p)) for p in PARTS})
        own_keys = {f"offer:{k}" for k in change.offers} | {f"part:{p}" for p in change.parts}

        def locate(part: str, path: Sequence[str | int]) -> Place:
            inner = part if part.startswith("offer:") else f"part:{part}"
            if change.locate is not None and inner in own_keys:
                return change.locate(part, path)
            return plain_locator(part, path)

        unknown: list[Problem] = []
        if change.all_offers:
            raw.offers = dict(change.offers)
        else:
            raw.offers = {oid: o.data for oid, o in state.offers.items() if not o.retired}
            for offer_id in change.restore:
                stored = state.offers.get(offer_id)
                if stored is None:
                    unknown.append(
                        Problem("offer_unknown", Place(offer=offer_id), {"value": offer_id})
                    )
                else:
                    raw.offers[offer_id] = stored.data
            for offer_id in change.retire:
                if offer_id not in state.offers:
                    unknown.append(
                        Problem("offer_unknown", Place(offer=offer_id), {"value": offer_id})
                    )
                raw.offers.pop(offer_id, None)
            for key, data in change.offers.items():
                stored = state.offers.get(key)
                if stored is not None and stored.retired and key not in change.restore:
                    unknown.append(Problem("offer_retired", Place(offer=key), {"value": key}))
                raw.offers[key] = data
        for offer_id, seen in change.expected.items():
            stored = state.offers.get(offer_id)
            if stored is not None and stored.revision != seen:
                unknown.append(
                    Problem("stale_edit", Place(offer=offer_id), {"value": stored.revision})
                )

        knowledge, problems = check_directory(
            raw,
            locate,
            problems=[*change.problems, *unknown],
            file_names=change.file_names,
            today=self.today(),
        )
        touched_parts = set(change.parts)
        touched_offers = {f"offer:{k}" for k in change.offers}

        def relevant(problem: Problem) -> bool:
            if not problem.warning:
                return True
            if change.all_offers:
                return True
            if problem.place.offer is not None:
                return f"offer:{problem.place.offer}" in touched_offers
            return any(problem.place.field.startswith(p) for p in touched_parts)

        preview.problems = [p for p in problems if relevant(p)]
        if preview.errors:
            knowledge = None
        preview.knowledge = knowledge
        if knowledge is None:
            return preview

        offers_write: dict[str, tuple[dict[str, Any], bool]] = {}
        new_data = {
            oid: o.model_dump(mode="json", exclude_none=True) for oid, o in knowledge.offers.items()
        }
        for oid, data in new_data.items():
            stored = state.offers.get(oid)
            if stored is None:
                preview.added.append(oid)
                offers_write[oid] = (data, False)
            elif stored.retired:
                preview.restored.append(oid)
                offers_write[oid] = (data, False)
                preview.diffs[oid] = diff(stored.data, data)
            elif stored.content_hash != item_hash(data):
                preview.changed.append(oid)
                offers_write[oid] = (data, False)
                preview.diffs[oid] = diff(stored.data, data)
        for oid, stored in state.offers.items():
            if not stored.retired and oid not in new_data:
                preview.retired.append(oid)
                offers_write[oid] = (stored.data, True)

        new_items = split(knowledge)
        items_write = {
            key: item
            for key, item in new_items.items()
            if state.item_hashes.get(key) != item_hash(item[1])
            or state.items.get(key, (None,))[0] != item[0]
        }
        removed = [key for key in state.items if key not in new_items]
        for kind, key in items_write:
            preview.items.append((kind, key, "changed" if (kind, key) in state.items else "added"))
        preview.items += [(kind, key, "removed") for kind, key in removed]
        for ids in (preview.added, preview.changed, preview.retired, preview.restored):
            ids.sort()
        preview.write = RevisionWrite(
            content_hash=knowledge.content_hash,
            author=None,
            comment=None,
            source="",
            summary={
                "added": preview.added,
                "changed": preview.changed,
                "retired": preview.retired,
                "restored": preview.restored,
                "items": [list(i) for i in preview.items],
            },
            items=items_write,
            removed_items=removed,
            offers=offers_write,
            counts=(len(preview.added), len(preview.changed), len(preview.retired)),
        )
        return preview

    async def apply(
        self,
        change: Change,
        *,
        author: str | None,
        comment: str | None = None,
        source: str,
    ) -> Outcome:
        """Validate and write `change` as one revision (or refuse it, writing nothing)."""
        async with self._write_lock:
            for _attempt in range(3):
                async with self.sessions() as session:
                    state = await load_state(session)
                preview = self._prepare(change, state)
                outcome = Outcome(**{f: getattr(preview, f) for f in Preview.__dataclass_fields__})
                if not preview.ok or preview.write is None:
                    return outcome
                if preview.empty and not (await self._vectors_missing()):
                    outcome.revision = None
                    return outcome
                wanted = self.passages(preview.knowledge) if self.passages else []
                vectors = await self._vectors_for(wanted)
                write = preview.write
                write.author, write.comment, write.source = author, comment or None, source
                async with self.sessions() as session, session.begin():
                    await lock_for_writing(session)
                    if await knowledge_version_number(session) != state.revision:
                        continue  # someone else wrote meanwhile: validate again on their state
                    if preview.empty:
                        await sync_embeddings(session, wanted, vectors, self.model_name or "")
                        return outcome
                    outcome.revision = await write_revision(session, write)
                    if self.model_name is not None and self.embedder is not None:
                        await sync_embeddings(session, wanted, vectors, self.model_name)
                self._live = None
                return outcome
            raise RuntimeError("the directory changed three times while saving; try again")

    async def _vectors_missing(self) -> bool:
        if self.model_name is None or self.embedder is None:
            return False
        from sqlalchemy import func

        from bot.storage.models import Embedding

        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Embedding)
                .where(Embedding.model == self.model_name)
            )
        return not count

    async def _vectors_for(self, wanted: list[Passage]) -> dict[str, np.ndarray]:
        """Vectors by text hash: stored or shipped where the text is unchanged, else embedded."""
        if self.embedder is None or self.model_name is None or not wanted:
            return {}
        if self._shipped_vectors is None:
            self._shipped_vectors = (
                load_cache(self.cache_folder, self.model_name) if self.cache_folder else {}
            )
        async with self.sessions() as session:
            known = {**self._shipped_vectors, **await stored_vectors(session, self.model_name)}
        texts = {text_hash(t): t for _, _, t in wanted}
        missing = [h for h in texts if h not in known]
        if missing:
            fresh = await asyncio.to_thread(self.embedder, [texts[h] for h in missing])
            known.update(zip(missing, fresh, strict=True))
        return {h: known[h] for h in texts}

    async def apply_or_raise(self, change: Change, **meta: Any) -> Outcome:
        outcome = await self.apply(change, **meta)
        if not outcome.ok:
            raise Refused(outcome)
        return outcome

    # -- convenience changes --------------------------------------------------------------------

    async def retire(
        self, offer_id: str, *, author: str | None, comment: str | None = None
    ) -> Outcome:
        return await self.apply(
            Change(retire={offer_id}), author=author, comment=comment, source="retire"
        )

    async def restore(
        self, offer_id: str, *, author: str | None, comment: str | None = None
    ) -> Outcome:
        return await self.apply(
            Change(restore={offer_id}), author=author, comment=comment, source="restore"
        )

    async def import_folder(
        self, folder: Path, *, author: str | None, comment: str | None = None, source: str = "yaml"
    ) -> Outcome:
        return await self.apply(
            folder_change(folder), author=author, comment=comment, source=source
        )

    async def add_lexicon_phrase(
        self,
        topic: str,
        language: str,
        phrase: str,
        *,
        author: str | None,
        comment: str | None = None,
    ) -> Outcome:
        live = await self._require_live()
        parts = assemble(live.stored.items) if live.stored.items else live.stored.parts() or {}
        for field_ in parts["topics"]["fields"]:
            for entry in field_["topics"]:
                if entry["id"] == topic:
                    words = entry.setdefault("lexicon", {}).setdefault(language, [])
                    if phrase.strip() and phrase.strip() not in words:
                        words.append(phrase.strip())
                    return await self.apply(
                        Change(parts={"topics": parts["topics"]}),
                        author=author,
                        comment=comment,
                        source="gaps",
                    )
        return _refused(Problem("unknown_topic", Place(field="topics"), {"value": topic}))

    async def add_outside_example(
        self,
        category: str,
        language: str,
        text: str,
        *,
        author: str | None,
        comment: str | None = None,
    ) -> Outcome:
        live = await self._require_live()
        parts = live.stored.parts() or {}
        exemplars = parts["exemplars"]
        for entry in exemplars.setdefault("outside", []):
            if entry["id"] == category:
                examples = entry.setdefault("examples", {}).setdefault(language, [])
                if text.strip() and text.strip() not in examples:
                    examples.append(text.strip())
                return await self.apply(
                    Change(parts={"exemplars": exemplars}),
                    author=author,
                    comment=comment,
                    source="gaps",
                )
        return _refused(
            Problem("bad_value", Place(field="exemplars.outside"), {"detail": category})
        )

    async def _require_live(self) -> LiveDirectory:
        live = await self.live()
        if live is None:
            raise RuntimeError("the directory is empty: import a knowledge folder first")
        return live

    # -- history --------------------------------------------------------------------------------

    async def revisions(self, limit: int = 50, offset: int = 0) -> list[RevisionInfo]:
        async with self.sessions() as session:
            rows = (
                await session.scalars(
                    select(KnowledgeVersion)
                    .order_by(KnowledgeVersion.version.desc())
                    .limit(limit)
                    .offset(offset)
                )
            ).all()
        return [_info(r) for r in rows]

    async def revision(self, number: int) -> RevisionDetail | None:
        async with self.sessions() as session:
            row = await session.get(KnowledgeVersion, number)
            if row is None:
                return None
            offer_rows = (
                await session.scalars(select(OfferVersion).where(OfferVersion.revision == number))
            ).all()
            item_rows = (
                await session.scalars(
                    select(DirectoryItemVersion).where(DirectoryItemVersion.revision == number)
                )
            ).all()
            offers = []
            for version in sorted(offer_rows, key=lambda v: v.offer_id):
                before = await self._offer_before(session, version.offer_id, number)
                status = (
                    "added"
                    if before is None
                    else "retired"
                    if version.retired and not before.retired
                    else "restored"
                    if before.retired and not version.retired
                    else "changed"
                )
                offers.append(
                    (version.offer_id, status, diff(before.data if before else None, version.data))
                )
            items = []
            for version in sorted(item_rows, key=lambda v: (v.kind, v.key)):
                before = await session.scalar(
                    select(DirectoryItemVersion)
                    .where(
                        DirectoryItemVersion.kind == version.kind,
                        DirectoryItemVersion.key == version.key,
                        DirectoryItemVersion.revision < number,
                    )
                    .order_by(DirectoryItemVersion.revision.desc())
                    .limit(1)
                )
                if before is None or before.data is None:
                    items.append((version.kind, version.key, "added", []))
                elif version.data is None:
                    items.append((version.kind, version.key, "removed", []))
                else:
                    items.append(
                        (version.kind, version.key, "changed", diff(before.data, version.data))
                    )
        return RevisionDetail(_info(row), offers, items)

    @staticmethod
    async def _offer_before(session, offer_id: str, number: int) -> OfferVersion | None:
        return await session.scalar(
            select(OfferVersion)
            .where(OfferVersion.offer_id == offer_id, OfferVersion.revision < number)
            .order_by(OfferVersion.revision.desc())
            .limit(1)
        )

    async def history(self, offer_id: str) -> list[OfferHistoryEntry]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(OfferVersion, KnowledgeVersion)
                    .join(KnowledgeVersion, KnowledgeVersion.version == OfferVersion.revision)
                    .where(OfferVersion.offer_id == offer_id)
                    .order_by(OfferVersion.revision)
                )
            ).all()
        entries: list[OfferHistoryEntry] = []
        previous: dict[str, Any] | None = None
        for version, revision in rows:
            entries.append(
                OfferHistoryEntry(
                    revision=version.revision,
                    at=revision.imported_at,
                    author=revision.author,
                    comment=revision.comment,
                    source=revision.source,
                    retired=version.retired,
                    data=version.data,
                    changes=diff(previous, version.data),
                )
            )
            previous = version.data
        return entries[::-1]

    diff = staticmethod(diff)

    async def rollback(
        self, revision: int, *, author: str | None, comment: str | None = None
    ) -> Outcome:
        """The directory as `revision` left it, as a new revision."""
        async with self.sessions() as session:
            state = await load_state(session)
            offer_rows = (
                await session.scalars(
                    select(OfferVersion)
                    .where(OfferVersion.revision <= revision)
                    .order_by(OfferVersion.revision)
                )
            ).all()
            item_rows = (
                await session.scalars(
                    select(DirectoryItemVersion)
                    .where(DirectoryItemVersion.revision <= revision)
                    .order_by(DirectoryItemVersion.revision)
                )
            ).all()
        offers: dict[str, tuple[dict[str, Any], bool]] = {}
        for row in offer_rows:
            offers[row.offer_id] = (row.data, row.retired)
        items: dict[ItemKey, tuple[int, dict[str, Any]] | None] = {}
        for row in item_rows:
            items[(row.kind, row.key)] = (row.position, row.data) if row.data is not None else None
        kept = {k: v for k, v in items.items() if v is not None}
        change = Change(
            offers={oid: data for oid, (data, retired) in offers.items() if not retired},
            parts=assemble(kept) if kept else {},
            all_offers=True,
        )
        note = comment or f"rollback to revision {revision}"
        del state
        return await self.apply(change, author=author, comment=note, source="rollback")

    async def restore_version(
        self, offer_id: str, revision: int, *, author: str | None, comment: str | None = None
    ) -> Outcome:
        async with self.sessions() as session:
            row = await session.scalar(
                select(OfferVersion)
                .where(OfferVersion.offer_id == offer_id, OfferVersion.revision <= revision)
                .order_by(OfferVersion.revision.desc())
                .limit(1)
            )
        if row is None:
            return _refused(Problem("offer_unknown", Place(offer=offer_id), {"value": offer_id}))
        live = await self._require_live()
        change = Change(offers={offer_id: row.data})
        if offer_id in live.retired:
            change.restore.add(offer_id)
        note = comment or f"{offer_id}: version of revision {row.revision}"
        return await self.apply(change, author=author, comment=note, source="restore")


def folder_change(folder: Path) -> Change:
    """A YAML knowledge folder as a change of the whole directory."""
    source = read_folder(folder)
    return Change(
        offers=dict(source.raw.offers),
        parts={p: getattr(source.raw, p) for p in PARTS if getattr(source.raw, p) is not None},
        all_offers=True,
        locate=source.locate,
        file_names=True,
        problems=list(source.problems),
    )


def _refused(problem: Problem) -> Outcome:
    return Outcome(base_revision=0, problems=[problem])


def _info(row: KnowledgeVersion) -> RevisionInfo:
    return RevisionInfo(
        number=row.version,
        at=row.imported_at,
        author=row.author,
        comment=row.comment,
        source=row.source or "yaml",
        summary=row.summary or {},
        counts=(row.offers_added, row.offers_changed, row.offers_removed),
    )


def offer_model(data: dict[str, Any]) -> Offer | None:
    try:
        return Offer.model_validate(data)
    except Exception:
        return None
