"""`wegweiser demand [--days N]`: what people asked for, for the integration office's monitoring.

Counts per field of action and topic, per language and per district, and the latest questions
the bot could not answer (kept without any link to the person who asked)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter

from sqlalchemy import select

from bot.core.config import Settings
from bot.services import open_services
from bot.storage.models import DemandEvent, UnansweredQuestion, utcnow


async def demand(args: argparse.Namespace, settings: Settings) -> int:
    services = await open_services(settings, semantic=False)
    since = utcnow() - dt.timedelta(days=args.days)
    try:
        async with services.sessions() as session:
            events = list(
                (
                    await session.scalars(
                        select(DemandEvent).where(DemandEvent.created_at >= since)
                    )
                ).all()
            )
            unanswered = list(
                (
                    await session.scalars(
                        select(UnansweredQuestion)
                        .where(UnansweredQuestion.created_at >= since)
                        .order_by(UnansweredQuestion.id.desc())
                        .limit(args.show)
                    )
                ).all()
            )
        knowledge = services.knowledge
        assert knowledge is not None
    finally:
        await services.close()
    # a question the bot had to ask back about says nothing sure about its topic
    understood = [e for e in events if e.action != "clarify"]
    topics = Counter(t for e in understood for t in (e.topics or {}).get("ids", [])[:1])
    print(
        f"Anfragen der letzten {args.days} Tage: {len(events)} "
        f"(davon unklar, mit Rückfrage: {len(events) - len(understood)})"
    )
    for field in knowledge.fields:
        in_field = [(t.id, topics[t.id]) for t in field.topics if topics[t.id]]
        if not in_field:
            continue
        print(f"\n{field.name['de']}: {sum(n for _, n in in_field)}")
        for topic_id, n in sorted(in_field, key=lambda x: -x[1]):
            print(f"  {n:>5}  {knowledge.topics[topic_id].name['de']}")
    print(
        "\nSprachen: "
        + ", ".join(f"{k} {v}" for k, v in Counter(e.language for e in events).most_common())
    )
    districts = Counter(e.district for e in events if e.district)
    if districts:
        names = {d: knowledge.districts[d][1].name for d in districts if d in knowledge.districts}
        print(
            "Stadtteile: "
            + ", ".join(f"{names.get(k, k)} {v}" for k, v in districts.most_common(10))
        )
    print(f"\nNicht beantwortete Fragen (neueste {len(unanswered)}):")
    for q in unanswered:
        print(f"  [{q.language}] {q.text[:120]}")
    return 0
