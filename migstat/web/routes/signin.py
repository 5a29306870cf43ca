"""Signing in and out: ``GET|POST /signin`` and ``POST /signout``.

An account signs in with its login and password (:mod:`migstat.exchange.signin`: argon2,
throttled per login and per client address, every attempt in the audit trail); its browser
gets an HttpOnly, SameSite=Lax cookie (Secure over https) holding the signed id of a
server-side session. The sign-in form carries a CSRF token that must match a cookie set with
the form. The coordinator may still sign in with the token configured on the server
(:mod:`migstat.web.auth`), which gives a SameSite=Strict cookie signed with that token.
Signing out ends the server-side session, so a copy of the cookie no longer works.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from migstat.exchange import audit, sessions
from migstat.exchange.signin import SignInError, ThrottledError, check_throttle, sign_in
from migstat.i18n import N_, gettext_
from migstat.web import auth
from migstat.web.app import render
from migstat.web.deps import client_address, credentials, csrf_token, language, now, store

router = APIRouter(include_in_schema=False)
TOKEN_LOGIN = "coordinator-token"
"""The name sign-ins with the coordinator token are recorded and throttled under."""
MAX_FIELD = 2048


def safe_next(target: str | None) -> str:
    """Where to go after signing in or out: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/mappings"
    return target


def _page(
    request: Request,
    status_code: int = 200,
    error: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    kept = request.cookies.get(auth.SIGNIN_COOKIE)
    # the form's token is made when the form is first shown, and kept until a sign-in succeeds
    form_token = kept or (secrets.token_hex(16) if request.method == "GET" else "")
    found = credentials(request)
    page = render(
        request,
        "signin.html",
        status_code=status_code,
        error=error,
        enabled=bool(request.app.state.coordinator_token),
        signed_in=not found.principal.anonymous,
        who=found.principal,
        csrf=csrf_token(request),
        form_token=form_token,
        next=safe_next(request.query_params.get("next")),
    )
    if form_token and not kept:
        page.set_cookie(
            auth.SIGNIN_COOKIE,
            form_token,
            path="/signin",
            httponly=True,
            samesite="strict",
            secure=auth.secure_cookies(request),
        )
    page.headers.update(headers or {})
    return page


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    return _page(request)


def _field(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:MAX_FIELD]


def _redirect(request: Request, form: Any) -> RedirectResponse:
    target = safe_next(_field(form, "next"))
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}lang={language(request)}", status_code=303)


def _refused(request: Request, error: SignInError) -> Response:
    lang = language(request)
    if isinstance(error, ThrottledError):
        wait = {"Retry-After": str(error.retry_after)}
        return _page(request, 429, error.text(lang), headers=wait)
    return _page(request, 401, error.text(lang))


def _with_token(request: Request, form: Any) -> Response:
    """The coordinator's sign-in with the configured token."""
    configured = request.app.state.coordinator_token
    lang = language(request)
    if not configured:
        return _page(
            request,
            403,
            gettext_(
                N_("Editing is switched off on this server: no coordinator token is configured."),
                lang,
            ),
        )
    client, moment, the_store = client_address(request), now(request), store(request)
    try:
        check_throttle(
            the_store, TOKEN_LOGIN, client, now=moment, throttle=request.app.state.throttle
        )
    except ThrottledError as exc:
        return _refused(request, exc)
    if not auth.same_token(_field(form, "token").strip(), configured):
        fields = {"actor": TOKEN_LOGIN, "client": client, "at": moment}
        audit.record(the_store, action=audit.SIGNIN_FAILED, details={"reason": "token"}, **fields)
        return _page(request, 403, gettext_(N_("That is not the coordinator token."), lang))
    audit.record(the_store, actor=TOKEN_LOGIN, action=audit.SIGNIN, client=client, at=moment)
    _session, value = auth.new_session(configured)
    response = _redirect(request, form)
    response.set_cookie(
        auth.session_cookie(request),
        value,
        max_age=auth.SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=auth.secure_cookies(request),
    )
    return response


def _form_token_matches(request: Request, form: Any) -> bool:
    cookie = request.cookies.get(auth.SIGNIN_COOKIE) or ""
    given = _field(form, auth.CSRF_FIELD)
    return bool(cookie and given) and hmac.compare_digest(cookie.encode(), given.encode())


def _record_forged(request: Request, actor: str) -> None:
    """Record a form posted without its CSRF token (a 403 answer)."""
    audit.record(
        store(request),
        actor=actor,
        action=audit.ACCESS_DENIED,
        client=client_address(request),
        details={"path": request.url.path, "reason": "form without its CSRF token"},
        at=now(request),
    )


def _with_password(request: Request, form: Any) -> Response:
    """An account's sign-in with its login and password."""
    lang = language(request)
    if not _form_token_matches(request, form):
        _record_forged(request, _field(form, "login")[:64] or "-")
        message = N_(
            "This form has expired or did not come from this site: reload the page and try again."
        )
        return _page(request, 403, gettext_(message, lang))
    try:
        _account, session_id = sign_in(
            store(request),
            _field(form, "login"),
            _field(form, "password"),
            client=client_address(request),
            code=_field(form, "code")[:16],
            now=now(request),
            throttle=request.app.state.throttle,
            second_factor_for=request.app.state.second_factor_for,
        )
    except SignInError as exc:
        return _refused(request, exc)
    response = _redirect(request, form)
    response.set_cookie(
        auth.session_cookie(request),
        auth.sign_session_id(request.app.state.secret_key, session_id),
        max_age=int(sessions.ABSOLUTE.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=auth.secure_cookies(request),
    )
    response.delete_cookie(auth.SIGNIN_COOKIE, path="/signin")
    return response


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await request.form()
    if "token" in form:
        return _with_token(request, form)
    return _with_password(request, form)


@router.post("/signout")
async def signout(request: Request) -> Response:
    form = await request.form()
    found = credentials(request)
    lang = language(request)
    given = _field(form, auth.CSRF_FIELD)
    if found.csrf is not None and not hmac.compare_digest(given.encode(), found.csrf.encode()):
        _record_forged(request, found.principal.user_id or "anonymous")
        return render(
            request,
            "error.html",
            status_code=403,
            heading=N_("Not allowed"),
            message=gettext_(
                N_(
                    "This form has expired or did not come from this "
                    "site: reload the page and try again."
                ),
                lang,
            ),
        )
    if found.session_id is not None:
        sessions.end(
            store(request), found.session_id, client=client_address(request), now=now(request)
        )
    response = RedirectResponse(f"/signin?lang={lang}", status_code=303)
    response.delete_cookie(
        auth.session_cookie(request),
        path="/",
        httponly=True,
        samesite="lax",
        secure=auth.secure_cookies(request),
    )
    return response
