"""Matching a person's message to topics and offers. Knows nothing of Telegram."""
