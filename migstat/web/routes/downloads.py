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
from fastapi.responses import Response, StreamingResponse

from migstat.web import selection
from migstat.web.deps import ReaderDep
from migstat.web.errors import problem
from migstat.web.views import downloads

router = APIRouter(tags=["Downloads"])


@router.get("/download/{name}", summary="Download a view or a whole table")
def download(request: Request, who: ReaderDep, name: str) -> Response:
    """The view given by the query parameters, in the format named by the file extension."""
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
    return StreamingResponse(found.body, media_type=media, headers=headers)


__all__ = ["router"]
