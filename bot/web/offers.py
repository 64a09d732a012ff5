"""Offer pages: the list with search and filters, the editor, create, duplicate, retire, restore,
an offer's history. Thin: every change goes through the `Directory` service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot.core.languages import LANGUAGES
from bot.dialogue.cards import localized
from bot.directory.hours import describe
from bot.directory.service import Change, LiveDirectory
from bot.directory.trial import card_html
from bot.i18n import staff_texts
from bot.knowledge.schema import Appointment, Cost, EmergencyKind, Offer, ResidenceStatus, Scope
from bot.knowledge.suggest import fix_hours
from bot.knowledge.validate import STALE_AFTER, TRANSLATED_FIELDS
from bot.web.auth import Editor, Reader
from bot.web.common import after_change, directory, live, record, worded
from bot.web.forms import offer_from_form, value_at
from bot.web.map import city_map
from bot.web.templating import render, request_language

router = APIRouter()
PAGE = 50


def _missing_languages(offer: Offer) -> list[str]:
    have = set(offer.name) & set(offer.description)
    return [lang for lang in LANGUAGES if lang not in have]


def _row(live_dir: LiveDirectory, data: dict[str, Any], retired: bool, today: dt.date) -> dict:
    knowledge = live_dir.knowledge
    city = knowledge.city_by_id.get(data.get("city") or "")
    district = knowledge.districts.get(data.get("district") or "")
    reviewed = dt.date.fromisoformat(data["last_reviewed"]) if data.get("last_reviewed") else None
    names = data.get("name") or {}
    have = set(names) & set(data.get("description") or {})
    return {
        "id": data["id"],
        "name": names.get("de") or data["id"],
        "provider": data.get("provider") or "",
        "topics": [
            localized(knowledge.topics[t].name, "de")
            for t in data.get("topics", [])
            if t in knowledge.topics
        ],
        "topic_ids": data.get("topics", []),
        "city": city.name.get("de", city.id) if city else "",
        "city_id": data.get("city"),
        "district": district[1].name if district else "",
        "district_id": data.get("district"),
        "nationwide": data.get("scope") == "nationwide",
        "stale": reviewed is not None and reviewed < today - STALE_AFTER,
        "sample": bool(data.get("sample")),
        "missing": [lang for lang in LANGUAGES if lang not in have],
        "retired": retired,
        "modified": live_dir.modified.get(data["id"]),
        "search": " ".join(
            [data["id"], *names.values(), data.get("provider") or "", data.get("address") or ""]
        ).casefold(),
    }


@router.get("/", response_class=HTMLResponse)
@router.get("/offers", response_class=HTMLResponse)
async def offer_list(
    request: Request,
    user: Reader,
    q: str = "",
    field: str = "",
    topic: str = "",
    city: str = "",
    district: str = "",
    flag: str = "",
    page: int = 1,
) -> HTMLResponse:
    live_dir = await live(request)
    today = dt.date.today()
    rows = [
        _row(live_dir, o.model_dump(mode="json", exclude_none=True), False, today)
        for o in live_dir.knowledge.offers.values()
    ]
    rows += [_row(live_dir, data, True, today) for data in live_dir.retired.values()]
    knowledge = live_dir.knowledge
    field_topics = {t.id for f in knowledge.fields if f.id == field for t in f.topics}
    needle = q.strip().casefold()
    shown = [
        r
        for r in rows
        if (not needle or needle in r["search"])
        and (not field or field_topics & set(r["topic_ids"]))
        and (not topic or topic in r["topic_ids"])
        and (not city or r["city_id"] == city)
        and (not district or r["district_id"] == district)
        and (flag == "retired") == r["retired"]
        and (flag != "stale" or r["stale"])
        and (flag != "sample" or r["sample"])
        and (flag != "missing" or r["missing"])
    ]
    shown.sort(key=lambda r: r["name"].casefold())
    page = max(1, page)
    return render(
        request,
        "offers.html",
        rows=shown[(page - 1) * PAGE : page * PAGE],
        total=len(shown),
        page=page,
        pages=max(1, (len(shown) + PAGE - 1) // PAGE),
        knowledge=knowledge,
        filters={
            "q": q,
            "field": field,
            "topic": topic,
            "city": city,
            "district": district,
            "flag": flag,
        },
        revision=live_dir.revision,
        done=request.query_params.get("done"),
    )


def _editor(
    request: Request,
    live_dir: LiveDirectory,
    data: dict[str, Any],
    *,
    offer_id: str | None,
    problems: list | None = None,
    status_code: int = 200,
    saved: str | None = None,
) -> HTMLResponse:
    lang = request_language(request, request.state.user.language)
    t = staff_texts(lang)
    knowledge = live_dir.knowledge
    by_field: dict[str, list] = {}
    for problem in problems or []:
        key = problem.field.split(".")[0] if problem.field else ""
        if problem.field.startswith(("name.", "description.", "summary.", "cost_note.")):
            key = problem.field
        by_field.setdefault(key, []).append(problem)
    missing = {
        path: [
            lang_
            for lang_ in LANGUAGES
            if value_at(data, path) and lang_ not in value_at(data, path)
        ]
        for path in TRANSLATED_FIELDS
    }
    city_id = data.get("city") or (knowledge.cities[0].id if knowledge.cities else None)
    city = knowledge.city_by_id.get(city_id or "")
    hours = data.get("opening_hours") or ""
    retired = offer_id is not None and offer_id in live_dir.retired
    return render(
        request,
        "offer_edit.html",
        status_code=status_code,
        data=data,
        offer_id=offer_id,
        retired=retired,
        knowledge=knowledge,
        problems=problems or [],
        by_field=by_field,
        missing=missing,
        value_at=value_at,
        city_map=city_map(city, data.get("coordinates"), t) if city else "",
        hours_text=describe(hours, t) if hours else "",
        scopes=[s.value for s in Scope],
        appointments=[a.value for a in Appointment],
        costs=[c.value for c in Cost],
        statuses=[s.value for s in ResidenceStatus],
        emergency_kinds=[k.value for k in EmergencyKind],
        revision=live_dir.offer_revision.get(offer_id or "", 0),
        saved=saved,
        geocoder=bool(request.app.state.settings.geocoder_url),
        translated_fields=TRANSLATED_FIELDS,
    )


@router.get("/offers/new", response_class=HTMLResponse)
async def new_offer(
    request: Request, user: Editor, copy: str = "", topic: str = ""
) -> HTMLResponse:
    live_dir = await live(request)
    data: dict[str, Any] = {
        # prefilled from the gaps queue ("open a new offer for this topic")
        "topics": [topic] if topic in live_dir.knowledge.topics else [],
        "languages": ["de"],
        "scope": "local",
        "appointment": "recommended",
        "cost": "free",
        "last_reviewed": dt.date.today().isoformat(),
    }
    source = live_dir.offer_data(copy) if copy else None
    if source:
        data = dict(source)
        data["id"] = f"{copy}-kopie"
        data["last_reviewed"] = dt.date.today().isoformat()
    return _editor(request, live_dir, data, offer_id=None)


@router.get("/offers/{offer_id}", response_class=HTMLResponse)
async def edit_offer(request: Request, offer_id: str, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    data = live_dir.offer_data(offer_id)
    if data is None:
        raise HTTPException(404)
    problems = []
    if offer_id in live_dir.knowledge.offers:
        preview = await directory(request).preview(Change(offers={offer_id: data}))
        problems = worded(request, preview)
    return _editor(
        request,
        live_dir,
        data,
        offer_id=offer_id,
        problems=problems,
        saved=request.query_params.get("saved"),
    )


@router.post("/offers/{offer_id}", response_class=HTMLResponse)
async def save_offer(request: Request, offer_id: str, user: Editor) -> Response:
    form = await request.form()
    data = offer_from_form(form)
    live_dir = await live(request)
    creating = offer_id == "new"
    if creating:
        key = str(data.get("id") or "")
        if key in live_dir.stored.offers:
            data["id"] = key  # validation reports the clash below
        change = Change(offers={key or "new": data})
        if key in live_dir.stored.offers:
            change = Change(offers={f"{key}~new": data})
    else:
        data["id"] = offer_id
        seen = form.get("revision")
        expected = {offer_id: int(seen)} if isinstance(seen, str) and seen.isdigit() else {}
        change = Change(offers={offer_id: data}, expected=expected)
    outcome = await directory(request).apply(
        change, author=user.name, comment=str(form.get("comment") or "") or None, source="form"
    )
    if not outcome.ok:
        return _editor(
            request,
            live_dir,
            data,
            offer_id=None if creating else offer_id,
            problems=worded(request, outcome),
            status_code=422,
        )
    target = data.get("id") or offer_id
    if outcome.revision is not None:
        await record(
            request, user, "create" if creating else "edit", "offer", target, outcome.revision
        )
        await after_change(request)
    return RedirectResponse(f"/offers/{target}?saved={outcome.revision or 0}", status_code=303)


@router.post("/offers/{offer_id}/retire")
async def retire_offer(request: Request, offer_id: str, user: Editor) -> Response:
    outcome = await directory(request).retire(offer_id, author=user.name)
    if outcome.revision is not None:
        await record(request, user, "retire", "offer", offer_id, outcome.revision)
        await after_change(request)
    return RedirectResponse(f"/offers/{offer_id}?saved={outcome.revision or 0}", status_code=303)


@router.post("/offers/{offer_id}/restore", response_class=HTMLResponse)
async def restore_offer(request: Request, offer_id: str, user: Editor) -> Response:
    outcome = await directory(request).restore(offer_id, author=user.name)
    if not outcome.ok:
        live_dir = await live(request)
        return _editor(
            request,
            live_dir,
            live_dir.offer_data(offer_id) or {},
            offer_id=offer_id,
            problems=worded(request, outcome),
            status_code=422,
        )
    if outcome.revision is not None:
        await record(request, user, "restore", "offer", offer_id, outcome.revision)
        await after_change(request)
    return RedirectResponse(f"/offers/{offer_id}?saved={outcome.revision or 0}", status_code=303)


@router.get("/offers/{offer_id}/history", response_class=HTMLResponse)
async def offer_history(request: Request, offer_id: str, user: Reader) -> HTMLResponse:
    live_dir = await live(request)
    data = live_dir.offer_data(offer_id)
    if data is None:
        raise HTTPException(404)
    entries = await directory(request).history(offer_id)
    return render(
        request,
        "offer_history.html",
        offer_id=offer_id,
        name=(data.get("name") or {}).get("de", offer_id),
        entries=entries,
    )


@router.post("/offers/{offer_id}/history/{revision}/restore")
async def restore_offer_version(
    request: Request, offer_id: str, revision: int, user: Editor
) -> Response:
    outcome = await directory(request).restore_version(offer_id, revision, author=user.name)
    if outcome.revision is not None:
        await record(
            request,
            user,
            "restore version",
            "offer",
            offer_id,
            outcome.revision,
            {"from_revision": revision},
        )
        await after_change(request)
    if not outcome.ok:
        return render(
            request,
            "problems.html",
            status_code=422,
            problems=worded(request, outcome),
            back=f"/offers/{offer_id}/history",
        )
    return RedirectResponse(f"/offers/{offer_id}?saved={outcome.revision or 0}", status_code=303)


@router.get("/api/hours")
async def hours_preview(request: Request, user: Reader, value: str = "") -> JSONResponse:
    """The opening hours in words while typing (progressive enhancement of the editor)."""
    t = staff_texts(request_language(request, user.language))
    text = describe(value, t) if value.strip() else ""
    suggestion = fix_hours(value) if value.strip() and text is None else None
    return JSONResponse({"ok": text is not None, "text": text or "", "suggestion": suggestion})


@router.post("/api/card", response_class=HTMLResponse)
async def card_preview(request: Request, user: Reader) -> HTMLResponse:
    """The card of the offer as currently typed in the editor (not saved), in one language."""
    form = await request.form()
    data = offer_from_form(form)
    data.setdefault("id", "preview")
    live_dir = await live(request)
    try:
        offer = Offer.model_validate(data)
    except Exception:
        t = staff_texts(request_language(request, user.language))
        return HTMLResponse(
            f"<p class='muted'>{t._('The preview appears once the offer is valid.')}</p>"
        )
    language = str(form.get("preview_language") or "de")
    if language not in LANGUAGES:
        language = "de"
    return HTMLResponse(card_html(offer, live_dir.knowledge, language, dt.datetime.now(dt.UTC)))


@router.get("/api/geocode")
async def geocode(request: Request, user: Reader, q: str = "") -> JSONResponse:
    """The configured Nominatim-compatible geocoder's first hit for an address (off by default)."""
    url = request.app.state.settings.geocoder_url
    if not url or not q.strip():
        return JSONResponse({})
    import httpx

    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(
                url,
                params={"q": q[:300], "format": "json", "limit": 1},
                headers={"User-Agent": "Wegweiser workspace"},
            )
        hits = response.json() if response.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        hits = []
    if not hits:
        return JSONResponse({})
    return JSONResponse(
        {"lat": round(float(hits[0]["lat"]), 5), "lon": round(float(hits[0]["lon"]), 5)}
    )
