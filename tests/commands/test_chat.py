"""The README's demo: `wegweiser chat` answers, shows numbered buttons, and presses them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ready_sqlite_url: str):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", ready_sqlite_url)

    def script(lines: list[str]) -> None:
        feed: Iterator[str] = iter(lines)

        async def read_line(prompt: str) -> str | None:
            return next(feed, None)

        monkeypatch.setattr("bot.commands.chat._read_line", read_line)

    return script


def test_chat_answers_and_buttons_work(scripted, capsys: pytest.CaptureFixture[str]) -> None:
    scripted(["Ich suche eine Schuldnerberatung in Magdeburg", "/menu", "2", "/quit"])
    assert main(["chat", "--lang", "de"]) == 0
    out = capsys.readouterr().out
    assert "Schuldnerberatung" in out and "openstreetmap.org" in out
    assert "[1]" in out  # buttons as numbered choices
    assert "Arbeit" in out  # pressing a menu button opened a field of action


def test_chat_in_arabic_and_end_of_input(scripted, capsys: pytest.CaptureFixture[str]) -> None:
    scripted(["بدي دكتور بيحكي عربي"])  # then end of input
    assert main(["chat", "--lang", "ar"]) == 0
    out = capsys.readouterr().out
    assert any("\u0600" <= ch <= "\u06ff" for ch in out)
    assert "■" in out  # at least one offer card
