"""Prometheus metrics of one process (the counters); gauges that need the database are
computed when `/metrics` is read (see `bot/web/ops.py`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES_RECEIVED = Counter(
    "wegweiser_updates_received", "Telegram updates stored in the inbox", ["kind", "via"]
)
UPDATES_DUPLICATE = Counter(
    "wegweiser_updates_duplicate", "Updates received again (already in the inbox)", ["via"]
)
UPDATES_HANDLED = Counter(
    "wegweiser_updates_handled", "Updates handled from the inbox", ["kind", "outcome"]
)
REPLIES = Counter("wegweiser_replies", "Dialogue answers by action", ["action"])
HANDLING_SECONDS = Histogram(
    "wegweiser_handling_seconds",
    "Time to handle one update (dialogue and sending)",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
UPDATE_AGE_SECONDS = Histogram(
    "wegweiser_update_age_seconds",
    "Time from storing an update to having handled it",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
SEND_ERRORS = Counter("wegweiser_send_errors", "Bot API calls that failed", ["status"])
INBOX_WORKERS_BUSY = Gauge("wegweiser_inbox_chats_busy", "Chats being handled by this process")

# computed from the database when /metrics is read
INBOX_DEPTH = Gauge("wegweiser_inbox_depth", "Updates stored and not yet handled")
INBOX_OLDEST = Gauge("wegweiser_inbox_oldest_seconds", "Age of the oldest due unhandled update")
OUTBOX_DEPTH = Gauge("wegweiser_outbox_depth", "Messages waiting in the outbox", ["lane"])
OUTBOX_OLDEST = Gauge(
    "wegweiser_outbox_oldest_seconds", "Age of the oldest waiting outbox message", ["lane"]
)
OPEN_CASES = Gauge("wegweiser_open_cases", "Hand-off cases open")
KNOWLEDGE_VERSION = Gauge("wegweiser_knowledge_version", "Live knowledge version")
