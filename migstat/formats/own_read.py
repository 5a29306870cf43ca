"""migstat's own SDMX-ML and JSON-stat data read back as they were written.

A table downloaded from the portal as SDMX-ML (``/download/S01.sdmx.xml``, the structure
``MIGSTAT:DSD_S01``) or JSON-stat (``extension.table`` ``S01``) holds the same observations as
its SDMX-CSV: codes, ``OBS_STATUS``, ``CONF_STATUS``, ``COMMENT`` and a survey estimate's
precision (``STD_ERROR`` … ``RELIABILITY``, :mod:`migstat.model.precision`). Both are read
here into the columns the SDMX-CSV reader takes (:class:`migstat.formats.csvbase.CsvReader`),
so the three formats give the same dataset, precision included. A value that is not valid is
an error naming its place: the XML line and the observation's codes, or the JSON-stat cell's
position and codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from migstat.formats.csvbase import CsvReader, code_value
from migstat.formats.jsonstat.reader import Cube
from migstat.formats.sdmxml.reader import DataMessage
from migstat.formats.submeta import MetaColumns
from migstat.i18n import N_
from migstat.model import Dataset, InputError, Location, NotFoundError, Registry, TableDef
from migstat.model.precision import ATTRIBUTES as PRECISION
from migstat.model.precision import BadAttribute, Precision, from_attributes

AGENCY = "MIGSTAT"
SDMX_ML = "sdmx_ml"
JSONSTAT = "jsonstat"
BAD_IN_XML = N_(
    "{column} “{text}” of the observation on line {line} ({codes}) is not valid: STD_ERROR "
    "and COEF_VAR take a number of 0 or more, CI_LOWER and CI_UPPER a number, CI_LEVEL a "
    "whole per cent (95), RELIABILITY reliable, flagged or suppressed."
)
BAD_IN_JSONSTAT = N_(
    "{column} “{text}” in extension.precision of cell value[{position}] ({codes}) is not "
    "valid: STD_ERROR and COEF_VAR take a number of 0 or more, CI_LOWER and CI_UPPER a "
    "number, CI_LEVEL a whole per cent (95), RELIABILITY reliable, flagged or suppressed."
)


PLACE = "_PLACE"
"""A column of each record with its codes, for messages (not a column of any file)."""


class RecordReader(CsvReader):
    """The CSV reader's checks over records already split into named fields.

    A record's "line" is its XML line (SDMX-ML) or its cell position (JSON-stat, where
    messages name the position and codes, not a line)."""

    def __init__(
        self,
        header: list[str],
        records: Iterable[tuple[int, list[str]]],
        *,
        file_name: str,
        fmt: str,
        registry: Registry,
        country: str | None = None,
    ) -> None:
        # no text to decode: the fields come from a parsed message
        self.file_name = file_name
        self.format = fmt
        self.registry = registry
        self.provider: str | None = None
        self.country = country
        self.header = header
        self.columns = {name: i for i, name in enumerate(header)}
        self._records: Iterator[tuple[int, list[str]]] = iter(records)
        self._tables: dict[str, TableDef] = {}
        self._areas: dict[str, str] = {}
        self.meta_columns = MetaColumns.of(file_name, {})
        self._has_precision = any(a in self.columns for a in PRECISION)

    def where(self, line: int | None = None, column: str | None = None) -> Location:
        if self.format == JSONSTAT:
            at = "value" if line is None else f"value[{line}]"
            return Location(file=self.file_name, column=f"{at} {column}" if column else at)
        return Location(file=self.file_name, line=line, column=column)

    def precision(self, fields: list[str], line: int) -> Precision | None:
        try:
            return from_attributes({a: code_value(self.field(fields, a)) for a in PRECISION})
        except BadAttribute as bad:
            column = bad.column if self.format == SDMX_ML else f"extension.precision.{bad.column}"
            raise InputError(
                BAD_IN_XML if self.format == SDMX_ML else BAD_IN_JSONSTAT,
                where=self.where(line, column),
                column=bad.column,
                text=bad.text,
                line=line,
                position=line,
                codes=self.field(fields, PLACE),
            ) from None


def _table(registry: Registry, ident: str, file_name: str) -> TableDef:
    table_id = ident[4:] if ident.upper().startswith("DSD_") else ident
    try:
        return registry.table(table_id)
    except NotFoundError:
        raise InputError(
            N_("The file is data of {structure}, which is not a table of migstat."),
            where=Location(file=file_name),
            structure=ident,
        ) from None


def is_own_sdmxml(message: DataMessage) -> bool:
    """Whether a data message is migstat's own (structure ``MIGSTAT:DSD_<table>``)."""
    ref = message.header.structure
    return (ref.agency or "").upper() == AGENCY and (ref.id or "").upper().startswith("DSD_")


def read_own_sdmxml(
    message: DataMessage, *, registry: Registry, country: str | None = None
) -> Dataset:
    """The observations of a message written by :func:`migstat.formats.sdmxml.writer.write_data`
    (or of the same layout), with their statuses, comments and precision."""
    table = _table(registry, message.header.structure.id or "", message.file_name)
    header: list[str] = []
    for record in message.records:
        header += [name for name in record.values if name not in header]
    header.append(PLACE)
    dims = ["REF_AREA", *table.dimension_ids, "TIME_PERIOD"]
    rows: list[tuple[int, list[str]]] = []
    for record in message.records:
        values = dict(record.values)
        if values.get("OBS_VALUE") == "NaN":
            values["OBS_VALUE"] = ""
        codes = ", ".join(f"{d}={values.get(d, '')}" for d in dims)
        values[PLACE] = codes
        rows.append((record.line or 0, [values.get(name, "") for name in header]))
    providers = {r.values.get("DATA_PROVIDER", "") for r in message.records}
    reader = RecordReader(
        header, rows, file_name=message.file_name, fmt=SDMX_ML, registry=registry, country=country
    )
    return _read(reader, table, providers)


def _read(reader: RecordReader, table: TableDef, providers: set[str]) -> Dataset:
    """Every record as an observation of ``table``; the provider is the one the data name."""
    reader.provider = next(iter(providers)) if len(providers) == 1 else None
    return reader.read(lambda _fields, _line: table.id, [])


def is_own_jsonstat(cube: Cube) -> bool:
    """Whether a JSON-stat dataset is one of migstat's tables as the portal writes them."""
    ext = cube.extension or {}
    return isinstance(ext.get("table"), str) and {"REF_AREA", "TIME_PERIOD"} <= set(cube.ids)


def _text(raw: object) -> str:
    return "" if raw is None else repr(raw) if isinstance(raw, float) else str(raw)


def _cell_fields(cube: Cube, pos: int, codes: dict[str, str]) -> dict[str, str]:
    ext = cube.extension
    fields = dict(codes)
    fields["OBS_VALUE"] = _text(cube.values.get(pos))
    fields["OBS_STATUS"] = cube.status.get(pos, "A")
    fields["CONF_STATUS"] = _text(_member(ext, "conf_status").get(str(pos), "F"))
    fields["COMMENT"] = _text(_member(ext, "comment").get(str(pos)))
    given = _member(ext, "precision").get(str(pos))
    if isinstance(given, dict):
        fields.update({name: _text(given.get(name)) for name in PRECISION})
    fields[PLACE] = ", ".join(f"{k}={v}" for k, v in codes.items())
    return fields


def _member(ext: dict[str, Any], name: str) -> dict[str, Any]:
    found = ext.get(name)
    return found if isinstance(found, dict) else {}


def read_own_jsonstat(cube: Cube, *, registry: Registry, country: str | None = None) -> Dataset:
    """The observations of a dataset written by
    :func:`migstat.formats.jsonstat.writer.write_jsonstat`: values, ``status``, the extension's
    ``conf_status``, ``comment`` and ``precision`` by cell position."""
    table = _table(registry, str(cube.extension["table"]), cube.file_name)
    positions = set(cube.values) | set(cube.status)
    for member in ("conf_status", "comment", "precision"):
        keys = _member(cube.extension, member)
        positions |= {int(k) for k in keys if str(k).isdigit() and int(k) < cube.size}
    header = [*cube.ids, "OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "COMMENT", *PRECISION, PLACE]
    rows: list[tuple[int, list[str]]] = []
    providers: set[str] = set()
    for pos, codes in _cells(cube, sorted(positions)):
        fields = _cell_fields(cube, pos, codes)
        providers.add(fields.get("DATA_PROVIDER", ""))
        rows.append((pos, [fields.get(name, "") for name in header]))
    reader = RecordReader(
        header, rows, file_name=cube.file_name, fmt=JSONSTAT, registry=registry, country=country
    )
    return _read(reader, table, providers)


def _cells(cube: Cube, positions: list[int]) -> Iterator[tuple[int, dict[str, str]]]:
    dims = cube.dimensions
    strides = [1] * len(dims)
    for i in range(len(dims) - 2, -1, -1):
        strides[i] = strides[i + 1] * len(dims[i + 1].codes)
    for pos in positions:
        codes, rest = {}, pos
        for dim, stride in zip(dims, strides, strict=True):
            index, rest = divmod(rest, stride)
            codes[dim.id] = dim.codes[index]
        yield pos, codes


__all__ = [
    "is_own_jsonstat",
    "is_own_sdmxml",
    "read_own_jsonstat",
    "read_own_sdmxml",
]
