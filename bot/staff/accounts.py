"""Staff accounts and sessions.

Passwords are hashed with argon2 (argon2-cffi). A session is a random token in an HttpOnly cookie;
the database stores only its SHA-256, so several `serve` processes share sessions and a leaked
database does not open anyone's session. Sessions end after `IDLE` without a request and after
`ABSOLUTE` in any case. Failed sign-ins are counted in the database per account and per client
address; past the limit, sign-in is refused for a while with a clear message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import LoginAttempt, StaffAccount, StaffSession, utcnow

ROLES: Final = ("admin", "editor", "viewer")
IDLE: Final = dt.timedelta(hours=2)
ABSOLUTE: Final = dt.timedelta(hours=12)
ATTEMPT_WINDOW: Final = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT: Final = 5
MAX_FAILURES_PER_CLIENT: Final = 20
MIN_PASSWORD: Final = 10

_hasher = PasswordHasher()
# verified against when the account does not exist, so timing does not reveal account names
_DUMMY_HASH: Final = _hasher.hash("not a real password, only for timing")


class AccountError(Exception):
    """A clear reason for an operator (unknown role, short password, name taken…)."""


@dataclass(frozen=True)
class SignedIn:
    account_id: int
    name: str
    role: str
    language: str | None
    csrf_token: str

    def may(self, permission: str) -> bool:
        return permitted(self.role, permission)


def permitted(role: str, permission: str) -> bool:
    """read: everyone; edit: editors and admins; admin: admins."""
    if permission == "read":
        return role in ROLES
    if permission == "edit":
        return role in ("admin", "editor")
    return role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")


async def add_account(
    session: AsyncSession, name: str, role: str, password: str, language: str | None = None
) -> StaffAccount:
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() for ch in name):
        raise AccountError("a user name is 1 to 100 characters without spaces")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose admin, editor or viewer")
    check_password(password)
    if await find_account(session, name) is not None:
        raise AccountError(f"the user name {name!r} is taken")
    account = StaffAccount(
        name=name, role=role, password_hash=_hasher.hash(password), language=language
    )
    session.add(account)
    await session.flush()
    return account


async def find_account(session: AsyncSession, name: str) -> StaffAccount | None:
    return await session.scalar(
        select(StaffAccount).where(func.lower(StaffAccount.name) == name.strip().lower())
    )


async def list_accounts(session: AsyncSession) -> list[StaffAccount]:
    return list((await session.scalars(select(StaffAccount).order_by(StaffAccount.name))).all())


async def remove_account(session: AsyncSession, name: str) -> bool:
    account = await find_account(session, name)
    if account is None:
        return False
    await session.delete(account)
    return True


async def set_password(session: AsyncSession, name: str, password: str) -> bool:
    check_password(password)
    account = await find_account(session, name)
    if account is None:
        return False
    account.password_hash = _hasher.hash(password)
    await session.execute(delete(StaffSession).where(StaffSession.account_id == account.id))
    return True


async def too_many_failures(
    session: AsyncSession, name: str, client: str, now: dt.datetime
) -> bool:
    since = now - ATTEMPT_WINDOW
    per_account = await session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.account_name == name.lower(), LoginAttempt.created_at >= since)
    )
    per_client = await session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.client == client, LoginAttempt.created_at >= since)
    )
    return per_account >= MAX_FAILURES_PER_ACCOUNT or per_client >= MAX_FAILURES_PER_CLIENT


async def authenticate(
    session: AsyncSession, name: str, password: str, client: str, now: dt.datetime | None = None
) -> tuple[StaffAccount | None, str | None]:
    """(account, None) on success; (None, "limited"|"wrong") otherwise."""
    now = now or utcnow()
    name = name.strip()[:100]
    client = client[:64]
    await session.execute(
        delete(LoginAttempt).where(LoginAttempt.created_at < now - ATTEMPT_WINDOW)
    )
    if await too_many_failures(session, name, client, now):
        return None, "limited"
    account = await find_account(session, name) if name else None
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        ok = account is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or account is None:
        session.add(LoginAttempt(account_name=name.lower(), client=client, created_at=now))
        return None, "wrong"
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = now
    await session.execute(delete(LoginAttempt).where(LoginAttempt.account_name == name.lower()))
    return account, None


async def start_session(
    session: AsyncSession, account: StaffAccount, now: dt.datetime | None = None
) -> str:
    """A new session; returns the cookie token (only its hash is stored)."""
    now = now or utcnow()
    await session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE,
        )
    )
    return token


async def resume_session(
    session: AsyncSession, token: str, now: dt.datetime | None = None
) -> SignedIn | None:
    """The signed-in account for a cookie token, or None (unknown, idle too long, expired)."""
    now = now or utcnow()
    row = await session.get(StaffSession, token_hash(token))
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + IDLE <= now:
        await session.delete(row)
        return None
    account = await session.get(StaffAccount, row.account_id)
    if account is None:
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=1):
        row.last_seen_at = now
    return SignedIn(account.id, account.name, account.role, account.language, row.csrf_token)


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))
