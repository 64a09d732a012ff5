"""Offers to review: `last_reviewed` older than `STALE_AFTER_MONTHS`, or at least
`STALE_UNREACHED_COUNT` "could not reach" answers to the referral follow-up in the last
`UNREACHED_WINDOW` — the contact details may be wrong.

`review_list` is the workspace's list; `weekly_digest` writes the week's digest once (one row per
ISO week, unique, so several processes agree) and `StaffDigestJob` sends it to the staff's
Telegram accounts when `STAFF_DIGEST_TELEGRAM` is on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogue.cards import localized
from bot.knowledge.model import Knowledge
from bot.reporting.figures import BERLIN
from bot.reporting.privacy import shown
from bot.storage.models import FollowUpOutcome, StaffDigest, utcnow

log = logging.getLogger(__name__)
UNREACHED_WINDOW = dt.timedelta(days=180)


@dataclass
class StaleOffer:
    offer_id: str
    name: str
    city: str
    last_reviewed: dt.date
    overdue: bool  # last_reviewed older than the configured age
    unreached: int  # "could not reach" answers within the window
    answered: int  # all follow-up answers for the offer within the window
    reasons: list[str] = field(default_factory=list)  # review | unreached


def months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


async def review_list(
    session: AsyncSession,
    knowledge: Knowledge,
    *,
    today: dt.date,
    months: int,
    unreached_min: int,
) -> list[StaleOffer]:
    """Offers to review, those with the most "could not reach" answers first, then the
    longest unreviewed."""
    since = dt.datetime.combine(today, dt.time(), BERLIN) - UNREACHED_WINDOW
    rows = (
        await session.execute(
            select(FollowUpOutcome.offer_id, FollowUpOutcome.outcome).where(
                FollowUpOutcome.created_at >= since
            )
        )
    ).all()
    unreached: Counter = Counter(o for o, outcome in rows if outcome == "unreached")
    answered: Counter = Counter(o for o, _ in rows)
    limit = months_before(today, months)
    out = []
    for offer in knowledge.offers.values():
        reasons = []
        if offer.last_reviewed < limit:
            reasons.append("review")
        if unreached[offer.id] >= unreached_min:
            reasons.append("unreached")
        if reasons:
            city = knowledge.city_by_id.get(offer.city or "")
            out.append(
                StaleOffer(
                    offer_id=offer.id,
                    name=localized(offer.name, "de"),
                    city=localized(city.name, "de") if city else "",
                    last_reviewed=offer.last_reviewed,
                    overdue="review" in reasons,
                    unreached=unreached[offer.id],
                    answered=answered[offer.id],
                    reasons=reasons,
                )
            )
    return sorted(out, key=lambda s: (-s.unreached, s.last_reviewed, s.name))


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_content(items: list[StaleOffer], months: int) -> dict:
    return {
        "months": months,
        "offers": [
            {
                "id": s.offer_id,
                "name": s.name,
                "city": s.city,
                "last_reviewed": s.last_reviewed.isoformat(),
                "unreached": shown(s.unreached) if s.unreached else "0",
                "reasons": s.reasons,
            }
            for s in items
        ],
    }


async def weekly_digest(
    session: AsyncSession,
    knowledge: Knowledge,
    *,
    now: dt.datetime,
    months: int,
    unreached_min: int,
) -> StaffDigest:
    """This week's digest, written on first use (the unique week keeps it to one row)."""
    today = now.astimezone(BERLIN).date()
    week = iso_week(today)
    found = await session.scalar(select(StaffDigest).where(StaffDigest.week == week))
    if found is not None:
        return found
    items = await review_list(
        session, knowledge, today=today, months=months, unreached_min=unreached_min
    )
    row = StaffDigest(week=week, created_at=now, content=digest_content(items, months))
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # another process wrote it a moment ago
        found = await session.scalar(select(StaffDigest).where(StaffDigest.week == week))
        assert found is not None
        return found
    return row


def digest_html(digest: StaffDigest) -> str:
    """The digest as a Telegram message (German, the office's language), escaped."""
    offers = digest.content.get("offers", [])
    lines = [f"<b>Wegweiser: Angebote zur Prüfung ({escape(digest.week)})</b>"]
    if not offers:
        lines.append("Diese Woche ist kein Angebot zu prüfen.")
    for item in offers[:30]:
        why = []
        if "review" in item["reasons"]:
            why.append(f"zuletzt geprüft {escape(item['last_reviewed'])}")
        if "unreached" in item["reasons"]:
            why.append(f"„nicht erreicht“: {escape(str(item['unreached']))}")
        lines.append(
            f"• {escape(item['name'])} ({escape(item['city'] or 'bundesweit')}): {'; '.join(why)}"
        )
    if len(offers) > 30:
        lines.append(f"… und {len(offers) - 30} weitere im Arbeitsbereich (Seite „Prüfen“).")
    return "\n".join(lines)[:4000]


class StaffDigestJob:
    """The weekly digest as a Telegram message to `STAFF_USER_IDS` (once per week)."""

    def __init__(self, services, clock=utcnow) -> None:
        self.services = services
        self.clock = clock

    async def run(self, now: dt.datetime | None = None) -> bool:
        from bot.delivery.outbox import enqueue

        settings = self.services.settings
        knowledge = self.services.knowledge
        if not settings.staff_user_ids or knowledge is None:
            return False
        now = now or self.clock()
        async with self.services.sessions() as session, session.begin():
            digest = await weekly_digest(
                session,
                knowledge,
                now=now,
                months=settings.stale_after_months,
                unreached_min=settings.stale_unreached_count,
            )
            row = await session.scalar(
                select(StaffDigest).where(StaffDigest.id == digest.id).with_for_update()
            )
            if row is None or row.sent_at is not None:
                return False
            for user_id in sorted(settings.staff_user_ids):
                await enqueue(
                    session,
                    chat_id=user_id,
                    kind="text",
                    direction="system",
                    payload={"text": digest_html(row)},
                )
            row.sent_at = now
        log.info("staff digest %s queued for %s staff", digest.week, len(settings.staff_user_ids))
        return True
