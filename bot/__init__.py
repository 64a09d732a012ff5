"""Wegweiser: a referral-advice chat bot (Verweisberatung) for migrants in German cities."""

__version__ = "0.1.0"
