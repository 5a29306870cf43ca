"""Long tables with named columns: one row per area and period, one value column.

National portals and researchers publish totals as long tables (CSV, TSV or a workbook) whose
columns are named but follow no standard: ``name,country_code,year,pop,alpha3``. Such a
file says nothing a reader could safely recognise, so this source is never detected: it is
named (``--source columns``) and the options say what each column is. The file is read
by :mod:`migstat.sources.columns_read`, as a stream.

* ``area_column``: the column holding the reporting area, as ISO alpha-3, an M49 number or a
  country name (tried in that order for each value; alpha-2 is not tried, since ``NA`` is
  both Namibia and "not available"). Several columns separated by ``|`` are tried in order
  for each row, the first that is not empty deciding (``alpha3|country_code``).
* ``time_column``: years (or ISO dates, or dates in ``date_format``). A stock table's period
  is a date and publishers differ (UN DESA's estimates are for 1 July, censuses for their own
  day), so for such a table a year needs ``reference_date`` (``MM-DD``): nothing is assumed.
* ``value_column``: the numbers; ``~``, ``NA`` and empty are not available (value ``None``,
  flag ``O``); ``..``, ``x``, ``-`` and flags follow :mod:`migstat.formats.notation`.
* ``scale``: values are multiplied by it (``1000`` for a table in thousands) and, in a table
  of counts, rounded to whole persons; every observation's comment then says so.
* ``dimensions``: a fixed code for each of the table's breakdown dimensions
  (``SEX=_T``); every dimension must be given, since the file does not say.
* ``provider``: who stands behind the numbers, required: a default could make the import a
  revision of another publisher's figures.

Rows whose area is a world, regional or income group, or has no code (``NA``), are not a
country's and are skipped, counted in one warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from migstat.formats.notation import NotANumber, read_text
from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.names import is_aggregate, normalize_name, resolve_country
from migstat.sources.tabular import period_for

NAME = "columns"
PROVIDER = "COLUMNS"
"""The registry's name for this source; never used as a dataset's provider."""
TABLES: tuple[str, ...] = ()
"""Any table: the dimensions not in the file are fixed by options."""
RULE_SKIPPED = "IMPORT_COLUMNS_NOT_COUNTRY"
MISSING = frozenset({"", "~", "na", "n/a"})
"""Values meaning "not available" in long tables (UN DESA's ``~``, R's ``NA``)."""
M49_REGIONS = frozenset(
    {
        "001",
        "002",
        "005",
        "009",
        "011",
        "013",
        "014",
        "015",
        "017",
        "018",
        "019",
        "021",
        "029",
        "030",
        "034",
        "035",
        "039",
        "053",
        "054",
        "057",
        "061",
        "142",
        "143",
        "145",
        "150",
        "151",
        "154",
        "155",
        "202",
        "419",
    }
)
"""M49's standard region codes; countries are numbered between them, groups from 900 up."""
REAL_AREA_KINDS = ("country", "historical")
_ALPHA3 = re.compile(r"^[A-Za-z]{3}$")
_NUMBER = re.compile(r"^\d{1,4}(?:\.0)?$")
_MONTH_DAY = re.compile(r"^\d{2}-\d{2}$")
_SCALE_WORDS = {1000: "thousands", 1_000_000: "millions"}
MSG_NOT_A_NUMBER = N_(
    "{value} in column {column} is not a number: expected a number, or ~, NA "
    "or nothing where it is not available."
)


def sniff(path: Path, head: bytes) -> bool:
    """Never: a long table's columns are named by whoever imports it (``--source columns``)."""
    return False


def _fixed_key(
    tdef: TableDef,
    registry: Registry,
    given: Mapping[str, str] | Iterable[str] | None,
    where: Location,
) -> tuple[str, ...]:
    """The observation key from ``DIM=CODE`` options: every dimension, known codes only."""
    pairs: dict[str, str] = {}
    items = (
        given.items()
        if isinstance(given, Mapping)
        else (tuple(str(g).split("=", 1)) for g in (given or ()))
    )
    for item in items:
        if len(item) != 2 or not item[0].strip() or not item[1].strip():
            raise InputError(
                N_("--dimension takes DIMENSION=CODE, not {text}."),
                where=where,
                text="=".join(item),
            )
        pairs[item[0].strip().upper()] = item[1].strip()
    unknown = [d for d in pairs if d not in tdef.dimension_ids]
    if unknown:
        raise InputError(
            N_("Table {table} has no dimension {dimension}; its dimensions are: {dimensions}."),
            where=where,
            table=tdef.id,
            dimension=", ".join(unknown),
            dimensions=", ".join(tdef.dimension_ids) or "\u2014",
        )
    missing = [d for d in tdef.dimension_ids if d not in pairs]
    if missing:
        raise InputError(
            N_(
                "Table {table} also has the dimensions {dimensions}, which the "
                "file does not give: fix each with --dimension, e.g. {example}."
            ),
            where=where,
            table=tdef.id,
            dimensions=", ".join(missing),
            example=" ".join(f"--dimension {d}={tdef.dimension(d).total or '?'}" for d in missing),
        )
    key = []
    for dim in tdef.dimensions:
        codes = registry.codelist(dim.codelist)
        code = codes.resolve(pairs[dim.id])
        allowed = code is not None and (
            dim.role == "partner" or code in registry.codes(tdef, dim.id)
        )
        if not allowed:
            raise InputError(
                N_(
                    "{code} is not a code of dimension {dimension} of table "
                    "{table} (code list {codelist})."
                ),
                where=where,
                code=pairs[dim.id],
                dimension=dim.id,
                table=tdef.id,
                codelist=dim.codelist,
            )
        key.append(str(code))
    return tuple(key)


def _scale(scale: str | float | None, where: Location) -> Decimal:
    if scale is None or str(scale).strip() == "":
        return Decimal(1)
    try:
        factor = Decimal(str(scale).strip())
    except InvalidOperation:
        factor = Decimal(0)
    if not factor.is_finite() or factor <= 0:
        raise InputError(
            N_("--scale must be a positive number (1000 for a table in thousands), not {value}."),
            where=where,
            value=str(scale),
        )
    return factor


def _month_day(text: str, where: Location) -> str:
    text = text.strip()
    try:
        if not _MONTH_DAY.match(text):
            raise ValueError(text)
        date.fromisoformat(f"2000-{text}")  # a leap year: 02-29 is a day
    except ValueError:
        raise InputError(
            N_(
                "--reference-date takes the day of the year as MM-DD (07-01 for "
                "1 July), not {value}."
            ),
            where=where,
            value=text,
        ) from None
    return text


def _columns(header: list[Any], wanted: str, option: str, where: Location) -> list[int]:
    """Indexes of the named columns (``a|b``: several, tried in order), case-insensitive."""
    folded = [str(h if h is not None else "").strip().casefold() for h in header]
    found = []
    for name in (n.strip() for n in wanted.split("|")):
        if name.casefold() not in folded:
            raise InputError(
                N_("Column {column} ({option}) is not in the file; its columns are: {columns}."),
                where=where,
                column=name,
                option=option,
                columns=", ".join(str(h) for h in header if h not in (None, "")),
            )
        found.append(folded.index(name.casefold()))
    return found


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell if cell is not None else "").strip()


class _Areas:
    """Area codes for the values of the area column(s): a country, a group or no area (to
    skip), or a value that matches nothing (for the :class:`NameReport`); cached per value."""

    def __init__(self, registry: Registry) -> None:
        self.areas = registry.areas
        self.registry = registry
        self._cache: dict[str, tuple[str | None, bool]] = {}

    def find(self, text: str) -> tuple[str | None, bool]:
        """``(code, is_country)``: ``(None, False)`` for a group or no area, ``(None, True)``
        for a value that matches nothing."""
        try:
            return self._cache[text]
        except KeyError:
            found = self._cache[text] = self._find(text)
            return found

    def _find(self, text: str) -> tuple[str | None, bool]:
        if text.casefold() in MISSING:
            return None, False
        code: str | None = None
        if _ALPHA3.match(text):
            code = self.areas.resolve(text.upper())
        elif _NUMBER.match(text):
            m49 = str(int(float(text))).zfill(3)
            code = self.areas.resolve(m49)
            if code is None:
                return None, not (m49 in M49_REGIONS or int(m49) >= 900)
        elif len(text) > 3:
            label = normalize_name(text).rstrip("*").strip()  # UN footnote marks
            code = resolve_country(label, self.registry)
            if code is None and is_aggregate(label):
                return None, False
        if code is None:
            return None, True
        return (
            (code, True)
            if self.areas[code].attributes.get("kind") in REAL_AREA_KINDS
            else (None, False)
        )


def _period(
    tdef: TableDef,
    cell: Any,
    *,
    month_day: str | None,
    date_format: str | None,
    column: str,
    where: Location,
) -> str:
    """``TIME_PERIOD`` from the time column: a year, an ISO date or a date in ``date_format``."""
    if isinstance(cell, datetime | date):
        text = cell.strftime("%Y-%m-%d")
    elif date_format:
        try:
            text = datetime.strptime(_text(cell), date_format).strftime("%Y-%m-%d")
        except ValueError:
            raise InputError(
                N_("{value} in column {column} is not a date in the format {format}."),
                where=where,
                value=_text(cell),
                column=column,
                format=date_format,
            ) from None
    else:
        text = _text(cell)
    if tdef.period_type.value == "date" and re.fullmatch(r"\d{4}", text):
        if month_day is None:
            raise InputError(
                N_(
                    "Table {table} holds stocks on a date, and column {column} "
                    "gives years only: give the day with --reference-date MM-DD "
                    "(07-01 for UN DESA's mid-year estimates)."
                ),
                where=where,
                table=tdef.id,
                column=column,
            )
        return period_for(tdef, text, date=month_day, where=where)
    return period_for(tdef, text, where=where)


def _value(
    cell: Any, factor: Decimal, counts: bool, column: str, where: Location
) -> tuple[float | int | None, str, str]:
    """``(value, OBS_STATUS, CONF_STATUS)`` of one cell, scaled."""
    if isinstance(cell, bool) or cell is None or isinstance(cell, str):
        text = "" if cell is None else str(cell)
        if text.strip().casefold() in MISSING:
            return None, "O", "F"
        try:
            reading = read_text(text)
        except NotANumber:
            raise InputError(
                MSG_NOT_A_NUMBER, where=where, value=text.strip(), column=column
            ) from None
        if reading is None or reading.value is None:
            return (
                None,
                (reading.obs_status if reading else "O"),
                (reading.conf_status if reading else "F"),
            )
        number, obs, conf = reading.value, reading.obs_status, reading.conf_status
    elif isinstance(cell, int | float):
        number, obs, conf = cell, "A", "F"
    else:
        raise InputError(MSG_NOT_A_NUMBER, where=where, value=str(cell), column=column)
    if factor == 1 and not counts:
        return number, obs, conf
    scaled = Decimal(repr(number)) * factor
    if counts and factor != 1:
        return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), obs, conf
    return (int(scaled) if scaled == scaled.to_integral_value() else float(scaled)), obs, conf
