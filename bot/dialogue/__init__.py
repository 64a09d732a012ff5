"""The dialogue engine: a person's message and state in, replies out. Knows nothing of Telegram;
Telegram, the console chat and the tests are thin adapters over it."""
