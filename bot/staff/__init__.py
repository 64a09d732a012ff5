"""Staff accounts, sessions, sign-in limits and the audit log (shared by the web and the CLI)."""
