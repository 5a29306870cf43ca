"""Definitions and guide: ``GET /guide``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.app import render
from migstat.web.views import guide, templating  # noqa: F401 (template filters)
from migstat.web.views.data import Data

router = APIRouter()
NAV = (50, N_("Definitions and guide"), "/guide")


@router.get("/guide", response_class=HTMLResponse, include_in_schema=False)
def guide_page(request: Request, data: Data) -> HTMLResponse:
    return render(request, "guide.html", guide=guide.build(data))
