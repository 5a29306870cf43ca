"""The coordinator's accounts page: ``GET /accounts`` and its forms.

``POST /accounts`` adds an account; ``POST /accounts/{login}/disable``, ``.../enable`` and
``.../password`` change one; ``POST /accounts/{login}/tokens`` issues an API token (shown once,
on the answer, never stored) and ``POST /accounts/tokens/{id}/revoke`` revokes one;
``POST /accounts/{login}/totp`` enrols a second factor (its key shown once). The same as
``migstat users`` and ``migstat tokens``, through the same functions of
:mod:`migstat.exchange`, so every change is an audit record naming the coordinator's account
and address. Who may do this is the access gate's decision; every form carries the session's
CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from migstat.exchange import accounts, tokens, totp
from migstat.model.findings import MigstatError
from migstat.store.access import AccessDeniedError
from migstat.web import auth
from migstat.web.app import forbidden, render
from migstat.web.deps import (
    Reader,
    ReaderDep,
    client_address,
    csrf_token,
    language,
    refuse,
    writer,
)
from migstat.web.views import accounts as views

router = APIRouter(include_in_schema=False)
MAX_FIELD = 1024
CHECK = "check_administer"


def _page(request: Request, who: Reader, status_code: int = 200, **extra: Any) -> Response:
    page = render(
        request,
        "accounts.html",
        status_code=status_code,
        csrf=csrf_token(request),
        **views.page_model(who.store),
        **extra,
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, who: ReaderDep) -> Response:
    try:
        who.store.policy.check_administer(who.principal)
    except AccessDeniedError as exc:
        refuse(request, who.principal, exc)
        return forbidden(request, exc.text(who.lang))
    return _page(request, who, done=request.query_params.get("done"))


def _text(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:MAX_FIELD]


async def _act(request: Request, action: Callable[[Reader, Any, dict[str, Any]], Any]) -> Response:
    """Run ``action(who, form, by)`` for the coordinator: the page again on bad input (400),
    403 for anyone else, back to the page when done."""
    form = await request.form()
    try:
        who = writer(request, _text(form, auth.CSRF_FIELD), CHECK)
    except AccessDeniedError as exc:
        return forbidden(request, exc.text(language(request)))
    by = {"by": who.principal.user_id or "-", "client": client_address(request)}
    try:
        result = await run_in_threadpool(action, who, form, by)
    except MigstatError as exc:
        return _page(request, who, 400, error=exc.text(who.lang))
    if isinstance(result, tokens.Issued):
        return _page(request, who, 201, issued=result)
    if isinstance(result, totp.Enrolment):
        return _page(request, who, 201, enrolled=result)
    return RedirectResponse(f"/accounts?lang={who.lang}&done={result}", status_code=303)


def _add(who: Reader, form: Any, by: dict[str, Any]) -> str:
    account = accounts.add(
        who.store,
        _text(form, "login"),
        _text(form, "role"),
        _text(form, "password"),
        country=_text(form, "country") or None,
        agency=_text(form, "agency") or None,
        **by,
    )
    return account.login


@router.post("/accounts")
async def add_account(request: Request) -> Response:
    return await _act(request, _add)


@router.post("/accounts/{login}/disable")
async def disable_account(request: Request, login: str) -> Response:
    return await _act(
        request, lambda who, _f, by: accounts.set_disabled(who.store, login, True, **by).login
    )


@router.post("/accounts/{login}/enable")
async def enable_account(request: Request, login: str) -> Response:
    return await _act(
        request, lambda who, _f, by: accounts.set_disabled(who.store, login, False, **by).login
    )


@router.post("/accounts/{login}/password")
async def reset_password(request: Request, login: str) -> Response:
    return await _act(
        request,
        lambda who, f, by: (
            accounts.reset_password(who.store, login, _text(f, "password"), **by).login
        ),
    )


def _days(form: Any) -> int:
    text = _text(form, "days").strip()
    return int(text) if text.isdigit() and len(text) < 6 else 0


@router.post("/accounts/{login}/tokens")
async def issue_token(request: Request, login: str) -> Response:
    return await _act(
        request,
        lambda who, f, by: tokens.issue(
            who.store, login, days=_days(f), scope=_text(f, "scope") or "read", **by
        ),
    )


@router.post("/accounts/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int) -> Response:
    return await _act(request, lambda who, _f, by: tokens.revoke(who.store, token_id, **by).login)


@router.post("/accounts/{login}/totp")
async def enrol_second_factor(request: Request, login: str) -> Response:
    return await _act(request, lambda who, _f, by: totp.enrol(who.store, login, **by))
