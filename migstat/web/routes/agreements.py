"""Sharing agreements in the portal: ``GET /agreements`` (the coordinator: every agreement in
force, a form to add or replace one and a button to remove each; a member country's accounts:
the agreements it is in; no values of data either way), ``POST /agreements`` and ``POST
/agreements/remove`` (the name in the form) (the coordinator only, with the session's CSRF token).

The same as ``migstat agreements add|remove``, through :mod:`migstat.exchange.agreements`, so
every change is an audit record naming the coordinator's account and address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from migstat.exchange import agreements
from migstat.i18n import N_
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
    require_signed_in,
    writer,
)
from migstat.web.views import release_forms as views

router = APIRouter(include_in_schema=False)
CHECK = "check_manage_agreements"
SIGN_IN = N_("Sign in to see the sharing agreements your country is in.")


def _page(request: Request, who: Reader, status_code: int = 200, **extra: Any) -> Response:
    page = render(
        request,
        "agreements.html",
        status_code=status_code,
        csrf=csrf_token(request),
        agreements=views.visible(who.store, who.principal),
        can_manage=who.principal.is_coordinator,
        **extra,
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/agreements", response_class=HTMLResponse)
def agreements_page(request: Request, who: ReaderDep) -> Response:
    require_signed_in(request, who.principal, SIGN_IN)
    return _page(request, who, done=request.query_params.get("done", "")[:100])


async def _act(request: Request, action: Callable[[Reader, Any, dict[str, Any]], str]) -> Response:
    """``action(who, form, by)`` for the coordinator: 403 for anyone else (recorded), the page
    again with the error on bad input (400), back to the page when done."""
    form = await request.form()
    try:
        who = writer(request, views.field(form, auth.CSRF_FIELD), CHECK)
    except AccessDeniedError as exc:
        return forbidden(request, exc.text(language(request)))
    by = {"by": who.principal.user_id or "-", "client": client_address(request)}
    try:
        name = await run_in_threadpool(action, who, form, by)
    except MigstatError as exc:
        return _page(request, who, 400, error=exc.text(who.lang))
    return RedirectResponse(f"/agreements?lang={who.lang}&done={quote(name)}", status_code=303)


@router.post("/agreements")
async def add_agreement(request: Request) -> Response:
    return await _act(request, lambda who, form, by: views.add_from(who.store, form, **by))


@router.post("/agreements/remove")
async def remove_agreement(request: Request) -> Response:
    """The agreement named in the form's ``name`` field: a name may hold "/", "?", "#", "%"
    or "..", which a path would not carry intact."""
    return await _act(
        request,
        lambda who, form, by: (
            agreements.remove(who.store, views.field(form, "name")[:200], **by).name
        ),
    )
