"""The table explorer page: ``GET /explore?table=S01&REF_AREA=KGZ...``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.model.findings import MigstatError, NotFoundError
from migstat.web.app import render
from migstat.web.views import explore
from migstat.web.views.data import Data, cached_page

router = APIRouter()
NAV = (20, N_("Explore tables"), "/explore")


@router.get("/explore", response_class=HTMLResponse, include_in_schema=False)
def explore_page(request: Request, data: Data) -> HTMLResponse:
    table = request.query_params.get("table") or "S01"

    def page() -> HTMLResponse:
        try:
            view = explore.build(data, table, request.query_params)
        except MigstatError as exc:
            missing = isinstance(exc, NotFoundError)
            return render(
                request,
                "error.html",
                status_code=404 if missing else 400,
                message=exc.text(data.lang),
                heading=N_("Not found") if missing else N_("Cannot show this view"),
            )
        return render(request, "explore.html", view=view)

    return cached_page(request, data, page)
