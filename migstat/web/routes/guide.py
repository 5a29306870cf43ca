"""Definitions and guide: ``GET /guide``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.routes.toolkit import toolkit_page
from migstat.web.views import guide, toolkit
from migstat.web.views.data import Data

router = APIRouter()
NAV = (50, N_("Definitions and guide"), "/guide")


@router.get("/guide", response_class=HTMLResponse, include_in_schema=False)
def guide_page(request: Request, data: Data) -> HTMLResponse:
    return toolkit_page(
        request,
        data,
        "guide.html",
        guide=lambda: guide.build(data),
        toolkit_pages=lambda: toolkit.pages(data.lang),
        toolkit_pdfs=lambda: toolkit.pdf_links(data.lang),
    )
