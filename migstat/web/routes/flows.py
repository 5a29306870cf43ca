"""The flows-from-stocks page: ``GET /flows`` (the store's stocks), ``POST /flows`` (two
uploaded tables) and ``GET /flows.csv`` (the store estimate as a file)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from migstat.formats.output import OUTPUT_FORMATS
from migstat.i18n import N_
from migstat.web.app import render
from migstat.web.deps import record_download
from migstat.web.guard import UPLOAD_LIMIT
from migstat.web.views import flows
from migstat.web.views.data import Data, cached_page

router = APIRouter()
NAV = (45, N_("Flows from stocks"), "/flows")
UPLOADS = ("start_file", "end_file", "bd_file")
BODY_LIMITS = {"/flows": UPLOAD_LIMIT}
"""The form with its three tables is refused above this, before it is parsed."""


@router.get("/flows", response_class=HTMLResponse, include_in_schema=False)
def flows_page(request: Request, data: Data) -> HTMLResponse:
    # the estimate from the store's stocks: the same for everyone who sees the same store
    # (an upload, POST, is never kept)
    return cached_page(
        request,
        data,
        lambda: render(request, "flows.html", view=flows.store_view(data, request.query_params)),
    )


@router.post("/flows", response_class=HTMLResponse, include_in_schema=False)
async def flows_upload(request: Request, data: Data) -> HTMLResponse:
    form = await request.form()
    files: dict[str, tuple[str, bytes] | None] = {}
    for name in UPLOADS:
        item = form.get(name)
        if item is None or isinstance(item, str) or not item.filename:
            files[name] = None
            continue
        # one byte more than a table may hold: the page then says the file is too large
        files[name] = (Path(item.filename).name, await item.read(flows.MAX_FILE_BYTES + 1))
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    view = flows.upload_view(data, files, params)
    return render(request, "flows.html", status_code=200 if view.estimate else 400, view=view)


@router.get("/flows.csv", include_in_schema=False)
def flows_download(request: Request, data: Data) -> Response:
    found = flows.flows_csv(data, request.query_params)
    if found is None:
        return Response(
            data.reader.t(N_("No estimate for these years.")),
            status_code=404,
            media_type="text/plain; charset=utf-8",
        )
    text, name = found
    record_download(request, data.reader.principal)
    return Response(
        text,
        media_type=OUTPUT_FORMATS["csv"].media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
