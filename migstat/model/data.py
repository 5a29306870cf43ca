"""Observations, the metadata that travels with them, and a dataset as read from a file.

These are plain classes so that readers (``migstat.formats``, ``migstat.sources``),
validation and the store all speak the same language without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model.precision import Precision


class ObsStatus(StrEnum):
    """SDMX CL_OBS_STATUS codes used by migstat (the subset of the brief)."""

    NORMAL = "A"
    BREAK = "B"
    DEFINITION_DIFFERS = "D"
    ESTIMATED = "E"
    FORECAST = "F"
    IMPUTED = "I"
    MISSING_NOT_COLLECTED = "L"
    MISSING_CANNOT_EXIST = "M"
    MISSING = "O"
    PROVISIONAL = "P"
    SUPPRESSED = "Q"
    LOW_RELIABILITY = "U"
    NOT_SIGNIFICANT = "N"


MISSING_STATUSES = frozenset({"L", "M", "O", "Q"})


class ConfStatus(StrEnum):
    """SDMX CL_CONF_STATUS codes (plus .Stat Suite's E for embargoed)."""

    FREE = "F"
    NOT_FOR_PUBLICATION = "N"
    CONFIDENTIAL = "C"
    SECONDARY_SENDER = "D"
    SECONDARY_RECEIVER = "S"
    EMBARGOED = "E"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the submitted file something is: a sheet and cell, or a line of text."""

    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        """The place for a person, in their language: ``KGZ.xlsx, S01!C12`` or
        ``m.csv, строка 2, KAZ``."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.sheet and self.cell:
            parts.append(f"{self.sheet}!{self.cell}")
        elif self.sheet:
            parts.append(self.sheet)
        if self.line is not None:
            parts.append(gettext_(N_("line {line}"), lang, line=self.line))
        if self.column and not self.cell:
            parts.append(self.column)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("file", self.file),
                ("sheet", self.sheet),
                ("cell", self.cell),
                ("line", self.line),
                ("column", self.column),
            )
            if v is not None
        }


@dataclass(slots=True)
class Observation:
    """One number of one table, with its flags and where it was read from.

    ``key`` holds the codes of the table's breakdown dimensions in
    :attr:`TableDef.dimensions` order. ``value`` is ``None`` when the cell carries only a flag
    (not available, confidential): an empty cell is never zero.
    """

    table: str
    ref_area: str
    time_period: str
    key: tuple[str, ...]
    value: float | None
    obs_status: str = ObsStatus.NORMAL.value
    conf_status: str = ConfStatus.FREE.value
    comment: str | None = None
    where: Location | None = None
    precision: Precision | None = None
    """A survey estimate's standard error, CV, interval and reliability flag."""


_WHERE = Observation.where  # the slot's own descriptor, before a subclass shadows it


class LineObservation(Observation):
    """An observation read from a line of a text file, that makes its :class:`Location` only
    when asked for it.

    A large export yields tens of millions of observations; a ``Location`` object for each
    (file, line, column) costs more than the observation itself. This class keeps the line
    number (shared by the observations of one row) and the file and column names (shared by
    all) in its own slots; ``where`` returns an equal ``Location`` each time. It constructs,
    compares and copies (:func:`dataclasses.replace`) as an :class:`Observation` does.
    """

    __slots__ = ("_column", "_file", "_line")

    def __init__(
        self,
        table: str,
        ref_area: str,
        time_period: str,
        key: tuple[str, ...],
        value: float | None,
        obs_status: str = ObsStatus.NORMAL.value,
        conf_status: str = ConfStatus.FREE.value,
        comment: str | None = None,
        where: Location | None = None,
        precision: Precision | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        # the fields set here rather than by Observation.__init__: one call less for each of
        # millions of observations (the same fields, ``where`` through its own slot)
        self.table = table
        self.ref_area = ref_area
        self.time_period = time_period
        self.key = key
        self.value = value
        self.obs_status = obs_status
        self.conf_status = conf_status
        self.comment = comment
        self.precision = precision
        _WHERE.__set__(self, where)
        if where is None:
            self._file, self._line, self._column = file, line, column
        else:
            self._file = self._line = self._column = None

    @property  # type: ignore[override]
    def where(self) -> Location | None:
        given = _WHERE.__get__(self)
        if given is not None or self._line is None:
            return given
        return Location(file=self._file, line=self._line, column=self._column)

    @where.setter
    def where(self, where: Location | None) -> None:
        _WHERE.__set__(self, where)
        self._file = self._line = self._column = None

    def __eq__(self, other: object) -> bool:
        """Equal to any observation (of either class) with the same fields."""
        if not isinstance(other, Observation):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable, as Observation


_FIELDS = tuple(f.name for f in fields(Observation))


def place_of(obs: Observation) -> tuple[str | None, str | None, str | None, int | None, str | None]:
    """``(file, sheet, cell, line, column)`` of an observation, without making a
    :class:`Location` for a :class:`LineObservation` (a spill of millions reads this)."""
    if isinstance(obs, LineObservation) and obs._line is not None:
        return obs._file, None, None, obs._line, obs._column
    where = obs.where
    if where is None:
        return None, None, None, None, None
    return where.file, where.sheet, where.cell, where.line, where.column


class SourceType(StrEnum):
    CENSUS = "census"
    REGISTER = "register"
    ALIENS_REGISTER = "aliens_register"
    PERMITS = "permits"
    BORDER = "border"
    ASYLUM = "asylum"
    SURVEY = "survey"
    ADMINISTRATIVE = "administrative"
    ESTIMATE = "estimate"
    MICRODATA = "microdata"
    OTHER = "other"


class ResidenceRule(StrEnum):
    """The residence (duration) rule a country actually applied."""

    M12 = "12_months"
    M6_1D = "6_months_1_day"
    M3 = "3_months"
    M9 = "9_months"
    PERMANENT = "permanent_registration"
    NO_LIMIT = "no_time_limit"
    OTHER = "other"


@dataclass(slots=True)
class TableMetadata:
    """What a country says about how it produced one table (brief, section 5)."""

    table: str
    source_type: str | None = None
    reference_date: str | None = None
    residence_rule: str | None = None
    residence_rule_months: int | None = None
    population_covered: str | None = None
    origin_concept: str | None = None
    rounding_base: int | None = None
    notes: str | None = None
    reliability: dict[str, Any] | None = None
    """A survey's reliability rule (``flag_cv``, ``suppress_cv`` as fractions, ``min_records``,
    ``suppress_zero``), as ``migstat tabulate`` applied it; quoted by the portal's legend."""
    disclosure: dict[str, Any] | None = None
    """The disclosure rule applied (``rule``, ``parameters``), likewise."""
    where: dict[str, Location] = field(default_factory=dict)
    """Where each field was read (metadata-sheet cells), for findings."""

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "table",
                "source_type",
                "reference_date",
                "residence_rule",
                "residence_rule_months",
                "population_covered",
                "origin_concept",
                "rounding_base",
                "notes",
                "reliability",
                "disclosure",
            )
            if getattr(self, k) is not None
        }


@dataclass(slots=True)
class SubmissionMetadata:
    """Metadata of a whole submission: who sends it and per-table metadata."""

    country: str | None = None
    year: int | None = None
    agency: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    language: str | None = None
    revision_reason: str | None = None
    tables: dict[str, TableMetadata] = field(default_factory=dict)
    where: dict[str, Location] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        head = {
            k: getattr(self, k)
            for k in (
                "country",
                "year",
                "agency",
                "contact_name",
                "contact_email",
                "language",
                "revision_reason",
            )
            if getattr(self, k) is not None
        }
        head["tables"] = {t: m.to_dict() for t, m in self.tables.items()}
        return head


@dataclass(slots=True)
class Provenance:
    """Where an imported dataset comes from (publisher, edition, licence)."""

    publisher: str
    dataset: str | None = None
    edition: str | None = None
    url: str | None = None
    licence: str | None = None
    notes: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in ("publisher", "dataset", "edition", "url", "licence", "notes")
            if getattr(self, k) is not None
        }


@dataclass(slots=True)
class Dataset:
    """Everything read from one file, before validation and storage.

    ``provider`` identifies who stands behind the numbers (the reporting country's code for a
    national submission, ``UN_DESA``, ``UNHCR``, ``CISSTAT`` ... for imports); a later dataset
    from the same provider for the same table, area and period is a revision of it.
    """

    file_name: str
    format: str
    provider: str
    observations: list[Observation] = field(default_factory=list)
    metadata: SubmissionMetadata = field(default_factory=SubmissionMetadata)
    provenance: Provenance | None = None
    synthetic: bool = False
    findings: list[Any] = field(default_factory=list)
    """Findings made while reading (unknown codes, non-numeric cells), as ``Finding``."""
    breakdowns: dict[str, str] = field(default_factory=dict)
    """Table -> the breakdown this dataset gives of it (:func:`breakdown_of`), for a
    publisher whose editions break the same cells down differently (UN DESA's totals by sex
    and its matrix by origin). A later dataset of the provider supersedes a slice only when
    it gives the same breakdown; a table not named here has the breakdown ``""`` (every
    slice key has one breakdown, as for a country's own submissions)."""

    @property
    def tables(self) -> list[str]:
        seen: dict[str, None] = {}
        for obs in self.observations:
            seen.setdefault(obs.table, None)
        return list(seen)


def breakdown_of(
    observations: Iterable[Observation], table: str, dimension_ids: Sequence[str]
) -> str:
    """The breakdown of ``table`` that ``observations`` give: the ids of the dimensions
    (``dimension_ids``, in key order) that take more than one code, joined by ``+``.

    UN DESA's Table 1 (totals by sex) gives ``SEX``, its matrix by origin ``COUNTRY_BIRTH``
    and its matrix by origin and sex ``COUNTRY_BIRTH+SEX``: three breakdowns of the same
    cells, each revised only by a later edition of itself.
    """
    codes: list[set[str]] = [set() for _ in dimension_ids]
    for obs in observations:
        if obs.table != table:
            continue
        for seen, code in zip(codes, obs.key, strict=False):
            seen.add(code)
    return "+".join(d for d, seen in zip(dimension_ids, codes, strict=True) if len(seen) > 1)
