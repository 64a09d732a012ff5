"""`wegweiser demand [--days N]`: what people asked for, for the integration office's monitoring.

Counts per field of action and topic, per language and per district, and the latest questions
the bot could not answer (kept without any link to the person who asked). Staff listed in
STAFF_USER_IDS get the same report in Telegram with /stats.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.config import Settings
from bot.knowledge.model import Knowledge
from bot.services import open_services
from bot.storage.models import DemandEvent, UnansweredQuestion, utcnow


async def demand_report(
    session: AsyncSession, knowledge: Knowledge, days: int = 30, show: int = 20
) -> str:
    since = utcnow() - dt.timedelta(days=days)
    events = list(
        (await session.scalars(select(DemandEvent).where(DemandEvent.created_at >= since))).all()
    )
    unanswered = list(
        (
            await session.scalars(
                select(UnansweredQuestion)
                .where(UnansweredQuestion.created_at >= since)
                .order_by(UnansweredQuestion.id.desc())
                .limit(show)
            )
        ).all()
    )
    # a question the bot had to ask back about, or could not place, says nothing about a topic
    understood = [e for e in events if e.action in ("answer", "menu", "emergency")]
    topics = Counter(t for e in understood for t in (e.topics or {}).get("ids", [])[:1])
    actions = Counter(e.action for e in events)
    handoffs = [e for e in events if e.action == "handoff"]
    unreachable = sum(1 for e in handoffs if (e.topics or {}).get("adviser") is False)
    lines = [
        f"Anfragen der letzten {days} Tage: {len(events)} "
        f"(davon unklar, mit Rückfrage: {actions['clarify']}; ohne passendes Angebot: "
        f"{actions['no_offer']}; Notfälle: {actions['emergency']})",
        f"Wunsch nach einer Person: {len(handoffs)} (davon ohne erreichbare Beratung: "
        f"{unreachable})",
    ]
    for field in knowledge.fields:
        in_field = [(t.id, topics[t.id]) for t in field.topics if topics[t.id]]
        if not in_field:
            continue
        lines.append(f"\n{field.name['de']}: {sum(n for _, n in in_field)}")
        for topic_id, n in sorted(in_field, key=lambda x: -x[1]):
            lines.append(f"  {n:>5}  {knowledge.topics[topic_id].name['de']}")
    languages = Counter(e.language for e in events).most_common()
    lines.append("\nSprachen: " + ", ".join(f"{k} {v}" for k, v in languages))
    districts = Counter(e.district for e in events if e.district)
    if districts:
        names = {d: knowledge.districts[d][1].name for d in districts if d in knowledge.districts}
        lines.append(
            "Stadtteile: "
            + ", ".join(f"{names.get(k, k)} {v}" for k, v in districts.most_common(10))
        )
    lines.append(f"\nNicht beantwortete Fragen (neueste {len(unanswered)}):")
    lines += [f"  [{q.language}] {q.text[:120]}" for q in unanswered]
    return "\n".join(lines)


async def demand(args: argparse.Namespace, settings: Settings) -> int:
    services = await open_services(settings, semantic=False)
    try:
        assert services.knowledge is not None
        async with services.sessions() as session:
            print(await demand_report(session, services.knowledge, args.days, args.show))
    finally:
        await services.close()
    return 0
