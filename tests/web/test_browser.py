"""End to end in a real headless Chromium (Debian's chromium, driven by Playwright).

A staff member signs in, finds an offer, changes its Arabic description and hours, sees the
validation message for a bad value, applies the suggested fix, saves, sees the bot's answer change
through the engine, rolls back, and uploads an edited workbook with one error that is refused with
its row. With WEGWEISER_SCREENSHOTS=DIR the main pages are saved there as PNG (the README's).
With WEGWEISER_REQUIRE_BROWSER=1 a missing browser fails instead of skipping.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from bot.web.app import create_app
from tests.conftest import make_settings
from tests.web.workspace import PASSWORD, add_accounts

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEW_WORD = "Zauberwortberatung"


def _browser_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not Path(CHROMIUM).exists():
        if os.environ.get("WEGWEISER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"WEGWEISER_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
        pytest.skip("no system Chromium")
    return sync_playwright


@pytest.fixture
def server(ready_sqlite_url: str):
    add_accounts(ready_sqlite_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(make_settings(ready_sqlite_url))
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert instance.started, "the workspace did not start"
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=20)


def test_staff_member_edits_tests_rolls_back_and_uploads(server: str, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    shots = Path(os.environ.get("WEGWEISER_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="de-DE")
        page.on("dialog", lambda dialog: dialog.accept())

        # sign in
        page.goto(server + "/")
        assert page.get_by_label("Benutzername").is_visible()
        page.screenshot(path=shots / "login.png")
        page.get_by_label("Benutzername").fill("emil")
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()

        # find the offer
        page.get_by_label("Suche").fill("Jugendmigration")
        page.get_by_role("button", name="Filtern").click()
        page.get_by_role("link", name="Jugendmigrationsdienst (JMD) Magdeburg").click()
        page.goto(server + "/offers?flag=")
        page.screenshot(path=shots / "offers.png")
        page.goto(server + "/offers/jmd-magdeburg")

        # the bot does not know the new word yet
        page.goto(server + f"/preview?q={NEW_WORD}&qlang=de")
        assert "/offers/jmd-magdeburg" not in page.locator("#trial").inner_html()
        page.goto(server + "/offers/jmd-magdeburg")

        # change the Arabic description, the hours (badly) and a keyword
        page.get_by_role("tab", name="AR").click()
        page.locator('[name="description.ar"]').fill("خدمة الشباب: استشارة جديدة")
        page.get_by_role("tab", name="DE").click()
        page.locator('[name="keywords.de"]').fill(f"JMD; {NEW_WORD}")
        page.locator("#opening_hours").fill("Mo-Fr 9-16 Uhr")
        page.get_by_role("button", name="Speichern").click()
        message = page.locator("#f-opening_hours .field-msg")
        assert "nicht lesbar" in message.inner_text()
        page.evaluate("document.getElementById('f-opening_hours').scrollIntoView()")
        page.mouse.wheel(0, -120)
        page.screenshot(path=shots / "editor-validation.png", full_page=False)
        message.get_by_role("button", name="Vorschlag übernehmen").click()
        assert page.locator("#opening_hours").input_value() == "Mo-Fr 09:00-16:00"
        page.get_by_role("button", name="Speichern").click()
        assert "Als Version" in page.locator(".alert.ok").inner_text()
        # the main topic stayed first
        assert "Hauptthema: Jugend" in page.locator("#f-topics").inner_text()

        # the bot's answer changes, through the engine
        page.goto(server + f"/preview?offer=jmd-magdeburg&lang=ar&q={NEW_WORD}&qlang=de")
        assert "/offers/jmd-magdeburg" in page.locator("#trial").inner_html()
        assert "استشارة جديدة" in page.locator(".bot-card").inner_text()
        page.screenshot(path=shots / "preview-testbox.png", full_page=True)

        # roll back to the revision before the edit
        page.goto(server + "/revisions")
        page.screenshot(path=shots / "revisions.png")
        rows = page.locator("table.list tbody tr")
        previous = rows.nth(1).locator("a").first.inner_text()
        page.goto(server + f"/revisions/{previous}")
        page.get_by_role("button", name="Auf diese Version zurücksetzen").click()
        assert "Als Version" in page.locator(".alert.ok").inner_text()
        page.goto(server + f"/preview?offer=jmd-magdeburg&lang=ar&q={NEW_WORD}&qlang=de")
        assert "استشارة جديدة" not in page.locator(".bot-card").inner_text()
        assert "/offers/jmd-magdeburg" not in page.locator("#trial").inner_html()

        # upload an edited workbook with one error
        import openpyxl

        from bot.directory.workbook import OFFERS_SHEET, columns

        page.goto(server + "/transfer")
        with page.expect_download() as download:
            page.get_by_role("link", name="Tabelle herunterladen (.xlsx)").click()
        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        sheet = book[OFFERS_SHEET]
        sheet.cell(7, columns().index("website") + 1).value = "keine adresse"
        sheet.cell(8, columns().index("description.de") + 1).value = "Neuer Text aus der Tabelle"
        edited = tmp_path / "bearbeitet.xlsx"
        buffer = io.BytesIO()
        book.save(buffer)
        edited.write_bytes(buffer.getvalue())
        page.get_by_label("Tabelle (.xlsx, höchstens 5 MB)").set_input_files(str(edited))
        page.get_by_role("button", name="Tabelle prüfen").click()
        alert = page.locator(".alert.error").inner_text()
        assert "kann nicht übernommen werden" in alert
        cells = page.locator("table.problems-table").inner_text()
        assert f"{OFFERS_SHEET}!" in cells and "7" in cells
        assert page.get_by_role("button", name="Diese Änderungen übernehmen").count() == 0
        page.screenshot(path=shots / "upload-preview.png", full_page=True)
        browser.close()
