"""The figures against a generated history with known counts (`history.py`), and the same
numbers in `wegweiser demand`, the report's workbook and PDF, with small counts suppressed."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from bot.reporting.figures import Period, compute
from bot.reporting.privacy import shown
from bot.reporting.report import build_report
from bot.reporting.workbook import render_xlsx
from tests.reporting.history import END, EXPECTED, START, write_history

QUARTER = Period(START, END)


async def test_figures_equal_the_known_history(services) -> None:
    await write_history(services.sessions)
    async with services.sessions() as session:
        figures = await compute(session, services.knowledge, QUARTER)
    assert figures.requests == EXPECTED["requests"]
    for key in ("answered", "clarify", "no_offer", "emergency", "handoff"):
        assert figures.shares[key] == EXPECTED[key], key
    assert figures.handoff_unreachable == EXPECTED["unreachable"]
    assert dict(figures.languages) == EXPECTED["languages"]
    assert dict(figures.cities) == EXPECTED["cities"]
    assert dict(figures.fields) == EXPECTED["fields"]
    for topic, n in EXPECTED["topics"].items():
        assert figures.topics[topic] == n
    assert figures.districts[("magdeburg", "magdeburg-sudenburg")] == 12
    assert figures.districts[("magdeburg", "magdeburg-cracau")] == 3
    assert figures.feedback_topics["housing"][False] == 7
    assert figures.followup_offers["mieterverein-magdeburg"]["unreached"] == 6
    assert figures.cases is not None and figures.cases.cases == 9
    arabic = figures.cases_by_language["ar"]
    assert arabic.first_answer.n == 6 and arabic.first_answer.median == 35 * 60
    assert arabic.first_answer.p90 == 60 * 60
    assert figures.cases_by_language["uk"].cases == 3
    assert sum(n for _, n in figures.weeks) == EXPECTED["requests"]
    assert figures.weeks[0][0].weekday() == 0

    only = await _compute(services, city="dresden", language="de")
    assert only.requests == 18 and only.shares["answered"] == 18


async def _compute(services, **filters):
    async with services.sessions() as session:
        return await compute(session, services.knowledge, QUARTER, **filters)


def test_small_counts_are_suppressed() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == ["< 5", "< 5", "< 5", "5", "12"]


async def test_demand_cli_prints_the_same_figures_in_german_and_english(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    ready_sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.services import open_services
    from tests.conftest import make_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", ready_sqlite_url)
    services = await open_services(make_settings(ready_sqlite_url), semantic=False)
    await write_history(services.sessions)
    await services.close()

    import datetime as dt

    import bot.reporting.figures as figures_module

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 9, 30, 20, 0, tzinfo=tz)

    monkeypatch.setattr(figures_module.dt, "datetime", Frozen)
    assert await asyncio.to_thread(main, ["demand", "--days", "92"]) == 0
    out = capsys.readouterr().out
    assert "Anfragen vom 01.07.2026 bis 30.09.2026 (92 Tage): 92" in out
    assert "Wohnen und Leben: 23" in out and "   20  Wohnungssuche und Wohnen" in out
    assert "< 5  Schuldnerberatung" in out  # 3 requests: suppressed
    assert "Magdeburg 40" in out and "Dresden 30" in out and "Dessau-Roßlau 12" in out
    assert "Sudenburg (Magdeburg) 12" in out and "Cracau (Magdeburg) < 5" in out
    assert "Notfälle: < 5" in out and "ohne passendes Angebot: < 5" in out
    assert "[Name]" in out and "Amina" not in out and "1234567" not in out  # masked
    assert await asyncio.to_thread(main, ["demand", "--days", "92", "--lang", "en"]) == 0
    english = capsys.readouterr().out
    assert "Requests from 01.07.2026 to 30.09.2026 (92 days): 92" in english
    assert "Cities: Magdeburg 40" in english
    assert await asyncio.to_thread(main, ["cases", "--days", "92"]) == 0
    cases = capsys.readouterr().out
    assert "Offene Fälle: 3" in cases and "Median" in cases
    assert await asyncio.to_thread(main, ["cases", "--days", "92", "--lang", "en"]) == 0
    assert "Open cases: 3" in capsys.readouterr().out


async def test_report_workbook_and_pdf_carry_the_same_numbers(services, tmp_path: Path) -> None:
    await write_history(services.sessions)
    report = await build_report(services.sessions, services.knowledge, services.semantic, QUARTER)
    assert report.summary[1].startswith(
        "Die meisten Anfragen betrafen das Handlungsfeld „Bildung und Sprache“ (27"
    )
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    values = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert 92 in values and 40 in values and 23 in values
    assert all(not (isinstance(v, int) and 0 <= v < 5) for v in values if not isinstance(v, bool))
    assert "< 5" in values
    from bot.reporting.pdf import render_pdf

    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (tmp_path / "bericht.pdf").write_bytes(pdf)
