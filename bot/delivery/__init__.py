"""Delivery: the inbox (updates stored before they are acknowledged) and the outbox (messages
stored before they are sent, delivered in lanes per destination)."""
