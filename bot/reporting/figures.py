"""The office's figures for one period, computed once and shared by every output.

`compute(session, knowledge, period, city=, language=)` reads what the bot recorded (demand
events, unanswered questions, feedback, hand-off cases, follow-up outcomes) and returns plain
counts. Outputs (CLI text, dashboard, PDF, xlsx, Telegram /stats) only format them and apply the
small-count rule of `bot.reporting.privacy`; so `wegweiser demand` and the report always show the
same numbers.

What counts as what:

* a **request** is one answered turn (`demand_events`): a question answered with offers, asked
  back, without offer, an emergency, a topic chosen from the menu or a request for a person;
* **topics** are counted only for understood requests (answered, chosen from the menu,
  emergencies), and only the best topic of each: a question the bot had to ask back about says
  nothing reliable about a topic;
* weeks start on Monday, days are days in Berlin.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.knowledge.model import Knowledge
from bot.storage.models import (
    DemandEvent,
    Feedback,
    FollowUpOutcome,
    HandoffTicket,
    UnansweredQuestion,
)

BERLIN = ZoneInfo("Europe/Berlin")
UNDERSTOOD = ("answer", "menu", "emergency")
# the shares shown to the office: answered (with offers or from the menu), asked back, …
SHARES = ("answered", "clarify", "no_offer", "emergency", "handoff")
OUTCOMES = ("helped", "not_helped", "unreached")
GAP_REASONS = ("no_offer", "unclear", "not_helpful", "handoff")
NO_PLACE = ""  # requests without a city or district


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included (Berlin time)."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None) -> Period:
        today = today or dt.datetime.now(BERLIN).date()
        return cls(today - dt.timedelta(days=max(1, days) - 1), today)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * (quarter - 1) + 1, 1)
        following = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return cls(first, following - dt.timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), BERLIN).astimezone(dt.UTC)

    @property
    def until(self) -> dt.datetime:
        following = self.end + dt.timedelta(days=1)
        return dt.datetime.combine(following, dt.time(), BERLIN).astimezone(dt.UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def weeks(self) -> list[dt.date]:
        """The Mondays of every week the period touches."""
        monday = self.start - dt.timedelta(days=self.start.weekday())
        out = []
        while monday <= self.end:
            out.append(monday)
            monday += dt.timedelta(days=7)
        return out


def week_of(moment: dt.datetime) -> dt.date:
    day = moment.astimezone(BERLIN).date()
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Durations:
    """Times from hand-off to an event, over `n` cases (seconds)."""

    n: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class CaseLine:
    cases: int
    first_answer: Durations
    closing: Durations


@dataclass
class Figures:
    period: Period
    city: str | None = None
    language: str | None = None
    requests: int = 0
    actions: Counter = field(default_factory=Counter)  # answer, clarify, no_offer, …
    shares: Counter = field(default_factory=Counter)  # SHARES
    weeks: list[tuple[dt.date, int]] = field(default_factory=list)
    weeks_by_field: dict[dt.date, Counter] = field(default_factory=dict)
    fields: Counter = field(default_factory=Counter)  # field id → understood requests
    topics: Counter = field(default_factory=Counter)  # topic id → understood requests
    languages: Counter = field(default_factory=Counter)
    cities: Counter = field(default_factory=Counter)  # city id (NO_PLACE: not said)
    districts: Counter = field(default_factory=Counter)  # (city id, district id)
    emergencies: Counter = field(default_factory=Counter)  # emergency kind → requests
    helpful: int = 0
    not_helpful: int = 0
    feedback_topics: dict[str, Counter] = field(default_factory=dict)  # topic → {True, False}
    feedback_offers: dict[str, Counter] = field(default_factory=dict)  # offer → {True, False}
    handoff_requests: int = 0
    handoff_unreachable: int = 0
    cases: CaseLine | None = None
    cases_by_language: dict[str, CaseLine] = field(default_factory=dict)
    open_cases: int = 0
    followup_offers: dict[str, Counter] = field(default_factory=dict)  # offer → OUTCOMES
    followup_topics: dict[str, Counter] = field(default_factory=dict)  # topic → OUTCOMES
    gaps: Counter = field(default_factory=Counter)  # GAP_REASONS → unanswered questions

    @property
    def followups(self) -> Counter:
        total: Counter = Counter()
        for counts in self.followup_topics.values():
            total.update(counts)
        return total

    def field_topics(self, knowledge: Knowledge) -> list[tuple[str, int, list[tuple[str, int]]]]:
        """(field id, count, [(topic id, count), …]) for fields with requests, largest first."""
        out = []
        for f in knowledge.fields:
            topics = sorted(
                ((t.id, self.topics[t.id]) for t in f.topics if self.topics[t.id]),
                key=lambda x: -x[1],
            )
            if topics:
                out.append((f.id, sum(n for _, n in topics), topics))
        return sorted(out, key=lambda x: -x[1])


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def durations(values: list[float]) -> Durations:
    if not values:
        return Durations(0, None, None)
    return Durations(len(values), statistics.median(values), percentile(values, 0.9))


def case_line(tickets: list[HandoffTicket]) -> CaseLine:
    first = [
        (t.first_answer_at - t.created_at).total_seconds() for t in tickets if t.first_answer_at
    ]
    closed = [(t.closed_at - t.created_at).total_seconds() for t in tickets if t.closed_at]
    return CaseLine(len(tickets), durations(first), durations(closed))


async def compute(
    session: AsyncSession,
    knowledge: Knowledge,
    period: Period,
    *,
    city: str | None = None,
    language: str | None = None,
) -> Figures:
    """Every figure for `period`, for requests from `city` and in `language` when given.

    The city filter applies to requests (only they know a place); the language filter to
    everything."""
    figures = Figures(period=period, city=city or None, language=language or None)
    since, until = period.since, period.until

    query = select(
        DemandEvent.action,
        DemandEvent.topics,
        DemandEvent.language,
        DemandEvent.city,
        DemandEvent.district,
        DemandEvent.created_at,
    ).where(DemandEvent.created_at >= since, DemandEvent.created_at < until)
    if city:
        query = query.where(DemandEvent.city == city)
    if language:
        query = query.where(DemandEvent.language == language)
    weeks = {monday: 0 for monday in period.weeks()}
    by_field: dict[dt.date, Counter] = {monday: Counter() for monday in weeks}
    field_of = knowledge.field_of_topic
    for action, topics, lang, city_id, district, at in (await session.execute(query)).all():
        topics = topics or {}
        figures.requests += 1
        figures.actions[action] += 1
        figures.shares["answered" if action in ("answer", "menu") else action] += 1
        figures.languages[lang] += 1
        figures.cities[city_id or NO_PLACE] += 1
        if district:
            figures.districts[(city_id or NO_PLACE, district)] += 1
        monday = week_of(at)
        weeks[monday] = weeks.get(monday, 0) + 1
        if action == "handoff":
            figures.handoff_requests += 1
            if topics.get("adviser") is False:
                figures.handoff_unreachable += 1
        if action == "emergency":
            figures.emergencies[topics.get("kind") or "other"] += 1
        if action in UNDERSTOOD:
            ids = [t for t in topics.get("ids", []) if t in field_of][:1]
            for topic in ids:
                figures.topics[topic] += 1
                figures.fields[field_of[topic]] += 1
                by_field.setdefault(monday, Counter())[field_of[topic]] += 1
    figures.weeks = sorted(weeks.items())
    figures.weeks_by_field = dict(sorted(by_field.items()))

    feedback = select(Feedback.offer_id, Feedback.topic, Feedback.helpful).where(
        Feedback.created_at >= since, Feedback.created_at < until
    )
    if language:
        feedback = feedback.where(Feedback.language == language)
    for offer_id, topic, helpful in (await session.execute(feedback)).all():
        if helpful:
            figures.helpful += 1
        else:
            figures.not_helpful += 1
        if topic:
            figures.feedback_topics.setdefault(topic, Counter())[bool(helpful)] += 1
        if offer_id:
            figures.feedback_offers.setdefault(offer_id, Counter())[bool(helpful)] += 1

    tickets_query = select(HandoffTicket).where(
        HandoffTicket.created_at >= since, HandoffTicket.created_at < until
    )
    if language:
        tickets_query = tickets_query.where(HandoffTicket.language == language)
    tickets = list((await session.scalars(tickets_query)).all())
    figures.cases = case_line(tickets)
    figures.open_cases = sum(1 for t in tickets if t.status == "open")
    grouped: dict[str, list[HandoffTicket]] = defaultdict(list)
    for ticket in tickets:
        grouped[ticket.language].append(ticket)
    figures.cases_by_language = {
        lang: case_line(group) for lang, group in sorted(grouped.items(), key=lambda x: -len(x[1]))
    }

    outcomes = select(
        FollowUpOutcome.offer_id, FollowUpOutcome.topic, FollowUpOutcome.outcome
    ).where(FollowUpOutcome.created_at >= since, FollowUpOutcome.created_at < until)
    if language:
        outcomes = outcomes.where(FollowUpOutcome.language == language)
    for offer_id, topic, outcome in (await session.execute(outcomes)).all():
        figures.followup_offers.setdefault(offer_id, Counter())[outcome] += 1
        if topic:
            figures.followup_topics.setdefault(topic, Counter())[outcome] += 1

    gaps = select(UnansweredQuestion.candidates).where(
        UnansweredQuestion.created_at >= since, UnansweredQuestion.created_at < until
    )
    if language:
        gaps = gaps.where(UnansweredQuestion.language == language)
    for (candidates,) in (await session.execute(gaps)).all():
        figures.gaps[(candidates or {}).get("reason") or "unclear"] += 1
    return figures


async def open_cases(session: AsyncSession) -> list[HandoffTicket]:
    """Cases still open now, oldest first (for `wegweiser cases`)."""
    return list(
        (
            await session.scalars(
                select(HandoffTicket)
                .where(HandoffTicket.status == "open")
                .order_by(HandoffTicket.created_at)
            )
        ).all()
    )
