"""Workspace pages besides offers: live preview and test box, revisions, spreadsheets and
files, topics and places, accounts and the audit log. Thin routes over the services."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.core.languages import LANGUAGES
from bot.dialogue.service import DialogueService
from bot.directory.service import Change
from bot.directory.trial import card_html, try_question
from bot.directory.workbook import MAX_UPLOAD_BYTES, export_workbook, read_workbook
from bot.directory.yaml_files import folder_zip
from bot.knowledge.parts import assemble
from bot.staff import accounts, audit
from bot.web.auth import Admin, Editor, Reader
from bot.web.common import after_change, directory, live, record, worded
from bot.web.templating import render

router = APIRouter()
BERLIN = ZoneInfo("Europe/Berlin")


# -- live preview and test box ---------------------------------------------------------------


@router.get("/preview", response_class=HTMLResponse)
async def preview_page(
    request: Request,
    user: Reader,
    offer: str = "",
    lang: str = "de",
    when: str = "",
    q: str = "",
    qlang: str = "",
) -> HTMLResponse:
    live_dir = await live(request)
    knowledge = live_dir.knowledge
    chosen = knowledge.offers.get(offer) or (
        next(iter(knowledge.offers.values())) if knowledge.offers else None
    )
    lang = lang if lang in LANGUAGES else "de"
    try:
        moment = (
            dt.datetime.fromisoformat(when).replace(tzinfo=BERLIN)
            if when
            else dt.datetime.now(BERLIN)
        )
    except ValueError:
        moment = dt.datetime.now(BERLIN)
    card = card_html(chosen, knowledge, lang, moment) if chosen else ""
    trial = None
    if q.strip():
        engine = await _dialogue(request).engine()
        trial = try_question(engine, q[:2000], qlang if qlang in LANGUAGES else None)
    return render(
        request,
        "preview.html",
        knowledge=knowledge,
        chosen=chosen,
        card=card,
        card_lang=lang,
        when=moment.strftime("%Y-%m-%dT%H:%M"),
        q=q,
        qlang=qlang,
        trial=trial,
    )


def _dialogue(request: Request) -> DialogueService:
    state = request.app.state
    if getattr(state, "dialogue", None) is None:
        state.dialogue = DialogueService(state.services)
    return state.dialogue


# -- revisions ---------------------------------------------------------------------------


@router.get("/revisions", response_class=HTMLResponse)
async def revisions_page(request: Request, user: Reader, page: int = 1) -> HTMLResponse:
    page = max(1, page)
    rows = await directory(request).revisions(limit=50, offset=(page - 1) * 50)
    live_dir = await live(request)
    return render(
        request,
        "revisions.html",
        rows=rows,
        page=page,
        current=live_dir.revision,
        done=request.query_params.get("done"),
    )


@router.get("/revisions/{number}", response_class=HTMLResponse)
async def revision_page(request: Request, number: int, user: Reader) -> HTMLResponse:
    detail = await directory(request).revision(number)
    if detail is None:
        raise HTTPException(404)
    live_dir = await live(request)
    names = {oid: (o.name.get("de") or oid) for oid, o in live_dir.knowledge.offers.items()}
    names |= {oid: (d.get("name") or {}).get("de", oid) for oid, d in live_dir.retired.items()}
    return render(request, "revision.html", detail=detail, names=names, current=live_dir.revision)


@router.post("/revisions/{number}/rollback", response_class=HTMLResponse)
async def rollback(request: Request, number: int, user: Editor) -> Response:
    outcome = await directory(request).rollback(number, author=user.name)
    if not outcome.ok:
        return render(
            request,
            "problems.html",
            status_code=422,
            problems=worded(request, outcome),
            back=f"/revisions/{number}",
        )
    if outcome.revision is not None:
        await record(
            request, user, "rollback", "directory", None, outcome.revision, {"to_revision": number}
        )
        await after_change(request)
    return RedirectResponse(f"/revisions?done={outcome.revision or 0}", status_code=303)


# -- spreadsheets and files ------------------------------------------------------------------


@router.get("/transfer", response_class=HTMLResponse)
async def transfer_page(request: Request, user: Reader) -> HTMLResponse:
    return render(
        request,
        "transfer.html",
        limit=MAX_UPLOAD_BYTES // (1024 * 1024),
        done=request.query_params.get("done"),
    )


@router.get("/transfer/wegweiser-verzeichnis.xlsx")
async def download_workbook(request: Request, user: Reader) -> Response:
    live_dir = await live(request)
    language = user.language or "de"
    return Response(
        export_workbook(live_dir, language),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="wegweiser-verzeichnis-{live_dir.revision}.xlsx"'
        },
    )


@router.get("/transfer/wegweiser-knowledge.zip")
async def download_yaml(request: Request, user: Reader) -> Response:
    live_dir = await live(request)
    return Response(
        folder_zip(live_dir.knowledge, live_dir.revision),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="wegweiser-knowledge-{live_dir.revision}.zip"'
        },
    )


async def _workbook_preview(
    request: Request, data: bytes, user: Any, *, apply: bool, comment: str = ""
) -> Response:
    live_dir = await live(request)
    read = read_workbook(data, live_dir)
    service = directory(request)
    if apply:
        outcome = await service.apply(
            read.change, author=user.name, comment=comment or None, source="xlsx"
        )
        if outcome.ok:
            if outcome.revision is not None:
                await record(
                    request,
                    user,
                    "upload",
                    "directory",
                    None,
                    outcome.revision,
                    {
                        "added": len(outcome.added),
                        "changed": len(outcome.changed),
                        "retired": len(outcome.retired),
                    },
                )
                await after_change(request)
            return RedirectResponse(f"/revisions?done={outcome.revision or 0}", status_code=303)
        result = outcome
    else:
        result = await service.preview(read.change)
    problems = worded(request, result)
    return render(
        request,
        "upload_preview.html",
        status_code=200 if result.ok else 422,
        preview=result,
        problems=problems,
        errors=[p for p in problems if p.severity == "error"],
        warnings=[p for p in problems if p.severity == "warning"],
        rows=read.rows,
        payload=base64.b64encode(data).decode("ascii") if result.ok else "",
        checksum=hashlib.sha256(data).hexdigest()[:12],
        names={
            oid: (o.name.get("de") or oid)
            for oid, o in (result.knowledge or live_dir.knowledge).offers.items()
        },
    )


@router.post("/transfer/upload", response_class=HTMLResponse)
async def upload_workbook(request: Request, user: Editor, file: UploadFile) -> Response:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    return await _workbook_preview(request, data, user, apply=False)


@router.post("/transfer/apply", response_class=HTMLResponse)
async def apply_workbook(request: Request, user: Editor) -> Response:
    form = await request.form(max_part_size=8 * 1024 * 1024)
    try:
        data = base64.b64decode(str(form.get("payload") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400) from None
    return await _workbook_preview(
        request, data, user, apply=True, comment=str(form.get("comment") or "")
    )


# -- topics and places -----------------------------------------------------------------------


async def _parts(request: Request) -> dict[str, Any]:
    live_dir = await live(request)
    stored = live_dir.stored
    return assemble(stored.items) if stored.items else (stored.parts() or {})


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


@router.get("/topics", response_class=HTMLResponse)
async def topics_page(request: Request, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    return render(
        request, "topics.html", knowledge=live_dir.knowledge, done=request.query_params.get("done")
    )


@router.get("/topics/{topic_id}", response_class=HTMLResponse)
async def topic_page(request: Request, topic_id: str, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    topic = live_dir.knowledge.topics.get(topic_id)
    if topic is None:
        raise HTTPException(404)
    return render(request, "topic_edit.html", topic=topic.model_dump(mode="json"), problems=[])


@router.post("/topics/{topic_id}", response_class=HTMLResponse)
async def save_topic(request: Request, topic_id: str, user: Editor) -> Response:
    form = await request.form()
    parts = await _parts(request)
    found = None
    for field_ in parts["topics"]["fields"]:
        for entry in field_["topics"]:
            if entry["id"] == topic_id:
                found = entry
    if found is None:
        raise HTTPException(404)
    found["name"] = {
        lang: str(form.get(f"name.{lang}") or "").strip()
        for lang in LANGUAGES
        if str(form.get(f"name.{lang}") or "").strip()
    }
    found["lexicon"] = {
        lang: _lines(form.get(f"lexicon.{lang}"))
        for lang in LANGUAGES
        if _lines(form.get(f"lexicon.{lang}"))
    }
    outcome = await directory(request).apply(
        Change(parts={"topics": parts["topics"]}),
        author=user.name,
        comment=str(form.get("comment") or "") or None,
        source="form",
    )
    if not outcome.ok:
        return render(
            request,
            "topic_edit.html",
            status_code=422,
            topic=found,
            problems=worded(request, outcome),
        )
    if outcome.revision is not None:
        await record(request, user, "edit", "topic", topic_id, outcome.revision)
        await after_change(request)
    return RedirectResponse(f"/topics?done={outcome.revision or 0}", status_code=303)


@router.get("/places", response_class=HTMLResponse)
async def places_page(request: Request, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    return render(
        request, "places.html", knowledge=live_dir.knowledge, done=request.query_params.get("done")
    )


@router.get("/places/{city_id}", response_class=HTMLResponse)
async def city_page(request: Request, city_id: str, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    city = live_dir.knowledge.city_by_id.get(city_id)
    if city is None:
        raise HTTPException(404)
    return render(request, "city_edit.html", city=city.model_dump(mode="json"), problems=[])


@router.post("/places/{city_id}", response_class=HTMLResponse)
async def save_city(request: Request, city_id: str, user: Editor) -> Response:
    form = await request.form()
    parts = await _parts(request)
    city = next((c for c in parts["regions"]["cities"] if c["id"] == city_id), None)
    if city is None:
        raise HTTPException(404)
    city["name"] = {
        lang: str(form.get(f"name.{lang}") or "").strip()
        for lang in LANGUAGES
        if str(form.get(f"name.{lang}") or "").strip()
    }
    city["aliases"] = {
        lang: _lines(form.get(f"aliases.{lang}"))
        for lang in LANGUAGES
        if _lines(form.get(f"aliases.{lang}"))
    }
    for district in city.get("districts", []):
        prefix = f"d.{district['id']}"
        name = str(form.get(f"{prefix}.name") or "").strip()
        if name:
            district["name"] = name
        district["aliases"] = {
            lang: _lines(form.get(f"{prefix}.aliases.{lang}"))
            for lang in LANGUAGES
            if _lines(form.get(f"{prefix}.aliases.{lang}"))
        }
    outcome = await directory(request).apply(
        Change(parts={"regions": parts["regions"]}),
        author=user.name,
        comment=str(form.get("comment") or "") or None,
        source="form",
    )
    if not outcome.ok:
        return render(
            request, "city_edit.html", status_code=422, city=city, problems=worded(request, outcome)
        )
    if outcome.revision is not None:
        await record(request, user, "edit", "city", city_id, outcome.revision)
        await after_change(request)
    return RedirectResponse(f"/places?done={outcome.revision or 0}", status_code=303)


# -- accounts, audit, own settings -----------------------------------------------------------


@router.get("/accounts", response_class=HTMLResponse)
async def accounts_page(request: Request, user: Admin, message: str = "") -> HTMLResponse:
    async with request.app.state.services.sessions() as session:
        rows = await accounts.list_accounts(session)
    return render(request, "accounts.html", rows=rows, message=message, roles=accounts.ROLES)


@router.post("/accounts", response_class=HTMLResponse)
async def add_account(request: Request, user: Admin) -> Response:
    form = await request.form()
    name, role, password = (str(form.get(k) or "") for k in ("name", "role", "password"))
    try:
        async with request.app.state.services.sessions() as session, session.begin():
            await accounts.add_account(session, name, role, password)
            await audit.record(session, user.name, "add", "account", name, detail={"role": role})
    except accounts.AccountError as exc:
        async with request.app.state.services.sessions() as session:
            rows = await accounts.list_accounts(session)
        return render(
            request,
            "accounts.html",
            status_code=422,
            rows=rows,
            message=str(exc),
            roles=accounts.ROLES,
        )
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{name}/remove")
async def remove_account(request: Request, name: str, user: Admin) -> Response:
    if name == user.name:
        raise HTTPException(400, "you cannot remove your own account")
    async with request.app.state.services.sessions() as session, session.begin():
        if await accounts.remove_account(session, name):
            await audit.record(session, user.name, "remove", "account", name)
    return RedirectResponse("/accounts", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request, user: Admin, page: int = 1) -> HTMLResponse:
    page = max(1, page)
    async with request.app.state.services.sessions() as session:
        rows = await audit.entries(session, limit=100, offset=(page - 1) * 100)
    return render(request, "audit.html", rows=rows, page=page)


@router.post("/settings/language")
async def set_language(request: Request, user: Reader) -> Response:
    form = await request.form()
    language = str(form.get("language") or "")
    from bot.storage.models import StaffAccount

    async with request.app.state.services.sessions() as session, session.begin():
        account = await session.get(StaffAccount, user.account_id)
        if account is not None:
            account.language = language if language in ("de", "en") else None
    back = str(form.get("back") or "/")
    return RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else "/", status_code=303
    )
