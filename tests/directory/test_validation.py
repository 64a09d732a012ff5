"""Validation for people: warnings, suggestions, German and English wording."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bot.directory.wording import line
from bot.i18n import staff_texts
from bot.knowledge.loader import load_knowledge
from bot.knowledge.suggest import fix_hours, hours_overrides


def _edit(path: Path, pattern: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(pattern, text), pattern
    path.write_text(re.sub(pattern, new, text, count=1), encoding="utf-8")


def test_warnings_with_suggestions(knowledge_copy: Path) -> None:
    path = knowledge_copy / "offers" / "jmd-magdeburg.yaml"
    _edit(path, r"(?m)^sample: true", "sample: false")
    _edit(path, r"opening_hours: .+", 'opening_hours: "Mo-Fr 09:00-16:00; We 13:00-17:00"')
    old = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    _edit(path, r"last_reviewed: .+", f"last_reviewed: {old}")
    _edit(path, r"(?m)(^description:\n(?:  \w\w: .+\n)*?)  ps: .+\n", r"\1")  # no Pashto
    result = load_knowledge(knowledge_copy)
    assert result.knowledge is not None
    mine = {p.code: p for p in result.warnings if p.file == path}
    assert mine["sample_contact"].suggestion.value is True
    assert mine["stale_review"].suggestion.value == dt.date.today().isoformat()
    assert (
        mine["hours_override"].suggestion.value == "Mo-Fr 09:00-16:00; We 09:00-16:00,13:00-17:00"
    )
    missing = {
        p.field for p in result.warnings if p.file == path and p.code == "missing_translation"
    }
    assert "description.ps" in missing and "name.ps" not in missing
    german = line(mine["hours_override"], staff_texts("de"), result.root)
    assert german.startswith("offers/jmd-magdeburg.yaml:") and "Hinweis" in german
    assert "We 09:00-16:00,13:00-17:00" in german


def test_everyday_spellings_get_a_fix() -> None:
    assert fix_hours("Mo-Fr 9-16 Uhr") == "Mo-Fr 09:00-16:00"
    assert fix_hours("Di + Do 14.00 bis 18.00") == "Tu,Th 14:00-18:00"
    assert hours_overrides("Mo-Th 09:00-16:00; Fr 09:00-12:00") == []


def test_validate_prints_german_and_english(knowledge_copy: Path, capsys) -> None:
    from bot.cli import main

    path = knowledge_copy / "offers" / "jmd-magdeburg.yaml"
    _edit(path, r"(?m)^city: magdeburg", "city: Magdeburg")
    _edit(path, r"(?m)^district: \S+", "district: Stadtfeld")
    assert main(["knowledge", "validate", "--dir", str(knowledge_copy)]) == 1
    out = capsys.readouterr().out
    assert "offers/jmd-magdeburg.yaml:" in out
    assert "Für Stadtfeld Ost „magdeburg-stadtfeld-ost“ verwenden" in out
    assert main(["knowledge", "validate", "--dir", str(knowledge_copy), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "Use “magdeburg-stadtfeld-ost” for Stadtfeld Ost" in out
