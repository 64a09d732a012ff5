"""`wegweiser purge`: apply the retention period now (the bot also runs it daily)."""

from __future__ import annotations

import argparse

from bot.core.config import Settings
from bot.services import open_services
from bot.storage.models import utcnow
from bot.storage.people import purge_expired


async def purge(args: argparse.Namespace, settings: Settings) -> int:
    services = await open_services(settings, ensure_knowledge=False, semantic=False)
    try:
        async with services.sessions() as session, session.begin():
            removed = await purge_expired(session, settings.retention_days, utcnow())
    finally:
        await services.close()
    print(
        f"retention {settings.retention_days} days: deleted {removed['people']} people, "
        f"{removed['questions']} old questions; wiped contents of {removed['cases']} old cases"
    )
    return 0
