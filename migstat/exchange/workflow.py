"""The submission workflow: the states a national submission passes through, and who moves it.

States (``submission.status``)::

    draft ──send──> submitted ──sign off (approver)──> signed_off ──accept──> accepted
      (reporter)       │  └───────────── accept (no approver) ─────────────────┘
                       └──return──> returned <──return── signed_off
    rejected: failed validation (errors); never sent

The rules, each checked here (and the access gate's ``can_*`` methods for who is who):

- a reporter submits only for its own country;
- where the country has an active approver account, the approver signs off before the
  coordinator sees the submission in the queue (and before it can be accepted);
- the coordinator accepts, or returns with a message (a return without one is refused);
- whoever accepts is not whoever submitted (four eyes);
- every transition is a row of ``submission_event`` (append-only: the history is kept) and an
  audit record, written in the same transaction as the new state; a transition checks the
  state it starts from inside that transaction, so two reviewers cannot both move one
  submission.

A returned or rejected submission stays as it is; the reporter corrects the file and submits
again, which is a new submission (a new vintage). Accepting makes the numbers current data
for the store's access gate; what is released to whom is not decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.exchange import audit
from migstat.i18n import N_
from migstat.model.data import Dataset, Observation
from migstat.model.findings import Finding, InputError, MigstatError, Severity
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import APPROVER, COORDINATOR, AccessDeniedError, Principal
from migstat.store.engine import aware, naive_utc, utcnow
from migstat.store.rawfiles import RawFile
from migstat.store.records import SubmissionRecord

DRAFT = "draft"
"""Checked and stored by a reporter, not sent."""
SUBMITTED = "submitted"
"""Sent: awaiting the approver (where the country has one) or the coordinator."""
SIGNED_OFF = "signed_off"
"""The approver signed off: in the coordinator's queue."""
RETURNED = "returned"
"""The coordinator (or the approver) returned it with a message."""
ACCEPTED = "accepted"
REJECTED = "rejected"
"""Failed validation (it has errors)."""
STATES = (DRAFT, SUBMITTED, SIGNED_OFF, RETURNED, ACCEPTED, REJECTED)
STATE_NAMES = {
    DRAFT: N_("draft"),
    SUBMITTED: N_("submitted"),
    SIGNED_OFF: N_("signed off"),
    RETURNED: N_("returned"),
    ACCEPTED: N_("accepted"),
    REJECTED: N_("rejected"),
}
SYSTEM = Principal(user_id="workflow", roles=frozenset({COORDINATOR}))
"""Whom the workflow reads a submission's record as: it decides itself who may act on it
(:func:`check_follow` and the checks of each transition), whatever the release rules hide."""
MAX_NOTE = 4000
"""Characters of a note or an explanation (they come from a form)."""

# audit actions
SUBMISSION_STORE = "submission.store"
SUBMISSION_SEND = "submission.send"
SUBMISSION_SIGN_OFF = "submission.sign_off"
SUBMISSION_ACCEPT = "submission.accept"
SUBMISSION_RETURN = "submission.return"
SUBMISSION_CHECK = "submission.check"


class WorkflowError(MigstatError):
    """A transition that the submission's state or the rules do not allow (HTTP 409)."""

    exit_code = 2
    status = 409


@dataclass(frozen=True, slots=True)
class Event:
    """One state a submission entered: who moved it there, when (aware UTC), with what note."""

    id: int
    submission_id: int
    state: str
    actor: str
    at: datetime
    note: str | None


def moment_of(now: datetime | None) -> datetime:
    return naive_utc(now) if now is not None else utcnow()


def note_of(text: str | None) -> str | None:
    cleaned = (text or "").replace("\x00", "").strip()[:MAX_NOTE]
    return cleaned or None


def _event(
    conn: Connection,
    submission_id: int,
    state: str,
    *,
    actor: str,
    at: datetime,
    note: str | None,
    client: str | None,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    """One event row and its audit record, in ``conn``'s write transaction."""
    conn.execute(
        sa.insert(S.submission_event),
        {"submission_id": submission_id, "state": state, "actor": actor, "at": at, "note": note},
    )
    facts = {"submission": submission_id, "state": state, "note": note, **(details or {})}
    audit.append(conn, actor=actor, action=action, client=client, details=facts, at=at)


def denied(store: Store, who: Principal, message: str, client: str | None, **params: Any) -> None:
    """Record a refusal in the audit trail and raise it."""
    error = AccessDeniedError(message, **params)
    audit.record(
        store,
        actor=who.user_id or "anonymous",
        action=audit.ACCESS_DENIED,
        client=client,
        details={"reason": error.message, **{k: str(v) for k, v in params.items()}},
    )
    raise error


def check_submitter(store: Store, who: Principal, country: str | None, client: str | None) -> None:
    """Refuse (403, recorded) a submission for a country that is not ``who``'s own."""
    if not store.policy.can_submit_for(who, country):
        denied(
            store,
            who,
            N_(
                "You may submit only for your own country ({own}), not for {country}: "
                "ask the coordinator if your account names the wrong country."
            ),
            client,
            own=who.country or "-",
            country=country or "-",
        )


def submit(
    store: Store,
    dataset: Dataset,
    raw: bytes | RawFile,
    findings: Iterable[Finding],
    *,
    who: Principal,
    send: bool = True,
    note: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    then: Callable[[Connection, int], None] | None = None,
    chunks: Iterable[Sequence[Observation]] | None = None,
    total: int | None = None,
    areas: Iterable[str] | None = None,
) -> SubmissionRecord:
    """Store a reporter's submission: ``rejected`` when validation found errors, else
    ``submitted`` (``send``) or ``draft``. The country is the dataset's; it must be ``who``'s.
    ``then(conn, id)`` runs in the same transaction (the caller's own records).

    A streamed upload (:mod:`migstat.submitting`) gives its observations as ``chunks`` (the
    dataset then holds only some), ``total`` of them, with the REF_AREA codes of all in
    ``areas``, and its raw file as a :class:`RawFile` stored in pieces."""
    country = dataset.metadata.country or dataset.provider
    check_submitter(store, who, country, client)
    seen = {o.ref_area for o in dataset.observations} if areas is None else set(areas)
    for area in sorted(seen - {country}):
        check_submitter(store, who, area, client)
    found = list(findings)
    seen = {id(f) for f in found}
    found.extend(f for f in dataset.findings if id(f) not in seen)
    errors = sum(1 for f in found if f.severity == Severity.ERROR)
    state = REJECTED if errors else (SUBMITTED if send else DRAFT)
    actor = who.user_id or "-"
    moment = moment_of(now)
    text = note_of(note)

    def first_event(conn: Connection, submission_id: int) -> None:
        _event(
            conn,
            submission_id,
            state,
            actor=actor,
            at=moment,
            note=text,
            client=client,
            action=SUBMISSION_STORE,
            details={"country": country, "file": dataset.file_name, "errors": errors},
        )
        if then is not None:
            then(conn, submission_id)

    return store.submit(
        dataset,
        raw,
        findings=found,
        submitted_by=actor,
        note=text,
        status=state,
        then=first_event,
        release=None,  # accepted on the web means internal until the coordinator releases it
        chunks=chunks,
        total=total,
    )


def record_check(
    store: Store, who: Principal, *, file_name: str, errors: int, warnings: int, client: str | None
) -> None:
    """Record a "check only" upload (nothing of it is stored but this audit record)."""
    audit.record(
        store,
        actor=who.user_id or "anonymous",
        action=SUBMISSION_CHECK,
        client=client,
        details={"file": file_name[:200], "errors": errors, "warnings": warnings},
    )


def has_approver(conn: Connection, country: str | None) -> bool:
    """Whether ``country`` has an active approver account (then sign-off comes first)."""
    a = S.account
    stmt = sa.select(a.c.id).where(
        a.c.role == APPROVER, a.c.country == country, a.c.disabled_at.is_(None)
    )
    return country is not None and conn.execute(stmt.limit(1)).first() is not None


def _state_of(conn: Connection, submission_id: int) -> Any:
    sub = S.submission
    row = conn.execute(
        sa.select(sub.c.id, sub.c.status, sub.c.country, sub.c.submitted_by).where(
            sub.c.id == submission_id
        )
    ).first()
    if row is None:
        raise WorkflowError(N_("There is no submission {id} in the store."), id=submission_id)
    return row


def _move(
    conn: Connection,
    row: Any,
    to: str,
    *,
    allowed_from: Sequence[str],
    actor: str,
    at: datetime,
    note: str | None,
    client: str | None,
    action: str,
) -> None:
    """Change the state (only from one of ``allowed_from``, checked by the UPDATE itself)."""
    if row.status not in allowed_from:
        raise WorkflowError(
            N_("Submission {id} is {state}: it cannot become {target} now."),
            id=row.id,
            state=STATE_NAMES.get(row.status, row.status),
            target=STATE_NAMES[to],
        )
    sub = S.submission
    done = conn.execute(
        sa.update(sub).where(sub.c.id == row.id, sub.c.status == row.status).values(status=to)
    )
    if (done.rowcount or 0) != 1:
        raise WorkflowError(
            N_("Submission {id} was changed by someone else just now: reload and look again."),
            id=row.id,
        )
    _event(conn, row.id, to, actor=actor, at=at, note=note, client=client, action=action)


Check = Callable[[Connection, Any], None]
"""Who may make a transition, checked against the submission's row inside its transaction:
raises :class:`AccessDeniedError` (recorded) or :class:`WorkflowError`."""


def _transition(
    store: Store,
    submission_id: int,
    to: str,
    *,
    who: Principal,
    allowed_from: Sequence[str],
    check: Check,
    action: str,
    note: str | None,
    client: str | None,
    now: datetime | None,
) -> SubmissionRecord:
    """Check who may, then move the submission, all in one write transaction; a refusal is
    recorded in the audit trail after the rollback."""
    moment = moment_of(now)
    text = note_of(note)
    try:
        with store.writing() as conn:
            row = _state_of(conn, submission_id)
            check(conn, row)
            _move(
                conn,
                row,
                to,
                allowed_from=allowed_from,
                actor=who.user_id or "-",
                at=moment,
                note=text,
                client=client,
                action=action,
            )
    except AccessDeniedError as error:
        audit.record(
            store,
            actor=who.user_id or "anonymous",
            action=audit.ACCESS_DENIED,
            client=client,
            details={"reason": error.message, **{k: str(v) for k, v in error.params.items()}},
        )
        raise
    return store.submission(submission_id, principal=SYSTEM)


def _refuse(message: str, **params: Any) -> None:
    """Refuse a transition (recorded by :func:`_transition` after the rollback)."""
    raise AccessDeniedError(message, **params)


def send(
    store: Store,
    submission_id: int,
    *,
    who: Principal,
    note: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> SubmissionRecord:
    """A draft sent by a reporter of its country: it becomes ``submitted``."""

    def check(_conn: Connection, row: Any) -> None:
        if not store.policy.can_submit_for(who, row.country):
            _refuse(
                N_("Only a reporter of {country} may send this submission."), country=row.country
            )

    return _transition(
        store,
        submission_id,
        SUBMITTED,
        who=who,
        allowed_from=(DRAFT,),
        check=check,
        action=SUBMISSION_SEND,
        note=note,
        client=client,
        now=now,
    )


def sign_off(
    store: Store,
    submission_id: int,
    *,
    who: Principal,
    note: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> SubmissionRecord:
    """The approver of the submission's country signs it off: into the coordinator's queue."""

    def check(_conn: Connection, row: Any) -> None:
        if not store.policy.can_sign_off(who, store.submission(row.id, principal=SYSTEM)):
            _refuse(
                N_("Only an approver of {country} may sign off this submission."),
                country=row.country,
            )
        if row.submitted_by == who.user_id:
            _refuse(N_("You submitted this yourself: someone else must sign it off."))

    return _transition(
        store,
        submission_id,
        SIGNED_OFF,
        who=who,
        allowed_from=(SUBMITTED,),
        check=check,
        action=SUBMISSION_SIGN_OFF,
        note=note,
        client=client,
        now=now,
    )


def accept(
    store: Store,
    submission_id: int,
    *,
    who: Principal,
    note: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> SubmissionRecord:
    """The coordinator accepts a submission in the queue (signed off, or sent by a country
    without an approver); never one that the same person submitted."""

    def check(conn: Connection, row: Any) -> None:
        if not store.policy.can_review(who):
            _refuse(N_("Only the coordinator may accept or return submissions."))
        if row.submitted_by == who.user_id:
            _refuse(
                N_("You submitted {id} yourself: another person must accept it (four eyes)."),
                id=row.id,
            )
        if row.status == SUBMITTED and has_approver(conn, row.country):
            raise WorkflowError(
                N_(
                    "Submission {id} waits for the approver of {country} to sign it off "
                    "before it can be accepted."
                ),
                id=row.id,
                country=row.country,
            )

    return _transition(
        store,
        submission_id,
        ACCEPTED,
        who=who,
        allowed_from=(SUBMITTED, SIGNED_OFF),
        check=check,
        action=SUBMISSION_ACCEPT,
        note=note,
        client=client,
        now=now,
    )


def return_(
    store: Store,
    submission_id: int,
    *,
    who: Principal,
    note: str | None,
    client: str | None = None,
    now: datetime | None = None,
) -> SubmissionRecord:
    """The coordinator (or the country's approver, before signing off) returns a submission
    with a message saying what to correct."""
    if note_of(note) is None:
        raise InputError(N_("Say why the submission is returned: the reporter reads this message."))

    def check(_conn: Connection, row: Any) -> None:
        approver = row.status == SUBMITTED and store.policy.can_sign_off(
            who, store.submission(row.id, principal=SYSTEM)
        )
        if not (store.policy.can_review(who) or approver):
            _refuse(N_("Only the coordinator may accept or return submissions."))

    return _transition(
        store,
        submission_id,
        RETURNED,
        who=who,
        allowed_from=(SUBMITTED, SIGNED_OFF),
        check=check,
        action=SUBMISSION_RETURN,
        note=note,
        client=client,
        now=now,
    )


def _event_of(row: Any) -> Event:
    return Event(row.id, row.submission_id, row.state, row.actor, aware(row.at), row.note)


def events(store: Store, submission_ids: Iterable[int]) -> dict[int, list[Event]]:
    """Every state each submission entered, oldest first (submissions stored before the
    workflow have none)."""
    ids = list(dict.fromkeys(submission_ids))
    out: dict[int, list[Event]] = {i: [] for i in ids}
    if not ids:
        return out
    e = S.submission_event
    stmt = sa.select(e).where(e.c.submission_id.in_(ids)).order_by(e.c.id)
    with store.reading() as conn:
        for row in conn.execute(stmt):
            out[row.submission_id].append(_event_of(row))
    return out


def queue(store: Store) -> list[SubmissionRecord]:
    """What awaits the coordinator, oldest first: signed off, or sent by a country that has
    no approver."""
    sub = S.submission
    with store.reading() as conn:
        rows = conn.execute(
            sa.select(sub.c.id, sub.c.status, sub.c.country)
            .where(sub.c.status.in_((SUBMITTED, SIGNED_OFF)))
            .order_by(sub.c.id)
        ).all()
        approvers = {r.country for r in rows if has_approver(conn, r.country)}
    ids = [r.id for r in rows if r.status == SIGNED_OFF or r.country not in approvers]
    return [store.submission(i, principal=SYSTEM) for i in ids]


def awaiting_sign_off(store: Store, country: str) -> list[SubmissionRecord]:
    """The country's sent submissions that wait for its approver."""
    sub = S.submission
    stmt = sa.select(sub.c.id).where(sub.c.status == SUBMITTED, sub.c.country == country)
    with store.reading() as conn:
        ids = list(conn.execute(stmt.order_by(sub.c.id)).scalars())
    return [store.submission(i, principal=SYSTEM) for i in ids]


def check_follow(
    store: Store, who: Principal, submission_id: int, client: str | None = None
) -> SubmissionRecord:
    """The record of a submission ``who`` may follow; a 403 (recorded) for another country's."""
    record = store.submission(submission_id, principal=SYSTEM)
    if not store.policy.can_follow_submission(who, record):
        denied(
            store,
            who,
            N_("You may not read submission {id}: it belongs to another country."),
            client,
            id=submission_id,
        )
    return record


__all__ = [
    "ACCEPTED",
    "DRAFT",
    "REJECTED",
    "RETURNED",
    "SIGNED_OFF",
    "STATES",
    "STATE_NAMES",
    "SUBMITTED",
    "SYSTEM",
    "Event",
    "WorkflowError",
    "accept",
    "awaiting_sign_off",
    "check_follow",
    "check_submitter",
    "events",
    "has_approver",
    "queue",
    "record_check",
    "return_",
    "send",
    "sign_off",
    "submit",
]
