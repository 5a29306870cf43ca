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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


def _own_flows(
    dataset: Dataset, table: str, partner_at: int, cell_at: dict[int, str]
) -> dict[tuple[str, str], tuple[float, Location | None]]:
    """(year, partner) -> (value, where) of one flow table at the mirror's cell."""
    out: dict[tuple[str, str], tuple[float, Location | None]] = {}
    for obs in dataset.observations:
        if obs.table != table or obs.value is None or partner_at >= len(obs.key):
            continue
        if all(obs.key[i] == code for i, code in cell_at.items() if i < len(obs.key)):
            out[(obs.time_period[:4], obs.key[partner_at])] = (float(obs.value), obs.where)
    return out


def _finding(
    table: str, partner: str, year: str, own: float, other: float, factor: float, where: Any
) -> Finding:
    ratio = max(own, other) / max(min(own, other), 1e-9)
    return Finding(
        RULE,
        Severity.WARNING,
        MSG_MIRROR,
        params={
            "table": table,
            "partner": partner,
            "year": year,
            "own": own,
            "other": other,
            "ratio": round(ratio, 1),
            "factor": factor,
        },
        table=table,
        where=where,
        values={"observed": own, "expected": other},
    )


def _beyond(own: float, other: float, factor: float) -> bool:
    if max(own, other) < MIN_FLOW:
        return False
    low = min(own, other)
    return low <= 0 or max(own, other) / low > factor


def mirror_findings(
    store: Store, dataset: Dataset, *, factor: float | None = None
) -> list[Finding]:
    """Warnings where the submission's flows and the partners' mirror figures differ by more
    than ``factor`` (default :func:`mirror_factor`)."""
    factor = mirror_factor() if factor is None else factor
    country = dataset.metadata.country or dataset.provider
    registry = store.registry
    basis = BASES["residence"]
    tables = {basis.immigration, basis.emigration} & {o.table for o in dataset.observations}
    years = sorted({int(o.time_period[:4]) for o in dataset.observations if o.table in tables})
    if not tables or not years or not country:
        return []
    cell = cell_codes(registry, basis)
    matrix = mirror_matrix(store, years=years, basis="residence", principal=REVIEWER)
    at = {c: k for k, c in enumerate(matrix.countries)}
    yat = {str(y): k for k, y in enumerate(matrix.years)}
    found: list[Finding] = []
    for table in sorted(tables):
        tdef = registry.table(table)
        partner_at = tdef.key_index(tdef.partner.id) if tdef.partner else None
        if partner_at is None:
            continue
        cell_at = {tdef.key_index(d): code for d, code in cell.items() if d in tdef.dimension_ids}
        immigration = table == basis.immigration
        for (year, partner), (own, where) in sorted(
            _own_flows(dataset, table, partner_at, cell_at).items()
        ):
            if partner == country or partner not in at or country not in at or year not in yat:
                continue
            y, p, c = yat[year], at[partner], at[country]
            # the partner's side: its emigration to us, or its immigration from us
            other = matrix.emigration[y, p, c] if immigration else matrix.immigration[y, c, p]
            if not math.isnan(other) and _beyond(own, float(other), factor):
                found.append(_finding(table, partner, year, own, float(other), factor, where))
    return found


def count_findings(found: Iterable[Finding]) -> tuple[int, int]:
    """(errors, warnings) among ``found``."""
    items = list(found)
    return (
        sum(1 for f in items if f.severity == Severity.ERROR),
        sum(1 for f in items if f.severity == Severity.WARNING),
    )


__all__ = [
    "DEFAULT_FACTOR",
    "Change",
    "Changes",
    "changes",
    "count_findings",
    "mirror_factor",
    "mirror_findings",
    "previous_of",
]
