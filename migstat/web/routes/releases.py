"""The release calendar: ``GET /releases`` (dates and table names, no values)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.answers import cached_response
from migstat.web.app import render
from migstat.web.deps import ReaderDep
from migstat.web.views import releases

router = APIRouter()
NAV = (47, N_("Release calendar"), "/releases")


@router.get("/releases", response_class=HTMLResponse, include_in_schema=False)
def releases_page(request: Request, who: ReaderDep) -> HTMLResponse:
    # kept per principal state, which counts releases and ended embargoes: a new release or
    # an embargo's end makes a new key at once; the clock shown is at most a TTL old
    return cached_response(
        request, who, lambda: render(request, "releases.html", view=releases.build(who))
    )
