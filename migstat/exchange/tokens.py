"""API tokens for machines: random, stored as SHA-256 hashes, expiring, revocable.

A token is ``mst_`` followed by 43 URL-safe characters (256 random bits). It is printed once,
when issued; the store keeps only its SHA-256 (a secret that long needs no slow hash), so a
copy of the database gives no usable token. A token speaks for its account with the account's
role and country, within its scope (``read`` or ``submit``), until it expires, is revoked or
its account is disabled. Issuing and revoking are audit records.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from migstat.exchange import accounts, audit
from migstat.exchange.accounts import Account
from migstat.i18n import N_
from migstat.model.findings import InputError, NotFoundError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import aware, naive_utc, utcnow

PREFIX = "mst_"
SCOPES = ("read", "submit")
DEFAULT_DAYS = 90
MAX_DAYS = 730
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored token (never its secret)."""

    id: int
    login: str
    scope: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None

    def valid_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


@dataclass(frozen=True, slots=True)
class Issued:
    record: TokenRecord
    token: str
    """The secret, shown once."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _record(row: Any) -> TokenRecord:
    return TokenRecord(
        row.id,
        row.login,
        row.scope,
        aware(row.created_at),
        row.created_by,
        aware(row.expires_at),
        aware(row.revoked_at) if row.revoked_at is not None else None,
    )


def _select() -> sa.Select[Any]:
    t, a = S.api_token, S.account
    return sa.select(t, a.c.login).join(a, a.c.id == t.c.account_id)


def issue(
    store: Store,
    login: str,
    *,
    days: int = DEFAULT_DAYS,
    scope: str = "read",
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Issued:
    """A new token for the account ``login``, valid for ``days`` days."""
    if not 1 <= days <= MAX_DAYS:
        raise InputError(
            N_("A token is valid for 1 to {maximum} days, not {days}."), maximum=MAX_DAYS, days=days
        )
    if scope not in SCOPES:
        raise InputError(
            N_("Unknown token scope {scope}: use one of {scopes}."),
            scope=scope,
            scopes=", ".join(SCOPES),
        )
    account = accounts.find(store, login)
    if not account.active:
        raise InputError(N_("The account {login} is disabled."), login=account.login)
    token = PREFIX + secrets.token_urlsafe(32)
    moment = naive_utc(now) if now is not None else utcnow()
    expires = moment + timedelta(days=days)
    with store.writing() as conn:
        new_id = conn.execute(
            sa.insert(S.api_token).returning(S.api_token.c.id),
            {
                "account_id": account.id,
                "token_hash": digest(token),
                "scope": scope,
                "created_at": moment,
                "created_by": by,
                "expires_at": expires,
            },
        ).scalar_one()
        audit.append(
            conn,
            actor=by,
            action=audit.TOKEN_ISSUE,
            client=client,
            details={
                "token": new_id,
                "login": account.login,
                "scope": scope,
                "expires": aware(expires).isoformat(),
            },
            at=moment,
        )
    return Issued(
        TokenRecord(new_id, account.login, scope, aware(moment), by, aware(expires), None), token
    )


def revoke(
    store: Store, token_id: int, *, by: str, client: str | None = None, now: datetime | None = None
) -> TokenRecord:
    """Revoke the token ``token_id`` (revoking it again changes nothing)."""
    moment = naive_utc(now) if now is not None else utcnow()
    t = S.api_token
    with store.writing() as conn:
        row = conn.execute(_select().where(t.c.id == token_id)).first()
        if row is None:
            raise NotFoundError(N_("There is no token {id}."), id=token_id)
        if row.revoked_at is None:
            conn.execute(sa.update(t).where(t.c.id == token_id).values(revoked_at=moment))
            audit.append(
                conn,
                actor=by,
                action=audit.TOKEN_REVOKE,
                client=client,
                details={"token": token_id, "login": row.login},
                at=moment,
            )
        row = conn.execute(_select().where(t.c.id == token_id)).one()
    return _record(row)


def listing(store: Store, login: str | None = None) -> list[TokenRecord]:
    """Every token (of ``login``, if given), oldest first."""
    stmt = _select().order_by(S.api_token.c.id)
    if login is not None:
        stmt = stmt.where(S.account.c.login == login.strip().lower())
    with store.reading() as conn:
        return [_record(r) for r in conn.execute(stmt)]


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a presented token turned out to be: its account and scope, or why it is refused."""

    account: Account | None
    token: TokenRecord | None
    refusal: str | None = None


def resolve(store: Store, token: str, *, now: datetime | None = None) -> Resolved:
    """The account a presented token speaks for, or a refusal (a msgid) saying why not."""
    moment = aware(naive_utc(now) if now is not None else utcnow())
    if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return Resolved(None, None, N_("The API token is not valid."))
    with store.reading() as conn:
        row = conn.execute(_select().where(S.api_token.c.token_hash == digest(token))).first()
        account = accounts.by_id(conn, row.account_id) if row is not None else None
    if row is None or account is None:
        return Resolved(None, None, N_("The API token is not valid."))
    record = _record(row)
    if record.revoked_at is not None:
        return Resolved(None, record, N_("The API token was revoked."))
    if moment >= record.expires_at:
        return Resolved(None, record, N_("The API token has expired: ask for a new one."))
    if not account.active:
        return Resolved(None, record, N_("The account of this API token is disabled."))
    return Resolved(account, record)


__all__ = [
    "PREFIX",
    "SCOPES",
    "Issued",
    "Resolved",
    "TokenRecord",
    "digest",
    "issue",
    "listing",
    "resolve",
    "revoke",
]
