"""Accounts and their roles.

An account has a login, one role (:data:`~migstat.store.access.ROLES`), the country it speaks
for (every role but the coordinator's has one), an optional agency and an argon2id password
hash. Accounts are never deleted: one is disabled, which ends its sessions and stops its
tokens. Every change is an audit record written in the same transaction as the change.

What an account may read is decided by the store's access gate from its
:attr:`Account.principal`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from migstat.exchange import audit, passwords
from migstat.i18n import N_
from migstat.model.findings import InputError, NotFoundError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import COORDINATOR, ROLES, Principal
from migstat.store.engine import aware, naive_utc, utcnow

# The roles' names as people read them (the role itself is stored in English).
ROLE_NAMES = {
    "coordinator": N_("coordinator"),
    "reporter": N_("reporter"),
    "approver": N_("approver"),
    "partner": N_("partner"),
}
LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MAX_AGENCY = 200


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    login: str
    role: str
    country: str | None
    agency: str | None
    created_at: datetime
    created_by: str
    password_changed_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def principal(self) -> Principal:
        """Who this account is to the store's access gate."""
        return Principal(user_id=self.login, roles=frozenset({self.role}), country=self.country)


def normal_login(text: str) -> str:
    """A login as stored (trimmed, lower case), or :class:`InputError`."""
    login = (text or "").strip().lower()
    if not LOGIN.match(login):
        raise InputError(
            N_(
                "\u201c{login}\u201d is not a usable login: use 2 to 64 Latin letters, "
                "digits, dots, dashes, underscores or @, starting with a letter or digit."
            ),
            login=text[:80],
        )
    return login


def account_of(row: Any) -> Account:
    """The account of a row that has :func:`public_columns` (under their own names)."""
    return Account(
        row.id,
        row.login,
        row.role,
        row.country,
        row.agency,
        aware(row.created_at),
        row.created_by,
        aware(row.password_changed_at),
        aware(row.disabled_at) if row.disabled_at is not None else None,
    )


_SECRETS = ("password_hash", "totp_secret", "totp_last_step")


def public_columns() -> list[Any]:
    """The account's columns but its secrets (the password hash, the TOTP secret)."""
    return [c for c in S.account.c if c.name not in _SECRETS]


def role_and_country(store: Store, role: str, country: str | None) -> tuple[str, str | None]:
    if role not in ROLES:
        raise InputError(
            N_("Unknown role {role}: use one of {roles}."), role=role, roles=", ".join(ROLES)
        )
    if role == COORDINATOR:
        if country:
            raise InputError(N_("The coordinator speaks for no country: leave out --country."))
        return role, None
    if not country:
        raise InputError(
            N_("A {role} account speaks for one country: give --country (e.g. KGZ)."), role=role
        )
    return role, store.registry.country(country)


def add(
    store: Store,
    login: str,
    role: str,
    password: str,
    *,
    country: str | None = None,
    agency: str | None = None,
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Create an account (the password checked against the rules, then hashed)."""
    login = normal_login(login)
    role, country = role_and_country(store, role, country)
    agency = (agency or "").strip()[:MAX_AGENCY] or None
    digest = passwords.hash_password(passwords.check(password, login))
    moment = naive_utc(now) if now is not None else utcnow()
    row = {
        "login": login,
        "role": role,
        "country": country,
        "agency": agency,
        "password_hash": digest,
        "password_changed_at": moment,
        "created_at": moment,
        "created_by": by,
    }
    try:
        with store.writing() as conn:
            conn.execute(sa.insert(S.account), row)
            details = {"login": login, "role": role, "country": country, "agency": agency}
            audit.append(
                conn, actor=by, action=audit.ACCOUNT_ADD, client=client, details=details, at=moment
            )
    except IntegrityError:
        raise InputError(N_("An account {login} already exists."), login=login) from None
    return find(store, login)


def find(store: Store, login: str) -> Account:
    """The account ``login``; :class:`NotFoundError` if there is none."""
    with store.reading() as conn:
        found = _find(conn, login)
    if found is None:
        raise NotFoundError(N_("There is no account {login}."), login=login)
    return found


def _find(conn: Connection, login: str) -> Account | None:
    key = (login or "").strip().lower()
    row = conn.execute(sa.select(*public_columns()).where(S.account.c.login == key)).first()
    return account_of(row) if row is not None else None


def by_id(conn: Connection, account_id: int) -> Account | None:
    row = conn.execute(sa.select(*public_columns()).where(S.account.c.id == account_id)).first()
    return account_of(row) if row is not None else None


def password_hash(conn: Connection, login: str) -> tuple[Account, str] | None:
    """The account and its stored hash (for signing in only)."""
    a = S.account
    row = conn.execute(sa.select(a).where(a.c.login == (login or "").strip().lower())).first()
    return (account_of(row), row.password_hash) if row is not None else None


def listing(store: Store) -> list[Account]:
    """Every account, disabled ones included, by login."""
    with store.reading() as conn:
        rows = conn.execute(sa.select(*public_columns()).order_by(S.account.c.login)).all()
    return [account_of(r) for r in rows]


def _end_sessions(conn: Connection, account_id: int, moment: datetime) -> int:
    ws = S.web_session
    ended = conn.execute(
        sa.update(ws)
        .where(ws.c.account_id == account_id, ws.c.ended_at.is_(None))
        .values(ended_at=moment)
    )
    return ended.rowcount or 0


def change(
    store: Store,
    account: Account,
    values: dict[str, Any],
    *,
    action: str,
    by: str,
    client: str | None,
    moment: datetime,
    end_sessions: bool = False,
) -> Account:
    """Set ``values`` on ``account`` and record ``action`` in one transaction (ending the
    account's sessions first if asked)."""
    with store.writing() as conn:
        conn.execute(sa.update(S.account).where(S.account.c.id == account.id).values(**values))
        ended = _end_sessions(conn, account.id, moment) if end_sessions else 0
        details = {"login": account.login, "sessions_ended": ended}
        audit.append(conn, actor=by, action=action, client=client, details=details, at=moment)
    return find(store, account.login)


def set_disabled(
    store: Store,
    login: str,
    disabled: bool,
    *,
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Disable an account (its sessions end, its tokens stop working) or enable it again."""
    account = find(store, login)
    moment = naive_utc(now) if now is not None else utcnow()
    return change(
        store,
        account,
        {"disabled_at": moment if disabled else None},
        action=audit.ACCOUNT_DISABLE if disabled else audit.ACCOUNT_ENABLE,
        by=by,
        client=client,
        moment=moment,
        end_sessions=disabled,
    )


def reset_password(
    store: Store,
    login: str,
    password: str,
    *,
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Set a new password; every session of the account ends."""
    account = find(store, login)
    digest = passwords.hash_password(passwords.check(password, account.login))
    moment = naive_utc(now) if now is not None else utcnow()
    return change(
        store,
        account,
        {"password_hash": digest, "password_changed_at": moment},
        action=audit.ACCOUNT_PASSWORD,
        by=by,
        client=client,
        moment=moment,
        end_sessions=True,
    )


def rehash(conn: Connection, account_id: int, password: str) -> None:
    """Store a fresh hash of a password that was just verified (newer cost parameters)."""
    conn.execute(
        sa.update(S.account)
        .where(S.account.c.id == account_id)
        .values(password_hash=passwords.hash_password(password))
    )


__all__ = [
    "Account",
    "add",
    "by_id",
    "change",
    "find",
    "listing",
    "normal_login",
    "password_hash",
    "rehash",
    "reset_password",
    "role_and_country",
    "set_disabled",
]
