"""Data availability: ``GET /availability`` (country x table x year, with scores)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.app import render
from migstat.web.views import availability
from migstat.web.views.data import Data, cached_page

router = APIRouter()
NAV = (40, N_("Data availability"), "/availability")


@router.get("/availability", response_class=HTMLResponse, include_in_schema=False)
def availability_page(request: Request, data: Data) -> HTMLResponse:
    if request.query_params.get("round"):  # a round's board changes with the clock
        return render(
            request, "availability.html", view=availability.build(data, request.query_params)
        )
    return cached_page(
        request,
        data,
        lambda: render(
            request, "availability.html", view=availability.build(data, request.query_params)
        ),
    )
