"""Referral follow-up: asking people, a few days after an answer, whether they reached the
offers the bot suggested (only people who agreed)."""
