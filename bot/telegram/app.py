"""The application factory and the serving parts of one process: wiring only.

`build_application`: settings → services → adapter → handlers, with a per-chat rate limiter.
`start_serving`: the durable inbox and its per-chat workers, the outbox delivery loop, the job
runner, and either the long-polling leader (`wegweiser run`) or the webhook registration
(`wegweiser serve`). PTB's `Updater` is not used: updates reach `Application.process_update`
only from the inbox, after they were stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import logging
import os
import socket
import uuid

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.languages import LANGUAGES
from bot.delivery.inbox import MAX_ATTEMPTS, Claimed, Inbox, purge_handled
from bot.delivery.jobs import Job, JobRunner
from bot.delivery.leases import NamedLease
from bot.delivery.outbox import Limits, OutboxWorker
from bot.delivery.poller import LEASE_NAME, Poller
from bot.delivery.ratelimit import ChatRateLimiter
from bot.delivery.sendshare import SendShare
from bot.delivery.workers import InboxProcessor, RetryLater, is_transient
from bot.dialogue.service import DialogueService
from bot.followup.service import FollowUpService
from bot.handoff.service import HandoffService
from bot.i18n import _, texts
from bot.reporting.stale import StaffDigestJob
from bot.services import Services
from bot.storage.database import create_engine
from bot.storage.models import utcnow
from bot.storage.people import purge_expired
from bot.telegram.flood import FloodGuard
from bot.telegram.handlers import TelegramAdapter

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", _("start and choose a language")),
    ("end", _("end the conversation with an adviser")),
    ("menu", _("topics to choose from")),
    ("language", _("change the language")),
    ("human", _("talk to a person")),
    ("privacy", _("what I store")),
    ("delete", _("delete your data")),
    ("help", _("how Wegweiser works")),
]
PURGE_INTERVAL = dt.timedelta(days=1)
INBOX_PURGE_INTERVAL = dt.timedelta(hours=1)
MAINTAIN_INTERVAL = dt.timedelta(seconds=60)
# set while one stored update is handled: {"last": bool} in, {"retry": error} out
_ATTEMPT: contextvars.ContextVar[dict | None] = contextvars.ContextVar("attempt", default=None)


def build_application(services: Services) -> Application:
    settings = services.settings
    assert settings.telegram_bot_token, "checked by the run command"
    share = SendShare(settings.outbox_per_second)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .rate_limiter(ChatRateLimiter(enabled=settings.telegram_rate_limit, share=share))
        .build()
    )
    dialogue = DialogueService(services)
    handoff = None
    kick = asyncio.Event()
    if settings.adviser_chat_id is not None:
        handoff = HandoffService(settings, services.sessions, dialogue.engine)
        dialogue.handoff = handoff
    followups = None
    if settings.followup_days > 0:
        followups = FollowUpService(
            services.sessions, settings.followup_days, lambda: services.knowledge
        )
        dialogue.followup = followups
    if handoff is not None or followups is not None:
        application.bot_data["outbox"] = OutboxWorker(
            application.bot,
            services.sessions,
            on_failure=handoff.on_failure if handoff is not None else None,
            limits=Limits.from_settings(settings),
            share=share,
        )
    application.bot_data["followup"] = followups
    application.bot_data["digest"] = (
        StaffDigestJob(services) if settings.staff_digest_telegram else None
    )
    adapter = TelegramAdapter(
        dialogue,
        FloodGuard(settings.flood_limit, settings.flood_window_seconds),
        application.bot,
        handoff=handoff,
        kick=kick,
    )
    application.bot_data["adapter"] = adapter
    application.bot_data["send_share"] = share
    application.bot_data["kick"] = kick
    application.bot_data["handoff"] = handoff
    application.add_error_handler(_capture_transient)  # before the apology
    fresh = ~filters.UpdateType.EDITED  # an edit is not a new question
    # ... but inside a hand-off case the advisers get an edit notice
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, adapter.on_edit))
    if settings.adviser_chat_id is not None:
        application.add_handler(
            MessageHandler(
                filters.Chat(settings.adviser_chat_id) & fresh & ~filters.StatusUpdate.ALL,
                adapter.on_adviser_message,
            )
        )
    private = filters.ChatType.PRIVATE & fresh
    application.add_handler(CommandHandler("stats", adapter.on_stats, private))
    application.add_handler(CommandHandler([c for c, _ in COMMANDS], adapter.on_command, private))
    application.add_handler(MessageHandler(private & filters.COMMAND, adapter.on_command))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, adapter.on_text)
    )
    application.add_handler(MessageHandler(private & filters.LOCATION, adapter.on_location))
    application.add_handler(CallbackQueryHandler(adapter.on_button))
    application.add_handler(
        ChatMemberHandler(adapter.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(
            private
            & ~filters.TEXT
            & ~filters.COMMAND
            & ~filters.LOCATION
            & ~filters.StatusUpdate.ALL,
            adapter.on_media,
        )
    )
    application.add_error_handler(adapter.on_error)
    return application


async def register_commands(application: Application) -> None:
    """Command menus in every language (Telegram shows the one of the user's app language)."""
    for language in LANGUAGES:
        t = texts(language)
        commands = [
            BotCommand(name, t._(description).strip("\u200f")[:256])
            for name, description in COMMANDS
        ]
        await application.bot.set_my_commands(commands, language_code=language)
    t = texts("de")
    await application.bot.set_my_commands(
        [BotCommand(name, t._(description)[:256]) for name, description in COMMANDS]
    )


ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]


async def _capture_transient(update: object, context) -> None:
    """First error handler: a database failure while handling a stored update is retried
    later from the inbox (no apology now); other errors go on to the adapter's handler."""
    attempt = _ATTEMPT.get()
    if attempt is None or attempt["last"] or not is_transient(context.error):
        return
    attempt["retry"] = context.error
    raise ApplicationHandlerStop


def instance_name() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is new)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Serving:
    """Everything one process runs to serve Telegram: the application, the inbox workers, the
    outbox delivery, the job runner and (polling) the leader poller."""

    def __init__(self, services: Services, application: Application, *, owner: str) -> None:
        self.services = services
        self.application = application
        self.owner = owner
        settings = services.settings
        self._journal_engine = create_engine(settings.database_url)
        self.inbox = Inbox(
            services.sessions,
            owner,
            settings.lease_seconds,
            journal=self._journal_engine,
        )
        self.processor = InboxProcessor(self.inbox, self.handle, settings.inbox_workers)
        self.jobs = JobRunner(
            services.engine,
            services.sessions,
            owner,
            settings.lease_seconds,
            self._jobs(),
            after=self.kick,
        )
        self.poller: Poller | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        application.bot_data["serving"] = self

    def kick(self) -> None:
        self.application.bot_data["kick"].set()

    async def handle(self, item: Claimed) -> None:
        """Handle one stored update with the application's handlers."""
        update = Update.de_json(item.payload, self.application.bot)
        attempt: dict = {"last": item.attempts + 1 >= MAX_ATTEMPTS}
        token = _ATTEMPT.set(attempt)
        try:
            await self.application.process_update(update)
        finally:
            _ATTEMPT.reset(token)
        if "retry" in attempt:
            error = attempt["retry"]
            raise RetryLater(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")

    def _jobs(self) -> list[Job]:
        data = self.application.bot_data
        jobs = [
            Job("retention-purge", PURGE_INTERVAL, self._purge),
            Job("inbox-purge", INBOX_PURGE_INTERVAL, self._purge_inbox),
        ]
        if data.get("handoff") is not None:
            jobs.append(Job("handoff-maintain", MAINTAIN_INTERVAL, data["handoff"].maintain))
        if data.get("followup") is not None:
            jobs.append(Job("followup-send", MAINTAIN_INTERVAL, data["followup"].send_due))
        if data.get("digest") is not None:
            jobs.append(Job("staff-digest", MAINTAIN_INTERVAL, data["digest"].run))
        return jobs

    async def _purge(self) -> None:
        async with self.services.sessions() as session, session.begin():
            removed = await purge_expired(session, self.services.settings.retention_days, utcnow())
        log.info("retention purge: %s", removed)

    async def _purge_inbox(self) -> None:
        async with self.services.sessions() as session, session.begin():
            await purge_handled(session)

    async def start(
        self,
        *,
        polling: bool,
        webhook_url: str | None = None,
        poll_timeout: float | None = None,
        jobs: bool = True,
    ) -> None:
        application = self.application
        await application.bot_data["adapter"].service.engine()  # build the matcher first
        await application.initialize()
        await application.start()
        try:
            await register_commands(application)
        except Exception as exc:  # not fatal: the menus were registered before
            log.warning("could not register the command menus: %s", exc)
        if webhook_url is not None:
            self._tasks.append(asyncio.create_task(self._register_webhook(webhook_url)))
        await self.processor.start()
        share = application.bot_data["send_share"]
        self._tasks.append(
            asyncio.create_task(share.run(self.services.sessions, self.owner, self._stop))
        )
        worker = application.bot_data.get("outbox")
        if worker is not None:
            self._tasks.append(
                asyncio.create_task(_deliver_loop(worker, application.bot_data["kick"]))
            )
        if jobs:
            await self.jobs.start()
        if polling:
            self.poller = Poller(
                application.bot,
                self.inbox,
                NamedLease(
                    self.services.sessions,
                    LEASE_NAME,
                    self.owner,
                    self.services.settings.lease_seconds,
                ),
                self.processor.wake,
                [str(u) for u in ALLOWED_UPDATES],
                poll_timeout=poll_timeout,
            )
            self._tasks.append(asyncio.create_task(self.poller.run(self._stop), name="poller"))

    async def _register_webhook(self, url: str) -> None:
        """setWebhook with the secret and the update types; retried while the Bot API cannot
        be reached (the workspace and the inbox work meanwhile)."""
        secret = self.services.settings.telegram_webhook_secret
        assert secret is not None, "checked by the settings"
        pause = 2.0
        while True:
            try:
                await self.application.bot.set_webhook(
                    url,
                    secret_token=secret.get_secret_value(),
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
                log.info("webhook registered")
                return
            except Exception as exc:
                log.warning("could not register the webhook (retrying): %s", exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60.0)

    async def stop(self, grace: float | None = None) -> None:
        """Stop receiving, drain for at most `grace` seconds (SHUTDOWN_GRACE_SECONDS), release
        the leases; what is not handled stays in the inbox for the next process."""
        grace = self.services.settings.shutdown_grace_seconds if grace is None else grace
        self._stop.set()
        poller = next((t for t in self._tasks if t.get_name() == "poller"), None)
        if poller is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(poller, timeout=3)
        await self.processor.stop(grace)
        await self.jobs.stop()
        worker = self.application.bot_data.get("outbox")
        if worker is not None:  # finishes or releases its sends, ends its loop's round
            await worker.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # bounded: with the Bot API unreachable a stop must not wait for its timeouts
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.application.stop(), timeout=3)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.application.shutdown(), timeout=3)
        await self._journal_engine.dispose()


async def start_serving(
    services: Services,
    *,
    polling: bool,
    webhook_url: str | None = None,
    poll_timeout: float | None = None,
    jobs: bool = True,
) -> Serving:
    """Build the application and start serving (see `Serving.start`)."""
    serving = Serving(services, build_application(services), owner=instance_name())
    await serving.start(
        polling=polling, webhook_url=webhook_url, poll_timeout=poll_timeout, jobs=jobs
    )
    return serving


async def _deliver_loop(worker: OutboxWorker, kick: asyncio.Event) -> None:
    """Deliver the outbox in lanes (see bot.delivery.outbox); at once when a handler queued
    something; a database outage is waited out inside."""
    await worker.run(kick)
