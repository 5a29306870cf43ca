"""Country profiles: ``GET /country`` (the list) and ``GET /country/{code}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from migstat.i18n import N_
from migstat.model.findings import NotFoundError
from migstat.web.app import render
from migstat.web.views import availability_rounds, country
from migstat.web.views.data import REGION, Data, cached_page

router = APIRouter()
NAV = (30, N_("Countries"), "/country")


@router.get("/country", response_class=HTMLResponse, include_in_schema=False)
def countries_page(request: Request, data: Data) -> HTMLResponse:
    with_data = sorted(
        {s.ref_area for s in data.coverage() if data.registry.areas.get(s.ref_area) is not None},
        key=lambda c: (c not in REGION, data.area_label(c)),
    )
    national = {s.ref_area for s in data.coverage() if data.is_national(s.provider)}
    return cached_page(
        request,
        data,
        lambda: render(
            request,
            "countries.html",
            countries=[(c, data.area_label(c), c in national) for c in with_data],
        ),
    )


@router.get("/country/{code}", response_class=HTMLResponse, include_in_schema=False)
def country_page(request: Request, code: str, data: Data) -> HTMLResponse:
    try:
        resolved = data.country_code(code)
    except NotFoundError as exc:
        return render(request, "error.html", status_code=404, message=exc.text(data.lang))
    if resolved != code:
        return RedirectResponse(f"/country/{resolved}?{request.query_params}")  # type: ignore[return-value]
    # kept as every principal state's page: the rounds the country's own accounts and the
    # coordinator see on it change with writes (which move the visibility version) and with the
    # UTC date (a deadline passed makes a table late), both in the key
    return cached_page(
        request,
        data,
        lambda: render(
            request,
            "country.html",
            profile=country.build(data, resolved),
            in_rounds=availability_rounds.profile_rounds(data, resolved),
        ),
    )
