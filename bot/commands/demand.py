"""`wegweiser demand [--days N] [--lang de|en]`: what people asked for, for the integration
office's monitoring. The figures come from `bot.reporting.figures`, the same code as the
dashboard and the steering group's report; counts below 5 are printed as "< 5"."""

from __future__ import annotations

import argparse

from bot.core.config import Settings
from bot.i18n import staff_texts
from bot.reporting.figures import Period, compute
from bot.reporting.gaps import latest_masked
from bot.reporting.text import demand_text
from bot.services import open_services


async def demand(args: argparse.Namespace, settings: Settings) -> int:
    services = await open_services(settings, semantic=False)
    t = staff_texts(args.lang)
    period = Period.last_days(args.days)
    try:
        assert services.knowledge is not None
        async with services.sessions() as session:
            figures = await compute(session, services.knowledge, period)
            questions = await latest_masked(session, period.since, period.until, limit=args.show)
        print(demand_text(figures, services.knowledge, t, questions))
    finally:
        await services.close()
    return 0
