"""SDMX errors: an SDMX-ML 2.1 error message with an SDMX error code and an HTTP status.

Codes follow the SDMX RESTful web services guidelines: 100 no results (404), 140 syntax error
(400), 150 semantic error (400 here, so that a request that makes no sense is not taken for a
forbidden one), 406 not acceptable (a format we do not write), 510 response too large (413).
The text is in the reader's language (``lang``, then Accept-Language).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from migstat.formats.sdmxml.writer import write_error
from migstat.model import MigstatError

NO_RESULTS = 100
SYNTAX = 140
SEMANTIC = 150
NOT_ACCEPTABLE = 406
TOO_LARGE = 510
NOT_IMPLEMENTED = 501

HTTP_STATUS = {
    NO_RESULTS: 404,
    SYNTAX: 400,
    SEMANTIC: 400,
    NOT_ACCEPTABLE: 406,
    TOO_LARGE: 413,
    NOT_IMPLEMENTED: 501,
}


class SdmxError(MigstatError):
    """A request the SDMX API answers with an error message."""

    def __init__(self, sdmx_code: int, message: str, /, **params: Any) -> None:
        self.code = sdmx_code
        super().__init__(message, **params)

    @property
    def status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)


def error_response(
    error: MigstatError, lang: str, *, code: int | None = None, status: int | None = None
) -> Response:
    """The SDMX-ML error message answering ``error``."""
    sdmx_code = code if code is not None else getattr(error, "code", SYNTAX)
    http = status if status is not None else HTTP_STATUS.get(sdmx_code, 400)
    body = write_error(sdmx_code, [(lang, error.text(lang))])
    return Response(body, status_code=http, media_type="application/xml")


__all__ = [
    "HTTP_STATUS",
    "NOT_ACCEPTABLE",
    "NOT_IMPLEMENTED",
    "NO_RESULTS",
    "SEMANTIC",
    "SYNTAX",
    "TOO_LARGE",
    "SdmxError",
    "error_response",
]
