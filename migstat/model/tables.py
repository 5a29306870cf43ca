"""Table definitions: what a standard table is, declared in data files.

A :class:`TableDef` is read from ``migstat/definitions/tables/<ID>.yaml``. Dimension ids
follow SDMX (``REF_AREA``, ``COUNTERPART_AREA``-like partner dimensions such as
``COUNTRY_BIRTH``, ``SEX``, ``AGE``, ``TIME_PERIOD``) so SDMX exchange is a mapping.
``REF_AREA`` and ``TIME_PERIOD`` are implicit in every table and are not listed among
:attr:`TableDef.dimensions`, which hold the breakdown dimensions in key order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from migstat.model.codelists import LabelText, pick


class TableKind(StrEnum):
    STOCK = "stock"
    """Persons present on a reference date."""
    FLOW = "flow"
    """Moves during a calendar year."""
    EVENT = "event"
    """Administrative events during a year (permits issued, decisions)."""


class PeriodType(StrEnum):
    DATE = "date"
    """``TIME_PERIOD`` is a date, ``YYYY-MM-DD``."""
    YEAR = "year"
    """``TIME_PERIOD`` is a calendar year, ``YYYY``."""


@dataclass(frozen=True, slots=True)
class Dimension:
    """One breakdown of a table."""

    id: str
    codelist: str
    name: LabelText
    total: str | None = "_T"
    """The code that stands for "all" in this dimension, if any."""
    codes: tuple[str, ...] | None = None
    """Codes allowed in this table (a subset of the code list), or ``None`` for all of them."""
    hierarchies: tuple[str, ...] = ()
    """Hierarchies (of the code list) along which totals must add up in this table."""
    role: str | None = None
    """``partner`` for the counterpart-country dimension (mirror statistics, corridors)."""
    concept: str | None = None
    """Origin concept of a partner dimension: BIRTH, CITIZENSHIP, PREV_RES, NEXT_RES."""

    def label(self, lang: str = "en") -> str:
        return pick(self.name, lang)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far a total may differ from the sum of its parts before it is an error."""

    absolute: float = 0.0
    relative: float = 0.0
    rounding_base: int = 1
    """Values rounded to this base: the sum of k parts may be off by ``base * k / 2``."""

    def allowed(self, total: float, n_parts: int) -> float:
        rounding = self.rounding_base * n_parts / 2 if self.rounding_base > 1 else 0.0
        return max(self.absolute, self.relative * abs(total), rounding)


@dataclass(frozen=True, slots=True)
class Layout:
    """How the questionnaire sheet lays the table out: dimensions on rows and on columns."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(slots=True)
class TableDef:
    """A table of the registry."""

    id: str
    title: LabelText
    kind: TableKind
    period_type: PeriodType
    dimensions: tuple[Dimension, ...]
    layout: Layout
    unit: LabelText = field(default_factory=lambda: {"en": "persons", "ru": "человек"})
    unit_id: str = "PERS"
    universe: LabelText = field(default_factory=dict)
    description: LabelText = field(default_factory=dict)
    version: str = "1.0"
    aliases: tuple[str, ...] = ()
    status: str = "active"
    group: str = "standard"
    """``standard`` (the default questionnaire set) or ``indicator`` (data-sharing indicators)."""
    required_metadata: tuple[str, ...] = ("source_type", "reference_date")
    tolerance: Tolerance = field(default_factory=Tolerance)
    yoy_warning_ratio: float = 5.0
    """A value more than this many times (or less than 1/this) last year's is flagged."""
    yoy_min_value: float = 50.0
    """Year-on-year jumps are not flagged below this size (small numbers jump naturally)."""
    mirror_pair: str | None = None
    sheet_name: str | None = None
    counts: bool = True
    """Whether the values count persons, permits or events (whole, non-negative numbers,
    checked by validation). A table of published indicators such as rates or life expectancy
    (``counts: false`` in its YAML) takes any finite number, as published."""

    def label(self, lang: str = "en") -> str:
        return pick(self.title, lang)

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    def dimension(self, dim_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(f"{self.id} has no dimension {dim_id}")

    @property
    def partner(self) -> Dimension | None:
        """The counterpart-country dimension, if the table has one."""
        return next((d for d in self.dimensions if d.role == "partner"), None)

    def key_index(self, dim_id: str) -> int:
        return self.dimension_ids.index(dim_id)

    @property
    def sheet(self) -> str:
        return self.sheet_name or self.id
