"""Notifications of reporting rounds: in the portal, and by e-mail when SMTP is configured.

:func:`remind` is what ``migstat rounds remind`` runs (from cron, as often as one likes): for
every open round it notifies each country's reporters and approvers

- once when the deadline is ``days`` days away or less and tables are still to be sent,
- once when the deadline has passed and tables are still missing,
- once for every submission of the round returned with findings (or rejected),

and e-mails every notification not yet e-mailed to accounts with an address. A notification's
``key`` is unique, so running it twice sends nothing twice; a failed e-mail is tried again on
the next run. No job has to run for the portal: the board is computed when read.

Messages are stored as their English msgid and parameters and shown in the reader's language.
"""

from __future__ import annotations

import email.policy
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.exchange import accounts, audit, board, rounds
from migstat.exchange.mailer import EMAIL, Mailer, checked_email, smtp_password
from migstat.i18n import LANGUAGES, N_, gettext_
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import APPROVER, COORDINATOR, REPORTER, Principal
from migstat.store.engine import aware, naive_utc, utcnow

ROUND_REMIND = "round.remind"
ADDRESS_SET = "notification.address"
DEFAULT_DAYS = 7
MAX_SHOWN = 200

DUE = "due"
LATE = "late"
RETURNED = "returned"
MESSAGES = {
    DUE: N_("Round {round}: the deadline {deadline} is {days} days away; still to send: {tables}."),
    LATE: N_("Round {round}: the deadline {deadline} has passed; still to send: {tables}."),
    RETURNED: N_(
        "Round {round}: submission {submission} ({tables}) was returned with findings: "
        "read them, correct the file and send it again."
    ),
}
SUBJECT = N_("migstat: reporting round {round}")


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    kind: str
    round_id: str | None
    message: str
    params: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    def text(self, lang: str) -> str:
        return gettext_(self.message, lang, **self.params)


@dataclass(slots=True)
class Reminded:
    """What one :func:`remind` run did."""

    created: int = 0
    emailed: int = 0
    failed: list[str] = field(default_factory=list)


def set_address(
    store: Store,
    login: str,
    email: str,
    *,
    by: str,
    client: str | None = None,
    now: datetime | None = None,
) -> str:
    """Send ``login``'s notifications to ``email`` from now on."""
    address = checked_email(email)
    account = accounts.find(store, login)
    moment = naive_utc(now) if now is not None else utcnow()
    na = S.notification_address
    with store.writing() as conn:
        conn.execute(sa.delete(na).where(na.c.account_id == account.id))
        conn.execute(
            sa.insert(na),
            {"account_id": account.id, "email": address, "set_at": moment, "set_by": by},
        )
        audit.append(
            conn,
            actor=by,
            action=ADDRESS_SET,
            client=client,
            details={"login": account.login, "email": address},
            at=moment,
        )
    return address


def _add(conn: Connection, account_id: int, key: str, kind: str, rid: str, params: dict) -> bool:
    """Insert one notification unless one with ``key`` exists; whether it was new."""
    n = S.notification
    if conn.execute(sa.select(n.c.id).where(n.c.key == key)).first() is not None:
        return False
    conn.execute(
        sa.insert(n),
        {
            "account_id": account_id,
            "key": key,
            "kind": kind,
            "round_id": rid,
            "message": MESSAGES[kind],
            "params": params,
            "created_at": utcnow(),
        },
    )
    return True


def _due(found: rounds.Round, cells: list[board.Cell], now: datetime, days: int) -> list[tuple]:
    """``(kind, key suffix, params)`` of the reminders one country's row calls for."""
    out: list[tuple] = []
    deadline = found.deadline.isoformat()
    missing = [c.table for c in cells if c.state not in board.DONE]
    left = (found.deadline - now.date()).days
    if missing and left < 0:
        out.append((LATE, "", {"tables": ", ".join(missing)}))
    elif missing and left <= days:
        out.append((DUE, f":{days}", {"tables": ", ".join(missing), "days": left}))
    by_submission: dict[int, list[str]] = {}
    for c in cells:
        if c.state == board.RETURNED and c.submission_id is not None:
            by_submission.setdefault(c.submission_id, []).append(c.table)
    for sid, tables in sorted(by_submission.items()):
        out.append((RETURNED, f":{sid}", {"submission": sid, "tables": ", ".join(tables)}))
    for _kind, _suffix, params in out:
        params.update({"round": found.id, "deadline": deadline})
    return out


def _recipients(store: Store) -> dict[str, list[accounts.Account]]:
    """The active reporters and approvers of each country."""
    out: dict[str, list[accounts.Account]] = {}
    for a in accounts.listing(store):
        if a.active and a.role in (REPORTER, APPROVER) and a.country:
            out.setdefault(a.country, []).append(a)
    return out


def remind(
    store: Store,
    *,
    days: int = DEFAULT_DAYS,
    mailer: Mailer | None = None,
    by: str = "cli",
    client: str | None = None,
    now: datetime | None = None,
) -> Reminded:
    """Notify what is due (see the module's docstring) and e-mail what was not e-mailed yet."""
    moment = now if now is not None else aware(utcnow())
    who = Principal(user_id=by, roles=frozenset({COORDINATOR}))
    result = Reminded()
    people = _recipients(store)
    for found in rounds.listing(store):
        if not found.open:
            continue
        grid = board.board(store, found, who, now=moment)
        for country in grid.countries:
            cells = [c for c in grid.row(country) if c is not None]
            for kind, suffix, params in _due(found, cells, moment, days):
                with store.writing() as conn:
                    for account in people.get(country, []):
                        key = f"{kind}:{found.id}:{country}{suffix}:{account.id}"
                        result.created += _add(conn, account.id, key, kind, found.id, params)
    if mailer is not None:
        send_pending(store, mailer, result)
    if result.created or result.emailed or result.failed:
        audit.record(
            store,
            actor=by,
            action=ROUND_REMIND,
            client=client,
            details={
                "created": result.created,
                "emailed": result.emailed,
                "failed": len(result.failed),
            },
            at=moment,
        )
    return result


def _address(login: str, stored: str | None) -> str | None:
    if stored:
        return stored
    return login if EMAIL.match(login) else None


def _email(mailer: Mailer, to: str, n: Notification) -> EmailMessage:
    # long lines kept whole: folding a subject in two languages drops a space between the
    # encoded words
    msg = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=400))
    msg["From"] = mailer.sender
    msg["To"] = to
    msg["Subject"] = " / ".join(
        dict.fromkeys(gettext_(SUBJECT, lang, round=n.round_id or "-") for lang in LANGUAGES)
    )
    msg.set_content("\n\n".join(n.text(lang) for lang in LANGUAGES) + "\n")
    return msg


def _pending(store: Store) -> list[tuple[Notification, str]]:
    n, a, na = S.notification, S.account, S.notification_address
    stmt = (
        sa.select(n, a.c.login, na.c.email)
        .join(a, a.c.id == n.c.account_id)
        .outerjoin(na, na.c.account_id == n.c.account_id)
        .where(n.c.emailed_at.is_(None), a.c.disabled_at.is_(None))
        .order_by(n.c.id)
    )
    with store.reading() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for row in rows:
        to = _address(row.login, row.email)
        if to is not None:
            out.append((_notification(row), to))
    return out


def send_pending(store: Store, mailer: Mailer, result: Reminded) -> None:
    """E-mail every notification not e-mailed yet, over one SMTP connection; each one sent
    is marked at once, a failure is kept and tried again next time."""
    pending = _pending(store)
    if not pending:
        return
    n = S.notification
    try:
        smtp = mailer.connect()
    except (smtplib.SMTPException, OSError) as exc:
        result.failed.append(f"{mailer.host}:{mailer.port}: {exc}")
        return
    with smtp:
        for note, to in pending:
            try:
                smtp.send_message(_email(mailer, to, note))
                values: dict[str, Any] = {"emailed_at": utcnow(), "email_error": None}
                result.emailed += 1
            except (smtplib.SMTPException, OSError) as exc:
                values = {"email_error": str(exc)[:500]}
                result.failed.append(f"{to}: {exc}")
            with store.writing() as conn:
                conn.execute(sa.update(n).where(n.c.id == note.id).values(**values))


def _notification(row: Any) -> Notification:
    return Notification(
        row.id,
        row.kind,
        row.round_id,
        row.message,
        dict(row.params or {}),
        aware(row.created_at),
        aware(row.read_at) if row.read_at is not None else None,
    )


def for_account(store: Store, account_id: int) -> list[Notification]:
    """The newest notifications of an account, newest first."""
    n = S.notification
    stmt = sa.select(n).where(n.c.account_id == account_id).order_by(n.c.id.desc()).limit(MAX_SHOWN)
    with store.reading() as conn:
        return [_notification(row) for row in conn.execute(stmt)]


def unread(store: Store, account_id: int) -> int:
    n = S.notification
    stmt = sa.select(sa.func.count()).where(n.c.account_id == account_id, n.c.read_at.is_(None))
    with store.reading() as conn:
        return int(conn.execute(stmt).scalar_one())


def mark_read(store: Store, account_id: int, *, now: datetime | None = None) -> None:
    """Mark every notification of the account read (it has seen the list)."""
    n = S.notification
    moment = naive_utc(now) if now is not None else utcnow()
    with store.writing() as conn:
        conn.execute(
            sa.update(n)
            .where(n.c.account_id == account_id, n.c.read_at.is_(None))
            .values(read_at=moment)
        )


__all__ = [
    "ADDRESS_SET",
    "ROUND_REMIND",
    "Mailer",
    "Notification",
    "Reminded",
    "checked_email",
    "for_account",
    "mark_read",
    "remind",
    "send_pending",
    "set_address",
    "smtp_password",
    "unread",
]
