"""Signing in with a login and a password, throttled per login and per client address.

Every attempt is an audit record: ``signin`` (with the new session), ``signin.failed`` (with
the reason, which the person is not told: an unknown login, a wrong password and a disabled
account all get the same answer) or ``signin.throttled``. Throttling counts the failed
attempts in the audit trail itself, so every worker process of the portal sees the same
counts: a login is held back after :attr:`Throttle.per_login` failures within
:attr:`Throttle.window` since its last successful sign-in, a client address after
:attr:`Throttle.per_client` failures within the window, whatever logins they tried.
An unknown login costs the same argon2 verification as a known one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.exchange import accounts, audit, passwords, sessions, totp
from migstat.exchange.accounts import Account
from migstat.i18n import N_
from migstat.model.findings import MigstatError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import aware, naive_utc, utcnow

MAX_LOGIN = 64


class SignInError(MigstatError):
    """A sign-in that did not succeed (HTTP 401)."""

    status = 401


class ThrottledError(SignInError):
    """Too many failed sign-ins: try again after ``retry_after`` seconds (HTTP 429)."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            N_(
                "Too many failed sign-ins: wait {minutes} min and try again, or ask "
                "the coordinator to reset your password."
            ),
            minutes=minutes,
        )


@dataclass(frozen=True, slots=True)
class Throttle:
    per_login: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)


def _typed(login: str) -> str:
    return (login or "").strip().lower()[:MAX_LOGIN] or "-"


def _wait(times: list[datetime], limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until fewer than ``limit`` of ``times`` are within ``window`` of now."""
    if len(times) < limit:
        return None
    frees_at = times[-limit] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _last_success(conn: Connection, login: str) -> datetime | None:
    a = S.audit_record
    moment = conn.execute(
        sa.select(sa.func.max(a.c.at)).where(a.c.action == audit.SIGNIN, a.c.actor == login)
    ).scalar()
    return aware(moment) if moment is not None else None


def retry_after(
    store: Store, login: str, client: str | None, *, now: datetime, throttle: Throttle
) -> int | None:
    """Seconds to wait before ``login`` may try again from ``client``, or ``None``."""
    since = now - throttle.window
    with store.reading() as conn:
        last = _last_success(conn, login)
        by_login = audit.recent_times(
            conn, audit.SIGNIN_FAILED, since=max(since, last) if last else since, actor=login
        )
        by_client = (
            audit.recent_times(conn, audit.SIGNIN_FAILED, since=since, client=client)
            if client
            else []
        )
    waits = [
        _wait(by_login, throttle.per_login, throttle.window, now),
        _wait(by_client, throttle.per_client, throttle.window, now),
    ]
    found = [w for w in waits if w is not None]
    return max(found) if found else None


def check_throttle(
    store: Store, login: str, client: str | None, *, now: datetime, throttle: Throttle
) -> None:
    """:class:`ThrottledError` (recorded in the audit trail) if ``login`` must wait."""
    wait = retry_after(store, login, client, now=now, throttle=throttle)
    if wait is not None:
        audit.record(
            store,
            actor=login,
            action=audit.SIGNIN_THROTTLED,
            client=client,
            details={"retry_after": wait},
            at=now,
        )
        raise ThrottledError(wait)


def fail(
    store: Store,
    login: str,
    client: str | None,
    reason: str,
    *,
    now: datetime,
    message: str = N_("Wrong login or password."),
) -> NoReturn:
    """Record a failed attempt and raise its answer (the same for every wrong login or
    password)."""
    audit.record(
        store,
        actor=login,
        action=audit.SIGNIN_FAILED,
        client=client,
        details={"reason": reason},
        at=now,
    )
    raise SignInError(message)


def _second_factor(
    store: Store,
    account: Account,
    code: str | None,
    *,
    client: str | None,
    moment: datetime,
    required: frozenset[str],
) -> int | None:
    """The TOTP step of ``code`` when the account has a second factor; refusals recorded."""
    with store.reading() as conn:
        secret, last_step = totp.secret_of(conn, account.id)
    login = account.login
    if secret is None:
        if account.role in required:
            fail(store, login, client, "no second factor", now=moment, message=NO_FACTOR)
        return None
    if not code:
        fail(store, login, client, "second factor missing", now=moment, message=CODE_NEEDED)
    step = totp.matching_step(secret, code, last_step, moment)
    if step is None:
        fail(store, login, client, "wrong second factor", now=moment, message=WRONG_CODE)
    return step


NO_FACTOR = N_(
    "This account must sign in with a second factor and has none yet: the coordinator "
    "enrols one with \u201cmigstat users totp LOGIN\u201d."
)
CODE_NEEDED = N_("Enter the 6-digit code of your authenticator app as well.")
WRONG_CODE = N_("That code of the authenticator app is wrong or was already used.")


class _ReplayedError(Exception):
    """The code's time step was used meanwhile (two sign-ins with one code)."""


def _begin(
    store: Store,
    account: Account,
    password: str,
    stale: bool,
    step: int | None,
    *,
    client: str | None,
    moment: datetime,
) -> str:
    """In one transaction: use the code's step, refresh a stale hash, start the session,
    record the sign-in; the new session id."""
    with store.writing() as conn:
        if step is not None and not totp.use_step(conn, account.id, step):
            raise _ReplayedError
        if stale:
            accounts.rehash(conn, account.id, password)
        session_id = sessions.begin(conn, account, client=client, at=moment)
        audit.append(
            conn,
            actor=account.login,
            action=audit.SIGNIN,
            client=client,
            details={
                "role": account.role,
                "country": account.country,
                "second_factor": step is not None,
            },
            at=moment,
        )
    return session_id


def sign_in(
    store: Store,
    login: str,
    password: str,
    *,
    client: str | None,
    code: str | None = None,
    now: datetime | None = None,
    throttle: Throttle | None = None,
    second_factor_for: frozenset[str] = totp.REQUIRED,
) -> tuple[Account, str]:
    """The account and a new session id; :class:`SignInError` or :class:`ThrottledError`.

    ``code`` is the TOTP code, needed when the account has a second factor; the roles in
    ``second_factor_for`` may not sign in without one."""
    moment = aware(naive_utc(now) if now is not None else utcnow())
    typed = _typed(login)
    check_throttle(store, typed, client, now=moment, throttle=throttle or Throttle())
    with store.reading() as conn:
        found = accounts.password_hash(conn, typed)
    matches, stale = passwords.verify(found[1] if found else passwords.dummy_hash(), password)
    if found is None:
        fail(store, typed, client, "unknown login", now=moment)
    account = found[0]
    if not matches:
        fail(store, typed, client, "wrong password", now=moment)
    if not account.active:
        fail(store, typed, client, "account disabled", now=moment)
    step = _second_factor(
        store, account, code, client=client, moment=moment, required=second_factor_for
    )
    try:
        session_id = _begin(store, account, password, stale, step, client=client, moment=moment)
    except _ReplayedError:
        fail(store, typed, client, "second factor replayed", now=moment, message=WRONG_CODE)
    return account, session_id


__all__ = [
    "SignInError",
    "Throttle",
    "ThrottledError",
    "check_throttle",
    "fail",
    "retry_after",
    "sign_in",
]
