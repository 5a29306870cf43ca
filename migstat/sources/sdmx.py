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

import csv
import hashlib
import io
import re
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import column_id, sniff_separator
from migstat.formats.notation import read_number
from migstat.formats.own_read import is_own_sdmxml, read_own_sdmxml
from migstat.formats.sdmx_csv import read_sdmx_csv
from migstat.formats.sdmxml.reader import is_data_message, read_data
from migstat.formats.sdmxml.structure import AREA_DIMENSIONS
from migstat.formats.text import WESTERN, decode_text, line_one
from migstat.i18n import N_
from migstat.model.data import Dataset, Location
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources import oecd
from migstat.sources.coded import (
    Agency,
    StatusReader,
    add_metadata,
    feed,
    finish,
    mappers,
    new_dataset,
    sdmx_status,
)
from migstat.sources.common import header_fields, paused_gc
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


def read(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    **_: Any,
) -> Dataset:
    """An SDMX-ML data message or an SDMX-CSV file. Options: ``table`` (the table to fill
    when the dataflow has none of its own), ``edition``, ``allow_unmatched``; others are
    ignored."""
    path = Path(path)
    raw = path.read_bytes()
    with paused_gc():
        if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return read_sdmxml(
                raw,
                file_name=path.name,
                registry=registry,
                allow_unmatched=allow_unmatched,
                edition=edition,
                table=table,
            )
        return read_csv(
            raw,
            file_name=path.name,
            registry=registry,
            allow_unmatched=allow_unmatched,
            edition=edition,
            table=table,
        )


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


def read_sdmxml(
    raw: bytes,
    *,
    file_name: str,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
) -> Dataset:
    """An SDMX-ML data message (generic or structure-specific, 2.1 or 3.0)."""
    message = read_data(raw, file_name)
    if is_own_sdmxml(message):  # a table of migstat's, precision and all
        own = read_own_sdmxml(message, registry=registry)
        add_metadata(own, None, f"{message.header.structure}, SDMX-ML {message.kind}")
        return own
    ref = message.header.structure
    agency = (ref.agency or message.header.sender or PROVIDER).upper()
    if agency in ("ESTSAT", "EUROSTAT"):  # the sender ids Eurostat's own examples use
        agency = ESTAT.id
    flow = (ref.id or message.header.dataset_id or table or "").upper()
    records = message.records
    columns: set[str] = set()
    for record in records[:1000]:
        columns.update(k.upper() for k in record.values)
    columns -= {"OBS_VALUE"}
    area, time = _area_and_time(columns, file_name)
    dims = columns - {area, time}
    quirks = agency_of(agency)
    pairs, known = mappers(
        registry,
        flow,
        file_name,
        dims,
        agency=quirks,
        area=area,
        time=time,
        table=table,
        status=_status_for(columns),
    )
    flag_id = "OBS_FLAG" if "OBS_FLAG" in columns else "OBS_STATUS"
    seen: dict[str, set[str]] = {}
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
        flag = values.get(flag_id)
        for dim in ("DURATION",):
            if dim in values:
                seen.setdefault(dim, set()).add(values[dim])
        feed(pairs, values, value, flag, where)
    out = new_dataset(
        file_name=file_name,
        fmt="sdmx_ml",
        sha256=hashlib.sha256(raw).hexdigest(),
        provider=agency,
        publisher=quirks.publisher or agency,
        dataset_code=flow,
        title=known.title if known else None,
        edition=edition or (message.header.prepared or "")[:10] or None,
        url=quirks.url,
        licence=quirks.licence,
    )
    if out.provenance is not None:
        out.provenance.notes = (
            f"{out.provenance.notes}; SDMX-ML {message.kind} "
            f"{message.header.id or ''}, structure {ref}"
        ).strip()
    finish(pairs, out, lambda dim: bool(seen.get(dim, set()) - {"TOTAL", "_T"}), allow_unmatched)
    add_metadata(out, known, f"{agency} {flow.lower()}, SDMX-ML {message.kind}")
    return out


def read_csv(
    raw: bytes,
    *,
    file_name: str,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
) -> Dataset:
    """SDMX-CSV 1.0 (``DATAFLOW``) or 2.0 (``STRUCTURE``, ``STRUCTURE_ID``, ``ACTION``)."""
    text = decode_text(raw, legacy=WESTERN)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_separator(line_one(text)))
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
    rows = [(reader.line_num, row) for row in reader if any(f.strip() for f in row)]
    if not rows:
        raise InputError(N_("The file has a header but no data rows."), where=where0)
    first = rows[0][1]
    agency, flow = _flow_of(first[flow_at] if flow_at < len(first) else "")
    if agency == "MIGSTAT":
        return read_sdmx_csv(raw, file_name=file_name, registry=registry)
    skip = {
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
    # SDMX-CSV 2.0 "codes and labels" puts each label column after its code column; when the
    # label column is headed like the dimension (``MEASURE,Measure``) the code is the first
    dims = [(i, h) for i, h in enumerate(header) if h not in skip and h not in header[:i]]
    columns = {h for _, h in dims}
    area, time = _area_and_time(columns, file_name)
    quirks = agency_of(agency)
    pairs, known = mappers(
        registry,
        flow,
        file_name,
        columns - {area, time},
        agency=quirks,
        area=area,
        time=time,
        table=table,
        status=_status_for(set(header)),
    )
    value_at = header.index("OBS_VALUE")
    flag_at = next((header.index(f) for f in ("OBS_FLAG", "OBS_STATUS") if f in header), None)
    action_at = header.index("ACTION") if "ACTION" in header else None
    updated_at = next(
        (header.index(f) for f in ("LAST UPDATE", "LAST_UPDATE", "UPDATED") if f in header), None
    )
    updates: set[str] = set()
    seen: dict[str, set[str]] = {h: set() for h in columns}
    width = len(header)
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
        record = {h: _code(row[i]) for i, h in dims}
        for h, code in record.items():
            seen[h].add(code)
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
        feed(pairs, record, value, flag, where)
    out = new_dataset(
        file_name=file_name,
        fmt="sdmx_csv",
        sha256=hashlib.sha256(raw).hexdigest(),
        provider=agency or PROVIDER,
        publisher=quirks.publisher or agency or PROVIDER,
        dataset_code=flow,
        title=known.title if known else None,
        edition=edition or (max(_iso_update(u) for u in updates) if updates else None),
        url=quirks.url,
        licence=quirks.licence,
    )
    finish(pairs, out, lambda dim: bool(seen.get(dim, set()) - {"TOTAL", "_T"}), allow_unmatched)
    add_metadata(out, known, f"{agency} {flow.lower()}, SDMX-CSV")
    return out


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
