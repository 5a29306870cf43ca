"""The table explorer page: ``GET /explore?table=S01&REF_AREA=KGZ...``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.app import render
from migstat.web.views import explore
from migstat.web.views.data import Data, cached_page

router = APIRouter()
NAV = (20, N_("Explore tables"), "/explore")


@router.get("/explore", response_class=HTMLResponse, include_in_schema=False)
def explore_page(request: Request, data: Data) -> HTMLResponse:
    table = request.query_params.get("table") or "S01"

    # A parameter that names nothing raises before anything is kept; the app answers it
    # (migstat.web.errors) as a page or as JSON, naming the parameter and the value.
    return cached_page(
        request,
        data,
        lambda: render(
            request, "explore.html", view=explore.build(data, table, request.query_params)
        ),
    )
