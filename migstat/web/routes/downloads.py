"""Downloads of a view or a whole table: ``GET /download/{TABLE}.{format}``.

Formats: ``csv`` (tidy, with labels, flags and the source of every row), ``xlsx`` (the same
with a metadata sheet), ``sdmx.csv`` (SDMX-CSV 1.0 with codes and labels), ``sdmx.xml``
(SDMX-ML 2.1 structure-specific data), ``json-stat.json`` or ``jsonstat`` (JSON-stat 2.0) and
``px`` (PC-Axis). The query parameters are those of a view (:mod:`migstat.web.views`):
dimension ids with ``+``-separated codes, ``start``, ``end``, ``as_of`` and ``lang``, which
also chooses the language of labels, metadata and the PX file.

CSV and XLSX cells that a spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from migstat.formats import output
from migstat.formats.jsonstat.writer import write_jsonstat
from migstat.formats.px.writer import write_px
from migstat.formats.sdmx_csv import write_sdmx_csv
from migstat.formats.sdmxml.writer import Header, write_data
from migstat.i18n import N_, gettext_
from migstat.model import MigstatError, NotFoundError, pick
from migstat.store.records import StoredObservation
from migstat.web import views
from migstat.web.deps import Reader, reader
from migstat.web.sdmx.structures import codelists

router = APIRouter(tags=["Downloads"])

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sdmx.csv": ("application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8", "sdmx.csv"),
    "sdmx.xml": ("application/vnd.sdmx.structurespecificdata+xml; version=2.1", "sdmx.xml"),
    "json-stat.json": ("application/json; charset=utf-8", "json-stat.json"),
    "jsonstat": ("application/json; charset=utf-8", "json-stat.json"),
    "px": ("text/plain; charset=utf-8", "px"),
}
"""Format name in the URL -> media type and the file name's extension."""
MAX_CELLS = 5_000_000
"""The largest cube (product of the codes on every axis) a PX or JSON-stat file may span."""
EXTRA_COLUMNS = ("UNIT_MEASURE", "SOURCE")


def split_name(name: str) -> tuple[str, str]:
    """``S01.sdmx.csv`` -> ``("S01", "sdmx.csv")``; an unknown format is an error."""
    table, _, fmt = name.partition(".")
    if fmt not in FORMATS:
        raise NotFoundError(N_("Unknown download format {format}: use one of {known}."),
                            format=fmt or "-", known=", ".join(FORMATS))
    return table, fmt


@router.get("/download/{name}", summary="Download a view or a whole table")
def download(request: Request, who: Annotated[Reader, Depends(reader)], name: str) -> Response:
    """The view given by the query parameters, in the format named by the file extension."""
    try:
        table_id, fmt = split_name(name)
        view = views.parse_view(who, table_id, request.query_params)
        found = views.read_observations(who, view)
        body = render(who, view, found, fmt)
    except views.TooLargeError as error:
        return PlainTextResponse(error.text(who.lang), status_code=413)
    except NotFoundError as error:
        return PlainTextResponse(error.text(who.lang), status_code=404)
    except MigstatError as error:
        return PlainTextResponse(error.text(who.lang), status_code=400)
    media, extension = FORMATS[fmt]
    file_name = f"{view.table.id}.{extension}"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name)}",
        "Link": f'</sdmx/rest/dataflow/MIGSTAT/{view.table.id}?references=all>; '
                'rel="describedby"'})


def render(who: Reader, view: views.View, found: list[StoredObservation], fmt: str) -> bytes:
    """The bytes of one download of ``found`` (the view's observations)."""
    table, lang = view.table, who.lang
    by_submission = views.source_lines(who, found, table)
    lines = list(dict.fromkeys(by_submission.values()))
    lists = codelists(who.registry)
    if fmt in ("csv", "xlsx"):
        rows, columns = _tidy(who, view, found, by_submission)
        if fmt == "csv":
            return output.write_csv(rows, columns).encode("utf-8")
        buffer = io.BytesIO()
        output.write_xlsx(buffer, rows, columns, table, lang, _metadata(who, view, lines))
        return buffer.getvalue()
    if fmt == "sdmx.csv":
        return write_sdmx_csv(found, table, labels="both", lang=lang,
                              codelists=lists).encode("utf-8")
    if fmt == "sdmx.xml":
        texts = {code: " | ".join(p for p in (f"{table.id}: {table.label(code)}",
                                              pick(table.description, code), *lines) if p)
                 for code in ("en", "ru")}
        return write_data(found, table, header=Header(source=texts)).encode("utf-8")
    _check_cells(view, found, lists)
    updated = views.latest(found)
    if fmt == "px":
        return write_px(found, table, codelists=lists, lang=lang, sources=lines,
                        updated=updated).encode("utf-8")
    return write_jsonstat(found, table, codelists=lists, lang=lang, sources=lines,
                          updated=updated, extension={"selection": dict(view.params())}
                          ).encode("utf-8")


def _check_cells(view: views.View, found: list[StoredObservation], lists: Any) -> None:
    from migstat.formats.sdmx_layout import cube

    cells = cube(found, view.table, lists).n_cells if found else 0
    if cells > MAX_CELLS:
        raise views.TooLargeError(N_("This selection spans {cells} cells, more than a PX or "
                                     "JSON-stat file may hold ({limit}). Choose fewer "
                                     "countries, breakdowns or years, or download CSV."),
                                  cells=cells, limit=MAX_CELLS)


def _tidy(who: Reader, view: views.View, found: list[StoredObservation],
          source_of: dict[int, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Labelled rows with the unit and the source of each row."""
    rows = views.read_rows(who, view, observations=found)
    unit = pick(view.table.unit, who.lang)
    for row in rows:
        row["UNIT_MEASURE"] = unit
        row["SOURCE"] = source_of.get(row["SUBMISSION"], row["DATA_PROVIDER"])
    return rows, [*output.columns(view.table), *EXTRA_COLUMNS]


def _metadata(who: Reader, view: views.View, lines: list[str]) -> dict[str, Any]:
    lang = who.lang
    selection = "; ".join(f"{k}={v}" for k, v in view.params()) or gettext_(
        N_("the whole table"), lang)
    return {
        gettext_(N_("Source"), lang): "\n".join(lines) or "-",
        gettext_(N_("Selection"), lang): selection,
        gettext_(N_("State of the store"), lang): (view.as_of.isoformat() if view.as_of
                                                   else gettext_(N_("latest"), lang)),
        gettext_(N_("Downloaded"), lang): datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        gettext_(N_("Structure"), lang): f"/sdmx/rest/dataflow/MIGSTAT/{view.table.id}"
                                         "?references=all",
    }


__all__ = ["FORMATS", "MAX_CELLS", "render", "router", "split_name"]
