"""The explorer's table as shown: ``GET /explore/shown.csv?table=F01&...`` (the same
parameters as the page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from migstat.web.views import explore, shown
from migstat.web.views.data import Data, cached_page

router = APIRouter()


@router.get("/explore/shown.csv", include_in_schema=False)
def shown_download(request: Request, data: Data) -> Response:
    """Kept like the page it comes from (:func:`.data.cached_page`); a signed-in account's
    download is recorded in the audit trail."""
    return cached_page(request, data, lambda: _shown(request, data), audit=True)


def _shown(request: Request, data: Data) -> Response:
    table = request.query_params.get("table") or "S01"
    view = explore.build(data, table, request.query_params)
    text = shown.shown_csv(shown.shown_rows(view, data.lang))
    years = f"_{view.start}" if view.start is not None else ""
    years += f"-{view.end}" if view.end is not None and view.end != view.start else ""
    name = f"{view.table.id}{years}_{data.lang}_as_shown.csv"
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
