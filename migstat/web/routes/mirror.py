"""Portal pages of mirror statistics: the corridor explorer, one corridor over time, a country's
mirror report, and their downloads (CSV, XLSX with a metadata sheet, JSON).

The routes parse the request; :mod:`migstat.web.views.mirror` builds the pages and files from
the request's reader, so every number passes the store's access gate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from migstat.i18n import N_
from migstat.model import MigstatError
from migstat.web.answers import cached_response
from migstat.web.app import render
from migstat.web.deps import Reader, ReaderDep
from migstat.web.views import method_names, mirror
from migstat.web.views.mirror import Download, Harmonisation, Selection

router = APIRouter(prefix="/mirror", tags=["mirror"])
NAV = (60, N_("Mirror statistics"), "/mirror")

SelectionDep = Annotated[Selection, Depends()]
"""The request's selection (basis, sex, age, publishers) from its query string."""


def _error(request: Request, r: Reader, problem: MigstatError) -> Any:
    return render(
        request,
        "mirror_error.html",
        status_code=getattr(problem, "status", 400),
        message=problem.text(r.lang),
    )


def _kept(
    request: Request, r: Reader, build: Callable[[], Response], *, audit: bool = False
) -> Response:
    """``build``'s answer (a page, or the page of its error), kept per principal state by
    :mod:`migstat.web.answers`: these views cost up to a second to compute."""

    def make() -> Response:
        try:
            return build()
        except MigstatError as problem:
            return _error(request, r, problem)

    return cached_response(request, r, make, audit=audit)


def _download(request: Request, r: Reader, build: Callable[[], Response]) -> Response:
    """A download, kept as :func:`_kept` keeps it; a signed-in account's is recorded in the
    audit trail each time it is answered, kept or made."""
    return _kept(request, r, build, audit=True)


def _send(found: Download) -> Response:
    return Response(
        found.body,
        media_type=found.format.media_type,
        headers={"Content-Disposition": f'attachment; filename="{found.file_name}"'},
    )


@router.get("")
def explorer(
    request: Request,
    r: ReaderDep,
    sel: SelectionDep,
    year: int | None = None,
    countries: str | None = None,
    show: str = "ratio",
) -> Any:
    """The corridor explorer: the double-entry matrix of one year as a heat map."""
    return _kept(
        request,
        r,
        lambda: render(
            request,
            "mirror_explorer.html",
            **mirror.explorer(r, sel, year, countries, show),
            duration_sets=method_names.duration_sets(r.lang),
        ),
    )


@router.get("/corridor")
def corridor(
    request: Request,
    r: ReaderDep,
    sel: SelectionDep,
    origin: str = Query(...),
    destination: str = Query(...),
) -> Any:
    """Both sides of one corridor in every year, with the flags of each year."""
    return _kept(
        request,
        r,
        lambda: render(
            request,
            "mirror_corridor.html",
            **mirror.corridor(r, sel, origin.upper(), destination.upper()),
        ),
    )


@router.get("/country/{country}")
def country_report(
    request: Request, r: ReaderDep, sel: SelectionDep, country: str, year: int | None = None
) -> Any:
    """A country's mirror report: its recorded flows against what its partners record."""
    return _kept(
        request,
        r,
        lambda: render(
            request, "mirror_country.html", **mirror.country_report(r, sel, country.upper(), year)
        ),
    )


@router.get("/download/matrix.{fmt}")
def download_matrix(
    request: Request,
    r: ReaderDep,
    sel: SelectionDep,
    fmt: str,
    year: int | None = None,
    countries: str | None = None,
) -> Any:
    """The double-entry matrix of one year (every year if none is given)."""
    return _download(
        request, r, lambda: _send(mirror.matrix_download(r, sel, fmt, year, countries))
    )


@router.get("/download/corridor.{fmt}")
def download_corridor(
    request: Request,
    r: ReaderDep,
    sel: SelectionDep,
    fmt: str,
    origin: str = Query(...),
    destination: str = Query(...),
) -> Any:
    """Both sides of one corridor in every year."""
    return _download(
        request,
        r,
        lambda: _send(mirror.corridor_download(r, sel, fmt, origin.upper(), destination.upper())),
    )


@router.get("/download/country/{country}.{fmt}")
def download_country(
    request: Request,
    r: ReaderDep,
    sel: SelectionDep,
    country: str,
    fmt: str,
    year: int = Query(...),
) -> Any:
    """A country's mirror report of one year, with its totals by year."""
    return _download(
        request, r, lambda: _send(mirror.country_download(r, sel, fmt, country.upper(), year))
    )


@router.get("/download/harmonised.{fmt}")
def download_harmonised(
    request: Request,
    r: ReaderDep,
    sel: SelectionDep,
    fmt: str,
    year: int = Query(...),
    anchor: str = Query(...),
    start: int | None = None,
    end: int | None = None,
    space: str = "log",
    rule: str = "mean",
    bootstrap: int = Query(1000, ge=0, le=5000),
    duration_set: str | None = None,
) -> Any:
    """Harmonised flows of ``year`` with the correction factors (estimated from ``start`` to
    ``end``, default ``year`` alone) and their bootstrap intervals: estimates, computed on
    request, never stored."""
    wanted = Harmonisation(year, anchor, start, end, space, rule, bootstrap, duration_set)
    return _download(request, r, lambda: _send(mirror.harmonised_download(r, sel, fmt, wanted)))


__all__ = ["NAV", "router"]
