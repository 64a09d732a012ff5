"""Load benchmark: the real application, as separate processes, through the Bot API stand-in on
loopback.

    python benchmarks/load.py --people 200 --questions 1 --seconds 20
    python benchmarks/load.py --mode webhook --instances 2 --database postgresql+asyncpg://…
    python benchmarks/load.py --no-limits …   # the bot's own send limits lifted: capacity

N people ask M questions each, spread over T seconds (each person's questions in order, one
after another). Polling: `wegweiser run` processes (one leader, the rest standby but handling
from the shared inbox); webhook: `wegweiser serve` processes, the updates posted round-robin as
a load balancer would. Printed: throughput (questions answered per second, from the first
question to the last first reply), messages sent per update, first-reply latency p50/p95/p99/max,
errors (unanswered questions, error lines in the logs) and the peak RSS per process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.botapi_standin import BotApiStandIn  # noqa: E402

QUESTIONS = [
    "Ich suche einen Deutschkurs in Magdeburg",
    "Wo bekomme ich Hilfe beim Jobcenter?",
    "I need help with my residence permit",
    "Мені потрібна допомога з пошуком житла",
    "أبحث عن روضة أطفال لابني",
    "Kitaplık kursu nerede? Almanca kursu arıyorum",
    "Где можно получить консультацию по долгам?",
    "How can I get my diploma recognised?",
]
SECRET = "load-benchmark-secret"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


async def rss_sampler(pids: list[int], peak: dict[int, int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        peak[pid] = max(peak.get(pid, 0), int(line.split()[1]))
            except OSError:
                pass
        await asyncio.sleep(0.5)


async def prepare(database: str, env: dict[str, str]) -> None:
    """Schema and knowledge once, before the instances start."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "ask",
        "--json",
        "hallo",
        env={**env, "DATABASE_URL": database},
        stdout=asyncio.subprocess.DEVNULL,
    )
    await process.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--questions", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--mode", choices=["polling", "webhook"], default="polling")
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--database", help="DATABASE_URL (default: a fresh SQLite file)")
    parser.add_argument("--no-limits", action="store_true", help="lift the bot's send limits")
    parser.add_argument("--drain", type=float, default=180, help="seconds to wait for answers")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="wegweiser-load-"))
    database = args.database or f"sqlite+aiosqlite:///{folder / 'load.sqlite3'}"
    if database.startswith("postgresql"):
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(database)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    standin = BotApiStandIn()
    await standin.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_BASE_URL": standin.base_url,
        "DATABASE_URL": database,
        "TELEGRAM_RATE_LIMIT": "0" if args.no_limits else "1",
        "FLOOD_LIMIT": "1000",
    }
    await prepare(database, env)

    processes = []
    ports = []
    for index in range(args.instances):
        log = (folder / f"instance-{index}.log").open("wb")
        extra: dict[str, str] = {}
        command = "run"
        if args.mode == "webhook":
            port = 18700 + index + random.randint(0, 200)
            ports.append(port)
            command = "serve"
            extra = {
                "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "WEB_PORT": str(port),
            }
        processes.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                command,
                env={**env, **extra},
                cwd=folder,
                stdout=log,
                stderr=log,
            )
        )
        log.close()

    client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=40))
    deadline = time.monotonic() + 120
    if args.mode == "webhook":
        for port in ports:
            while True:
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("an instance did not become ready")
                await asyncio.sleep(0.3)
    else:
        logs = [folder / f"instance-{i}.log" for i in range(args.instances)]
        while not all(
            "Wegweiser is running" in p.read_text(errors="replace") for p in logs
        ) or not any("(leader)" in p.read_text(errors="replace") for p in logs):
            if time.monotonic() > deadline:
                raise SystemExit("the instances did not start")
            await asyncio.sleep(0.3)
    await asyncio.sleep(1.0)

    peak: dict[int, int] = {}
    stop_sampling = asyncio.Event()
    sampler = asyncio.create_task(rss_sampler([p.pid for p in processes], peak, stop_sampling))

    # the schedule: each person's questions in order, spread over T seconds
    rng = random.Random(7)
    people = [10_000_000 + i for i in range(args.people)]
    schedule = sorted(
        (
            rng.uniform(0, args.seconds)
            if args.questions == 1
            else (q + rng.random()) * args.seconds / args.questions,
            person,
            q,
        )
        for person in people
        for q in range(args.questions)
    )
    asked: dict[int, list[float]] = {p: [] for p in people}
    calls_before = len(standin.calls)
    started = time.monotonic()
    posts: list[asyncio.Task] = []
    gate = asyncio.Semaphore(40)

    async def post(port: int, update: dict) -> int:
        """Post one update like Telegram: 1 when refused or failed, else 0."""
        async with gate:
            try:
                response = await client.post(
                    f"http://127.0.0.1:{port}/telegram/webhook",
                    content=json.dumps(update),
                    headers={
                        "X-Telegram-Bot-Api-Secret-Token": SECRET,
                        "Content-Type": "application/json",
                    },
                )
            except httpx.HTTPError:
                return 1
            return int(response.status_code != 200)

    next_update = iter(range(1, 10**9))
    for offset, person, q in schedule:
        delay = started + offset - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        text = rng.choice(QUESTIONS)
        asked[person].append(time.monotonic())
        if args.mode == "polling":
            standin.message(person, text)
        else:
            update = {
                "update_id": next(next_update),
                "message": {
                    "message_id": q + 1,
                    "date": int(time.time()),
                    "chat": {"id": person, "type": "private"},
                    "from": {
                        "id": person,
                        "is_bot": False,
                        "first_name": "L",
                        "language_code": "de",
                    },
                    "text": text,
                },
            }
            port = ports[hash((person, q)) % len(ports)]
            # Telegram posts concurrently (up to 40 connections), not one after another
            posts.append(asyncio.create_task(post(port, update)))
    refused = sum(await asyncio.gather(*posts))
    last_asked = time.monotonic()

    def first_replies() -> dict[tuple[int, int], float]:
        """For each question, the first message to that person after it was asked."""
        sent: dict[int, list[float]] = {}
        for call in standin.calls[calls_before:]:
            if call.method == "sendMessage":
                sent.setdefault(int(call.params["chat_id"]), []).append(call.at)
        result = {}
        for person, times in asked.items():
            replies = sent.get(person, [])
            for q, at in enumerate(times):
                limit = times[q + 1] if q + 1 < len(times) else float("inf")
                first = next((r for r in replies if at <= r < limit), None)
                if first is not None:
                    result[(person, q)] = first - at
        return result

    total = args.people * args.questions
    drain_deadline = time.monotonic() + args.drain
    while len(first_replies()) < total and time.monotonic() < drain_deadline:
        await asyncio.sleep(0.5)
    await standin.settle(quiet=2.0, timeout=args.drain)
    finished = time.monotonic()
    stop_sampling.set()
    await sampler

    latencies = first_replies()
    sends = [c for c in standin.calls[calls_before:] if c.method in ("sendMessage", "copyMessage")]
    last_reply = max((asked[p][q] + lat for (p, q), lat in latencies.items()), default=finished)
    error_lines = 0
    for i in range(args.instances):
        text = (folder / f"instance-{i}.log").read_text(errors="replace")
        error_lines += sum(
            1 for line in text.splitlines() if " ERROR " in line or "Traceback" in line
        )
    values = list(latencies.values())
    label = (
        f"{args.mode}, {args.instances} instance(s), "
        f"{'postgresql' if database.startswith('postgresql') else 'sqlite'}, "
        f"{'limits lifted' if args.no_limits else 'Telegram limits kept'}"
    )
    print(f"== {label}: {args.people} people x {args.questions} questions over {args.seconds:.0f}s")
    print(f"answered          {len(latencies)}/{total}")
    print(
        f"throughput        {len(latencies) / max(last_reply - started, 1e-9):.1f} updates/s"
        f" (backlog cleared {max(0.0, last_reply - last_asked):.1f}s after the last question)"
    )
    print(f"messages/update   {len(sends) / max(total, 1):.2f}")
    print(
        "first reply       p50 {:.2f}s  p95 {:.2f}s  p99 {:.2f}s  max {:.2f}s".format(
            percentile(values, 50),
            percentile(values, 95),
            percentile(values, 99),
            max(values, default=float("nan")),
        )
    )
    print(
        f"errors            unanswered {total - len(latencies)}, error log lines "
        f"{error_lines}, webhook refusals {refused}"
    )
    print("peak RSS          " + ", ".join(f"{kb / 1024:.0f} MB" for kb in peak.values()))
    if values:
        print(f"mean first reply  {statistics.mean(values):.2f}s")

    for process in processes:
        process.terminate()
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
    await client.aclose()
    await standin.stop()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
