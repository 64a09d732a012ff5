from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("WEGWEISER_PASSWORD", "ein-langes-passwort")


def test_staff_accounts_from_the_command_line(env, monkeypatch, capsys) -> None:
    assert main(["staff", "add", "anna", "--role", "admin"]) == 0
    assert main(["staff", "add", "anna", "--role", "editor"]) == 1
    assert "taken" in capsys.readouterr().err
    assert main(["staff", "list"]) == 0
    assert "anna" in capsys.readouterr().out
    assert main(["staff", "passwd", "anna"]) == 0
    monkeypatch.setenv("WEGWEISER_PASSWORD", "kurz")
    assert main(["staff", "add", "ben", "--role", "viewer"]) == 1
    assert "10 characters" in capsys.readouterr().err
    assert main(["staff", "remove", "anna"]) == 0
    assert main(["staff", "remove", "anna"]) == 1
