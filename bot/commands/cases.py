"""`wegweiser cases [--days N] [--lang de|en]`: open hand-off cases with their age, and how fast
advisers answer and close (median and p90 by language; the same figures as the dashboard)."""

from __future__ import annotations

import argparse

from bot.core.config import Settings
from bot.i18n import staff_texts
from bot.reporting.figures import Period, compute, open_cases
from bot.reporting.text import cases_text
from bot.services import open_services
from bot.storage.models import utcnow


async def cases(args: argparse.Namespace, settings: Settings) -> int:
    services = await open_services(settings, semantic=False)
    t = staff_texts(args.lang)
    try:
        assert services.knowledge is not None
        async with services.sessions() as session:
            figures = await compute(session, services.knowledge, Period.last_days(args.days))
            still_open = await open_cases(session)
    finally:
        await services.close()
    print(cases_text(figures, still_open, t, utcnow()))
    return 0
