"""The operations endpoints of the web application."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.web.app import create_app
from tests.conftest import make_settings


def test_healthz_answers_while_the_process_is_up(ready_sqlite_url: str) -> None:
    app = create_app(make_settings(ready_sqlite_url))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"
