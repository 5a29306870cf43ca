"""The start page: ``GET /`` (search with ``?q=``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.i18n import N_
from migstat.web.app import render
from migstat.web.views import home
from migstat.web.views.data import REGION, Data, cached_page, warm_at_start

router = APIRouter(lifespan=warm_at_start)  # the costly views are computed as the app starts
NAV = (10, N_("Home"), "/")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home_page(request: Request, data: Data) -> HTMLResponse:
    query = request.query_params.get("q", "")
    region = [(code, data.area_label(code)) for code in REGION]

    def page() -> HTMLResponse:
        return render(
            request,
            "home.html",
            q=query,
            hits=home.search(data, query),
            releases=home.latest_releases(data),
            overview=home.overview(data),
            region=region,
            tables=[(t.id, t.label(data.lang), t.kind) for t in data.tables()],
        )

    # A search is quick and its addresses are endless: only the plain start page is kept.
    return page() if query else cached_page(request, data, page)
