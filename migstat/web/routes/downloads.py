"""Downloads of a view or a whole table: ``GET /download/{TABLE}.{format}``.

Formats: ``csv`` (tidy, with labels, flags and the source of every row), ``xlsx`` (the same
with a metadata sheet), ``sdmx.csv`` (SDMX-CSV 1.0 with codes and labels), ``sdmx.xml``
(SDMX-ML 2.1 structure-specific data), ``json-stat.json`` or ``jsonstat`` (JSON-stat 2.0) and
``px`` (PC-Axis). The query parameters are those of a view (:mod:`migstat.web.selection`):
dimension ids with ``+``-separated codes, ``start``, ``end``, ``as_of`` and ``lang``, which
also chooses the language of labels, metadata and the PX file.

CSV and XLSX cells that a spreadsheet would run as formulas are neutralised. The files are
made by :mod:`migstat.web.views.downloads`.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from migstat.web import selection
from migstat.web.answers import Stream, cached_response
from migstat.web.deps import ReaderDep
from migstat.web.errors import problem
from migstat.web.views import downloads

router = APIRouter(tags=["Downloads"])


@router.get("/download/{name}", summary="Download a view or a whole table")
def download(request: Request, who: ReaderDep, name: str) -> Response:
    """The view given by the query parameters, in the format named by the file extension.

    Answers are kept by :mod:`migstat.web.answers` (per principal state); an XLSX file above
    :data:`~migstat.web.views.downloads.MAX_XLSX_CELLS` cells, like any selection above the
    limits, is refused with 413 and the advice to download CSV or use the SDMX API. A signed-in
    account's download is recorded in the audit trail."""
    return cached_response(
        request,
        who,
        lambda: _made(request, who, name),
        request.headers.get("accept", ""),
        audit=True,
    )


def _made(request: Request, who: ReaderDep, name: str) -> Response | Stream:
    try:
        found = downloads.build(who, name, request.query_params)
    except selection.TooLargeError as error:
        return problem(request, error, 413)
    # any other error of the request: a page for a browser, JSON otherwise (migstat.web.errors)
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.file_name)}",
        "Link": f'</sdmx/rest/dataflow/MIGSTAT/{found.table_id}?references=all>; rel="describedby"',
    }
    media = found.format.media_type
    if isinstance(found.body, bytes):
        return Response(found.body, media_type=media, headers=headers)
    return Stream(found.body, media, headers)


__all__ = ["router"]
