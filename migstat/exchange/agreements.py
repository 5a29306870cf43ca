"""Sharing agreements: named groups of countries sharing named tables at partner level.

An agreement is versioned by name in the append-only ``agreement`` table: adding one, changing
it (adding it again under the same name) and removing it are each a new row with its members
and tables, and the agreement as it stands is the latest row of its name. The access gate reads
them at every read (:func:`migstat.store.access.agreement_clause`): a member sees what the
other members release to partners in the agreement's tables; with reciprocity, only for the
periods it has provided the table itself. Every change is an audit record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from migstat.exchange import audit
from migstat.i18n import N_
from migstat.model.findings import InputError, NotFoundError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import AGREEMENT_ACTIVE, AGREEMENT_REMOVED
from migstat.store.engine import aware

AGREEMENT_ADD = "agreement.add"
AGREEMENT_REMOVE = "agreement.remove"
MAX_NAME = 100
MAX_MEMBERS = 300


@dataclass(frozen=True, slots=True)
class Agreement:
    id: int
    name: str
    state: str
    reciprocal: bool
    countries: tuple[str, ...]
    tables: tuple[str, ...]
    changed_at: datetime
    changed_by: str


def _name(name: str) -> str:
    text = " ".join(str(name).split())
    if not text or len(text) > MAX_NAME:
        raise InputError(
            N_("An agreement's name is 1 to {n} characters: {name!r} is not."),
            n=MAX_NAME,
            name=name,
        )
    return text


def add(
    store: Store,
    name: str,
    *,
    countries: Sequence[str],
    tables: Sequence[str],
    reciprocal: bool = False,
    by: str,
    client: str | None = None,
) -> Agreement:
    """Add (or replace) the agreement ``name``: at least two member countries and one table,
    each known to the registry."""
    name = _name(name)
    members = sorted({store.registry.country(c) for c in countries})
    if len(members) < 2 or len(members) > MAX_MEMBERS:
        raise InputError(
            N_("An agreement shares data between at least two countries: give --countries."),
        )
    shared = sorted({store.registry.table(t).id for t in tables})
    if not shared:
        raise InputError(N_("Name the tables the agreement shares: give --tables."))
    return _write(store, name, AGREEMENT_ACTIVE, reciprocal, members, shared, by, client)


def remove(store: Store, name: str, *, by: str, client: str | None = None) -> Agreement:
    """Remove the agreement ``name`` (a new row in state ``removed``; the old ones stay)."""
    current = find(store, _name(name))
    if current.state != AGREEMENT_ACTIVE:
        raise NotFoundError(N_("There is no agreement {name} in force."), name=name)
    return _write(store, current.name, AGREEMENT_REMOVED, current.reciprocal, [], [], by, client)


def _write(
    store: Store,
    name: str,
    state: str,
    reciprocal: bool,
    members: list[str],
    tables: list[str],
    by: str,
    client: str | None,
) -> Agreement:
    now = store.policy.now()
    with store.writing() as conn:
        aid = conn.execute(
            sa.insert(S.agreement).returning(S.agreement.c.id),
            {
                "name": name,
                "state": state,
                "reciprocal": reciprocal,
                "changed_at": now,
                "changed_by": by,
            },
        ).scalar_one()
        if members:
            conn.execute(
                sa.insert(S.agreement_member),
                [{"agreement_id": aid, "country": c} for c in members],
            )
        if tables:
            conn.execute(
                sa.insert(S.agreement_table), [{"agreement_id": aid, "table_id": t} for t in tables]
            )
        action = AGREEMENT_ADD if state == AGREEMENT_ACTIVE else AGREEMENT_REMOVE
        details = {"name": name, "countries": members, "tables": tables, "reciprocal": reciprocal}
        audit.append(conn, actor=by, action=action, client=client, details=details, at=now)
    return find(store, name)


def agreements(store: Store, *, history: bool = False) -> list[Agreement]:
    """The agreements in force, by name (``history``: every version, removed ones too)."""
    ag, m, t = S.agreement, S.agreement_member, S.agreement_table
    stmt = sa.select(ag).order_by(ag.c.name, ag.c.id)
    if not history:
        latest = sa.select(sa.func.max(ag.c.id)).group_by(ag.c.name)
        stmt = stmt.where(ag.c.id.in_(latest), ag.c.state == AGREEMENT_ACTIVE)
    with store.reading() as conn:
        rows = list(conn.execute(stmt))
        ids = [r.id for r in rows]
        members: dict[int, list[str]] = {i: [] for i in ids}
        shared: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            for aid, country in conn.execute(
                sa.select(m.c.agreement_id, m.c.country).where(m.c.agreement_id.in_(ids))
            ):
                members[aid].append(country)
            for aid, table in conn.execute(
                sa.select(t.c.agreement_id, t.c.table_id).where(t.c.agreement_id.in_(ids))
            ):
                shared[aid].append(table)
    return [
        Agreement(
            r.id,
            r.name,
            r.state,
            bool(r.reciprocal),
            tuple(sorted(members[r.id])),
            tuple(sorted(shared[r.id])),
            aware(r.changed_at),
            r.changed_by,
        )
        for r in rows
    ]


def find(store: Store, name: str) -> Agreement:
    """The latest version of the agreement ``name``, removed or not."""
    found = [a for a in agreements(store, history=True) if a.name == name]
    if not found:
        raise NotFoundError(N_("There is no agreement {name}."), name=name)
    return found[-1]
