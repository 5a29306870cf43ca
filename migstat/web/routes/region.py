"""A region's page: ``GET /region/M49_143`` (Central Asia; any group of the code list's
regional hierarchy, in any case)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.web.app import render
from migstat.web.views import region
from migstat.web.views.data import Data, cached_page

router = APIRouter()


@router.get("/region/{code}", response_class=HTMLResponse, include_in_schema=False)
def region_page(request: Request, code: str, data: Data) -> HTMLResponse:
    # an unknown code raises before anything is kept (the app answers it as a page)
    return cached_page(
        request, data, lambda: render(request, "region.html", view=region.build(data, code))
    )
