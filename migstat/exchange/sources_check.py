"""A submission beside other sources for the same cells: what UN DESA, CIS-Stat, Eurostat or
any other publisher imported into the store says for the same table, area, period and key.

Only what the public may read of the other sources is compared (their published cells, free
values): the differences are warnings the reporter reads too, so they must not show the
reporter a figure it is not entitled to. The other side is each other provider's current
vintage of the cell; the submitting country's own provider is its previous vintage, compared
elsewhere (:func:`migstat.exchange.review.changes`). A difference beyond a factor
(``MIGSTAT_SOURCE_FACTOR``, by default the mirror factor ``MIGSTAT_MIRROR_FACTOR``, 2) in
either direction is a warning finding stored with the submission.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from migstat.exchange.review import Apart, mirror_factor
from migstat.i18n import N_
from migstat.model.data import Dataset, Location
from migstat.model.findings import Finding, Severity
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import ANONYMOUS

RULE = "SOURCE_FACTOR"
MAX_PLACES = 5000
"""Table x area x period slices looked up at most (a questionnaire has a few dozen)."""
MSG_SOURCE = N_(
    "{table} {area} {period} {key}: {own} reported here against {other} published by "
    "{source} for the same cell ({ratio} times apart, more than the {factor} times allowed): "
    "explain the difference or correct the figure."
)

Place = tuple[str, str, str, str]
"""(table, area, period, key as stored)."""
Cells = dict[Place, tuple[float, Location | None]]


def source_factor() -> float:
    """The factor beyond which a cell and another source's figure are a warning (at least 1)."""
    raw = os.environ.get("MIGSTAT_SOURCE_FACTOR", "").strip()
    try:
        value = float(raw) if raw else mirror_factor()
    except ValueError:
        value = mirror_factor()
    return value if math.isfinite(value) and value >= 1 else mirror_factor()


@dataclass(frozen=True, slots=True)
class OtherSource(Apart):
    """One cell of a submission beside another source's published figure for it."""

    table: str
    area: str
    period: str
    key: str
    source: str
    own: float
    other: float
    factor: float
    where: Location | None = None

    def finding(self) -> Finding:
        return Finding(
            RULE,
            Severity.WARNING,
            MSG_SOURCE,
            params={
                "table": self.table,
                "area": self.area,
                "period": self.period,
                "key": self.key,
                "source": self.source,
                "own": self.own,
                "other": self.other,
                "ratio": round(self.ratio, 1),
                "factor": self.factor,
            },
            table=self.table,
            where=self.where,
            values={"observed": self.own, "expected": self.other},
        )


def _published(store: Store, places: set[tuple[str, str, str]], provider: str) -> dict:
    """Other providers' current published free values for ``places``: place -> provider ->
    value (the newest accepted slice of each provider wins)."""
    sub, sl, ob = S.submission, S.slice_, S.observation
    policy = store.policy
    columns = policy.observation_columns(ANONYMOUS, ob)
    out: dict[Place, dict[str, float]] = {}
    ordered = sorted(places)[:MAX_PLACES]
    with store.reading() as conn:
        for start in range(0, len(ordered), 200):
            chunk = ordered[start : start + 200]
            stmt = (
                sa.select(
                    sl.c.table_id,
                    sl.c.ref_area,
                    sl.c.time_period,
                    ob.c.key,
                    sl.c.provider,
                    columns["value"],
                    columns["conf_status"],
                )
                .join(ob, ob.c.slice_id == sl.c.id)
                .join(sub, sub.c.id == sl.c.submission_id)
                .where(
                    sa.tuple_(sl.c.table_id, sl.c.ref_area, sl.c.time_period).in_(chunk),
                    sl.c.provider != provider,
                    policy.data_clause(ANONYMOUS, sub),
                    policy.release_clause(ANONYMOUS, sub, sl),
                )
                .order_by(sl.c.recorded_at, sl.c.id)
            )
            for table, area, period, key, source, value, conf in conn.execute(stmt):
                mine = out.setdefault((table, area, period, key), {})
                if value is None or conf != "F":
                    mine.pop(source, None)
                else:
                    mine[source] = float(value)  # the newest vintage is read last
    return out


def compare(
    store: Store, cells: Cells, provider: str, factor: float | None = None
) -> list[OtherSource]:
    """Every cell of ``cells`` that another provider publishes too, beside its figure."""
    factor = source_factor() if factor is None else factor
    places = {(t, a, p) for t, a, p, _k in cells}
    if not places:
        return []
    others = _published(store, places, provider)
    found = []
    for place in sorted(cells.keys() & others.keys()):
        own, where = cells[place]
        for source, other in sorted(others[place].items()):
            found.append(OtherSource(*place, source, own, other, factor, where))
    return found


def _of_dataset(dataset: Dataset) -> Cells:
    return {
        (o.table, o.ref_area, o.time_period, S.KEY_SEPARATOR.join(o.key)): (float(o.value), o.where)
        for o in dataset.observations
        if o.value is not None
    }


def _of_stored(rows: Iterable[tuple[Place, float | None]]) -> Cells:
    return {place: (float(value), None) for place, value in rows if value is not None}


def source_findings(
    store: Store, dataset: Dataset, *, factor: float | None = None
) -> list[Finding]:
    """Warnings where an upload's cells and other sources' published figures differ by more
    than ``factor`` (default :func:`source_factor`)."""
    provider = dataset.provider or ""
    found = compare(store, _of_dataset(dataset), provider, factor)
    return [c.finding() for c in found if c.beyond]


def source_comparison(
    store: Store, submission_id: int, *, factor: float | None = None
) -> list[OtherSource]:
    """Every cell of a stored submission that another source publishes (the review page)."""
    sl, ob = S.slice_, S.observation
    stmt = (
        sa.select(
            sl.c.table_id, sl.c.ref_area, sl.c.time_period, ob.c.key, ob.c.value, sl.c.provider
        )
        .join(ob, ob.c.slice_id == sl.c.id)
        .where(sl.c.submission_id == submission_id)
    )
    with store.reading() as conn:
        rows = conn.execute(stmt).all()
    if not rows:
        return []
    provider = rows[0][5]
    return compare(
        store, _of_stored(((r[0], r[1], r[2], r[3]), r[4]) for r in rows), provider, factor
    )


__all__ = ["OtherSource", "compare", "source_comparison", "source_factor", "source_findings"]
