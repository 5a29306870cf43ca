"""Releasing accepted submissions: to partners, to the public (now or at an embargo's end),
and withdrawing a release.

A release is a new row of the append-only ``release`` table, for a whole submission or some of
its tables; nothing is updated or deleted, and who sees what is decided at read time by the
store's access gate against the clock (:mod:`migstat.store.access`), so an embargo ends at its
time with no job running. Several submissions (both sides of a corridor) are released in one
transaction: readers see all of them change at once, or none.

A table with confidential cells is protected when it is released: the disclosure package's
secondary suppression (:func:`migstat.disclosure.protect`) picks the complementary cells along
every additive relation, and they are recorded in ``suppressed_cell`` with CONF_STATUS D, shown
without their value to everyone not entitled to the confidential ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.disclosure import Rule, protect
from migstat.exchange import audit
from migstat.i18n import N_
from migstat.model import Observation
from migstat.model.findings import InputError, NotFoundError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import (
    ACCEPTED,
    EMBARGOED,
    FREE,
    PARTNERS,
    PUBLISHED,
    SECONDARY,
    WITHDRAWN,
)
from migstat.store.engine import naive_utc
from migstat.store.releases import ReleaseRow, release_fields

RELEASE = "release"
"""The audit trail's action for a release (and a withdrawal)."""
TARGETS = ("partners", "public")
MAX_NOTE = 2000
RULE = Rule(min_frequency=0, secondary_status=SECONDARY)
"""Only the cells a country marks confidential are primary here; their complements are D."""


@dataclass(frozen=True, slots=True)
class Release(ReleaseRow):
    """One release row as written, with how many cells its secondary suppression hid."""

    suppressed: int = 0


def state_for(to: str | None, embargo_until: datetime | None, withdraw: bool) -> str:
    """The release state ``--to``/``--embargo-until``/``--withdraw`` ask for."""
    if withdraw:
        if to is not None or embargo_until is not None:
            raise InputError(N_("--withdraw takes neither --to nor --embargo-until."))
        return WITHDRAWN
    if to not in TARGETS:
        raise InputError(N_("Say where to release: --to partners or --to public."))
    if embargo_until is not None:
        if to != "public":
            raise InputError(N_("An embargo ends in a public release: use --to public."))
        return EMBARGOED
    return PARTNERS if to == "partners" else PUBLISHED


def release(
    store: Store,
    submission_ids: Sequence[int],
    *,
    to: str | None = None,
    embargo_until: datetime | None = None,
    tables: Sequence[str] | None = None,
    tables_of: Mapping[int, Sequence[str] | None] | None = None,
    withdraw: bool = False,
    by: str,
    client: str | None = None,
    note: str | None = None,
) -> list[Release]:
    """Release (or withdraw) ``submission_ids`` in one transaction, with one audit record.

    Each must be accepted; ``tables`` (default: all) must be tables of each. ``tables_of`` gives
    a submission tables of its own instead (both sides of a corridor are different tables:
    one country's F01 and its partner's F02). An embargo must end after the store's clock
    (:meth:`AccessPolicy.now`).
    """
    chosen = dict(tables_of or {})
    state = state_for(to, embargo_until, withdraw)
    now = store.policy.now()
    until = naive_utc(embargo_until) if embargo_until is not None else None
    if until is not None and until <= now:
        raise InputError(
            N_("The embargo time {time} has passed: give a later UTC time, or release now."),
            time=f"{until:%Y-%m-%dT%H:%M:%S}Z",
        )
    ids = list(dict.fromkeys(int(i) for i in submission_ids))
    if not ids:
        raise InputError(N_("Name at least one submission to release."))
    text = (note or "").strip()[:MAX_NOTE] or None
    made: list[Release] = []
    with store.writing() as conn:
        for sid in ids:
            for table in _tables(conn, sid, chosen.get(sid, tables)):
                row = {
                    "submission_id": sid,
                    "table_id": table,
                    "state": state,
                    "embargo_until": until,
                    "released_at": now,
                    "released_by": by,
                    "note": text,
                }
                rid = conn.execute(sa.insert(S.release).returning(S.release.c.id), row).scalar_one()
                hidden = 0 if state == WITHDRAWN else _suppress(store, conn, rid, sid, table)
                made.append(_release({**row, "id": rid}, hidden))
        details: dict[str, Any] = {
            "submissions": ids,
            "tables": _audited_tables(ids, tables, chosen),
            "state": state,
            "embargo_until": f"{until:%Y-%m-%dT%H:%M:%S}Z" if until else None,
            "suppressed": sum(r.suppressed for r in made),
        }
        audit.append(conn, actor=by, action=RELEASE, client=client, details=details, at=now)
    return made


def _audited_tables(
    ids: list[int], tables: Sequence[str] | None, chosen: dict[int, Sequence[str] | None]
) -> Any:
    """What the audit record says was released: ``all``, a list, or per submission."""
    if not chosen:
        return list(tables) if tables else "all"
    return {str(i): list(chosen.get(i, tables) or ()) or "all" for i in ids}


def _tables(conn: Connection, sid: int, tables: Sequence[str] | None) -> list[str | None]:
    """The tables of the release rows for ``sid``: ``[None]`` for all of them."""
    sub = S.submission
    row = conn.execute(sa.select(sub.c.status, sub.c.tables).where(sub.c.id == sid)).first()
    if row is None:
        raise NotFoundError(N_("There is no submission {id} in the store."), id=sid)
    if row.status != ACCEPTED:
        raise InputError(
            N_("Submission {id} is {status}, not accepted: only accepted data can be released."),
            id=sid,
            status=row.status,
        )
    if not tables:
        return [None]
    have = set(row.tables or ())
    missing = [t for t in tables if t not in have]
    if missing:
        raise InputError(
            N_("Submission {id} has no table {table}; its tables are {tables}."),
            id=sid,
            table=", ".join(missing),
            tables=", ".join(sorted(have)) or "-",
        )
    return list(dict.fromkeys(tables))


def _stored(conn: Connection, sid: int, table: str | None) -> list[tuple[int, Observation]]:
    """The observations of a submission (one table or all) as stored, with their ids."""
    sl, ob = S.slice_, S.observation
    stmt = (
        sa.select(
            ob.c.id,
            sl.c.table_id,
            sl.c.ref_area,
            sl.c.time_period,
            ob.c.key,
            ob.c.value,
            ob.c.obs_status,
            ob.c.conf_status,
        )
        .join(sl, sl.c.id == ob.c.slice_id)
        .where(sl.c.submission_id == sid)
        .order_by(ob.c.id)
    )
    if table is not None:
        stmt = stmt.where(sl.c.table_id == table)
    out = []
    for oid, tid, area, period, key, value, obs_status, conf in conn.execute(stmt):
        codes = tuple(key.split(S.KEY_SEPARATOR)) if key else ()
        out.append((oid, Observation(tid, area, period, codes, value, obs_status, conf)))
    return out


def _has_confidential(conn: Connection, sid: int, table: str | None) -> bool:
    """Whether the submission (one table or all) has a cell that is not free."""
    sl, ob = S.slice_, S.observation
    stmt = (
        sa.select(ob.c.id)
        .join(sl, sl.c.id == ob.c.slice_id)
        .where(sl.c.submission_id == sid, ob.c.conf_status != FREE)
        .limit(1)
    )
    if table is not None:
        stmt = stmt.where(sl.c.table_id == table)
    return conn.execute(stmt).first() is not None


def _suppress(store: Store, conn: Connection, rid: int, sid: int, table: str | None) -> int:
    """Secondary suppression of every table (of the release) with a confidential cell; the
    complementary cells recorded in ``suppressed_cell``. How many were hidden.

    Only cells of a table that has a cell that is not free are ever hidden here: the read
    path reads the other tables as stored on that ground (:mod:`migstat.store.masking`)."""
    if not _has_confidential(conn, sid, table):
        return 0
    stored = _stored(conn, sid, table)
    by_table: dict[str, list[tuple[int, Observation]]] = defaultdict(list)
    for oid, obs in stored:
        by_table[obs.table].append((oid, obs))
    already = (
        {
            oid
            for (oid,) in conn.execute(
                sa.select(S.suppressed_cell.c.observation_id).where(
                    S.suppressed_cell.c.observation_id.in_([oid for oid, _ in stored])
                )
            )
        }
        if stored
        else set()
    )
    rows = []
    for tid, pairs in by_table.items():
        if all(o.conf_status == FREE for _, o in pairs):
            continue
        protected = protect([o for _, o in pairs], store.registry.table(tid), RULE)
        ids = {(o.ref_area, o.time_period, o.key): oid for oid, o in pairs}
        for cell in protected.secondary:
            oid = ids.get((cell.ref_area, cell.time_period, cell.key))
            if oid is not None and oid not in already:
                already.add(oid)
                rows.append({"observation_id": oid, "release_id": rid, "conf_status": SECONDARY})
    if rows:
        conn.execute(sa.insert(S.suppressed_cell), rows)
    return len(rows)


def _release(row: Any, suppressed: int = 0) -> Release:
    return Release(
        **release_fields(row if isinstance(row, dict) else row._mapping), suppressed=suppressed
    )


def releases(store: Store, *, submission_id: int | None = None) -> list[Release]:
    """Every release row (of one submission), oldest first: the full history, for the
    coordinator and the command line."""
    stmt = sa.select(S.release).order_by(S.release.c.id)
    if submission_id is not None:
        stmt = stmt.where(S.release.c.submission_id == submission_id)
    with store.reading() as conn:
        return [_release(row) for row in conn.execute(stmt)]
