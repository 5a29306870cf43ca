"""The second factor: time-based one-time codes (TOTP, RFC 6238) with pyotp.

An account enrols once (:func:`enrol`, from ``migstat users totp LOGIN``): the secret is
shown once, as text and as an ``otpauth://`` address for an authenticator app, and kept in the
store to check codes against. A code is good for its 30-second step and one step either side
(clocks drift), and only once: the last step used is stored and a code of that step or an
earlier one is refused, so a code seen over someone's shoulder cannot be replayed. The
coordinator must have a second factor (:data:`REQUIRED`); others may.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.exchange import accounts, audit
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import COORDINATOR
from migstat.store.engine import naive_utc, utcnow

STEP = 30
REQUIRED = frozenset({COORDINATOR})
"""Roles that may not sign in without a second factor."""
ISSUER = "migstat"


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    uri: str


def enrol(
    store: Store, login: str, *, by: str, client: str | None = None, now: datetime | None = None
) -> Enrolment:
    """A new TOTP secret for ``login`` (replacing any earlier one)."""
    account = accounts.find(store, login)
    secret = pyotp.random_base32()
    moment = naive_utc(now) if now is not None else utcnow()
    accounts.change(
        store,
        account,
        {"totp_secret": secret, "totp_last_step": None},
        action=audit.ACCOUNT_TOTP,
        by=by,
        client=client,
        moment=moment,
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.login, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def secret_of(conn: Connection, account_id: int) -> tuple[str | None, int | None]:
    """The account's TOTP secret and the last step used (for signing in only)."""
    a = S.account
    row = conn.execute(
        sa.select(a.c.totp_secret, a.c.totp_last_step).where(a.c.id == account_id)
    ).one()
    return row.totp_secret, row.totp_last_step


def matching_step(secret: str, code: str, last_step: int | None, moment: datetime) -> int | None:
    """The time step ``code`` belongs to (this one or one either side, never one already
    used), or ``None``."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(moment.timestamp()) // STEP
    for step in (now_step - 1, now_step, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def use_step(conn: Connection, account_id: int, step: int) -> bool:
    """Record ``step`` as used; false when it (or a later one) already was (a replay)."""
    a = S.account
    done = conn.execute(
        sa.update(a)
        .where(
            a.c.id == account_id,
            sa.or_(a.c.totp_last_step.is_(None), a.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return done.rowcount == 1


__all__ = ["REQUIRED", "STEP", "Enrolment", "enrol", "matching_step", "secret_of", "use_step"]
