"""Persistence: the database models, engine set-up, migrations and repositories."""
