"""Datasets an agency curates: how each of its datasets fills migstat's own tables.

Eurostat (:mod:`migstat.sources.eurostat`) and the OECD (:mod:`migstat.sources.oecd`) publish
datasets whose dimensions are not migstat's: a :class:`TableMap` says, for one table, which of
the agency's dimensions becomes which of the table's, how codes translate, which records
belong to the table (``select``: the totals of breakdowns the table does not have) and which
codes must hold for every record (``require``: a count of persons, annual). The same maps
serve every format of the agency (SDMX-ML, SDMX-CSV with codes or labels, JSON-stat, its own
exports), through :func:`table_mappers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migstat.model.registry import Registry
from migstat.sources.coded import Curated, CuratedMappers, Pairs, StatusReader
from migstat.sources.cube import AreaResolver, CubeMapper
from migstat.sources.cube import year_period as _year


@dataclass(frozen=True, slots=True)
class TableMap:
    """How one dataset of an agency fills one migstat table."""

    table: str
    dims: dict[str, str]
    """Table dimension → agency's dimension (upper case)."""
    codes: dict[str, Mapping[str, str] | Callable[[str], str]] = field(default_factory=dict)
    select: dict[str, frozenset[str]] = field(default_factory=dict)
    require: dict[str, frozenset[str]] = field(default_factory=dict)
    period: str = "year"
    """``year`` (events and flows), ``jan1`` (population on 1 January) or ``dec31`` (a stock
    counted at the end of the year: valid permits, the OECD's stocks)."""
    only_if_broken_down: str | None = None
    """Keep this table only if the file breaks this agency's dimension down."""
    fixed: dict[str, str] = field(default_factory=dict)
    """Table dimension → the one code the whole dataset has (immigration is long-term)."""


def _constant(code: str) -> Callable[[str], str]:
    return lambda _published: code


def _jan1(text: str) -> str | None:
    year = _year(text)
    return f"{year}-01-01" if year else None


def _dec31(text: str) -> str | None:
    year = _year(text)
    return f"{year}-12-31" if year else None


_PERIODS: dict[str, Callable[[str], str | None]] = {"year": _year, "jan1": _jan1, "dec31": _dec31}


def table_mappers(
    registry: Registry,
    tables: Iterable[TableMap],
    file_name: str,
    columns: set[str],
    *,
    area: str,
    time: str,
    table: str | None,
    status: StatusReader,
    resolve_area: AreaResolver,
    kind: type[CubeMapper] = CubeMapper,
) -> Pairs | None:
    """A mapper (of ``kind``) for each table a dataset fills (only ``table`` when given;
    ``None`` when the dataset fills no such table)."""
    wanted = registry.table(table).id if table is not None else None
    out: Pairs = []
    for tmap in tables:
        if wanted is not None and wanted != tmap.table:
            continue
        codes: dict[str, Any] = dict(tmap.codes)
        dims = dict(tmap.dims)
        for dim, code in tmap.fixed.items():
            dims[dim] = area  # any column every record has; its code is replaced
            codes[dim] = _constant(code)
        mapper = kind(
            registry=registry,
            table=registry.table(tmap.table),
            file_name=file_name,
            area=area,
            time=time,
            period=_PERIODS[tmap.period],
            resolve_area=resolve_area,
            status=status,
            dims=dims,
            codes=codes,
            select=dict(tmap.select),
            require={k: v for k, v in tmap.require.items() if k in columns},
        )
        out.append((mapper, tmap.only_if_broken_down))
    return out or None


def curator(
    lookup: Callable[[str], tuple[Iterable[TableMap], Curated] | None],
    resolve_area: AreaResolver,
    kind: type[CubeMapper] = CubeMapper,
) -> CuratedMappers:
    """An agency's :data:`~migstat.sources.coded.CuratedMappers`: ``lookup`` gives the table
    maps and metadata of a dataset (upper-case id), ``None`` for a dataset not curated."""

    def curated(
        registry: Registry,
        dataset: str,
        file_name: str,
        columns: set[str],
        *,
        area: str,
        time: str,
        table: str | None,
        status: StatusReader,
    ) -> tuple[Pairs, Curated] | None:
        found = lookup(dataset.upper())
        if found is None:
            return None
        tables, known = found
        pairs = table_mappers(
            registry,
            tables,
            file_name,
            columns,
            area=area,
            time=time,
            table=table,
            status=status,
            resolve_area=resolve_area,
            kind=kind,
        )
        return None if pairs is None else (pairs, known)

    return curated
