"""The Telegram adapter: turns updates into engine input and engine replies into messages.
No matching or business rules live here."""
