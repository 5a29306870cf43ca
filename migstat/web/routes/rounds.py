"""Reporting rounds in the portal.

``GET /rounds`` lists the rounds (with the coordinator's form to open one, ``POST /rounds``);
``GET /rounds/{id}`` is the status board, every country for the coordinator and its own row
for a country's reporter or approver; ``POST /rounds/{id}/declare`` records a table not
available, ``POST /rounds/{id}/close`` closes the round; ``GET /rounds/{id}/questionnaire``
downloads the country's questionnaire prefilled with its previous answers;
``GET /notifications`` shows the signed-in account's notifications (and marks them read).
The same functions as ``migstat rounds``, so every change is an audit record; every form
carries the session's CSRF token and who may do what is the access gate's decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from migstat.exchange import audit, notify, prefill, rounds
from migstat.i18n import N_
from migstat.model.findings import MigstatError, NotFoundError
from migstat.store.access import AccessDeniedError, Principal
from migstat.web import auth
from migstat.web.app import error_page, forbidden, render
from migstat.web.deps import (
    Reader,
    ReaderDep,
    client_address,
    csrf_token,
    language,
    now,
    refuse,
    writer,
)
from migstat.web.views import rounds as views
from migstat.web.views.account_bar import may_see_rounds

router = APIRouter(include_in_schema=False)
MAX_FIELD = 2048
QUESTIONNAIRE = "round.questionnaire"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_ALLOWED = N_(
    "Reporting rounds are for the coordinator and the countries' reporters and approvers: "
    "sign in with such an account."
)


def _may_see_rounds(who: Reader) -> bool:
    return may_see_rounds(who.store, who.principal)


def _refused(request: Request, who: Reader, exc: AccessDeniedError) -> Response:
    refuse(request, who.principal, exc)
    return forbidden(request, exc.text(who.lang))


def _no_store(page: Response) -> Response:
    page.headers["Cache-Control"] = "no-store"
    return page


def _list_page(request: Request, who: Reader, status_code: int = 200, **extra: Any) -> Response:
    model = views.listing(who.store, who.principal, who.lang)
    page = render(
        request,
        "rounds.html",
        status_code=status_code,
        csrf=csrf_token(request),
        **model,
        **extra,
    )
    return _no_store(page)


@router.get("/rounds", response_class=HTMLResponse)
def rounds_page(request: Request, who: ReaderDep) -> Response:
    if not _may_see_rounds(who):
        return _refused(request, who, AccessDeniedError(NOT_ALLOWED))
    return _list_page(request, who, done=request.query_params.get("done"))


def _text(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:MAX_FIELD]


async def _act(
    request: Request, check: str, action: Callable[[Reader, Any, dict[str, Any]], str]
) -> Response:
    """Run ``action(who, form, by)`` for whom the gate's ``check`` lets (403 otherwise): the
    list again on bad input (400), else to the page ``action`` names."""
    form = await request.form()
    try:
        who = writer(request, _text(form, auth.CSRF_FIELD), check)
    except AccessDeniedError as exc:
        return forbidden(request, exc.text(language(request)))
    by = {
        "by": who.principal.user_id or "-",
        "client": client_address(request),
        "now": now(request),
    }
    try:
        target = await run_in_threadpool(action, who, form, by)
    except AccessDeniedError as exc:
        return _refused(request, who, exc)
    except MigstatError as exc:
        return _list_page(request, who, 400, error=exc.text(who.lang))
    return RedirectResponse(f"{target}?lang={who.lang}", status_code=303)


def _open(who: Reader, form: Any, by: dict[str, Any]) -> str:
    year = _text(form, "year").strip()
    found = rounds.open_round(
        who.store,
        _text(form, "id"),
        year=int(year) if year.isdigit() and len(year) == 4 else 0,
        tables=form.getlist("tables") or _text(form, "tables_text"),
        countries=_text(form, "countries"),
        deadline=_text(form, "deadline"),
        **by,
    )
    return f"/rounds/{quote(found.id)}"


@router.post("/rounds")
async def open_round(request: Request) -> Response:
    return await _act(request, "check_manage_rounds", _open)


@router.post("/rounds/{round_id}/close")
async def close_round(request: Request, round_id: str) -> Response:
    def close(who: Reader, _form: Any, by: dict[str, Any]) -> str:
        return f"/rounds/{quote(rounds.close(who.store, round_id, **by).id)}"

    return await _act(request, "check_manage_rounds", close)


@router.post("/rounds/{round_id}/declare")
async def declare(request: Request, round_id: str) -> Response:
    def act(who: Reader, form: Any, by: dict[str, Any]) -> str:
        country = _text(form, "country").strip().upper() or who.principal.country or ""
        who.store.policy.check_declare_for(who.principal, country)
        rounds.declare(
            who.store,
            round_id,
            country=country,
            table=_text(form, "table"),
            reason=_text(form, "reason"),
            **by,
        )
        return f"/rounds/{quote(round_id)}"

    return await _act(request, "check_declare_for", act)


def _round(request: Request, who: Reader, round_id: str) -> rounds.Round | Response:
    try:
        return rounds.get(who.store, round_id)
    except NotFoundError as exc:
        return error_page(request, 404, N_("Not found"), exc.text(who.lang))


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def board_page(request: Request, round_id: str, who: ReaderDep) -> Response:
    found = _round(request, who, round_id)
    if isinstance(found, Response):
        return found
    try:
        model = views.board_model(who.store, found, who.principal, who.lang, now(request))
    except AccessDeniedError as exc:
        return _refused(request, who, exc)
    page = render(request, "round.html", csrf=csrf_token(request), **model)
    return _no_store(page)


def _may_download(p: Principal, policy: Any, country: str) -> bool:
    return policy.can_read_round_row(p, country) and (p.is_coordinator or p.country == country)


@router.get("/rounds/{round_id}/questionnaire")
def questionnaire(request: Request, round_id: str, who: ReaderDep) -> Response:
    found = _round(request, who, round_id)
    if isinstance(found, Response):
        return found
    country = (request.query_params.get("country") or who.principal.country or "").upper()[:3]
    if country not in found.expected or not _may_download(who.principal, who.store.policy, country):
        return _refused(request, who, AccessDeniedError(NOT_ALLOWED))
    content, periods = prefill.questionnaire(who.store, found, country, who.principal)
    audit.record(
        who.store,
        actor=who.principal.user_id or "anonymous",
        action=QUESTIONNAIRE,
        client=client_address(request),
        details={"round": found.id, "country": country, "prefilled": periods},
        at=now(request),
    )
    name = f"{country}_{found.year}_round_{found.id}.xlsx"
    return Response(
        content,
        media_type=XLSX,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, who: ReaderDep) -> Response:
    model = views.notifications(who.store, who.principal, who.lang)
    if model["account"] is None:
        return _refused(request, who, AccessDeniedError(NOT_ALLOWED))
    page = render(request, "notifications.html", **model)
    notify.mark_read(who.store, model["account"], now=now(request))
    return _no_store(page)
