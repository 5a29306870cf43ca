"""Explanations of findings: a reporter says why a warning of its submission is not an error.

Each explanation is a row of ``finding_comment`` (kept: a later explanation of the same
finding is added, the earlier one stays) and an audit record, in one transaction. The
reviewer reads them beside the findings; the reporter may explain until the submission is
accepted or returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from migstat.exchange import audit
from migstat.exchange.workflow import (
    ACCEPTED,
    RETURNED,
    STATE_NAMES,
    SYSTEM,
    WorkflowError,
    denied,
    moment_of,
    note_of,
)
from migstat.i18n import N_
from migstat.model.findings import InputError, Severity
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.access import Principal
from migstat.store.engine import aware

FINDING_COMMENT = "submission.comment"


@dataclass(frozen=True, slots=True)
class Comment:
    """A reporter's explanation of one finding."""

    id: int
    finding_id: int
    actor: str
    at: datetime
    text: str


def findings(store: Store, submission_id: int) -> list[tuple[int, dict[str, Any]]]:
    """The stored findings of a submission with their ids (what explanations point at)."""
    f = S.finding
    stmt = sa.select(f.c.id, f.c.data).where(f.c.submission_id == submission_id).order_by(f.c.id)
    with store.reading() as conn:
        return [(row.id, row.data) for row in conn.execute(stmt)]


def explain(
    store: Store,
    submission_id: int,
    finding_id: int,
    text: str,
    *,
    who: Principal,
    client: str | None = None,
    now: datetime | None = None,
) -> Comment:
    """A reporter of the country explains a warning of its submission (kept; a later
    explanation is added, the earlier one stays)."""
    body = note_of(text)
    if body is None:
        raise InputError(N_("Write the explanation of the finding before saving it."))
    record = store.submission(submission_id, principal=SYSTEM)
    if not store.policy.can_submit_for(who, record.country):
        denied(
            store,
            who,
            N_("Only a reporter of {country} may explain its findings."),
            client,
            country=record.country or "-",
        )
    if record.status in (ACCEPTED, RETURNED):
        raise WorkflowError(
            N_("Submission {id} is {state}: its findings can no longer be explained."),
            id=submission_id,
            state=STATE_NAMES.get(record.status, record.status),
        )
    f = S.finding
    moment = moment_of(now)
    with store.writing() as conn:
        severity = conn.execute(
            sa.select(f.c.severity).where(f.c.id == finding_id, f.c.submission_id == submission_id)
        ).scalar()
        if severity != Severity.WARNING.value:
            raise WorkflowError(
                N_("Finding {finding} of submission {id} is not a warning that can be explained."),
                finding=finding_id,
                id=submission_id,
            )
        row = {
            "submission_id": submission_id,
            "finding_id": finding_id,
            "actor": who.user_id or "-",
            "at": moment,
            "text": body,
        }
        new_id = conn.execute(
            sa.insert(S.finding_comment).returning(S.finding_comment.c.id), row
        ).scalar_one()
        audit.append(
            conn,
            actor=row["actor"],
            action=FINDING_COMMENT,
            client=client,
            details={"submission": submission_id, "finding": finding_id},
            at=moment,
        )
    return Comment(new_id, finding_id, row["actor"], aware(moment), body)


def comments(store: Store, submission_id: int) -> dict[int, list[Comment]]:
    """The explanations of a submission's findings: finding id -> comments, oldest first."""
    c = S.finding_comment
    stmt = sa.select(c).where(c.c.submission_id == submission_id).order_by(c.c.id)
    out: dict[int, list[Comment]] = {}
    with store.reading() as conn:
        for row in conn.execute(stmt):
            out.setdefault(row.finding_id, []).append(
                Comment(row.id, row.finding_id, row.actor, aware(row.at), row.text)
            )
    return out


__all__ = ["FINDING_COMMENT", "Comment", "comments", "explain", "findings"]
