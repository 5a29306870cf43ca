"""Errors answered in the client's language and format: an HTML page for a browser, JSON for
an API client, an SDMX error message under ``/sdmx/``.

:func:`install` gives the app its handlers, so a view raises a
:class:`~migstat.model.MigstatError` and the client gets a page or a JSON object naming what
was wrong (for a query parameter: the parameter and the value); an unknown address, a method
not allowed, a parameter FastAPI could not convert, and a body over its limit
(:mod:`migstat.web.guard`) are answered the same way. Nothing falls back silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from migstat.i18n import N_
from migstat.model import MigstatError, NotFoundError
from migstat.store.access import AccessDeniedError
from migstat.web.deps import language
from migstat.web.views.params import BadParameter

ErrorPage = Callable[[Request, int, str, str], Response]
"""Renders the HTML error page: ``(request, status, heading msgid, message) -> response``."""

HEADINGS = {
    400: N_("Cannot show this view"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    413: N_("Too large"),
}
MACHINE_PATHS = ("/api/", "/sdmx/", "/openapi.json")
FILE_PATHS = ("/download/", "/mirror/download/", "/flows.csv")
"""Addresses of files: an error is a page only for a client that asks for HTML."""


class BodyTooLargeError(MigstatError):
    """A request body over its route's limit (see :mod:`migstat.web.guard`)."""

    status = 413


def status_of(error: MigstatError) -> int:
    """The HTTP status of an error: its own, else 403 denied, 404 not found, 400 otherwise."""
    own = getattr(error, "status", None)
    if isinstance(own, int):
        return own
    if isinstance(error, AccessDeniedError):
        return 403
    return 404 if isinstance(error, NotFoundError) else 400


def wants_html(request: Request) -> bool:
    """A browser gets pages: the API paths never do; elsewhere an Accept header that names
    ``text/html`` does, one that names JSON does not, and ``*/*`` gets the page of a route
    that exists (its own errors) but JSON for an address that does not or for a file."""
    path = request.url.path
    if path.startswith(MACHINE_PATHS) or path == "/api":
        return False
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return True
    if "json" in accept or path.startswith(FILE_PATHS):
        return False
    return request.scope.get("endpoint") is not None


def problem(request: Request, error: MigstatError, status: int | None = None) -> Response:
    """The answer to ``error`` in the request's language and the client's format."""
    code = status if status is not None else status_of(error)
    lang = language(request)
    text = error.text(lang)
    if request.url.path.startswith("/sdmx/"):
        from migstat.web.sdmx.errors import NO_RESULTS, SEMANTIC, TOO_LARGE, error_response

        sdmx = {404: NO_RESULTS, 413: TOO_LARGE}.get(code, SEMANTIC)
        return error_response(error, lang, code=sdmx, status=code)
    if wants_html(request):
        page: ErrorPage = request.app.state.error_page
        return page(request, code, HEADINGS.get(code, N_("Cannot show this view")), text)
    body: dict[str, Any] = {"detail": text, "status": code, "lang": lang}
    if isinstance(error, BadParameter):
        body.update(parameter=error.parameter, value=error.value)
    return JSONResponse(body, status_code=code)


def _http_error(exc: StarletteHTTPException, request: Request) -> MigstatError | None:
    if exc.status_code == 404 and exc.detail == "Not Found":
        return NotFoundError(N_("There is no page at {path}."), path=request.url.path)
    if exc.status_code == 405:
        return MigstatError(
            N_("{method} is not allowed at {path}."), method=request.method, path=request.url.path
        )
    return None


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    known = _http_error(exc, request)
    if known is not None:
        response = problem(request, known, exc.status_code)
    elif wants_html(request) and isinstance(exc.detail, str):
        page: ErrorPage = request.app.state.error_page
        response = page(
            request, exc.status_code, HEADINGS.get(exc.status_code, N_("Not found")), exc.detail
        )
    else:
        response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _invalid(exc: RequestValidationError, request: Request) -> BadParameter:
    """The first thing FastAPI could not read, as a :class:`BadParameter`."""
    first = next(iter(exc.errors()), {})
    loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
    name = loc[-1] if loc else "?"
    value = first.get("input")
    kind = str(first.get("type", ""))
    if kind == "missing":
        return BadParameter(name, "", N_("The parameter {parameter} is required."))
    shown = "" if value is None else str(value)[:100]
    if kind.startswith("int"):
        return BadParameter(
            name, shown, N_("The parameter {parameter} must be a whole number, not {value}.")
        )
    return BadParameter(name, shown, N_("The value {value} of the parameter {parameter} is wrong."))


async def _on_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem(request, _invalid(exc, request), 400)


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MigstatError)
    return problem(request, exc)


def install(app: FastAPI, page: ErrorPage) -> None:
    """Answer errors as described above; ``page`` renders the HTML error page."""
    app.state.error_page = page
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_invalid)
    app.add_exception_handler(MigstatError, _on_error)


def too_large(limit: int) -> BodyTooLargeError:
    return BodyTooLargeError(
        N_("The request is larger than this address accepts ({limit} bytes at most)."),
        limit=limit,
    )


__all__ = [
    "BodyTooLargeError",
    "install",
    "problem",
    "status_of",
    "too_large",
    "wants_html",
]
