"""The audit trail: append-only records, each chained to the previous one by SHA-256.

A record says who did what, when (UTC), from where, with details. Its ``hash`` is the SHA-256
of its canonical content (:func:`canonical`: the id, the time, the actor, the action, the
client, the details as stored and the previous record's hash), so that changing a record
changes its hash, and deleting one leaves the next pointing at a hash that is no longer
there: :func:`verify` names the first record where the chain breaks. What no chain can show
is the newest records cut off at the end: :func:`verify` gives the head (the last hash and
the count), to be noted somewhere else now and then.

Appending happens inside the caller's write transaction (:func:`append`), so a change and its
record are stored together or not at all. The chain never forks: on SQLite the store's write
transaction (``BEGIN IMMEDIATE``) already lets one writer in at a time; on PostgreSQL
:func:`append` first takes a transaction-level advisory lock. A unique ``prev_hash`` makes a
fork impossible in the database itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.i18n import N_, gettext_
from migstat.model.findings import MigstatError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import aware, naive_utc, utcnow

GENESIS = "0" * 64
"""The previous hash of the first record."""
_PG_LOCK_KEY = 0x6D736175  # pg_advisory_xact_lock key of the audit chain
MAX_TEXT = 200
"""Actors, actions and clients are cut to this many characters (they can come from a form)."""
_PAGE = 1000

# The actions recorded (the ``action`` column).
ACCOUNT_ADD = "account.add"
ACCOUNT_DISABLE = "account.disable"
ACCOUNT_ENABLE = "account.enable"
ACCOUNT_PASSWORD = "account.password"
ACCOUNT_TOTP = "account.totp"
TOKEN_ISSUE = "token.issue"
TOKEN_REVOKE = "token.revoke"
TOKEN_REFUSED = "token.refused"
SIGNIN = "signin"
SIGNIN_FAILED = "signin.failed"
SIGNIN_THROTTLED = "signin.throttled"
SIGNOUT = "signout"
SESSION_REFUSED = "session.refused"
ACCESS_DENIED = "access.denied"
DATA_DOWNLOAD = "data.download"
"""Data downloaded by a signed-in account (what it reads may be more than the public's)."""


class AuditChainError(MigstatError):
    """The chain does not verify: a record was changed, inserted or deleted."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    """Aware, UTC."""
    actor: str
    action: str
    client: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Verification:
    """What :func:`verify` found: how many records, the last hash, the first broken record."""

    count: int
    head: str
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    def text(self, lang: str = "en") -> str:
        """Where and why the chain breaks, in ``lang`` (empty when it does not)."""
        if self.reason is None:
            return ""
        return gettext_(self.reason, lang, id=self.broken_id, expected=self.count + 1)


def details_text(details: dict[str, Any] | None) -> str:
    """Details as stored: canonical JSON (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(
        details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def _moment(at: datetime) -> str:
    return naive_utc(at).isoformat(timespec="microseconds")


def canonical(
    id_: int, at: datetime, actor: str, action: str, client: str | None, details: str, prev: str
) -> bytes:
    """The bytes a record's hash is taken over."""
    content = [id_, _moment(at), actor, action, client, details, prev]
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_hash(
    id_: int, at: datetime, actor: str, action: str, client: str | None, details: str, prev: str
) -> str:
    return hashlib.sha256(canonical(id_, at, actor, action, client, details, prev)).hexdigest()


def _cut(text: str | None) -> str | None:
    return None if text is None else str(text)[:MAX_TEXT]


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    client: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Append one record in ``conn``'s write transaction (from :meth:`Store.writing`)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    a = S.audit_record
    last = conn.execute(sa.select(a.c.id, a.c.hash).order_by(a.c.id.desc()).limit(1)).first()
    new_id, prev = (last.id + 1, last.hash) if last is not None else (1, GENESIS)
    moment = naive_utc(at) if at is not None else utcnow()
    who, what, where = _cut(actor) or "-", _cut(action) or "-", _cut(client)
    text = details_text(details)
    digest = record_hash(new_id, moment, who, what, where, text, prev)
    conn.execute(
        sa.insert(a),
        {
            "id": new_id,
            "at": moment,
            "actor": who,
            "action": what,
            "client": where,
            "details": text,
            "prev_hash": prev,
            "hash": digest,
        },
    )
    return AuditRecord(new_id, aware(moment), who, what, where, details or {}, prev, digest)


def record(store: Store, **fields: Any) -> AuditRecord:
    """Append one record in a write transaction of its own (a failed sign-in, a refusal)."""
    with store.writing() as conn:
        return append(conn, **fields)


def _rows(store: Store, since: datetime | None = None) -> Iterator[Any]:
    """Every stored row in id order, a page at a time (the trail can be long)."""
    a = S.audit_record
    after = 0
    while True:
        stmt = sa.select(a).where(a.c.id > after).order_by(a.c.id).limit(_PAGE)
        if since is not None:
            stmt = stmt.where(a.c.at >= naive_utc(since))
        with store.reading() as conn:
            page = conn.execute(stmt).all()
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].id


def _record_of(row: Any) -> AuditRecord:
    try:
        details = json.loads(row.details)
    except ValueError:
        details = {"unreadable": row.details}
    return AuditRecord(
        row.id,
        aware(row.at),
        row.actor,
        row.action,
        row.client,
        details if isinstance(details, dict) else {"value": details},
        row.prev_hash,
        row.hash,
    )


def records(store: Store, *, since: datetime | None = None) -> Iterator[AuditRecord]:
    """The records (from ``since`` on, if given), oldest first."""
    for row in _rows(store, since):
        yield _record_of(row)


def latest(
    store: Store,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    limit: int = 500,
) -> list[AuditRecord]:
    """The newest ``limit`` records (of an action, by an actor, from ``since``), newest first:
    what the coordinator's page shows. An action ending in ``.`` means every action under it."""
    a = S.audit_record
    stmt = sa.select(a).order_by(a.c.id.desc()).limit(max(1, min(limit, 5000)))
    if action:
        prefix = action.endswith(".")
        stmt = stmt.where(a.c.action.startswith(action) if prefix else a.c.action == action)
    if actor:
        stmt = stmt.where(a.c.actor == _cut(actor))
    if since is not None:
        stmt = stmt.where(a.c.at >= naive_utc(since))
    with store.reading() as conn:
        return [_record_of(row) for row in conn.execute(stmt)]


def _broken(row: Any, expected_id: int, prev: str) -> str | None:
    """Why ``row`` does not continue the chain, or ``None`` when it does."""
    if row.id != expected_id:
        return N_("The audit trail is broken at record {id}: record {expected} is missing.")
    if row.prev_hash != prev:
        return N_(
            "The audit trail is broken at record {id}: it does not point at the record "
            "before it (a record was changed or deleted)."
        )
    again = record_hash(
        row.id, row.at, row.actor, row.action, row.client, row.details, row.prev_hash
    )
    if again != row.hash:
        return N_(
            "The audit trail is broken at record {id}: its content does not match its hash "
            "(it was changed)."
        )
    return None


def verify(store: Store) -> Verification:
    """Check the whole chain; the first record where it breaks, if any."""
    prev, count = GENESIS, 0
    for row in _rows(store):
        reason = _broken(row, count + 1, prev)
        if reason is not None:
            return Verification(count, prev, row.id, reason)
        prev, count = row.hash, count + 1
    return Verification(count, prev)


def check(store: Store) -> Verification:
    """:func:`verify`, raising :class:`AuditChainError` naming the first broken record."""
    found = verify(store)
    if not found.ok:
        raise AuditChainError(found.reason or "", id=found.broken_id, expected=found.count + 1)
    return found


def recent_times(
    conn: Connection,
    action: str,
    *,
    since: datetime,
    actor: str | None = None,
    client: str | None = None,
) -> list[datetime]:
    """The times of ``action`` records after ``since`` by ``actor`` or from ``client``,
    oldest first (what sign-in throttling counts)."""
    a = S.audit_record
    stmt = sa.select(a.c.at).where(a.c.action == action, a.c.at > naive_utc(since))
    if actor is not None:
        stmt = stmt.where(a.c.actor == _cut(actor))
    if client is not None:
        stmt = stmt.where(a.c.client == _cut(client))
    return [aware(t) for t in conn.execute(stmt.order_by(a.c.at)).scalars()]


__all__ = [
    "GENESIS",
    "AuditChainError",
    "AuditRecord",
    "Verification",
    "append",
    "canonical",
    "check",
    "latest",
    "recent_times",
    "record",
    "records",
    "verify",
]
