"""The table explorer page: ``GET /explore?table=S01&REF_AREA=KGZ...``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.model.findings import NotFoundError
from migstat.web.app import render
from migstat.web.views import explore, templating  # noqa: F401 (template filters)
from migstat.web.views.data import Data

router = APIRouter()
NAV = (20, N_("Explore tables"), "/explore")


@router.get("/explore", response_class=HTMLResponse, include_in_schema=False)
def explore_page(request: Request, data: Data) -> HTMLResponse:
    table = request.query_params.get("table") or "S01"
    try:
        view = explore.build(data, table, request.query_params)
    except NotFoundError as exc:
        return render(request, "error.html", status_code=404, message=exc.text(data.lang))
    return render(request, "explore.html", view=view)
