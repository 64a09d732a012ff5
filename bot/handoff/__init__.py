"""Hand-off to human advisers: cases, relay, outbox."""
