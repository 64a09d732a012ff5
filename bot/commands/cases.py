"""`wegweiser cases`: open hand-off cases with their age, and how fast advisers respond."""

from __future__ import annotations

import argparse
import datetime as dt
import statistics

from sqlalchemy import select

from bot.core.config import Settings
from bot.services import open_services
from bot.storage.models import DemandEvent, HandoffTicket, utcnow


def _duration(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "–"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} d {hours % 24} h"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def figures(
    tickets: list[HandoffTicket],
) -> dict[str, tuple[int, dt.timedelta | None, dt.timedelta | None]]:
    first = [
        (t.first_answer_at - t.created_at).total_seconds() for t in tickets if t.first_answer_at
    ]
    closed = [(t.closed_at - t.created_at).total_seconds() for t in tickets if t.closed_at]
    out = {}
    for label, values in (("first adviser answer", first), ("closing", closed)):
        if values:
            out[label] = (
                len(values),
                dt.timedelta(seconds=statistics.median(values)),
                dt.timedelta(seconds=percentile(values, 0.9)),
            )
        else:
            out[label] = (0, None, None)
    return out


async def cases(args: argparse.Namespace, settings: Settings) -> int:
    services = await open_services(settings, ensure_knowledge=False, semantic=False)
    try:
        async with services.sessions() as session:
            tickets = list(
                (await session.scalars(select(HandoffTicket).order_by(HandoffTicket.id))).all()
            )
            requests = list(
                (
                    await session.scalars(
                        select(DemandEvent.topics).where(DemandEvent.action == "handoff")
                    )
                ).all()
            )
    finally:
        await services.close()
    now = utcnow()
    open_cases = [t for t in tickets if t.status == "open"]
    print(f"{len(open_cases)} open case(s)")
    if open_cases:
        print(f"  {'case':<10} {'lang':<5} {'age':>12}  {'answered':<9} claimed")
        for t in open_cases:
            answered = "yes" if t.first_answer_at else "no"
            claimed = "yes" if t.claimed_by else "no"
            print(
                f"  {t.case_number:<10} {t.language:<5} {_duration(now - t.created_at):>12}  "
                f"{answered:<9} {claimed}"
            )
    unreachable = sum(1 for topics in requests if (topics or {}).get("adviser") is False)
    print(
        f"\n{len(requests)} request(s) for a person; {unreachable} without a reachable adviser "
        "(answered with a counselling service's contact)"
    )
    print(f"{len(tickets)} case(s) in total; time from hand-off to …")
    for label, (n, median, p90) in figures(tickets).items():
        print(f"  {label:<22} median {_duration(median):>12}   p90 {_duration(p90):>12}   (n={n})")
    return 0
