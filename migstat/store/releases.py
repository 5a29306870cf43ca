"""What the release states make visible, as the store reads them: the version of visibility
that caches key on, and the release calendar.

The rules themselves are the access gate's (:mod:`migstat.store.access`); the rows are written
by :mod:`migstat.exchange.release` and :mod:`migstat.exchange.agreements`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from migstat.store import schema as S
from migstat.store.access import EMBARGOED, PARTNERS, PUBLISHED
from migstat.store.engine import StoreCore, aware


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


class StoreReleases(StoreCore):
    """Release rows read for caches and for the calendar."""

    def visibility_version(self) -> tuple[Any, ...]:
        """What changes whenever what anyone may read changes by release: the newest release,
        agreement and suppression rows, and how many embargoes have ended at the policy's
        clock. Caches key on it, so a release or an embargo's end shows at once through
        every worker sharing the database."""
        r, a = S.release, S.agreement
        now = self.policy.now()
        stmt = sa.select(
            sa.select(sa.func.max(r.c.id)).scalar_subquery(),
            sa.select(sa.func.max(a.c.id)).scalar_subquery(),
            sa.select(sa.func.count())
            .select_from(r)
            .where(r.c.state == EMBARGOED, r.c.embargo_until <= now)
            .scalar_subquery(),
        )
        with self.reading() as conn:
            return tuple(conn.execute(stmt).one())

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
