"""Definitions and guide: ``GET /guide``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.app import render
from migstat.web.views import guide, toolkit
from migstat.web.views.data import Data, cached_page

router = APIRouter()
NAV = (50, N_("Definitions and guide"), "/guide")


@router.get("/guide", response_class=HTMLResponse, include_in_schema=False)
def guide_page(request: Request, data: Data) -> HTMLResponse:
    return cached_page(
        request,
        data,
        lambda: render(
            request,
            "guide.html",
            guide=guide.build(data),
            toolkit_pages=toolkit.pages(data.lang),
            toolkit_pdfs=toolkit.pdf_links(data.lang),
        ),
    )
