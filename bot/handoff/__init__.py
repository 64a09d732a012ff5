"""Hand-off to human advisers: cases and relay rules (delivery lives in bot.delivery)."""
