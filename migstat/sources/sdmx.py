"""SDMX data of any agency: SDMX-ML data messages and SDMX-CSV files.

The dataflow (or data structure) a file names decides the table: a Eurostat dataset that
migstat maps to its own tables (:data:`migstat.sources.eurostat.DATASETS`), or a table made
from the data structure (``<AGENCY>_<ID>``, see :mod:`migstat.formats.sdmxml.structure`), or
the table named with the ``table`` option. Codes of agency ``ESTAT`` get Eurostat's quirks
(``EL``/``UK`` areas, aggregates, flags in ``OBS_FLAG``); other agencies' areas go through the
AREA code list (alpha-2, alpha-3, M49) and their ``OBS_STATUS`` is kept as published.

SDMX-ML data are streamed with lxml (:mod:`migstat.formats.sdmxml.reader`): the sdmx1 library
builds its full information model first and took about five times as long on the message of
``bench/bench_eurostat.py`` (32,000 observations), and it needs the data structure in hand for
structure-specific messages. SDMX-CSV files of migstat's own tables (agency ``MIGSTAT``) are
read by :mod:`migstat.formats.sdmx_csv`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import column_id
from migstat.formats.limits import check_whole
from migstat.formats.notation import read_number
from migstat.formats.own_read import is_own_sdmxml, read_own_sdmxml
from migstat.formats.sdmx_csv import read_sdmx_csv
from migstat.formats.sdmxml.reader import DataStream, Record, is_data_message, read_data
from migstat.formats.sdmxml.structure import AREA_DIMENSIONS
from migstat.formats.text import WESTERN
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources import oecd
from migstat.sources.coded import (
    Agency,
    StatusReader,
    add_metadata,
    mappers,
    new_dataset,
    sdmx_status,
)
from migstat.sources.coded_stream import (
    HOLD,
    CodedStream,
    Columns,
    Ending,
    Options,
    collected,
    csv_records,
    csv_rows,
    not_blank,
    once_then,
    one_batch,
)
from migstat.sources.coded_stream import Record as Coded
from migstat.sources.common import Reopened, file_sha256, header_fields, paused_gc
from migstat.sources.eurostat import AGENCY as ESTAT
from migstat.sources.eurostat import flag_status

NAME = "sdmx"
PROVIDER = "SDMX"
NOT_AVAILABLE = frozenset({"", "NaN", ":", "NA"})


_REF = re.compile(r"^(?:(?P<agency>[^:()]+):)?(?P<id>[^:()]+?)(?:\((?P<version>[^)]*)\))?$")


def _flow_of(text: str) -> tuple[str, str]:
    """The agency and dataset of a dataflow reference, as agencies write it:
    ``ESTAT:MIGR_RESFIRST(1.0)`` → ``("ESTAT", "MIGR_RESFIRST")``; a Eurostat view
    ``ESTAT:MIGR_EIPRE$DEFAULTVIEW(1.0)`` → ``("ESTAT", "MIGR_EIPRE")``; the OECD's
    ``OECD.ELS.IMD:DSD_MIG@DF_MIG(1.0)`` (data structure ``@`` dataflow) →
    ``("OECD.ELS.IMD", "DSD_MIG")``; a label after ``": "`` is dropped."""
    cleaned = text.strip().split(": ", 1)[0].strip()
    match = _REF.match(cleaned)
    if not match:
        return "", cleaned.upper()
    dataset = match["id"].strip().split("$", 1)[0].split("@", 1)[0]
    return (match["agency"] or "").strip().upper(), dataset.upper()


def sniff(path: Path, head: bytes) -> bool:
    """An SDMX-ML data message, or SDMX-CSV of another agency than migstat."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return is_data_message(head)
    fields = [column_id(f) for f in header_fields(head, legacy=WESTERN)]
    return (
        bool(fields)
        and (fields[0] == "DATAFLOW" or fields[:2] == ["STRUCTURE", "STRUCTURE_ID"])
        and "OBS_VALUE" in fields
    )


def read(path: Path, *, registry: Registry, **options: Any) -> Dataset:
    """An SDMX-ML data message or an SDMX-CSV file, whole (the options are :func:`stream`'s)."""
    with paused_gc():
        return collected(*stream(path, registry=registry, **options, whole=True))


def stream(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    whole: bool = False,
    **_: Any,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    """An SDMX-ML data message or an SDMX-CSV file as a stream: the dataset, and its
    observations in batches read as they are asked for (SDMX-CSV of migstat's own tables is
    read whole, as one batch). The dataset is complete once the last batch is read.

    Options: ``table`` (the table to fill when the dataflow has none of its own),
    ``edition``, ``allow_unmatched``, ``whole``
    (:func:`read`'s: hold every observation to the end, the file read once); others are ignored."""
    return _open(
        Path(path), Options(registry, allow_unmatched, edition, table), hold=None if whole else HOLD
    )


def _open(
    path: Path, options: Options, *, hold: int | None
) -> tuple[Dataset, Iterator[list[Observation]]]:
    with path.open("rb") as handle:
        head = handle.read(64)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        coded: CodedStream | Dataset = sdmxml_stream(path, options)
    else:
        coded = csv_stream(path, options)
    if isinstance(coded, Dataset):
        return one_batch(coded)
    coded.hold = hold
    return coded.dataset, coded.batches()


def _area_and_time(columns: set[str], file_name: str) -> tuple[str, str]:
    area = next((a for a in AREA_DIMENSIONS if a in columns), None)
    time = next((t for t in ("TIME_PERIOD", "TIME") if t in columns), None)
    if area is None or time is None:
        raise InputError(
            N_(
                "The data have no reporting-country dimension (one of {expected}) "
                "or no TIME_PERIOD; they have: {found}."
            ),
            where=Location(file=file_name),
            expected="REF_AREA, GEO, COUNTRY",
            found=", ".join(sorted(columns)),
        )
    return area, time


def _status_for(columns: set[str]) -> StatusReader:
    """Eurostat's flags where the data carry ``OBS_FLAG``, else SDMX ``OBS_STATUS`` codes."""
    return flag_status if "OBS_FLAG" in columns else sdmx_status


def agency_of(code: str) -> Agency:
    """The agency behind data: Eurostat (``ESTAT``) and the OECD with their quirks, any
    other as it publishes (``code`` may be empty when a file does not say)."""
    if code == ESTAT.id:
        return ESTAT
    if code in oecd.ALIASES:
        return oecd.AGENCY
    return Agency(code, mapped=ESTAT.mapped + oecd.AGENCY.mapped)


def sdmxml_stream(path: Path, options: Options) -> CodedStream | Dataset:
    """An SDMX-ML data message (generic or structure-specific, 2.1 or 3.0); a message of
    migstat's own tables whole, as a dataset (precision and all)."""
    file_name = path.name
    message = DataStream(path, file_name)
    columns: set[str] = set()
    for record in message.ahead(COLUMNS_FROM):
        columns.update(k.upper() for k in record.values)
    columns -= {"OBS_VALUE"}
    header = message.header
    if is_own_sdmxml(message):  # a table of migstat's, precision and all
        whole = read_data(path.read_bytes(), file_name)
        own = read_own_sdmxml(whole, registry=options.registry)
        add_metadata(own, None, f"{whole.header.structure}, SDMX-ML {whole.kind}")
        return own
    ref = header.structure
    agency = (ref.agency or header.sender or PROVIDER).upper()
    if agency in ("ESTSAT", "EUROSTAT"):  # the sender ids Eurostat's own examples use
        agency = ESTAT.id
    flow = (ref.id or header.dataset_id or options.table or "").upper()
    area, time = _area_and_time(columns, file_name)
    quirks = agency_of(agency)
    pairs, known = mappers(
        options.registry,
        flow,
        file_name,
        columns - {area, time},
        agency=quirks,
        area=area,
        time=time,
        table=options.table,
        status=_status_for(columns),
    )
    flag_id = "OBS_FLAG" if "OBS_FLAG" in columns else "OBS_STATUS"
    out = new_dataset(
        file_name=file_name,
        fmt="sdmx_ml",
        sha256=file_sha256(path),
        provider=agency,
        publisher=quirks.publisher or agency,
        dataset_code=flow,
        title=known.title if known else None,
        edition=options.edition or (header.prepared or "")[:10] or None,
        url=quirks.url,
        licence=quirks.licence,
    )
    if out.provenance is not None:
        out.provenance.notes = (
            f"{out.provenance.notes}; SDMX-ML {message.kind} {header.id or ''}, structure {ref}"
        ).strip()
    note = f"{agency} {flow.lower()}, SDMX-ML {message.kind}"
    return CodedStream(
        out,
        pairs,
        once_then(
            lambda: _ml_records(message.records(), file_name, flag_id),
            lambda: _ml_records(DataStream(path, file_name).records(), file_name, flag_id),
        ),
        frozenset({"TOTAL", "_T"}),
        options.allow_unmatched,
        Ending(known, lambda: note),
    )


COLUMNS_FROM = 1000
"""Observations of an SDMX-ML message whose ids tell its dimensions."""


def _ml_records(records: Iterable[Record], file_name: str, flag_id: str) -> Iterator[Coded]:
    for record in records:
        values = {k.upper(): v for k, v in record.values.items()}
        where = Location(file=file_name, line=record.line)
        text = values.get("OBS_VALUE")
        value = (
            None
            if text is None or text.strip() in NOT_AVAILABLE
            else read_number(text, decimal=".")
        )
        if value is None and text is not None and text.strip() not in NOT_AVAILABLE:
            raise InputError(N_("OBS_VALUE {value} is not a number."), where=where, value=text)
        yield values, value, values.get(flag_id), where


_NOT_DIMENSIONS = frozenset(
    {
        "DATAFLOW",
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        "OBS_VALUE",
        "OBS_FLAG",
        "OBS_STATUS",
        "CONF_STATUS",
        "LAST UPDATE",
        "LAST_UPDATE",
        "UPDATED",
        "UNIT_MULT",
        "DECIMALS",
        "OBS_COMMENT",
    }
)


def csv_stream(path: Path, options: Options) -> CodedStream | Dataset:
    """SDMX-CSV 1.0 (``DATAFLOW``) or 2.0 (``STRUCTURE``, ``STRUCTURE_ID``, ``ACTION``); a
    file of migstat's own tables (agency ``MIGSTAT``) whole, as a dataset."""
    file_name = path.name
    text = Reopened(path, WESTERN)
    reader = csv_rows(text)
    where0 = Location(file=file_name, line=1)
    header = [column_id(h) for h in next(reader, [])]
    flow_at = (
        header.index("STRUCTURE_ID")
        if "STRUCTURE_ID" in header
        else (header.index("DATAFLOW") if "DATAFLOW" in header else None)
    )
    if flow_at is None or "OBS_VALUE" not in header:
        raise InputError(
            N_(
                "The file is not SDMX-CSV: its first line has no DATAFLOW or "
                "STRUCTURE_ID and OBS_VALUE columns (it has: {found})."
            ),
            where=where0,
            found=", ".join(header),
        )
    rows = not_blank(reader)
    top = next(rows, None)
    if top is None:
        raise InputError(N_("The file has a header but no data rows."), where=where0)
    first_row = top[1]
    agency, flow = _flow_of(first_row[flow_at] if flow_at < len(first_row) else "")
    if agency == "MIGSTAT":
        check_whole(path, "own")  # migstat's own SDMX-CSV is read whole, as a submission is
        return read_sdmx_csv(path.read_bytes(), file_name=file_name, registry=options.registry)
    layout = _CsvLayout.of(header, file_name)
    area, time = _area_and_time(layout.columns, file_name)
    quirks = agency_of(agency)
    pairs, known = mappers(
        options.registry,
        flow,
        file_name,
        layout.columns - {area, time},
        agency=quirks,
        area=area,
        time=time,
        table=options.table,
        status=_status_for(set(header)),
    )
    out = new_dataset(
        file_name=file_name,
        fmt="sdmx_csv",
        sha256=text.sha256,
        provider=agency or PROVIDER,
        publisher=quirks.publisher or agency or PROVIDER,
        dataset_code=flow,
        title=known.title if known else None,
        edition=options.edition,
        url=quirks.url,
        licence=quirks.licence,
    )

    def edition(dataset: Dataset) -> None:
        """The edition is the latest update of the rows when not given."""
        if dataset.provenance is not None and options.edition is None and layout.updates:
            dataset.provenance.edition = max(_iso_update(u) for u in layout.updates)

    return CodedStream(
        out,
        pairs,
        csv_records(text, chain([top], rows), layout.records),
        frozenset({"TOTAL", "_T"}),
        options.allow_unmatched,
        Ending(known, lambda: f"{agency} {flow.lower()}, SDMX-CSV", before=edition),
    )


@dataclass(slots=True)
class _CsvLayout(Columns):
    """An SDMX-CSV file's columns, from its header; the update dates met in its rows."""

    action_at: int | None
    updated_at: int | None
    updates: set[str] = field(default_factory=set)

    @property
    def columns(self) -> set[str]:
        return {h for _, h in self.dims}

    @classmethod
    def of(cls, header: list[str], file_name: str) -> _CsvLayout:
        # SDMX-CSV 2.0 "codes and labels" puts each label column after its code column; when
        # the label column is headed like the dimension (``MEASURE,Measure``) the code is first
        dims = [
            (i, h) for i, h in enumerate(header) if h not in _NOT_DIMENSIONS and h not in header[:i]
        ]
        return cls(
            file_name,
            len(header),
            dims,
            header.index("OBS_VALUE"),
            next((header.index(f) for f in ("OBS_FLAG", "OBS_STATUS") if f in header), None),
            header.index("ACTION") if "ACTION" in header else None,
            next(
                (header.index(f) for f in ("LAST UPDATE", "LAST_UPDATE", "UPDATED") if f in header),
                None,
            ),
        )

    def records(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[Coded]:
        file_name, width, value_at, flag_at = (
            self.file_name,
            self.width,
            self.value_at,
            self.flag_at,
        )
        action_at, updated_at, updates = self.action_at, self.updated_at, self.updates
        for line, row in rows:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            where = Location(file=file_name, line=line)
            if action_at is not None and row[action_at].strip().upper() == "D":
                raise InputError(
                    N_(
                        "Row action D (delete) is not accepted: published numbers are "
                        "never deleted, a later edition supersedes them."
                    ),
                    where=where,
                )
            record = {h: _code(row[i]) for i, h in self.dims}
            cell = row[value_at].strip()
            value = None if cell in NOT_AVAILABLE else read_number(cell, decimal=".")
            if value is None and cell not in NOT_AVAILABLE:
                raise InputError(
                    N_("OBS_VALUE {value} is not a number."),
                    where=Location(file=file_name, line=line, column="OBS_VALUE"),
                    value=cell,
                )
            if updated_at is not None and row[updated_at].strip():
                updates.add(row[updated_at].strip())
            flag = row[flag_at].strip() if flag_at is not None else None
            yield record, value, flag, where


def _iso_update(text: str) -> str:
    """Eurostat's ``LAST UPDATE`` (``09/07/26 23:00:00``) as an ISO date (``2026-07-09``);
    other forms as given."""
    m = re.match(r"^(\d{2})/(\d{2})/(\d{2}|\d{4})\b", text.strip())
    if not m:
        return text.strip()[:10]
    day, month, year = m.groups()
    return f"{'20' + year if len(year) == 2 else year}-{month}-{day}"


def _code(cell: str) -> str:
    """A code without its label (``BE: Belgium``, ``BE:Belgium`` → ``BE``)."""
    text = cell.strip()
    return text.split(":", 1)[0].strip() if ":" in text else text
