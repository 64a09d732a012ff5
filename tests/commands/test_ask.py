from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ready_sqlite_url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", ready_sqlite_url)


def test_ask_json_shape(env, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--lang", "uk", "--json", "де", "знайти", "курс", "німецької?"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"language", "action", "offers"}
    assert result["language"] == "uk" and result["action"] in ("answer", "clarify")
    offer = result["offers"][0]
    assert set(offer) == {"id", "name", "topics", "score"}
    assert "language_course" in offer["topics"]
    scores = [o["score"] for o in result["offers"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_batch_keeps_order_in_one_process(
    env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"text": "Ich suche eine Wohnung"},
        {"text": "I want to talk to a person", "lang": "en"},
        {"text": "أريد أن أنتحر"},
        {"text": "   "},
        {"text": "what is the capital of france"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["ask", "--json", "--batch"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines)
    assert "housing" in out[0]["offers"][0]["topics"] and out[0]["language"] == "de"
    assert out[1]["action"] == "handoff" and out[1]["language"] == "en"
    assert out[2]["action"] == "emergency" and out[2]["language"] == "ar"
    assert out[3]["action"] == "clarify" and out[3]["offers"] == []
    assert out[4]["action"] != "answer"


def test_ask_batch_reports_bad_lines_with_their_number(
    env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"text": "kita"}\nnot json\n{"lang": "de"}\n'))
    assert main(["ask", "--json", "--batch"]) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "action" in out[0]
    assert out[1]["error"].startswith("line 2:") and out[2]["error"].startswith("line 3:")
