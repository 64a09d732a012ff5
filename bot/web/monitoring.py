"""Monitoring pages: the dashboard, the steering group's report (print page, PDF, xlsx), the
gaps queue with its actions, and the review list of stale offers with the weekly digest.
Thin routes over `bot.reporting` and the `Directory` service."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from bot.core.languages import LANGUAGES
from bot.dialogue.service import DialogueService
from bot.directory.service import Change
from bot.directory.trial import try_question
from bot.i18n import staff_texts
from bot.reporting.charts import svg
from bot.reporting.figures import BERLIN, Period, compute
from bot.reporting.gaps import GapsQueue
from bot.reporting.labels import gap_label, topic_name
from bot.reporting.masking import mask
from bot.reporting.report import Report, build_report
from bot.reporting.sections import build, cell_text
from bot.reporting.stale import review_list, weekly_digest
from bot.storage.models import StaffDigest, utcnow
from bot.web.auth import Editor, Reader
from bot.web.common import after_change, directory, live, record, worded
from bot.web.templating import render, request_language

router = APIRouter()
MAX_PERIOD_DAYS = 3 * 366


def _today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def _period(start: str, end: str, default_days: int = 90) -> Period:
    try:
        first = dt.date.fromisoformat(start) if start else None
        last = dt.date.fromisoformat(end) if end else None
    except ValueError:
        raise HTTPException(400, "dates as YYYY-MM-DD") from None
    last = last or _today()
    first = first or last - dt.timedelta(days=default_days - 1)
    if first > last or (last - first).days > MAX_PERIOD_DAYS:
        raise HTTPException(400, "the period must run forward and span at most three years")
    return Period(first, last)


def _gaps(request: Request) -> GapsQueue:
    state = request.app.state
    if getattr(state, "gaps", None) is None:
        state.gaps = GapsQueue(state.services.sessions, state.services.semantic)
    return state.gaps


def _dialogue(request: Request) -> DialogueService:
    state = request.app.state
    if getattr(state, "dialogue", None) is None:
        state.dialogue = DialogueService(state.services)
    return state.dialogue


def _charts(sections) -> dict[str, Markup]:
    # the SVG is built from escaped text only (bot.reporting.charts escapes every label)
    return {s.id: Markup(svg(s.chart, f"c-{s.id}")) for s in sections if s.chart is not None}


# -- dashboard -------------------------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    user: Reader,
    start: str = "",
    end: str = "",
    city: str = "",
    lang: str = "",
) -> HTMLResponse:
    live_dir = await live(request)
    knowledge = live_dir.knowledge
    period = _period(start, end)
    city = city if city in knowledge.city_by_id else ""
    lang = lang if lang in LANGUAGES else ""
    async with request.app.state.services.sessions() as session:
        figures = await compute(session, knowledge, period, city=city, language=lang)
    t = staff_texts(request_language(request, user.language))
    sections = build(figures, knowledge, t)
    return render(
        request,
        "dashboard.html",
        figures=figures,
        sections=sections,
        charts=_charts(sections),
        cell_text=cell_text,
        knowledge=knowledge,
        filters={"start": period.start, "end": period.end, "city": city, "lang": lang},
    )


# -- the steering group's report ---------------------------------------------------------------


def _report_period(quarter: str, year: str, start: str, end: str) -> Period:
    if quarter:
        try:
            y, q = quarter.split("-Q")
            return Period.quarter(int(y), int(q))
        except (ValueError, IndexError):
            raise HTTPException(400, "quarter as YYYY-Qn") from None
    if year:
        if not year.isdigit():
            raise HTTPException(400, "year as YYYY")
        return Period.year(int(year))
    if start or end:
        return _period(start, end)
    today = _today()
    current = (today.month - 1) // 3 + 1
    y, q = (today.year, current - 1) if current > 1 else (today.year - 1, 4)
    return Period.quarter(y, q)  # the last complete quarter


def _quarters() -> list[str]:
    today = _today()
    out = []
    y, q = today.year, (today.month - 1) // 3 + 1
    for _ in range(8):
        out.append(f"{y}-Q{q}")
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    return out


async def _report(request: Request, quarter: str, year: str, start: str, end: str):
    services = request.app.state.services
    live_dir = await live(request)
    period = _report_period(quarter, year, start, end)
    return await build_report(services.sessions, live_dir.knowledge, services.semantic, period)


@router.get("/report", response_class=HTMLResponse)
async def report_page(
    request: Request,
    user: Reader,
    quarter: str = "",
    year: str = "",
    start: str = "",
    end: str = "",
) -> HTMLResponse:
    report = await _report(request, quarter, year, start, end)
    query = request.url.query
    return render(
        request,
        "report.html",
        report=report,
        charts=_charts(report.sections),
        cell_text=cell_text,
        quarters=_quarters(),
        years=[_today().year - i for i in range(3)],
        chosen={"quarter": quarter, "year": year},
        query=query,
    )


@router.get("/report.pdf")
async def report_pdf(
    request: Request,
    user: Reader,
    quarter: str = "",
    year: str = "",
    start: str = "",
    end: str = "",
) -> Response:
    from bot.reporting.pdf import render_pdf

    report = await _report(request, quarter, year, start, end)
    return _download(report, render_pdf(report), "pdf", "application/pdf")


@router.get("/report.xlsx")
async def report_xlsx(
    request: Request,
    user: Reader,
    quarter: str = "",
    year: str = "",
    start: str = "",
    end: str = "",
) -> Response:
    from bot.reporting.workbook import render_xlsx

    report = await _report(request, quarter, year, start, end)
    return _download(
        report,
        render_xlsx(report),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _download(report: Report, content: bytes, extension: str, media_type: str) -> Response:
    """The report as a file named after its period."""
    name = f"wegweiser-bericht-{report.period.start}-{report.period.end}.{extension}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- the gaps queue ------------------------------------------------------------------------------


@router.get("/gaps", response_class=HTMLResponse)
async def gaps_page(request: Request, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    groups = await _gaps(request).groups()
    t = staff_texts(request_language(request, user.language))
    return render(
        request,
        "gaps.html",
        groups=groups[:40],
        total=sum(g.size for g in groups),
        knowledge=live_dir.knowledge,
        gap_label=lambda key: gap_label(t, key),
        topic_name=lambda tid: topic_name(live_dir.knowledge, tid, t.language),
        outside=live_dir.knowledge.exemplars.outside,
        done=request.query_params.get("done"),
        cell_text=cell_text,
    )


def _ids(form) -> list[int]:
    ids = [int(v) for v in str(form.get("ids") or "").split(",") if v.strip().isdigit()]
    if not ids:
        raise HTTPException(400, "no questions given")
    return ids[:500]


@router.post("/gaps/action", response_class=HTMLResponse)
async def gap_action(request: Request, user: Editor) -> Response:
    form = await request.form()
    ids = _ids(form)
    action = str(form.get("action") or "")
    queue = _gaps(request)
    group = await queue.group(ids)
    if group is None:
        return RedirectResponse("/gaps?done=gone", status_code=303)
    live_dir = await live(request)
    knowledge = live_dir.knowledge
    language = str(form.get("language") or group.language)
    language = language if language in LANGUAGES else "de"
    text = str(form.get("text") or "").strip()[:200]
    outcome = None
    if action == "dismiss":
        await queue.resolve(ids, "dismissed")
        await record(request, user, "dismiss", "gap", str(group.key), None, {"size": group.size})
        return RedirectResponse("/gaps?done=dismissed", status_code=303)
    if action == "offer":
        topic = str(form.get("topic") or "")
        await queue.resolve(ids, "offer")
        await record(request, user, "new offer", "gap", str(group.key), None, {"topic": topic})
        target = f"/offers/new?topic={topic}" if topic in knowledge.topics else "/offers/new"
        return RedirectResponse(target, status_code=303)
    if action == "lexicon":
        topic = str(form.get("topic") or "")
        if topic not in knowledge.topics or not text:
            raise HTTPException(400, "choose a topic and write a phrase")
        outcome = await directory(request).add_lexicon_phrase(
            topic, language, mask(text), author=user.name, comment="gaps queue"
        )
        resolution = "lexicon"
    elif action == "outside":
        category = str(form.get("category") or "").strip()
        name = str(form.get("name") or "").strip()[:80]
        if not text or not (category or name):
            raise HTTPException(400, "choose a category and write an example")
        outcome = await _outside(request, user.name, category, name, language, mask(text))
        resolution = "outside"
    else:
        raise HTTPException(400, "unknown action")
    if not outcome.ok:
        return render(
            request,
            "problems.html",
            status_code=422,
            problems=worded(request, outcome),
            back="/gaps",
        )
    if outcome.revision is not None:
        await record(request, user, action, "gap", str(group.key), outcome.revision)
        await after_change(request)
    await queue.resolve(ids, resolution)
    return await _recheck(request, user, group, outcome.revision, action)


async def _outside(
    request: Request, author: str, category: str, name: str, language: str, text: str
):
    """Add the example to an outside category, creating the category when it is new."""
    service = directory(request)
    live_dir = await live(request)
    if any(c.id == category for c in live_dir.knowledge.exemplars.outside):
        return await service.add_outside_example(
            category, language, text, author=author, comment="gaps queue"
        )
    from bot.knowledge.parts import assemble

    stored = live_dir.stored
    parts = assemble(stored.items) if stored.items else (stored.parts() or {})
    exemplars = dict(parts.get("exemplars") or {})
    slug = "".join(ch if ch.isalnum() else "_" for ch in (category or name).casefold()).strip("_")
    exemplars.setdefault("outside", []).append(
        {
            "id": slug[:40] or "outside",
            "name": {"de": name or slug, "en": name or slug},
            "examples": {language: [text]},
        }
    )
    return await service.apply(
        Change(parts={"exemplars": exemplars}), author=author, comment="gaps queue", source="gaps"
    )


async def _recheck(
    request: Request, user, group, revision: int | None, action: str
) -> HTMLResponse:
    """The bot's answer to the group's examples now, through the engine."""
    engine = await _dialogue(request).engine()
    queue = _gaps(request)
    chosen = {q.id for q in group.examples(8)}
    rows = []
    for _qid, language, text in await queue.texts(sorted(chosen)):
        trial = try_question(engine, text, language)
        rows.append({"masked": mask(text), "language": language, "trial": trial})
    return render(
        request, "gap_result.html", rows=rows, revision=revision, action=action, size=group.size
    )


# -- offers to review and the weekly digest -----------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
async def review_page(request: Request, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    settings = request.app.state.settings
    services = request.app.state.services
    async with services.sessions() as session, session.begin():
        items = await review_list(
            session,
            live_dir.knowledge,
            today=_today(),
            months=settings.stale_after_months,
            unreached_min=settings.stale_unreached_count,
        )
        digest = await weekly_digest(
            session,
            live_dir.knowledge,
            now=utcnow(),
            months=settings.stale_after_months,
            unreached_min=settings.stale_unreached_count,
        )
    async with services.sessions() as session:
        from sqlalchemy import select

        digests = list(
            (
                await session.scalars(
                    select(StaffDigest).order_by(StaffDigest.week.desc()).limit(8)
                )
            ).all()
        )
    return render(
        request,
        "review.html",
        to_review=items,
        digest=digest,
        digests=digests,
        months=settings.stale_after_months,
        unreached_min=settings.stale_unreached_count,
        telegram=settings.staff_digest_telegram,
        cell_text=cell_text,
    )
