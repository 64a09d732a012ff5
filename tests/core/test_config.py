from __future__ import annotations

import pytest

from bot.cli import main
from bot.core.config import ConfigError, load_settings
from bot.core.languages import normalise_language


def test_defaults_need_nothing_set(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "ADVISER_CHAT_ID", "STAFF_USER_IDS", "KNOWLEDGE_DIR"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("wegweiser.sqlite3")
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert (settings.knowledge_dir / "topics.yaml").exists()
    assert settings.adviser_chat_id is None
    assert settings.staff_user_ids == frozenset()


def test_values_from_environment_and_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ADVISER_CHAT_ID=-1001234567890\nSTAFF_USER_IDS=1, 22,333\n")
    monkeypatch.delenv("ADVISER_CHAT_ID", raising=False)
    monkeypatch.delenv("STAFF_USER_IDS", raising=False)
    settings = load_settings()
    assert settings.adviser_chat_id == -1001234567890
    assert settings.staff_user_ids == frozenset({1, 22, 333})


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("DATABASE_URL", "mysql://u@h/db", "unsupported driver"),
        ("ADVISER_CHAT_ID", "advisers", "ADVISER_CHAT_ID"),
        ("STAFF_USER_IDS", "1,abc", "STAFF_USER_IDS"),
    ],
)
def test_wrong_values_give_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path,
    variable: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    assert expected in str(excinfo.value)
    assert "\n" not in str(excinfo.value)

    assert main(["knowledge", "validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("code", "expected"),
    [("uk-UA", "uk"), ("prs", "fa"), ("kmr", "ku"), ("DE", "de"), ("pt-br", None), (None, None)],
)
def test_language_codes_are_normalised(code: str | None, expected: str | None) -> None:
    assert normalise_language(code) == expected


def test_webhook_url_needs_https_and_a_secret() -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET is required"):
        load_settings(
            _env_file=None, telegram_webhook_url="https://bot.example.org/telegram/webhook"
        )
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_URL: must be the public https://"):
        load_settings(
            _env_file=None,
            telegram_webhook_url="http://x/telegram/webhook",
            telegram_webhook_secret="s",
        )
    settings = load_settings(_env_file=None)
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.telegram_webhook_url is None and not settings.hsds_include_samples
