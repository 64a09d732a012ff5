"""Sign-in, sessions, CSRF and roles for the workspace (a thin layer over `bot.staff`).

The session cookie is HttpOnly, SameSite=Lax and Secure whenever the request came over https
(directly or as X-Forwarded-Proto from a trusted proxy). Every state-changing request must carry
the session's CSRF token (a hidden form field or the X-CSRF-Token header). Anyone without a valid
session sees the sign-in page; a viewer's POST is refused with 403.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.i18n import staff_texts
from bot.staff import accounts, audit
from bot.staff.accounts import SignedIn
from bot.web.templating import render, request_language

COOKIE = "wegweiser_session"
router = APIRouter()


class LoginRequired(Exception):
    """No valid session: the handler shows the sign-in page."""


def _sessions(request: Request):
    return request.app.state.services.sessions


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def current_user(request: Request) -> SignedIn:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired
    async with _sessions(request)() as session, session.begin():
        user = await accounts.resume_session(session, token)
    if user is None:
        raise LoginRequired
    request.state.user = user
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        await _check_csrf(request, user)
    return user


async def _check_csrf(request: Request, user: SignedIn) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form(max_part_size=8 * 1024 * 1024)
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, user.csrf_token):
        raise HTTPException(403, "csrf")


def require(permission: str):
    async def dependency(user: Annotated[SignedIn, Depends(current_user)]) -> SignedIn:
        if not user.may(permission):
            raise HTTPException(403, "role")
        return user

    return dependency


Reader = Annotated[SignedIn, Depends(require("read"))]
Editor = Annotated[SignedIn, Depends(require("edit"))]
Admin = Annotated[SignedIn, Depends(require("admin"))]


def login_page(
    request: Request, message: str | None = None, status_code: int = 200, name: str = ""
) -> HTMLResponse:
    request.state.user = None
    target = request.url.path if request.method == "GET" and request.url.path != "/login" else "/"
    return render(
        request, "login.html", status_code=status_code, message=message, next=target, name=name
    )


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    return login_page(request)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    t = staff_texts(request_language(request))
    async with _sessions(request)() as session, session.begin():
        account, reason = await accounts.authenticate(
            session, username, password, client_address(request)
        )
        if account is None:
            message = (
                t._("Too many failed attempts. Please wait 15 minutes and try again.")
                if reason == "limited"
                else t._("User name or password is wrong.")
            )
            if reason == "limited":
                await audit.record(
                    session, username[:100] or "-", "sign-in blocked", "account", username[:100]
                )
        else:
            token = await accounts.start_session(session, account)
            await audit.record(session, account.name, "sign-in", "account", account.name)
    if account is None:
        status = 429 if reason == "limited" else 401
        return login_page(request, message, status, name=username)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        max_age=int(accounts.ABSOLUTE.total_seconds()),
        path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request, user: Reader) -> Response:
    token = request.cookies.get(COOKIE, "")
    async with _sessions(request)() as session, session.begin():
        await accounts.end_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
