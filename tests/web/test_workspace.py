"""The staff workspace over HTTP: sign-in, sessions, CSRF, roles, escaping, uploads."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from bot.storage.models import StaffSession
from bot.web.app import create_app
from tests.conftest import make_settings
from tests.web.workspace import PASSWORD, add_accounts, csrf_of


@pytest.fixture
def app(ready_sqlite_url: str):
    add_accounts(ready_sqlite_url)
    return create_app(make_settings(ready_sqlite_url))


def _login(client: TestClient, name: str) -> str:
    response = client.post("/login", data={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text[:500]
    return csrf_of(client.get("/offers").text)


def test_anonymous_gets_the_login_page_and_a_cookie_that_is_safe(app) -> None:
    with TestClient(app) as client:
        page = client.get("/offers/jmd-magdeburg")
        assert page.status_code == 200
        assert 'name="username"' in page.text and 'type="password"' in page.text
        assert client.post("/offers/jmd-magdeburg", data={}).status_code == 401
        wrong = client.post("/login", data={"username": "anna", "password": "falsch"})
        assert wrong.status_code == 401 and "falsch" in wrong.text
        ok = client.post(
            "/login", data={"username": "anna", "password": PASSWORD}, follow_redirects=False
        )
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    with TestClient(app, base_url="https://testserver") as client:
        ok = client.post(
            "/login", data={"username": "anna", "password": PASSWORD}, follow_redirects=False
        )
        assert "secure" in ok.headers["set-cookie"].lower()


def test_sign_in_attempts_are_limited(app) -> None:
    with TestClient(app) as client:
        for _ in range(5):
            client.post("/login", data={"username": "emil", "password": "nope"})
        limited = client.post("/login", data={"username": "emil", "password": PASSWORD})
        assert limited.status_code == 429 and "15" in limited.text


def test_csrf_roles_and_expired_sessions(app, ready_sqlite_url: str) -> None:
    with TestClient(app) as client:
        csrf = _login(client, "vera")
        assert client.get("/offers/jmd-magdeburg").status_code == 200
        refused = client.post("/offers/jmd-magdeburg/retire", data={"csrf": csrf})
        assert refused.status_code == 403
        assert client.get("/accounts").status_code == 403
    with TestClient(app) as client:
        csrf = _login(client, "emil")
        assert client.post("/offers/jmd-magdeburg/retire", data={}).status_code == 403
        done = client.post(
            "/offers/jmd-magdeburg/retire", data={"csrf": csrf}, follow_redirects=False
        )
        assert done.status_code == 303
        assert "zurückgezogen" in client.get("/offers?flag=retired").text

        async def expire() -> None:
            services = app.state.services
            async with services.sessions() as session, session.begin():
                old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
                await session.execute(update(StaffSession).values(last_seen_at=old))

        client.portal.call(expire)
        assert 'name="username"' in client.get("/offers").text


def test_offer_text_is_escaped_everywhere(app) -> None:
    with TestClient(app) as client:
        csrf = _login(client, "emil")
        editor = client.get("/offers/jmd-magdeburg").text
        assert "Jugendmigrationsdienst" in editor
        form = {
            "csrf": csrf,
            "name.de": "<script>alert(1)</script> JMD",
            "description.de": "Beratung <b>fett</b>",
            "description.en": "Advice",
            "topics": ["youth"],
            "languages": "de",
            "scope": "local",
            "city": "magdeburg",
            "district": "magdeburg-altstadt",
            "address": "Otto-von-Guericke-Straße 87, 39104 Magdeburg",
            "latitude": "52.1268",
            "longitude": "11.6302",
            "email": "jmd@example.org",
            "sample": "on",
            "appointment": "recommended",
            "cost": "free",
            "last_reviewed": dt.date.today().isoformat(),
            "source": "test",
        }
        saved = client.post("/offers/jmd-magdeburg", data=form, follow_redirects=False)
        assert saved.status_code == 303, saved.text[:3000]
        for page in (
            "/offers",
            "/offers/jmd-magdeburg",
            "/preview?offer=jmd-magdeburg",
            "/revisions",
        ):
            html = client.get(page).text
            assert "<script>alert(1)</script>" not in html, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/offers").text


def test_validation_messages_stand_next_to_their_fields(app) -> None:
    with TestClient(app) as client:
        csrf = _login(client, "emil")
        form = {
            "csrf": csrf,
            "name.de": "JMD",
            "description.de": "x",
            "description.en": "y",
            "topics": ["youth"],
            "languages": "de",
            "scope": "local",
            "city": "magdeburg",
            "district": "magdeburg-altstadt",
            "address": "Straße 1",
            "latitude": "52.12",
            "longitude": "11.63",
            "opening_hours": "Mo-Fr 9-16 Uhr",
            "email": "jmd@example.org",
            "sample": "on",
            "appointment": "recommended",
            "cost": "free",
            "last_reviewed": "01.12.2025",
            "source": "test",
        }
        page = client.post("/offers/jmd-magdeburg", data=form)
        assert page.status_code == 422
        assert "Datum bitte" in page.text or "Schreiben Sie 2025-12-01" in page.text
        assert 'data-fix-field="opening_hours"' in page.text
        assert "Mo-Fr 09:00-16:00" in page.text


def test_upload_preview_shows_the_row_of_an_error(app) -> None:
    import io

    import openpyxl

    from bot.directory.workbook import OFFERS_SHEET, columns

    with TestClient(app) as client:
        csrf = _login(client, "emil")
        book = openpyxl.load_workbook(
            io.BytesIO(client.get("/transfer/wegweiser-verzeichnis.xlsx").content)
        )
        sheet = book[OFFERS_SHEET]
        sheet.cell(5, columns().index("email") + 1).value = "kaputt"
        buffer = io.BytesIO()
        book.save(buffer)
        page = client.post(
            "/transfer/upload",
            data={"csrf": csrf},
            files={"file": ("v.xlsx", buffer.getvalue(), "application/octet-stream")},
        )
        assert page.status_code == 422
        assert f"{OFFERS_SHEET}!" in page.text and "5" in page.text and "kaputt" in page.text
        big = client.post(
            "/transfer/upload",
            data={"csrf": csrf},
            files={"file": ("v.xlsx", b"0" * (6 * 1024 * 1024), "application/octet-stream")},
        )
        assert big.status_code == 422 and "MB" in big.text
