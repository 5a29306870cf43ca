"""The toolkit: ``GET /toolkit/sources``, ``/toolkit/examples``, ``/toolkit/references`` and
the printable toolkit of one audience, ``GET /toolkit/{audience}.pdf`` (English or Russian by
``lang``). Every answer is kept per address, language and data version like the other pages
(:func:`~migstat.web.views.data.cached_page`), the PDF included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from migstat.i18n import N_, gettext_
from migstat.web.app import error_page, render
from migstat.web.views import practice, toolkit, toolkit_pdf
from migstat.web.views.data import Data, cached_page
from migstat.web.views.toolkit_schema import AUDIENCES

router = APIRouter()


def toolkit_page(
    request: Request, data: Data, template: str, **build: Callable[[], Any]
) -> Response:
    """A page of the guide or the toolkit: ``template`` rendered with each of ``build``'s
    parts made, kept per address, language and data version (:func:`cached_page`)."""
    return cached_page(
        request,
        data,
        lambda: render(request, template, **{name: make() for name, make in build.items()}),
    )


@router.get("/toolkit/sources", response_class=HTMLResponse, include_in_schema=False)
def sources_page(request: Request, data: Data) -> Response:
    return toolkit_page(
        request,
        data,
        "toolkit_sources.html",
        sources=lambda: toolkit.source_list(data),
        toolkit_pages=lambda: toolkit.pages(data.lang, "sources"),
    )


@router.get("/toolkit/examples", response_class=HTMLResponse, include_in_schema=False)
def examples_page(request: Request, data: Data) -> Response:
    return toolkit_page(
        request,
        data,
        "toolkit_examples.html",
        examples=lambda: practice.build(data),
        toolkit_pages=lambda: toolkit.pages(data.lang, "examples"),
    )


@router.get("/toolkit/references", response_class=HTMLResponse, include_in_schema=False)
def references_page(request: Request, data: Data) -> Response:
    return toolkit_page(
        request,
        data,
        "toolkit_references.html",
        groups=lambda: toolkit.reference_groups(data.lang),
        toolkit_pages=lambda: toolkit.pages(data.lang, "references"),
    )


@router.get("/toolkit/{audience}.pdf", include_in_schema=False)
def toolkit_pdf_file(request: Request, data: Data, audience: str) -> Response:
    """The printable toolkit of one of the guide's five audiences."""
    wanted = audience.strip().lower()
    if wanted not in AUDIENCES:
        message = gettext_(
            N_("There is no printable toolkit for “{audience}”: choose one of {choices}."),
            data.lang,
            audience=audience,
            choices=", ".join(AUDIENCES),
        )
        return error_page(request, 404, N_("Not found"), message)

    def make() -> Response:
        body = toolkit_pdf.build(data, wanted, str(request.base_url))
        name = f"migstat-toolkit-{wanted}-{data.lang}.pdf"
        return Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return cached_page(request, data, make)
