"""Reporting rounds: who is expected to provide which tables for a year, and by when.

SDMX calls this a provision agreement. The coordinator opens a round (an id, the reference
year it asks for, the tables, the countries, a deadline); a country may declare a table not
available, with its reason; the round is closed when the collection ends. Nothing is deleted
and every action is an audit record written in the same transaction as the change.

The status board (:mod:`migstat.exchange.board`) reads the submissions themselves: a round
stores only what was asked for and what was declared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from migstat.exchange import audit
from migstat.i18n import N_
from migstat.model.findings import InputError, NotFoundError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import aware, naive_utc, utcnow

ROUND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_REASON = 2000
MAX_TABLES = 100
MAX_COUNTRIES = 300
FIRST_YEAR, LAST_YEAR = 1950, 2100

ROUND_OPEN = "round.open"
ROUND_CLOSE = "round.close"
ROUND_DECLARE = "round.declare"
ROUND_EXPECT = "round.expect"


@dataclass(frozen=True, slots=True)
class Declaration:
    """A country's word that it cannot provide a table in a round, and why."""

    country: str
    table: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Round:
    id: str
    year: int
    deadline: date
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    expected: dict[str, list[str]]
    """Country -> the tables expected from it, in the registry's order of the round."""
    declarations: tuple[Declaration, ...] = ()

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def countries(self) -> list[str]:
        return list(self.expected)

    @property
    def tables(self) -> list[str]:
        """Every table expected from some country: stocks, flows, then the others."""
        return sorted({t for ts in self.expected.values() for t in ts}, key=table_order)

    def declared(self, country: str, table: str) -> Declaration | None:
        """The latest declaration for ``country`` and ``table``, if any."""
        found = [d for d in self.declarations if (d.country, d.table) == (country, table)]
        return found[-1] if found else None


def table_order(table: str) -> tuple[int, str]:
    """Stocks, flows, then administrative and other tables, as the questionnaire has them."""
    return ("SFA".find(table[:1]) % 4, table)


def round_id(text: str) -> str:
    """A round id as stored, or :class:`InputError`."""
    value = (text or "").strip()
    if not ROUND_ID.match(value):
        raise InputError(
            N_(
                "\u201c{id}\u201d is not a usable round id: use up to 40 Latin letters, "
                "digits, dots, dashes or underscores, e.g. 2025."
            ),
            id=str(text)[:80],
        )
    return value


def _split(items: str | list[str] | tuple[str, ...]) -> list[str]:
    if isinstance(items, str):
        items = items.split(",")
    return [i.strip() for i in items if i and i.strip()]


def checked_tables(store: Store, tables: str | list[str] | tuple[str, ...]) -> list[str]:
    """The registry's ids of ``tables`` (comma-separated or a list), or :class:`InputError`."""
    given = _split(tables)
    if not given or len(given) > MAX_TABLES:
        raise InputError(
            N_("Give the tables the round asks for (1 to {max}), e.g. --tables S01,F01."),
            max=MAX_TABLES,
        )
    return list(dict.fromkeys(store.registry.table(t).id for t in given))


def country_code(store: Store, text: str) -> str:
    """The ISO alpha-3 code of a country given as a code (any case) or a name."""
    value = (text or "").strip()
    try:
        return store.registry.country(value)
    except NotFoundError:
        if len(value) == 3 and value.upper() != value:
            return store.registry.country(value.upper())
        raise


def checked_countries(store: Store, countries: str | list[str] | tuple[str, ...]) -> list[str]:
    given = _split(countries)
    if not given or len(given) > MAX_COUNTRIES:
        raise InputError(
            N_("Give the countries the round asks (1 to {max}), e.g. --countries KGZ,KAZ."),
            max=MAX_COUNTRIES,
        )
    return list(dict.fromkeys(country_code(store, c) for c in given))


def checked_year(year: int) -> int:
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise InputError(
            N_("The round's year {year} is out of range: give a year from {first} to {last}."),
            year=year,
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    return int(year)


def parse_deadline(text: str | date) -> date:
    """A deadline given as ``YYYY-MM-DD``, or :class:`InputError`."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(
            N_("\u201c{value}\u201d is not a deadline: give a date as YYYY-MM-DD."),
            value=str(text)[:40],
        ) from None


def open_round(
    store: Store,
    id_: str,
    *,
    year: int,
    tables: str | list[str],
    countries: str | list[str],
    deadline: str | date,
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Round:
    """Open a round asking every country in ``countries`` for every table in ``tables``."""
    rid = round_id(id_)
    the_year = checked_year(year)
    ids = checked_tables(store, tables)
    codes = checked_countries(store, countries)
    due = parse_deadline(deadline)
    moment = naive_utc(now) if now is not None else utcnow()
    if due < moment.date():
        raise InputError(
            N_("The deadline {deadline} has passed: give a date from today on."),
            deadline=due.isoformat(),
        )
    row = {"id": rid, "year": the_year, "deadline": due, "opened_by": by, "opened_at": moment}
    expected = [{"round_id": rid, "country": c, "table_id": t} for c in codes for t in ids]
    try:
        with store.writing() as conn:
            conn.execute(sa.insert(S.round_), row)
            conn.execute(sa.insert(S.round_expectation), expected)
            audit.append(
                conn,
                actor=by,
                action=ROUND_OPEN,
                client=client,
                details={
                    "round": rid,
                    "year": the_year,
                    "deadline": due.isoformat(),
                    "tables": ids,
                    "countries": codes,
                },
                at=moment,
            )
    except IntegrityError:
        raise InputError(N_("A round {id} already exists."), id=rid) from None
    return get(store, rid)


def _round_row(conn: Connection, rid: str) -> Any:
    row = conn.execute(sa.select(S.round_).where(S.round_.c.id == rid)).first()
    if row is None:
        raise NotFoundError(
            N_("There is no round {id}: see migstat rounds list."), id=str(rid)[:80]
        )
    return row


def _load(conn: Connection, row: Any) -> Round:
    e, d = S.round_expectation, S.round_declaration
    expected: dict[str, list[str]] = {}
    for country, table in conn.execute(
        sa.select(e.c.country, e.c.table_id).where(e.c.round_id == row.id)
    ):
        expected.setdefault(country, []).append(table)
    declarations = tuple(
        Declaration(r.country, r.table_id, r.reason, r.declared_by, aware(r.declared_at))
        for r in conn.execute(sa.select(d).where(d.c.round_id == row.id).order_by(d.c.id))
    )
    return Round(
        row.id,
        row.year,
        row.deadline,
        row.opened_by,
        aware(row.opened_at),
        aware(row.closed_at) if row.closed_at is not None else None,
        row.closed_by,
        {c: sorted(ts, key=table_order) for c, ts in sorted(expected.items())},
        declarations,
    )


def get(store: Store, id_: str) -> Round:
    """One round with what it expects and what was declared; :class:`NotFoundError`."""
    with store.reading() as conn:
        return _load(conn, _round_row(conn, str(id_).strip()))


def listing(store: Store) -> list[Round]:
    """Every round, the newest opened first."""
    with store.reading() as conn:
        rows = conn.execute(sa.select(S.round_).order_by(S.round_.c.opened_at.desc())).all()
        return [_load(conn, row) for row in rows]


def close(
    store: Store,
    id_: str,
    *,
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Round:
    """Close a round: its board stays readable, no declarations or reminders any more."""
    moment = naive_utc(now) if now is not None else utcnow()
    with store.writing() as conn:
        row = _round_row(conn, str(id_).strip())
        if row.closed_at is not None:
            raise InputError(N_("The round {id} is already closed."), id=row.id)
        conn.execute(
            sa.update(S.round_)
            .where(S.round_.c.id == row.id)
            .values(closed_at=moment, closed_by=by)
        )
        audit.append(
            conn, actor=by, action=ROUND_CLOSE, client=client, details={"round": row.id}, at=moment
        )
    return get(store, row.id)


def expect(
    store: Store,
    id_: str,
    *,
    country: str,
    tables: str | list[str],
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Round:
    """Ask one country of an open round for more tables (e.g. permits from the one country
    whose migration service issues them); tables it is already asked for are left as they are."""
    code = country_code(store, country)
    ids = checked_tables(store, tables)
    moment = naive_utc(now) if now is not None else utcnow()
    with store.writing() as conn:
        found = _load(conn, _round_row(conn, str(id_).strip()))
        if not found.open:
            raise InputError(N_("The round {id} is closed."), id=found.id)
        new = [t for t in ids if t not in found.expected.get(code, [])]
        if new:
            conn.execute(
                sa.insert(S.round_expectation),
                [{"round_id": found.id, "country": code, "table_id": t} for t in new],
            )
            audit.append(
                conn,
                actor=by,
                action=ROUND_EXPECT,
                client=client,
                details={"round": found.id, "country": code, "tables": new},
                at=moment,
            )
    return get(store, found.id)


def declare(
    store: Store,
    id_: str,
    *,
    country: str,
    table: str,
    reason: str,
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Declaration:
    """Record that ``country`` cannot provide ``table`` in the round, with its reason."""
    text = (reason or "").strip()
    if not text or len(text) > MAX_REASON:
        raise InputError(
            N_("Say why the table is not available (1 to {max} characters)."), max=MAX_REASON
        )
    code = country_code(store, country)
    tid = store.registry.table(table).id
    moment = naive_utc(now) if now is not None else utcnow()
    with store.writing() as conn:
        found = _load(conn, _round_row(conn, str(id_).strip()))
        if not found.open:
            raise InputError(N_("The round {id} is closed."), id=found.id)
        if tid not in found.expected.get(code, []):
            raise InputError(
                N_("The round {id} does not ask {country} for {table}."),
                id=found.id,
                country=code,
                table=tid,
            )
        conn.execute(
            sa.insert(S.round_declaration),
            {
                "round_id": found.id,
                "country": code,
                "table_id": tid,
                "reason": text,
                "declared_by": by,
                "declared_at": moment,
            },
        )
        audit.append(
            conn,
            actor=by,
            action=ROUND_DECLARE,
            client=client,
            details={"round": found.id, "country": code, "table": tid, "reason": text},
            at=moment,
        )
    return Declaration(code, tid, text, by, aware(moment))


__all__ = [
    "ROUND_CLOSE",
    "ROUND_DECLARE",
    "ROUND_EXPECT",
    "ROUND_OPEN",
    "Declaration",
    "Round",
    "close",
    "declare",
    "expect",
    "get",
    "listing",
    "open_round",
    "parse_deadline",
    "round_id",
]
