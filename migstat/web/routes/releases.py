"""The release calendar: ``GET /releases`` (dates and table names, no values), and the
coordinator's release form: ``POST /releases`` releases one or several accepted submissions
to partners or to the public, with an optional embargo time (UTC), or withdraws their release
(``to=withdraw``), whole or the tables ticked of each (``GET /releases?choose=12,13`` lists
them), through :mod:`migstat.exchange.release` (one transaction, one audit
record). Anyone else is refused with a 403 and an audit record; the form needs the session's
CSRF token.

``GET /releases?as_of=YYYY-MM-DD`` (or a UTC time) is the release history: every release
state as it stood then, withdrawn ones included, with who outside the country could read the
data: for the coordinator every country's, for a reporter or approver its own; anyone else
is refused (403 and an audit record; 401 to the public). Nothing is deleted, so every earlier
state stays readable to them; a withdrawal takes the data away from partners and the public,
``as_of`` included.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from migstat.api import parse_as_of
from migstat.i18n import N_
from migstat.model.findings import MigstatError
from migstat.store.access import AccessDeniedError
from migstat.web import auth
from migstat.web.answers import cached_response
from migstat.web.app import forbidden, render
from migstat.web.deps import (
    Reader,
    ReaderDep,
    client_address,
    csrf_token,
    language,
    refuse,
    require_signed_in,
    writer,
)
from migstat.web.routes.release_states import SIGN_IN
from migstat.web.views import release_forms, releases

router = APIRouter()
NAV = (47, N_("Release calendar"), "/releases")


@router.get("/releases", response_class=HTMLResponse, include_in_schema=False)
def releases_page(request: Request, who: ReaderDep) -> HTMLResponse:
    if "as_of" in request.query_params:
        return _history_page(request, who)
    if not who.principal.is_coordinator:
        # kept per principal state, which counts releases and ended embargoes: a new release
        # or an embargo's end makes a new key at once; the page shows the time to the minute,
        # so the minute is part of the key. The coordinator's page carries the session's CSRF
        # token, so it is never kept.
        return cached_response(
            request,
            who,
            lambda: render(request, "releases.html", view=releases.build(who)),
            f"{who.store.policy.now():%Y-%m-%d %H:%M}",
        )
    return _coordinator_page(request, who)


def _history_page(request: Request, who: Reader) -> HTMLResponse:
    """The release states at ``as_of`` for those entitled (never kept: it is theirs only)."""
    require_signed_in(request, who.principal, SIGN_IN)
    text = request.query_params.get("as_of", "")[:40]
    try:
        when = parse_as_of(text) or who.store.policy.now()
        rows = releases.history(who, when)
    except AccessDeniedError as exc:
        raise refuse(request, who.principal, exc) from None
    page = render(
        request,
        "releases.html",
        view=releases.build(who),
        history=rows,
        as_of=f"{when:%Y-%m-%d %H:%M:%S}",
    )
    page.headers["Cache-Control"] = "no-store"
    return page


def _coordinator_page(request: Request, who: Reader) -> HTMLResponse:
    """The calendar with the release form; ``?choose=12,13`` lists those submissions' tables
    to tick (a bad list is the page again with the error)."""
    extra: dict[str, Any] = {}
    choose = request.query_params.get("choose", "")[: release_forms.MAX_FIELD].strip()
    if choose:
        try:
            extra["chosen"] = release_forms.choices(who.store, choose, who.principal)
        except MigstatError as exc:
            extra["error"] = exc.text(who.lang)
    page = render(
        request,
        "releases.html",
        status_code=400 if "error" in extra else 200,
        view=releases.build(who),
        can_release=True,
        csrf=csrf_token(request),
        **extra,
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/releases", include_in_schema=False)
async def release_post(request: Request) -> Response:
    form = await request.form()
    try:
        who = writer(request, release_forms.field(form, auth.CSRF_FIELD), "check_release")
    except AccessDeniedError as exc:
        return forbidden(request, exc.text(language(request)))
    by = {
        "by": who.principal.user_id or "-",
        "client": client_address(request),
        "who": who.principal,
    }
    try:
        ids = await run_in_threadpool(release_forms.release_from, who.store, form, **by)
    except MigstatError as exc:
        return render(
            request,
            "error.html",
            status_code=getattr(exc, "status", None) or 400,
            heading=N_("Not released"),
            message=exc.text(who.lang),
        )
    back = release_forms.field(form, "back")
    target = f"/submissions/{ids[0]}" if back == "submission" else "/releases"
    return RedirectResponse(f"{target}?lang={who.lang}", status_code=303)
