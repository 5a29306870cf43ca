"""What the release states make visible, as the store reads them: the version of visibility
that caches key on, and the release calendar.

The rules themselves are the access gate's (:mod:`migstat.store.access`); the rows are written
by :mod:`migstat.exchange.release` and :mod:`migstat.exchange.agreements`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from migstat.store import schema as S
from migstat.store.access import EMBARGOED, PARTNERS, PUBLISHED
from migstat.store.engine import StoreCore, aware, naive_utc
from migstat.store.permissions import Principal


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One release as the calendar shows it: when, which country and tables, what state.
    No value: the calendar is public."""

    when: datetime
    country: str | None
    provider: str
    tables: tuple[str, ...]
    state: str
    submission_id: int


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """A row of the append-only ``release`` table: a submission (one of its tables, or all)
    and the state it went into, when, by whom and why."""

    id: int
    submission_id: int
    table: str | None
    state: str
    embargo_until: datetime | None
    released_at: datetime
    released_by: str
    note: str | None


def release_fields(row: Any) -> dict[str, Any]:
    """The :class:`ReleaseRow` fields of a ``release`` row (a mapping), times made aware."""
    until = row["embargo_until"]
    return {
        "id": row["id"],
        "submission_id": row["submission_id"],
        "table": row["table_id"],
        "state": row["state"],
        "embargo_until": aware(until) if until is not None else None,
        "released_at": aware(row["released_at"]),
        "released_by": row["released_by"],
        "note": row["note"],
    }


@dataclass(frozen=True, slots=True)
class ReleaseStep(ReleaseRow):
    """One state a submission went into, with its country and provider: a row of the
    release history, which keeps every state, withdrawals included."""

    country: str | None
    provider: str

    def open_to(self, at: datetime) -> str:
        """Who outside the coordinator and the submitting country could read the data at
        ``at`` while this was the latest state: ``public``, ``partners`` (the agreements'
        members; an embargo not yet over counts as such: partners read embargoed data),
        or ``nobody`` (withdrawn)."""
        if self.state == PUBLISHED or (
            self.state == EMBARGOED and self.embargo_until is not None and self.embargo_until <= at
        ):
            return "public"
        return "partners" if self.state in (PARTNERS, EMBARGOED) else "nobody"


VERSION_SQL = f"SELECT version FROM {S.store_version.name} WHERE id = 1"
"""Plain SQL: compiling a statement on every request would cost more than running it."""


class StoreReleases(StoreCore):
    """Release rows read for caches and for the calendar."""

    def visibility_version(self) -> tuple[int, int]:
        """What changes whenever what anyone may read changes: ``(version, ended)``.

        ``version`` is the one row of ``store_version``, which triggers bump in the very
        transaction that writes a submission or its state, a release, an agreement, a
        suppressed cell or a round (migration 0013), so a change made through any process
        shows at once in every worker; ``ended`` counts the embargo ends at or before the
        policy's clock. The embargo ends are read once per version and kept in the process,
        so a request pays for one read of one row; the count moves exactly when an embargo
        ends, with no job run and no time limit on what caches keep."""
        with self.reading() as conn:
            version = conn.exec_driver_sql(VERSION_SQL).scalar_one()
        ends = self._embargo_ends(version)
        return version, bisect.bisect_right(ends, self.policy.now())

    def next_visibility_event(self) -> datetime | None:
        """The next moment the clock alone changes what someone may read (the earliest
        embargo end after the policy's clock), or ``None``."""
        version, ended = self.visibility_version()
        ends = self._embargo_ends(version)
        return aware(ends[ended]) if ended < len(ends) else None

    def _embargo_ends(self, version: int) -> list[datetime]:
        """Every embargo end ever recorded (a superseded one only makes a cache rebuild
        once more than needed), sorted; read again only when ``version`` changes."""
        kept = getattr(self, "_embargo_schedule", None)
        if kept is not None and kept[0] == version:
            return kept[1]
        r = S.release
        stmt = sa.select(r.c.embargo_until).where(
            r.c.state == EMBARGOED, r.c.embargo_until.is_not(None)
        )
        with self.reading() as conn:
            ends = sorted(until for (until,) in conn.execute(stmt))
        # a read that raced a newer write may hold more ends than ``version`` had: that only
        # counts an embargo as ended when it has ended, never sooner
        self._embargo_schedule = (version, ends)
        return ends

    def release_moments(self) -> dict[tuple[int, str | None], datetime]:
        """When the latest release of each (submission, table or ``None`` for all) took
        effect: its embargo's end once that has passed, else the release time. SDMX
        ``updatedAfter`` counts data as updated then, so a harvester polling with it gets
        data whose embargo ended since its last poll, recorded long before."""
        r = S.release
        latest = sa.select(sa.func.max(r.c.id)).group_by(
            r.c.submission_id, sa.func.coalesce(r.c.table_id, "")
        )
        stmt = sa.select(r.c.submission_id, r.c.table_id, r.c.embargo_until, r.c.released_at).where(
            r.c.id.in_(latest)
        )
        now = self.policy.now()
        with self.reading() as conn:
            return {
                (sid, table): aware(until if until is not None and until <= now else at)
                for sid, table, until, at in conn.execute(stmt)
            }

    def calendar(self) -> list[CalendarEntry]:
        """Every release to partners or the public, its embargo's end as its time, by time:
        the latest state of each (submission, table scope), withdrawn ones left out."""
        r, sub = S.release, S.submission
        latest = sa.select(sa.func.max(r.c.id)).group_by(
            r.c.submission_id, sa.func.coalesce(r.c.table_id, "")
        )
        stmt = (
            sa.select(
                r.c.submission_id,
                r.c.table_id,
                r.c.state,
                r.c.embargo_until,
                r.c.released_at,
                sub.c.country,
                sub.c.provider,
                sub.c.tables,
            )
            .join(sub, sub.c.id == r.c.submission_id)
            .where(r.c.id.in_(latest), r.c.state.in_((PARTNERS, EMBARGOED, PUBLISHED)))
        )
        with self.reading() as conn:
            rows = list(conn.execute(stmt))
        out = [
            CalendarEntry(
                when=aware(row.embargo_until or row.released_at),
                country=row.country,
                provider=row.provider,
                tables=(row.table_id,) if row.table_id else tuple(row.tables or ()),
                state=row.state,
                submission_id=row.submission_id,
            )
            for row in rows
        ]
        out.sort(key=lambda e: (e.when, e.submission_id))
        return out

    def release_history(
        self, principal: Principal, *, as_of: datetime | None = None, latest: bool = False
    ) -> list[ReleaseStep]:
        """The release states ``principal`` may read (every country's for the coordinator,
        its own for a reporter or approver; anyone else is refused with
        :class:`~migstat.store.access.AccessDeniedError`), oldest first: those recorded at or
        before ``as_of`` (every one without it); with ``latest``, only the state each
        (submission, table scope) was in at ``as_of``, i.e. what was released then. Nothing
        is left out: a withdrawal is a state like the others, and the states before it stay."""
        country = self.policy.release_history_country(principal)
        r, sub = S.release, S.submission
        stmt = (
            sa.select(r, sub.c.country, sub.c.provider)
            .join(sub, sub.c.id == r.c.submission_id)
            .order_by(r.c.id)
        )
        if as_of is not None:
            stmt = stmt.where(r.c.released_at <= naive_utc(as_of))
        if country is not None:
            stmt = stmt.where(sub.c.country == country)
        with self.reading() as conn:
            steps = [_step(row._mapping) for row in conn.execute(stmt)]
        if latest:
            last = {(s.submission_id, s.table): s for s in steps}
            steps = sorted(last.values(), key=lambda s: s.id)
        return steps


def _step(row: Any) -> ReleaseStep:
    return ReleaseStep(**release_fields(row), country=row["country"], provider=row["provider"])
