"""What the store hands back: submission records, stored observations, and queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from migstat.model.precision import Precision


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    """One stored submission (a vintage). Times are UTC (time-zone aware)."""

    id: int
    provider: str
    country: str | None
    file_name: str
    format: str
    sha256: str
    size: int
    submitted_at: datetime
    submitted_by: str
    status: str
    synthetic: bool
    n_observations: int
    n_errors: int
    n_warnings: int
    tables: list[str]
    metadata: dict[str, Any]
    provenance: dict[str, Any] | None
    note: str | None


class StoredObservation(NamedTuple):
    """One observation as stored, with the vintage it comes from.

    A named tuple rather than a dataclass: a read makes one per row, and a tuple is built
    in one C call (about ten times faster than a frozen dataclass of thirteen fields) while
    reading its fields by name costs the same. Like the dataclass it replaces, it is
    immutable and hashable.
    """

    table: str
    provider: str
    ref_area: str
    time_period: str
    key: tuple[str, ...]
    partner: str | None
    value: float | None
    obs_status: str
    conf_status: str
    comment: str | None
    submission_id: int
    recorded_at: datetime
    synthetic: bool
    precision: Precision | None = None
    """A survey estimate's precision (schema revision 0008; read from the comment of a row
    stored before it)."""


@dataclass(frozen=True, slots=True)
class ObservationQuery:
    """What to read from one table.

    ``ref_areas``, ``partners`` and ``providers`` restrict to those codes; ``time_from`` and
    ``time_to`` are years, inclusive (a date period ``2020-01-01`` belongs to 2020);
    ``filters`` maps a breakdown dimension id of the table (``SEX``) to the codes wanted.
    """

    table: str
    ref_areas: Sequence[str] | None = None
    partners: Sequence[str] | None = None
    time_from: int | None = None
    time_to: int | None = None
    providers: Sequence[str] | None = None
    filters: Mapping[str, Sequence[str]] | None = field(default=None)
