"""Typed settings, read from the environment and a `.env` file in the working directory.

Every variable of the outside contract lives here with its default, so the rest of the code never
reads `os.environ` itself. A wrong value stops the program with one clear line (see
`load_settings`), never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.core.paths import shipped


def default_database_url() -> str:
    """A SQLite file in the user data folder, so a fresh machine needs nothing set."""
    folder = Path(user_data_dir("wegweiser", appauthor=False))
    return f"sqlite+aiosqlite:///{folder / 'wegweiser.sqlite3'}"


class Settings(BaseSettings):
    """Configuration of one Wegweiser process."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    database_url: str = Field(default_factory=default_database_url)
    knowledge_dir: Path = Field(default_factory=lambda: shipped("knowledge"))
    adviser_chat_id: int | None = None
    staff_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    # The web application (`wegweiser serve`): staff workspace, HSDS API, webhook, operations.
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    wegweiser_password: SecretStr | None = None  # for `staff add` / `staff passwd` without a prompt
    hsds_include_samples: bool = False
    # A Nominatim-compatible search URL for "map point from the address" in the workspace
    # (e.g. https://nominatim.example.org/search); unset: the district's centre is used.
    geocoder_url: str | None = None

    # Operational knobs beyond the contract; all have safe defaults.
    retention_days: int = Field(default=180, ge=1)
    handoff_internal_prefix: str = "#intern"
    handoff_reminder_minutes: int = Field(default=120, ge=1)
    handoff_idle_close_hours: int = Field(default=72, ge=1)
    flood_limit: int = Field(default=15, ge=1)  # people write in fragments; 40 at once is a flood
    flood_window_seconds: float = Field(default=10.0, gt=0)
    # At most this many new hand-off cases per person and hour (one open case at a time anyway).
    handoff_cases_per_hour: int = Field(default=3, ge=1)
    # The outbox keeps Telegram's limits, per lane (destination chat) and per process.
    outbox_private_per_second: float = Field(default=1.0, gt=0)  # per private chat
    outbox_group_per_minute: int = Field(default=20, ge=1)  # per group (the advisers' group)
    outbox_per_second: float = Field(default=30.0, gt=0)  # all chats together

    # Monitoring and the learning loop (issue 11).
    # Days after an answer before the bot asks whether the person reached the offers (only
    # people who agreed when asked once); 0 switches the follow-up off.
    followup_days: int = Field(default=7, ge=0, le=90)
    # An offer whose `last_reviewed` is older than this many months is listed for review.
    stale_after_months: int = Field(default=12, ge=1, le=120)
    # An offer with at least this many "could not reach" answers (last 180 days) is listed too.
    stale_unreached_count: int = Field(default=3, ge=1)
    # Send the weekly digest of offers to review to STAFF_USER_IDS in Telegram as well.
    staff_digest_telegram: bool = False

    # Production serving (issue 10): the inbox, leases, shutdown and sending.
    # SIGTERM waits at most this long for updates being handled; the rest stay in the inbox.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    # A lease (polling leader, an update being handled, the job runner) of a process that died
    # expires after this; the holder renews it every third of it.
    lease_seconds: float = Field(default=12.0, ge=3, le=120)
    # Chats handled at the same time by one process (each chat in order).
    inbox_workers: int = Field(default=16, ge=1, le=256)
    # `/readyz` answers 503 when an update waits longer than this to be handled.
    inbox_stuck_seconds: float = Field(default=120.0, gt=0)
    # Telegram's send limits (30 messages/s overall, about 1/s per private chat, 20/min per
    # group); `0` lifts them, for load tests against a stand-in only.
    telegram_rate_limit: bool = True

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
            raise ValueError(
                f"unsupported driver {url.drivername!r}: use sqlite+aiosqlite:/// or "
                "postgresql+asyncpg://"
            )
        return value

    @field_validator(
        "adviser_chat_id",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "wegweiser_password",
        "geocoder_url",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be the public https:// URL of /telegram/webhook")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and self.telegram_webhook_secret is None:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
        if self.telegram_webhook_url and not self.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is required with TELEGRAM_WEBHOOK_URL")
        return self

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated numeric Telegram user ids") from None
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class ConfigError(Exception):
    """A configuration value is wrong; the message is one line for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable `ConfigError` line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            (f"{'.'.join(str(p) for p in err['loc']).upper()}: " if err["loc"] else "")
            + err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        )
        raise ConfigError(f"configuration error: {problems}") from None
