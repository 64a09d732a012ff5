"""The office's view in a real headless Chromium: the dashboard on a generated quarter, the
steering group's report (page, PDF, workbook), the gaps queue with a gap closed in the bot's
answers, and the review list. With WEGWEISER_SCREENSHOTS=DIR the pages are saved as PNG."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import openpyxl
import pytest

from bot.services import open_services
from tests.conftest import make_settings
from tests.reporting.history import write_history
from tests.web.test_browser import ARGS, CHROMIUM, _browser_or_skip
from tests.web.test_browser import server as _server  # noqa: F401  (fixture)
from tests.web.workspace import PASSWORD


@pytest.fixture
def history_url(ready_sqlite_url: str) -> str:
    async def write() -> None:
        services = await open_services(make_settings(ready_sqlite_url), semantic=False)
        await write_history(services.sessions)
        await services.close()

    asyncio.run(write())
    return ready_sqlite_url


@pytest.fixture
def server(history_url: str, _server):  # noqa: F811
    return _server


def test_dashboard_report_gaps_and_review(server: str, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    shots = Path(os.environ.get("WEGWEISER_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="de-DE")
        page.goto(server + "/")
        page.get_by_label("Benutzername").fill("emil")
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()

        # the dashboard on the quarter of the generated history
        page.get_by_role("link", name="Übersicht").click()
        page.locator('input[name="start"]').fill("2026-07-01")
        page.locator('input[name="end"]').fill("2026-09-30")
        page.get_by_role("button", name="Anzeigen").click()
        kpis = page.locator(".kpis").inner_text()
        assert "92" in kpis and "65" in kpis and "< 5" in kpis
        overview = page.locator("#s-overview table").first.inner_text()
        assert "mit Angeboten beantwortet\t65\t71 %" in overview
        places = page.locator("#s-places").inner_text()
        assert "Magdeburg" in places and "Dresden" in places and "Dessau-Roßlau" in places
        assert page.locator("#s-weeks svg").count() == 1
        assert "< 5" in page.locator("#s-weeks svg desc").inner_html().replace("&lt;", "<")
        page.screenshot(path=shots / "dashboard.png", full_page=False)
        page.locator("#s-followup").scroll_into_view_if_needed()
        assert "Mieterverein" in page.locator("#s-followup").inner_text()
        page.locator("#s-feedback").screenshot(path=shots / "dashboard-feedback.png")
        page.locator("#s-followup").screenshot(path=shots / "dashboard-followup.png")
        # filters: Dresden, German only
        page.goto(server + "/dashboard?start=2026-07-01&end=2026-09-30&city=dresden&lang=de")
        assert "18" in page.locator(".kpis").inner_text()

        # the report for the quarter
        page.goto(server + "/report")
        page.get_by_label("Quartal").select_option("2026-Q3") if page.get_by_label(
            "Quartal"
        ).locator("option", has_text="2026-Q3").count() else None
        page.goto(server + "/report?quarter=2026-Q3")
        summary = page.locator(".summary").inner_text()
        assert "Die meisten Anfragen betrafen das Handlungsfeld „Bildung und Sprache“" in summary
        page.screenshot(path=shots / "report.png", full_page=False)
        with page.expect_download() as download:
            page.get_by_role("link", name="PDF herunterladen").click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        (shots / "report-sample.pdf").write_bytes(pdf) if os.environ.get(
            "WEGWEISER_SCREENSHOTS"
        ) else None
        with page.expect_download() as download:
            page.get_by_role("link", name="Tabellen herunterladen (.xlsx)").click()
        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert "Zusammenfassung" in book.sheetnames and len(book.sheetnames) >= 8

        # the gaps queue: the mosque question is answered after a phrase is added
        page.goto(server + "/gaps")
        text = page.locator("main").inner_text()
        assert (
            "5 Fragen" in text
            and "< 5 Fragen" in text
            and "Amina" not in text
            and "1234567" not in text
        )
        page.screenshot(path=shots / "gaps.png", full_page=False)
        mosque = page.locator("article.gap", has_text="Moschee")
        mosque.locator("summary").click()
        form = mosque.locator("form", has_text="Ausdruck hinzufügen")
        form.get_by_label("Thema").select_option("migrant_organisations")
        form.get_by_label("Ausdruck").fill("Moschee")
        form.get_by_role("button", name="Ausdruck hinzufügen").click()
        assert "Als Version" in page.locator(".alert.ok").inner_text()
        recheck = page.locator("#recheck").inner_text()
        assert "Moschee" in recheck and "answer" in page.locator("#recheck").inner_html()
        page.screenshot(path=shots / "gap-recheck.png", full_page=False)
        page.goto(server + "/gaps")
        assert page.locator("article.gap", has_text="Moschee").count() == 0

        # offers to review
        page.goto(server + "/review")
        review = page.locator("#review-list").inner_text()
        assert (
            "Mieterverein" in review and "oft nicht erreicht" in page.locator("main").inner_text()
        )
        page.screenshot(path=shots / "review.png", full_page=False)
        browser.close()
