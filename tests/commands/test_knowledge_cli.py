from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ready_sqlite_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", ready_sqlite_url)
    return tmp_path


def test_validate_clean_and_broken(
    env: Path, knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["knowledge", "validate"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ok: ")

    offers = sorted((knowledge_copy / "offers").glob("*.yaml"))
    offers[0].write_text(
        offers[0].read_text(encoding="utf-8").replace("topics: [", "topics: [nope, ", 1),
        encoding="utf-8",
    )
    offers[1].write_text("name: {de: x\n", encoding="utf-8")
    assert main(["knowledge", "validate", "--dir", str(knowledge_copy), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert f"offers/{offers[0].name}:" in out and "nope" in out
    assert f"offers/{offers[1].name}:" in out and "YAML syntax error" in out
    assert "Traceback" not in out


def test_import_refused_then_accepted(
    env: Path, knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (knowledge_copy / "topics.yaml").write_text("fields: [", encoding="utf-8")
    assert main(["knowledge", "import", "--dir", str(knowledge_copy), "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert "topics.yaml" in captured.err and "not changed" in captured.err
    assert main(["knowledge", "import", "--dry-run"]) == 0
    assert "nichts geschrieben" in capsys.readouterr().out
    assert main(["knowledge", "import"]) == 0
    assert "keine Änderungen" in capsys.readouterr().out


def test_export_yaml_round_trips(env: Path, tmp_path: Path, capsys) -> None:
    from bot.knowledge.loader import load_knowledge
    from tests.conftest import KNOWLEDGE

    assert main(["knowledge", "export", "--format", "yaml", "--output", str(tmp_path / "k")]) == 0
    exported = load_knowledge(tmp_path / "k")
    assert exported.errors == []
    assert exported.knowledge.content_hash == load_knowledge(KNOWLEDGE).knowledge.content_hash


def test_export_writes_every_language_and_the_lexicon(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["knowledge", "export", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["knowledge_version"] >= 1
    assert len(document["offers"]) >= 60
    topic = document["fields"][0]["topics"][0]
    assert len(topic["name"]) == 12 and len(topic["lexicon"]) == 12
    offer = next(o for o in document["offers"] if o.get("opening_hours"))
    for key in ("id", "name", "topics", "description", "languages", "last_reviewed", "source"):
        assert key in offer


def test_embed_reads_the_folder_not_the_database(
    env: Path, knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database of `env` holds the shipped knowledge; the folder has one new example."""
    from bot.matching.semantic import QUERY_MARK, load_semantic_model
    from bot.storage.embedding_cache import load_cache
    from bot.storage.knowledge_store import text_hash

    model = load_semantic_model()
    if model is None:
        pytest.skip("semantic model not installed")
    sentence = "Wo kann ich am Sonntag Brötchen kaufen, Bäckerei in der Nähe"
    path = knowledge_copy / "exemplars.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("ordinary:\n  de:\n", f"ordinary:\n  de:\n    - {sentence}\n", 1),
        encoding="utf-8",
    )
    assert main(["knowledge", "embed", "--dir", str(knowledge_copy)]) == 0
    assert "1 newly embedded" in capsys.readouterr().out
    assert text_hash(QUERY_MARK + sentence) in load_cache(knowledge_copy, model.name)
