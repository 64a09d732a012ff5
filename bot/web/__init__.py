"""The web adapter: staff workspace, HSDS read API, Telegram webhook, health and metrics."""
