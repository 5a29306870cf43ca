"""Data availability: ``GET /availability`` (country x table x year, with scores)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.app import render
from migstat.web.views import availability, templating  # noqa: F401 (template filters)
from migstat.web.views.data import Data

router = APIRouter()
NAV = (40, N_("Data availability"), "/availability")


@router.get("/availability", response_class=HTMLResponse, include_in_schema=False)
def availability_page(request: Request, data: Data) -> HTMLResponse:
    return render(request, "availability.html",
                  view=availability.build(data, request.query_params))
