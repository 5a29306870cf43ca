"""Server-side web sessions: random 128-bit ids, stored hashed, with idle and absolute limits.

The browser holds the session id (in a signed cookie, :mod:`migstat.web.auth`); the store
holds its SHA-256, the account, when it began, when it was last used and when it ended. A
session is good while it has not ended, is younger than :data:`ABSOLUTE`, was used within
:data:`IDLE`, began after the account's last password change and the account is enabled.
Signing out ends it in the store, so a copy of the cookie is refused afterwards.

The CSRF token of a session is an HMAC of a fixed text keyed with the session id: only pages
of that session can carry it, and it cannot be turned back into the id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.exchange import accounts, audit
from migstat.exchange.accounts import Account
from migstat.i18n import N_
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import aware, naive_utc, utcnow

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often (a write per request would be a cost)."""
ID_LENGTH = 32  # hex digits: 128 bits


def digest(session_id: str) -> str:
    return hashlib.sha256(b"migstat session\0" + session_id.encode("ascii", "replace")).hexdigest()


def csrf_of(session_id: str) -> str:
    """The CSRF token of the session ``session_id`` (64 hex digits)."""
    return hmac.new(session_id.encode("ascii", "replace"), b"csrf", hashlib.sha256).hexdigest()


def begin(conn: Connection, account: Account, *, client: str | None, at: datetime) -> str:
    """Store a new session for ``account`` in ``conn``'s write transaction; its id."""
    session_id = secrets.token_hex(ID_LENGTH // 2)
    conn.execute(
        sa.insert(S.web_session),
        {
            "session_hash": digest(session_id),
            "account_id": account.id,
            "created_at": naive_utc(at),
            "last_seen_at": naive_utc(at),
            "client": (client or "")[: audit.MAX_TEXT] or None,
        },
    )
    return session_id


@dataclass(frozen=True, slots=True)
class Found:
    """The account of a presented session id, or a refusal (a msgid) saying why not."""

    account: Account | None
    refusal: str | None = None


def _refusal(row: sa.Row, account: Account | None, moment: datetime) -> str | None:
    if row.session_ended_at is not None:
        return N_("Your session has ended: sign in again.")
    if account is None or not account.active:
        return N_("Your account is disabled.")
    began = row.session_created_at
    if moment - began > ABSOLUTE or moment - row.session_last_seen_at > IDLE:
        return N_("Your session has expired: sign in again.")
    if began < naive_utc(account.password_changed_at):
        return N_("Your password was changed: sign in again.")
    return None


_WS = S.web_session
_FIND = (
    sa.select(
        _WS.c.id.label("session_row"),
        _WS.c.ended_at.label("session_ended_at"),
        _WS.c.created_at.label("session_created_at"),
        _WS.c.last_seen_at.label("session_last_seen_at"),
        *accounts.public_columns(),
    )
    .select_from(_WS.outerjoin(S.account, S.account.c.id == _WS.c.account_id))
    .where(_WS.c.session_hash == sa.bindparam("session_hash"))
)
"""A session and its account in one statement, built once (every signed-in request runs
it, and building and compiling a statement costs more than running it)."""


def resolve(store: Store, session_id: str, *, now: datetime | None = None) -> Found:
    """The account of ``session_id`` if its session is good (and note that it was used)."""
    if len(session_id) != ID_LENGTH:
        return Found(None, N_("Your session has ended: sign in again."))
    moment = naive_utc(now) if now is not None else utcnow()
    with store.reading() as conn:
        row = conn.execute(_FIND, {"session_hash": digest(session_id)}).first()
    if row is None:
        return Found(None, N_("Your session has ended: sign in again."))
    account = accounts.account_of(row) if row.id is not None else None
    refusal = _refusal(row, account, moment)
    if refusal is not None:
        return Found(None, refusal)
    if moment - row.session_last_seen_at >= TOUCH:
        ws = S.web_session
        with store.writing() as conn:
            conn.execute(
                sa.update(ws).where(ws.c.id == row.session_row).values(last_seen_at=moment)
            )
    return Found(account)


def end(
    store: Store, session_id: str, *, client: str | None = None, now: datetime | None = None
) -> Account | None:
    """End the session ``session_id`` (a sign-out); its account, if it was still going."""
    moment = naive_utc(now) if now is not None else utcnow()
    ws = S.web_session
    with store.writing() as conn:
        row = conn.execute(
            sa.select(ws).where(ws.c.session_hash == digest(session_id), ws.c.ended_at.is_(None))
        ).first()
        if row is None:
            return None
        conn.execute(sa.update(ws).where(ws.c.id == row.id).values(ended_at=moment))
        account = accounts.by_id(conn, row.account_id)
        login = account.login if account is not None else "-"
        audit.append(
            conn,
            actor=login,
            action=audit.SIGNOUT,
            client=client,
            details={"session": row.id},
            at=moment,
        )
    return account


def ended_at(store: Store, session_id: str) -> datetime | None:
    """When the session ended (``None`` while it goes on or when there is none)."""
    ws = S.web_session
    with store.reading() as conn:
        moment = conn.execute(
            sa.select(ws.c.ended_at).where(ws.c.session_hash == digest(session_id))
        ).scalar()
    return aware(moment) if moment is not None else None


__all__ = ["ABSOLUTE", "IDLE", "Found", "begin", "csrf_of", "digest", "end", "resolve"]
