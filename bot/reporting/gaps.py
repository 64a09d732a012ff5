"""The gaps queue: questions the directory did not answer well, grouped by meaning across
languages, for staff to close.

A question enters the queue when the bot found no fitting offer (`no_offer`), did not
understand it (`unclear`), when the person answered "not what I need" (`not_helpful`) or asked
for a person (`handoff`). Questions are grouped with the embedding model
(`SemanticModel.passages`: e5's symmetric "passage" side suits comparing two questions better
than its "query" side, measured on the paraphrase set of the tests): vectors are cached in
`unanswered_questions.vector`; the vectors are
centred on the mean of the queue and a fixed set of everyday questions, which removes what all
questions share ("where do I find …?") and leaves what they are about; then average-linkage
clustering joins questions whose mean similarity stays above `THRESHOLD`. Without the model,
questions are grouped by their likely topic.

Staff see each group with its size, languages, reasons and a few masked examples
(`bot.reporting.masking`); an action (`resolve`) takes the group's questions out of the queue.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.matching.semantic import SemanticModel
from bot.reporting.masking import mask
from bot.storage.models import UnansweredQuestion, utcnow

THRESHOLD = 0.17  # mean centred cosine similarity within a group (tuned on paraphrases)
MAX_QUESTIONS = 600  # the newest open questions are grouped; older ones wait their turn
EXAMPLES = 5
RESOLUTIONS = ("lexicon", "outside", "offer", "dismissed")
# Everyday questions in several languages: the background the vectors are centred on, so a
# small queue (or one with a single theme) is not centred on itself.
BACKGROUND = (
    "Wo finde ich einen Deutschkurs?",
    "Ich brauche Hilfe beim Jobcenter",
    "Wie bekomme ich einen Kitaplatz?",
    "Wer hilft mir bei der Wohnungssuche?",
    "Ich habe Schulden und weiß nicht weiter",
    "Where can I get my degree recognised?",
    "I need a doctor who speaks Arabic",
    "How do I extend my residence permit?",
    "أين أجد مساعدة في البحث عن عمل؟",
    "أحتاج إلى مترجم للموعد",
    "Де можна записатися на інтеграційний курс?",
    "Мне нужна юридическая консультация",
    "کجا می‌توانم مشاوره خانواده بگیرم؟",
    "Çocuğum için okul arıyorum",
    "Je cherche un groupe de femmes pour se rencontrer",
    "Tôi muốn làm tình nguyện viên",
    "Ez li xebatê digerim",
    "ናይ ጥዕና መድሕን ከመይ ይረክብ",
    "Wie melde ich meine Adresse an?",
    "Is there a sports club for young people?",
)


@dataclass
class GapQuestion:
    id: int
    language: str
    reason: str
    topics: list[str]
    outside: str | None
    created_at: dt.datetime
    masked: str


@dataclass
class GapGroup:
    questions: list[GapQuestion] = field(default_factory=list)

    @property
    def key(self) -> int:
        return min(q.id for q in self.questions)

    @property
    def ids(self) -> list[int]:
        return sorted(q.id for q in self.questions)

    @property
    def size(self) -> int:
        return len(self.questions)

    @property
    def languages(self) -> list[str]:
        return [code for code, _ in Counter(q.language for q in self.questions).most_common()]

    @property
    def reasons(self) -> Counter:
        return Counter(q.reason for q in self.questions)

    @property
    def topic(self) -> str | None:
        """The topic the matcher thought of most often, a starting point for staff."""
        counts = Counter(t for q in self.questions for t in q.topics[:1])
        return counts.most_common(1)[0][0] if counts else None

    @property
    def outside(self) -> str | None:
        counts = Counter(q.outside for q in self.questions if q.outside)
        return counts.most_common(1)[0][0] if counts else None

    @property
    def language(self) -> str:
        return self.languages[0]

    @property
    def latest(self) -> dt.datetime:
        return max(q.created_at for q in self.questions)

    def examples(self, n: int = EXAMPLES) -> list[GapQuestion]:
        """A few examples, one per language first, newest first."""
        ordered = sorted(self.questions, key=lambda q: q.created_at, reverse=True)
        chosen: list[GapQuestion] = []
        seen: set[str] = set()
        for q in ordered:
            if q.language not in seen and len(chosen) < n:
                chosen.append(q)
                seen.add(q.language)
        for q in ordered:
            if q not in chosen and len(chosen) < n:
                chosen.append(q)
        return chosen


class GapsQueue:
    """See the module docstring."""

    def __init__(self, sessions: async_sessionmaker, semantic: SemanticModel | None) -> None:
        self.sessions = sessions
        self.semantic = semantic
        self._background: np.ndarray | None = None

    async def groups(
        self,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        *,
        open_only: bool = True,
        language: str | None = None,
    ) -> list[GapGroup]:
        """Questions grouped by meaning, largest and newest groups first: the open ones (the
        queue), or all of a period (the report's largest gaps)."""
        query = select(UnansweredQuestion)
        if open_only:
            query = query.where(UnansweredQuestion.resolution.is_(None))
        if since is not None:
            query = query.where(UnansweredQuestion.created_at >= since)
        if until is not None:
            query = query.where(UnansweredQuestion.created_at < until)
        if language:
            query = query.where(UnansweredQuestion.language == language)
        async with self.sessions() as session:
            rows = list(
                (
                    await session.scalars(
                        query.order_by(UnansweredQuestion.created_at.desc()).limit(MAX_QUESTIONS)
                    )
                ).all()
            )
        if not rows:
            return []
        questions = [_question(row) for row in rows]
        if self.semantic is None:
            labels = _by_topic(questions)
        else:
            vectors = await self._vectors(rows)
            labels = cluster(vectors, await self._background_vectors())
        grouped: dict[int, GapGroup] = {}
        for question, label in zip(questions, labels, strict=True):
            grouped.setdefault(label, GapGroup()).questions.append(question)
        return sorted(grouped.values(), key=lambda g: (-g.size, -g.latest.timestamp()))

    async def group(self, ids: list[int]) -> GapGroup | None:
        """The open questions with these ids (the group a staff member acts on)."""
        async with self.sessions() as session:
            rows = (
                await session.scalars(
                    select(UnansweredQuestion).where(
                        UnansweredQuestion.id.in_(ids), UnansweredQuestion.resolution.is_(None)
                    )
                )
            ).all()
        return GapGroup([_question(r) for r in rows]) if rows else None

    async def texts(self, ids: list[int]) -> list[tuple[int, str, str]]:
        """(id, language, unmasked text) of these questions, for re-checking the bot's answer
        inside the workspace (never shown unmasked)."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        UnansweredQuestion.id, UnansweredQuestion.language, UnansweredQuestion.text
                    ).where(UnansweredQuestion.id.in_(ids))
                )
            ).all()
        return [(i, lang, text) for i, lang, text in rows]

    async def resolve(self, ids: list[int], resolution: str, now: dt.datetime | None = None) -> int:
        """Take these questions out of the queue; returns how many were still open."""
        if resolution not in RESOLUTIONS:
            raise ValueError(f"unknown resolution {resolution!r}")
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(UnansweredQuestion)
                .where(UnansweredQuestion.id.in_(ids), UnansweredQuestion.resolution.is_(None))
                .values(resolution=resolution, resolved_at=now or utcnow())
            )
        return result.rowcount or 0

    async def _vectors(self, rows: list[UnansweredQuestion]) -> np.ndarray:
        assert self.semantic is not None
        name = self.semantic.name
        missing = [r for r in rows if r.vector is None or r.vector_model != name]
        if missing:
            semantic = self.semantic
            # the masked text: names and numbers say nothing about the need
            fresh = await asyncio.to_thread(semantic.passages, [mask(r.text) for r in missing])
            async with self.sessions() as session, session.begin():
                for row, vector in zip(missing, fresh, strict=True):
                    row.vector = np.asarray(vector, dtype=np.float32).tobytes()
                    row.vector_model = name
                    await session.execute(
                        update(UnansweredQuestion)
                        .where(UnansweredQuestion.id == row.id)
                        .values(vector=row.vector, vector_model=name)
                    )
        return np.stack([np.frombuffer(r.vector, dtype=np.float32) for r in rows])

    async def _background_vectors(self) -> np.ndarray:
        if self._background is None:
            semantic = self.semantic
            assert semantic is not None
            self._background = await asyncio.to_thread(semantic.passages, list(BACKGROUND))
        return self._background


def cluster(vectors: np.ndarray, background: np.ndarray, threshold: float = THRESHOLD) -> list[int]:
    """Average-linkage clustering of centred, normalised vectors; a label per vector."""
    n = len(vectors)
    if n == 1:
        return [0]
    centre = np.concatenate([vectors, background]).mean(axis=0)
    centred = vectors - centre
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    similarity = (centred @ centred.T).astype(np.float64)
    np.fill_diagonal(similarity, -np.inf)
    sizes = np.ones(n)
    labels = list(range(n))
    active = np.ones(n, dtype=bool)
    while True:
        flat = int(np.argmax(similarity))
        a, b = divmod(flat, n)
        if similarity[a, b] < threshold:
            break
        # merge b into a: the mean similarity to every other group, weighted by size
        merged = (similarity[a] * sizes[a] + similarity[b] * sizes[b]) / (sizes[a] + sizes[b])
        similarity[a, :] = merged
        similarity[:, a] = merged
        similarity[a, a] = -np.inf
        similarity[b, :] = -np.inf
        similarity[:, b] = -np.inf
        sizes[a] += sizes[b]
        active[b] = False
        labels = [a if label == b else label for label in labels]
    return labels


def _by_topic(questions: list[GapQuestion]) -> list[int]:
    keys: dict[str, int] = {}
    return [
        keys.setdefault(q.outside or (q.topics[0] if q.topics else q.reason), len(keys))
        for q in questions
    ]


def _question(row: UnansweredQuestion) -> GapQuestion:
    candidates = row.candidates or {}
    return GapQuestion(
        id=row.id,
        language=row.language,
        reason=candidates.get("reason") or "unclear",
        topics=list(candidates.get("topics") or []),
        outside=candidates.get("outside"),
        created_at=row.created_at,
        masked=mask(row.text),
    )


async def latest_masked(
    session: AsyncSession,
    since: dt.datetime,
    until: dt.datetime,
    language: str | None = None,
    limit: int = 10,
) -> list[tuple[str, str]]:
    """(language, masked text) of the newest questions in the queue's sense, for the CLI."""
    query = (
        select(UnansweredQuestion.language, UnansweredQuestion.text)
        .where(UnansweredQuestion.created_at >= since, UnansweredQuestion.created_at < until)
        .order_by(UnansweredQuestion.id.desc())
        .limit(max(0, limit))
    )
    if language:
        query = query.where(UnansweredQuestion.language == language)
    return [(lang, mask(text)) for lang, text in (await session.execute(query)).all()]
