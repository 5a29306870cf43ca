"""Long CSV: one observation per row, columns named as in SDMX.

Header (any order, any case; separator ``,`` ``;`` or tab, detected)::

    TABLE,REF_AREA,TIME_PERIOD,<dimension ids>,OBS_VALUE[,OBS_STATUS][,CONF_STATUS][,COMMENT]

``TABLE`` may be left out when the caller names the table. OBS_VALUE follows the notation of
:mod:`migstat.formats.notation` (``1 234``, ``..``, ``x``, ``-``, ``123 e``); explicit
OBS_STATUS / CONF_STATUS columns take precedence. An empty OBS_VALUE with a missing-value
status (L, M, O, Q) or a confidentiality status is an observation without a value; an empty
OBS_VALUE without flags is no observation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import BASE_COLUMNS, CsvReader, Opened
from migstat.model import Dataset, Observation, Registry, default_registry

FORMAT = "long_csv"


class LongCsvReader(CsvReader):
    format = FORMAT


def read_long_csv(source: bytes | str | Path, **options: Any) -> Dataset:
    """Read a long CSV file (the options of :func:`long_csv`)."""
    return long_csv(source, **options).read()


def stream_long_csv(
    source: bytes | str | Path, *, kept: int | None = None, **options: Any
) -> tuple[Dataset, Iterator[list[Observation]], LongCsvReader]:
    """:func:`read_long_csv` as a stream (:meth:`~migstat.formats.csvbase.Opened.stream`)."""
    return long_csv(source, **options).stream(kept)


def long_csv(
    source: bytes | str | Path,
    *,
    file_name: str | None = None,
    registry: Registry | None = None,
    table: str | None = None,
    provider: str | None = None,
    country: str | None = None,
    encoding: str | None = None,
) -> Opened[LongCsvReader]:
    """A long CSV file opened. ``provider`` defaults to the one reporting country
    (REF_AREA); ``country``, when given, is the reporting country every row must belong to;
    ``table``: the table of every row when the file has no TABLE column."""
    reg = registry or default_registry()
    reader = LongCsvReader(
        source,
        file_name=file_name,
        registry=reg,
        provider=provider,
        country=country,
        encoding=encoding,
    )
    fixed = reg.table(table).id if table else None

    def table_of(fields: list[str], _line: int) -> str | None:
        from_row = reader.field(fields, "TABLE") if "TABLE" in reader.columns else ""
        return from_row or fixed

    return Opened(reader, table_of, [*([] if fixed else ["TABLE"]), *BASE_COLUMNS])
