"""Real `wegweiser run` processes against the Bot API stand-in: a leader and a hot standby,
`kill -9` with a backlog, a restart. Nothing is lost, nothing is answered twice, the standby
takes over within seconds, and no process logs a 409 traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.botapi_standin import BotApiStandIn

PRIVACY = "Was ich speichere"
HELP = "Schreiben Sie Ihre Frage"
LEASE = 3.0


class Run:
    """One `wegweiser run` process; its log goes to a file."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.env = env
        self.log = folder / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.folder = folder

    async def start(self) -> None:
        handle = self.log.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=self.env,
            cwd=self.folder,
            stdout=handle,
            stderr=handle,
        )
        handle.close()

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def leading(self) -> bool:
        return "now polls Telegram (leader)" in self.text()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def wait_until(predicate, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


WINDOW = 0.5  # seconds between Telegram accepting a send and the process recording it
SKEW = 0.1  # a request already on the wire reaches the stand-in a moment after the kill


def check_answers(standin: BotApiStandIn, chats: list[int], kills: list[float]) -> int:
    """Every question answered, in order; an answer sent twice only when its first copy was
    accepted by Telegram in the moment before a kill (the documented window). Returns how
    many such duplicates there were."""
    duplicates = 0
    for chat in chats:
        calls = standin.sent(chat)
        texts = [c.params.get("text", "") for c in calls]
        unique = list(dict.fromkeys(t[:40] for t in texts))
        assert len(unique) == 2, (chat, unique)  # nothing lost
        assert unique[0].startswith(PRIVACY) and unique[1].startswith(HELP), chat  # in order
        for text in unique:
            copies = [c for c in calls if c.params.get("text", "")[:40] == text]
            if len(copies) > 1:
                duplicates += len(copies) - 1
                first = copies[0].at
                assert len(copies) == 2 and any(k - WINDOW <= first <= k + SKEW for k in kills), (
                    chat,
                    text,
                    [round(first - k, 3) for k in kills],
                )
    return duplicates


def ask(standin: BotApiStandIn, chats: list[int]) -> None:
    for chat in chats:
        standin.message(chat, "/privacy")
    for chat in chats:
        standin.message(chat, "/help")


async def test_kill_with_a_backlog_standby_takes_over_restart_loses_nothing(
    services, tmp_path: Path
) -> None:
    """PostgreSQL: a leader and a hot standby; the leader is killed mid-backlog, the standby
    takes over; then it is killed too and a restarted process finishes. SQLite (one process at
    a time): killed mid-backlog and restarted."""
    shared = services.settings.database_url.startswith("postgresql")
    standin = BotApiStandIn()
    await standin.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_BASE_URL": standin.base_url,
        "DATABASE_URL": services.settings.database_url,
        "LEASE_SECONDS": str(LEASE),
        "SHUTDOWN_GRACE_SECONDS": "2",
    }
    await services.close()  # the processes own the database now
    runs = [Run(name, env, tmp_path) for name in ("a", "b", "c")]
    a, b, c = runs
    kills: list[float] = []
    try:
        await a.start()
        if shared:
            await b.start()
        await wait_until(lambda: a.leading or b.leading, 60, "a leader")
        leader, standby = (a, b) if a.leading else (b, a)
        if shared:
            await asyncio.sleep(1.5)  # both up: the standby must not poll meanwhile
            assert not standby.leading and standin.conflicts == 0

        first = list(range(8001, 8021))
        ask(standin, first)
        await wait_until(lambda: len(standin.sent()) >= 6, 30, "first answers")
        leader.kill()  # kill -9 in the middle of the backlog
        kills.append(time.monotonic())
        second: list[int] = []
        if shared:
            await wait_until(lambda: standby.leading, 4 * LEASE, "the standby taking over")
            takeover = time.monotonic() - kills[0]
            assert takeover < 3 * LEASE + 1, takeover
            await wait_until(
                lambda: all(len(standin.sent(ch)) >= 2 for ch in first), 40, "the first backlog"
            )
            second = list(range(8101, 8113))
            ask(standin, second)
            await wait_until(lambda: len(standin.sent()) >= len(first) * 2 + 4, 30, "answers")
            standby.kill()  # no process is left: the restarted one must finish the backlog
            kills.append(time.monotonic())
        await c.start()
        await wait_until(
            lambda: all(len(standin.sent(ch)) >= 2 for ch in first + second), 60, "the backlog"
        )
        await standin.settle(quiet=1.0)

        duplicates = check_answers(standin, first + second, kills)
        print(f"duplicates from the kill window: {duplicates}")
        for run in runs:
            log = run.text()
            assert "Traceback" not in log, (run.name, log[-2000:])
            assert "ERROR" not in log, (run.name, log[-2000:])
        # the killed leaders' open long polls are the only requests that met a newer poller
        assert standin.conflicts <= len(kills)
        stopping = time.monotonic()
        await c.stop()  # SIGTERM: drains, gives its leases back, exits cleanly
        assert c.process.returncode == 0 and time.monotonic() - stopping < 8
        assert "Traceback" not in c.text()
    finally:
        for run in runs:
            await run.stop()
        await standin.stop()
