"""What the reviewer sees beside a submission: what changed since an earlier vintage, and how
its flows compare with what the partner countries report for the same corridors.

:func:`changes` compares the cells of two stored submissions (cells changed with their old
and new values, cells added, cells dropped). :func:`mirror_findings` puts a national
submission's immigration (F01) and emigration (F02) per partner beside the partners' own
emigration and immigration figures for the same corridor and year (the mirror matrix of
:mod:`migstat.analysis.mirror`, as the coordinator reads it); a difference beyond a factor
(``MIGSTAT_MIRROR_FACTOR``, default 2) in either direction is a warning finding, stored with
the submission, so the reporter sees it and can explain it like any other.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from migstat.analysis.mirror import cell_codes, mirror_matrix
from migstat.analysis.mirror_model import BASES
from migstat.i18n import N_
from migstat.model.data import Dataset, Location
from migstat.model.findings import Finding, Severity
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import COORDINATOR, Principal

DEFAULT_FACTOR = 2.0
MIN_FLOW = 10.0
"""Corridors where both sides are below this are not compared (small numbers swing)."""
MAX_SHOWN = 500
"""Changed cells listed at most (the counts are always complete)."""
REVIEWER = Principal(user_id=COORDINATOR, roles=frozenset({COORDINATOR}))
"""Whom the partners' side is read as: what the coordinator may compare against."""
RULE = "MIRROR_FACTOR"
BASIS = BASES["residence"]
"""Flows by previous and next residence (F01 against F02): the same moves counted twice."""
MSG_MIRROR = N_(
    "{table} {partner} {year}: {own} reported here against {other} reported by {partner} "
    "for the same corridor ({ratio} times apart, more than the {factor} times allowed): "
    "explain the difference or correct the figure."
)


def mirror_factor() -> float:
    """The factor beyond which the two sides of a corridor are a warning (at least 1)."""
    raw = os.environ.get("MIGSTAT_MIRROR_FACTOR", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_FACTOR
    except ValueError:
        value = DEFAULT_FACTOR
    return value if math.isfinite(value) and value >= 1 else DEFAULT_FACTOR


@dataclass(frozen=True, slots=True)
class Change:
    table: str
    ref_area: str
    time_period: str
    key: str
    old: float | None
    new: float | None


@dataclass(slots=True)
class Changes:
    """How one submission differs from an earlier one, cell by cell."""

    old_id: int | None
    new_id: int
    changed: list[Change] = field(default_factory=list)
    n_changed: int = 0
    n_added: int = 0
    n_dropped: int = 0

    @property
    def same(self) -> bool:
        return self.n_changed == self.n_added == self.n_dropped == 0


def _cells(store: Store, submission_id: int) -> dict[tuple[str, str, str, str], float | None]:
    """Every cell of one stored submission: (table, area, period, key) -> value."""
    sl, ob = S.slice_, S.observation
    stmt = (
        sa.select(sl.c.table_id, sl.c.ref_area, sl.c.time_period, ob.c.key, ob.c.value)
        .join(ob, ob.c.slice_id == sl.c.id)
        .where(sl.c.submission_id == submission_id)
    )
    with store.reading() as conn:
        return {(r[0], r[1], r[2], r[3]): r[4] for r in conn.execute(stmt)}


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b))


def changes(store: Store, old_id: int | None, new_id: int) -> Changes:
    """The cells of ``new_id`` that differ from ``old_id`` (every cell is new without one)."""
    new = _cells(store, new_id)
    out = Changes(old_id, new_id)
    if old_id is None:
        out.n_added = len(new)
        return out
    old = _cells(store, old_id)
    for place in sorted(new.keys() & old.keys()):
        if _differs(old[place], new[place]):
            out.n_changed += 1
            if len(out.changed) < MAX_SHOWN:
                out.changed.append(Change(*place, old=old[place], new=new[place]))
    out.n_added = len(new.keys() - old.keys())
    out.n_dropped = len(old.keys() - new.keys())
    return out


def previous_of(store: Store, submission_id: int, *, accepted_only: bool = False) -> int | None:
    """The country's submission before ``submission_id`` (the last accepted one if asked)."""
    sub = S.submission
    with store.reading() as conn:
        country = conn.execute(sa.select(sub.c.country).where(sub.c.id == submission_id)).scalar()
        if country is None:
            return None
        stmt = sa.select(sa.func.max(sub.c.id)).where(
            sub.c.country == country, sub.c.id < submission_id
        )
        if accepted_only:
            stmt = stmt.where(sub.c.status == "accepted")
        return conn.execute(stmt).scalar()


OwnFlows = dict[tuple[str, str], tuple[float, Location | None]]
"""(year, partner) -> (value, where) of one flow table at the mirror's cell."""


class Apart:
    """Two figures for the same thing, ``own`` (the submission's) and ``other`` (a partner's
    or another source's), and the ``factor`` they may differ by in either direction."""

    __slots__ = ()
    own: float
    other: float
    factor: float

    @property
    def ratio(self) -> float:
        """How many times the larger is of the smaller (a side at or below 0 counts as 1e-9)."""
        return max(self.own, self.other) / max(min(self.own, self.other), 1e-9)

    @property
    def beyond(self) -> bool:
        """Apart by more than the factor. Both sides under :data:`MIN_FLOW` in size never are
        (small numbers swing); a side at or below 0 beside one that is not small always is."""
        if max(abs(self.own), abs(self.other)) < MIN_FLOW:
            return False
        return min(self.own, self.other) <= 0 or self.ratio > self.factor


@dataclass(frozen=True, slots=True)
class Corridor(Apart):
    """One corridor of a submission beside the partner's own figure for it."""

    table: str
    partner: str
    year: str
    own: float
    other: float
    factor: float
    where: Location | None = None

    def finding(self) -> Finding:
        return Finding(
            RULE,
            Severity.WARNING,
            MSG_MIRROR,
            params={
                "table": self.table,
                "partner": self.partner,
                "year": self.year,
                "own": self.own,
                "other": self.other,
                "ratio": round(self.ratio, 1),
                "factor": self.factor,
            },
            table=self.table,
            where=self.where,
            values={"observed": self.own, "expected": self.other},
        )


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a flow table holds its partner and the mirror's cell codes."""

    table: str
    partner_at: int
    cell_at: dict[int, str]

    def place(self, key: Sequence[str]) -> str | None:
        """The partner of a key at the mirror's cell, else ``None``."""
        if self.partner_at >= len(key):
            return None
        if all(key[i] == code for i, code in self.cell_at.items() if i < len(key)):
            return key[self.partner_at]
        return None


def _layouts(store: Store) -> list[_Layout]:
    registry = store.registry
    cell = cell_codes(registry, BASIS)
    out = []
    for table in (BASIS.immigration, BASIS.emigration):
        tdef = registry.table(table)
        if tdef.partner is None:
            continue
        cell_at = {tdef.key_index(d): code for d, code in cell.items() if d in tdef.dimension_ids}
        out.append(_Layout(table, tdef.key_index(tdef.partner.id), cell_at))
    return out


def _own_of_dataset(dataset: Dataset, layout: _Layout) -> OwnFlows:
    out: OwnFlows = {}
    for obs in dataset.observations:
        if obs.table != layout.table or obs.value is None:
            continue
        partner = layout.place(obs.key)
        if partner is not None:
            out[(obs.time_period[:4], partner)] = (float(obs.value), obs.where)
    return out


def _own_of_stored(store: Store, submission_id: int, layout: _Layout) -> OwnFlows:
    out: OwnFlows = {}
    for (table, _area, period, key), value in _cells(store, submission_id).items():
        if table != layout.table or value is None:
            continue
        partner = layout.place(key.split(S.KEY_SEPARATOR))
        if partner is not None:
            out[(period[:4], partner)] = (float(value), None)
    return out


def _corridors(
    store: Store, country: str | None, own: dict[str, OwnFlows], factor: float
) -> list[Corridor]:
    """Every corridor of ``own`` (table -> flows) that the partner reports too."""
    years = sorted({int(y) for flows in own.values() for y, _p in flows})
    if not country or not years:
        return []
    matrix = mirror_matrix(store, years=years, basis=BASIS.id, principal=REVIEWER)
    at = {c: k for k, c in enumerate(matrix.countries)}
    yat = {str(y): k for k, y in enumerate(matrix.years)}
    found: list[Corridor] = []
    for table, flows in sorted(own.items()):
        immigration = table == BASIS.immigration
        for (year, partner), (value, where) in sorted(flows.items()):
            if partner == country or partner not in at or country not in at or year not in yat:
                continue
            y, p, c = yat[year], at[partner], at[country]
            # the partner's side: its emigration to us, or its immigration from us
            other = matrix.emigration[y, p, c] if immigration else matrix.immigration[y, c, p]
            if not math.isnan(other):
                found.append(Corridor(table, partner, year, value, float(other), factor, where))
    return found


def mirror_findings(
    store: Store, dataset: Dataset, *, factor: float | None = None
) -> list[Finding]:
    """Warnings where the submission's flows and the partners' mirror figures differ by more
    than ``factor`` (default :func:`mirror_factor`)."""
    factor = mirror_factor() if factor is None else factor
    own = {layout.table: _own_of_dataset(dataset, layout) for layout in _layouts(store)}
    country = dataset.metadata.country or dataset.provider
    return [c.finding() for c in _corridors(store, country, own, factor) if c.beyond]


def mirror_comparison(
    store: Store, submission_id: int, country: str | None, *, factor: float | None = None
) -> list[Corridor]:
    """Every corridor of a stored submission beside the partner's figure (the review page)."""
    factor = mirror_factor() if factor is None else factor
    own = {layout.table: _own_of_stored(store, submission_id, layout) for layout in _layouts(store)}
    return _corridors(store, country, own, factor)


__all__ = [
    "DEFAULT_FACTOR",
    "Change",
    "Changes",
    "Corridor",
    "changes",
    "mirror_comparison",
    "mirror_factor",
    "mirror_findings",
    "previous_of",
]
