"""Helpers for workspace tests: a ready database with staff accounts."""

from __future__ import annotations

import asyncio
import re

from bot.services import open_services
from bot.staff import accounts
from tests.conftest import make_settings

PASSWORD = "sehr-geheimes-passwort"


def add_accounts(url: str) -> None:
    async def run() -> None:
        services = await open_services(make_settings(url), ensure_knowledge=False, semantic=False)
        async with services.sessions() as session, session.begin():
            for name, role in (("anna", "admin"), ("emil", "editor"), ("vera", "viewer")):
                await accounts.add_account(session, name, role, PASSWORD)
        await services.close()

    asyncio.run(run())


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)
