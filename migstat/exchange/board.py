"""A round's status board: country x table, from the submissions themselves.

Only the country's own submissions count (provider = the country: a publisher's import about
it does not). A submission of a country counts for a round's cell (the country, a table it
carries) when

- its metadata names the round (``round``), or
- it has data of the table for the round's reference year, or
- it arrived while the round was open and its latest data of the table are not newer than
  the round's year: the most recent data the country has (a census dated 2022 sent in the
  2024 round provides that round's stocks).

The cell's state, in this order: *accepted* when any counting submission was accepted (a
released one too); *not available* when the country declared so after its latest counting
submission; else the latest counting submission's: *draft*, *submitted* (signed off too),
*returned* (returned with findings, or rejected by validation). Nothing counting and nothing
declared: *not started*, or *late* once the deadline has passed (a draft past the deadline is
late as well).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from migstat.exchange.rounds import Round
from migstat.i18n import N_
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import AccessDeniedError, Principal
from migstat.store.engine import aware, utcnow
from migstat.store.records import SubmissionRecord

NOT_STARTED = "not_started"
DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
ACCEPTED = "accepted"
NOT_AVAILABLE = "not_available"
LATE = "late"
STATES = (ACCEPTED, SUBMITTED, DRAFT, RETURNED, NOT_AVAILABLE, LATE, NOT_STARTED)
STATE_NAMES = {
    NOT_STARTED: N_("not started"),
    DRAFT: N_("draft"),
    SUBMITTED: N_("submitted"),
    RETURNED: N_("returned with findings"),
    ACCEPTED: N_("accepted"),
    NOT_AVAILABLE: N_("declared not available"),
    LATE: N_("late"),
}
# submission.status -> the cell's state (release states of an accepted submission included)
_FROM_STATUS = {
    "draft": DRAFT,
    "submitted": SUBMITTED,
    "signed_off": SUBMITTED,
    "returned": RETURNED,
    "rejected": RETURNED,
    "accepted": ACCEPTED,
    "partners": ACCEPTED,
    "embargoed": ACCEPTED,
    "published": ACCEPTED,
}
DONE = (ACCEPTED, SUBMITTED, NOT_AVAILABLE)
"""States that need no reminder."""


@dataclass(frozen=True, slots=True)
class Cell:
    country: str
    table: str
    state: str
    submission_id: int | None = None
    reason: str | None = None
    late: bool = False
    """Past the deadline without anything accepted, submitted or declared."""


@dataclass(slots=True)
class Board:
    round: Round
    countries: list[str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(c.state for c in self.cells.values())
        return {s: found.get(s, 0) for s in STATES}

    def row(self, country: str) -> list[Cell | None]:
        """The cells of ``country`` in the round's table order (``None``: not asked)."""
        return [self.cells.get((country, t)) for t in self.round.tables]


def past_deadline(found: Round, now: datetime | None = None) -> bool:
    moment = now if now is not None else aware(utcnow())
    return moment.date() > found.deadline


def visible_countries(store: Store, found: Round, principal: Principal) -> list[str]:
    """The rows ``principal`` may see: every country for the coordinator, its own for a
    country's account; :class:`AccessDeniedError` when none."""
    rows = [c for c in found.countries if store.policy.can_read_round_row(principal, c)]
    if not rows:
        raise AccessDeniedError(
            N_(
                "Only the coordinator and the countries the round asks may see its board: "
                "sign in with such an account."
            )
        )
    return rows


def periods(store: Store, ids: list[int]) -> dict[tuple[int, str], set[int]]:
    """(submission id, table) -> the years of its slices."""
    sl = S.slice_
    found: dict[tuple[int, str], set[int]] = defaultdict(set)
    if not ids:
        return found
    stmt = (
        sa.select(sl.c.submission_id, sl.c.table_id, sl.c.time_period)
        .where(sl.c.submission_id.in_(ids))
        .distinct()
    )
    with store.reading() as conn:
        for sid, table, period in conn.execute(stmt):
            if str(period)[:4].isdigit():
                found[(sid, table)].add(int(str(period)[:4]))
    return found


def counts_for(found: Round, record: SubmissionRecord, years: set[int]) -> bool:
    """Whether ``record`` (with data of a table for ``years``) counts for ``found``."""
    if record.metadata.get("round") == found.id or found.year in years:
        return True
    if years and max(years) > found.year:
        return False
    ended = found.closed_at is None or record.submitted_at <= found.closed_at
    return found.opened_at <= record.submitted_at and ended


def _cell(
    found: Round, country: str, table: str, counting: list[SubmissionRecord], late: bool
) -> Cell:
    accepted = [r for r in counting if _FROM_STATUS.get(r.status) == ACCEPTED]
    if accepted:
        return Cell(country, table, ACCEPTED, accepted[-1].id)
    latest = counting[-1] if counting else None
    declared = found.declared(country, table)
    if declared is not None and (latest is None or declared.at >= latest.submitted_at):
        return Cell(country, table, NOT_AVAILABLE, reason=declared.reason)
    state = _FROM_STATUS.get(latest.status, SUBMITTED) if latest is not None else NOT_STARTED
    overdue = late and state != SUBMITTED
    if overdue and state in (NOT_STARTED, DRAFT):
        state = LATE
    return Cell(country, table, state, latest.id if latest else None, late=overdue)


def board(
    store: Store, found: Round, principal: Principal, *, now: datetime | None = None
) -> Board:
    """The board of ``found`` as ``principal`` may see it (see the module's docstring)."""
    rows = visible_countries(store, found, principal)
    records = [
        r
        for r in store.submissions(principal=principal)
        if r.provider in rows and r.status in _FROM_STATUS
    ]
    years = periods(store, [r.id for r in records])
    late = past_deadline(found, now)
    out = Board(found, rows)
    for country in rows:
        mine = [r for r in records if r.provider == country]
        for table in found.expected[country]:
            counting = [
                r
                for r in mine
                if table in r.tables and counts_for(found, r, years.get((r.id, table), set()))
            ]
            out.cells[(country, table)] = _cell(found, country, table, counting, late)
    return out


__all__ = [
    "ACCEPTED",
    "DONE",
    "DRAFT",
    "LATE",
    "NOT_AVAILABLE",
    "NOT_STARTED",
    "RETURNED",
    "STATES",
    "STATE_NAMES",
    "SUBMITTED",
    "Board",
    "Cell",
    "board",
    "counts_for",
    "past_deadline",
    "periods",
    "visible_countries",
]
