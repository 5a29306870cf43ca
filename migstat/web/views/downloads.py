"""Downloads of a view or a whole table in every format the portal offers: what
``GET /download/{TABLE}.{format}`` sends (the route is :mod:`migstat.web.routes.downloads`).

A format's media type and file suffix are the registry's
(:data:`migstat.formats.output.OUTPUT_FORMATS`); the writer of each is in :data:`WRITERS`,
and tidy CSV and SDMX-CSV are streamed as they are read (:data:`STREAMS`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from migstat.formats import output
from migstat.formats.jsonstat.writer import write_jsonstat
from migstat.formats.output import DOWNLOAD_FORMATS, OUTPUT_FORMATS, OutputFormat, find_format
from migstat.formats.px.writer import write_px
from migstat.formats.sdmx_csv import write_sdmx_csv
from migstat.formats.sdmxml.writer import Header, write_data
from migstat.i18n import N_, gettext_
from migstat.model import NotFoundError, pick
from migstat.store.records import StoredObservation
from migstat.web import selection
from migstat.web.deps import Reader
from migstat.web.sdmx.structures import codelists, source_texts
from migstat.web.views import download_titles

MAX_CELLS = 5_000_000
"""The largest cube (product of the codes on every axis) a PX or JSON-stat file may span."""
MAX_XLSX_CELLS = int(os.environ.get("MIGSTAT_MAX_XLSX_CELLS", "250000"))
"""The most cells (rows x columns) an XLSX download may hold: a spreadsheet of a whole large
table costs a minute of the server's time and opens slowly anyway; above this, the answer is
413 with the advice to download CSV (streamed) or use the SDMX API."""
EXTRA_COLUMNS = ("UNIT_MEASURE", "SOURCE")


def split_name(name: str) -> tuple[str, OutputFormat]:
    """``S01.sdmx.csv`` -> ``("S01", <the sdmx.csv format>)``; an unknown format is an error."""
    table, _, fmt = name.partition(".")
    found = find_format(fmt, DOWNLOAD_FORMATS)
    if found is None:
        raise NotFoundError(
            N_("Unknown download format {format}: use one of {known}."),
            format=fmt or "-",
            known=", ".join(DOWNLOAD_FORMATS),
        )
    return table, found


@dataclass(frozen=True, slots=True)
class Download:
    """What one download sends: the bytes (or their stream), the format and the table."""

    body: bytes | Iterator[bytes]
    format: OutputFormat
    table_id: str

    @property
    def file_name(self) -> str:
        return self.format.file_name(self.table_id)


def build(who: Reader, name: str, params: Any) -> Download:
    """The download named ``name`` (``TABLE.format``) of the view given by ``params``."""
    table_id, chosen = split_name(name)
    view = selection.parse_view(who, table_id, params)
    labelled = download_titles.wanted(params)
    body: bytes | Iterator[bytes]
    if chosen.name == "csv":
        body = stream_csv(who, view, labelled=labelled)
    elif chosen.name in STREAMS:
        body = STREAMS[chosen.name](who, view)
    elif chosen.name == "xlsx":
        body = render(who, view, _xlsx_observations(who, view), chosen.name, labelled=labelled)
    else:
        body = render(who, view, selection.read_observations(who, view), chosen.name)
    return Download(body, chosen, view.table.id)


def _xlsx_observations(who: Reader, view: selection.View) -> list[StoredObservation]:
    """The view's observations, at most as many as :data:`MAX_XLSX_CELLS` cells hold (the
    reading stops there: a 413 naming the limit and the ways to get more)."""
    columns = len(output.columns(view.table)) + len(EXTRA_COLUMNS)
    rows = max(1, MAX_XLSX_CELLS // columns)
    try:
        return selection.read_observations(who, view, limit=rows)
    except selection.TooLargeError:
        raise selection.TooLargeError(
            N_(
                "This selection holds more than {rows} rows ({cells} cells), more than an "
                "XLSX download may hold. Choose fewer countries, breakdowns or years, or "
                "download the same view as CSV (/download/{table}.csv with the same "
                "parameters) or through the SDMX API (/sdmx/rest/data/{table})."
            ),
            rows=rows,
            cells=MAX_XLSX_CELLS,
            table=view.table.id,
        ) from None


CHUNK = 5000
"""Observations labelled and written at a time when a CSV download is streamed."""


def stream_csv(who: Reader, view: selection.View, *, labelled: bool = False) -> Iterator[bytes]:
    """A tidy CSV written as it is read, so a whole table never sits in memory at once.

    The selection is checked before the first byte (so a bad one is still a clear error);
    the reading itself starts with the first chunk. ``labelled``: the header row has the
    columns' titles in the reader's language (:mod:`.download_titles`), not their codes.
    """
    columns = [*output.columns(view.table), *EXTRA_COLUMNS]
    header = download_titles.titles(view.table, columns, who.lang) if labelled else columns
    records = {r.id: r for r in who.submissions()}
    source_of: dict[int, str] = {}
    return _streamed(
        who,
        view,
        output.write_csv([], header).encode("utf-8"),
        lambda batch: _csv_rows(who, view, batch, columns, records, source_of),
    )


def stream_sdmx_csv(who: Reader, view: selection.View) -> Iterator[bytes]:
    """SDMX-CSV with labels, written as it is read (see :func:`stream_csv`)."""
    lists = codelists(who.registry)

    def rows(batch: list[StoredObservation]) -> bytes:
        text = write_sdmx_csv(batch, view.table, labels="both", lang=who.lang, codelists=lists)
        return text[text.index("\n") + 1 :].encode("utf-8")

    header = write_sdmx_csv([], view.table).encode("utf-8")
    return _streamed(who, view, header, rows)


STREAMS: dict[str, Callable[[Reader, selection.View], Iterator[bytes]]] = {
    "csv": stream_csv,
    "sdmx.csv": stream_sdmx_csv,
}
"""The formats written as they are read, so a large table never sits in memory at once."""


def _streamed(
    who: Reader,
    view: selection.View,
    header: bytes,
    rows: Callable[[list[StoredObservation]], bytes],
) -> Iterator[bytes]:
    """The header, then the rows of every :data:`CHUNK` observations as they are read."""
    yield header
    batch: list[StoredObservation] = []
    for obs in who.observations(view.query(), as_of=view.as_of):
        batch.append(obs)
        if len(batch) >= CHUNK:
            yield rows(batch)
            batch = []
    if batch:
        yield rows(batch)


def _csv_rows(
    who: Reader,
    view: selection.View,
    batch: list[StoredObservation],
    columns: list[str],
    records: dict[int, Any],
    source_of: dict[int, str],
) -> bytes:
    for sid in {o.submission_id for o in batch} - set(source_of):
        record = records.get(sid)
        if record is not None:
            source_of[sid] = selection.source_line(record, view.table.id, who.lang)
    rows, _columns = _tidy(who, view, batch, source_of)
    text = output.write_csv(rows, columns)
    return text[text.index("\n") + 1 :].encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Found:
    """A view's observations with what every writer of a download needs of them."""

    who: Reader
    view: selection.View
    observations: list[StoredObservation]
    by_submission: dict[int, str]
    lines: list[str]
    lists: dict[str, Any]
    labelled: bool = False


def _csv(f: _Found) -> bytes:
    rows, columns = _tidy(f.who, f.view, f.observations, f.by_submission)
    return output.write_csv(rows, columns).encode("utf-8")


def _xlsx(f: _Found) -> bytes:
    rows, columns = _tidy(f.who, f.view, f.observations, f.by_submission)
    buffer = io.BytesIO()
    lang = f.who.lang
    output.write_xlsx(
        buffer,
        rows,
        columns,
        f.view.table,
        lang,
        _metadata(f.who, f.view, f.lines),
        titles=download_titles.titles(f.view.table, columns, lang) if f.labelled else None,
    )
    return buffer.getvalue()


def _sdmx_csv(f: _Found) -> bytes:
    return write_sdmx_csv(
        f.observations, f.view.table, labels="both", lang=f.who.lang, codelists=f.lists
    ).encode("utf-8")


def _sdmx_xml(f: _Found) -> bytes:
    texts = source_texts(f.view.table, f.lines)
    return write_data(f.observations, f.view.table, header=Header(source=texts)).encode("utf-8")


def _px(f: _Found) -> bytes:
    _check_cells(f.view, f.observations, f.lists)
    return write_px(
        f.observations,
        f.view.table,
        codelists=f.lists,
        lang=f.who.lang,
        sources=f.lines,
        updated=selection.latest(f.observations),
    ).encode("utf-8")


def _jsonstat(f: _Found) -> bytes:
    _check_cells(f.view, f.observations, f.lists)
    return write_jsonstat(
        f.observations,
        f.view.table,
        codelists=f.lists,
        lang=f.who.lang,
        sources=f.lines,
        updated=selection.latest(f.observations),
        extension={"selection": dict(f.view.params())},
    ).encode("utf-8")


WRITERS: dict[str, Callable[[_Found], bytes]] = {
    "csv": _csv,
    "xlsx": _xlsx,
    "sdmx.csv": _sdmx_csv,
    "sdmx.xml": _sdmx_xml,
    "px": _px,
    "json-stat.json": _jsonstat,
}
"""The writer of a whole download by the format's name in the registry."""


def render(
    who: Reader,
    view: selection.View,
    found: list[StoredObservation],
    fmt: str,
    *,
    labelled: bool = False,
) -> bytes:
    """The bytes of one download of ``found`` (the view's observations) as ``fmt``; the tidy
    formats with their columns' titles in the reader's language when ``labelled``."""
    by_submission = selection.source_lines(who, found, view.table)
    return WRITERS[OUTPUT_FORMATS[fmt].name](
        _Found(
            who,
            view,
            found,
            by_submission,
            list(dict.fromkeys(by_submission.values())),
            codelists(who.registry),
            labelled,
        )
    )


def _check_cells(view: selection.View, found: list[StoredObservation], lists: Any) -> None:
    from migstat.formats.sdmx_layout import cube

    cells = cube(found, view.table, lists).n_cells if found else 0
    if cells > MAX_CELLS:
        raise selection.TooLargeError(
            N_(
                "This selection spans {cells} cells, more than a PX or "
                "JSON-stat file may hold ({limit}). Choose fewer "
                "countries, breakdowns or years, or download CSV."
            ),
            cells=cells,
            limit=MAX_CELLS,
        )


def _tidy(
    who: Reader, view: selection.View, found: list[StoredObservation], source_of: dict[int, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Labelled rows with the unit and the source of each row."""
    rows = selection.read_rows(who, view, observations=found)
    unit = pick(view.table.unit, who.lang)
    for row in rows:
        row["UNIT_MEASURE"] = unit
        row["SOURCE"] = source_of.get(row["SUBMISSION"], row["DATA_PROVIDER"])
    return rows, [*output.columns(view.table), *EXTRA_COLUMNS]


def _metadata(who: Reader, view: selection.View, lines: list[str]) -> dict[str, Any]:
    lang = who.lang
    chosen = "; ".join(f"{k}={v}" for k, v in view.params()) or gettext_(
        N_("the whole table"), lang
    )
    return {
        gettext_(N_("Source"), lang): "\n".join(lines) or "-",
        gettext_(N_("Selection"), lang): chosen,
        gettext_(N_("State of the store"), lang): (
            view.as_of.isoformat() if view.as_of else gettext_(N_("latest"), lang)
        ),
        gettext_(N_("Downloaded"), lang): datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        gettext_(N_("Structure"), lang): f"/sdmx/rest/dataflow/MIGSTAT/{view.table.id}"
        "?references=all",
    }


__all__ = ["MAX_CELLS", "MAX_XLSX_CELLS", "Download", "build", "render", "split_name"]
