"""Monitoring for the integration office: the figures (computed once, shared by the dashboard,
the steering group's report, `wegweiser demand`/`cases`/`report` and Telegram `/stats`), the
gaps queue and the review list of stale offers. Nothing here links a figure to a person."""
