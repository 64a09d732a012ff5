"""The steering group's report for a period: the German summary, the sections (charts and
tables) and the largest gaps, built once and written as a print page, a PDF or a workbook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.i18n import staff_texts
from bot.knowledge.model import Knowledge
from bot.matching.semantic import SemanticModel
from bot.reporting.figures import BERLIN, Figures, Period, compute
from bot.reporting.gaps import GapsQueue
from bot.reporting.sections import Section, build
from bot.reporting.summary import german_summary

TITLE = "Wegweiser – Bericht für die Steuerungsgruppe Integration"


@dataclass
class Report:
    title: str
    period: Period
    created: dt.datetime
    summary: list[str]
    sections: list[Section]
    figures: Figures


async def build_report(
    sessions: async_sessionmaker,
    knowledge: Knowledge,
    semantic: SemanticModel | None,
    period: Period,
    *,
    city: str | None = None,
    language: str | None = None,
) -> Report:
    """The report in German (the steering group's language)."""
    async with sessions() as session:
        figures = await compute(session, knowledge, period, city=city, language=language)
    gaps = await GapsQueue(sessions, semantic).groups(
        period.since, period.until, open_only=False, language=language
    )
    return Report(
        title=TITLE,
        period=period,
        created=dt.datetime.now(BERLIN),
        summary=german_summary(figures, knowledge, gaps),
        sections=build(figures, knowledge, staff_texts("de"), gaps),
        figures=figures,
    )
