from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.core.config import load_settings
from bot.dialogue.messages import Incoming
from bot.dialogue.service import DialogueService
from bot.services import open_services


async def test_demand_report_counts_topics_and_lists_unanswered(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    ready_sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", ready_sqlite_url)
    services = await open_services(load_settings())
    service = DialogueService(services)
    await service.handle(
        "telegram",
        1,
        Incoming("text", "Ich suche eine Schuldnerberatung in Sudenburg", telegram_language="de"),
    )
    await service.handle(
        "telegram", 2, Incoming("text", "debt counselling please", telegram_language="en")
    )
    await service.handle(
        "telegram", 3, Incoming("text", "wie wird das wetter morgen", telegram_language="de")
    )
    await services.close()
    import asyncio

    code = await asyncio.to_thread(main, ["demand", "--days", "7"])
    assert code == 0
    out = capsys.readouterr().out
    # two debt questions and one unclear one: every count below 5 is printed as "< 5"
    assert "Schuldnerberatung" in out and "Wohnen und Leben: < 5" in out
    assert "Verwaltung" not in out  # the unclear question is not counted as a topic
    assert "mit Rückfrage: < 5" in out
    assert "Sudenburg (Magdeburg) < 5" in out and "Städte: " in out
    assert "wie wird das wetter morgen" in out  # listed masked (nothing to mask here)
    assert not any(ch.isdigit() and ch in "1234" for ch in out.split("Sprachen:")[1].split("\n")[0])
