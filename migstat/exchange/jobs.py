"""Background checks of web uploads, kept in the database so that no job dies with a worker.

A reporter's upload to be saved or submitted (on the portal or by ``POST /api/submissions``)
is a row of ``upload_job`` with its bytes in pieces of 1 MiB (``upload_job_piece``, migration
0017; :func:`enqueue`, which also enforces the bounds: :data:`MAX_PER_ACCOUNT` waiting per
account, :data:`MAX_PENDING` in all, atomically on PostgreSQL too). A worker process takes a
job with a conditional update (:func:`claim`: ``queued`` -> ``running``, naming itself), so
two workers never run one job, and ends it as ``done`` (with the submission stored) or
``failed`` (with the reason in every
language); the bytes are dropped then.

A worker that dies leaves its jobs ``running``. Any worker, at start-up and whenever it has
finished a job, takes them up again (:func:`requeue_abandoned`): a job whose worker is a
process of this host that no longer exists, or whose claim is older than :data:`LEASE` (a
worker on another host, which cannot be asked), goes back to ``queued``. Before running a job
again, :func:`already_stored` looks for the submission the dead worker may have stored just
before dying, so nothing is stored twice; a job tried :data:`MAX_ATTEMPTS` times fails.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.i18n import LANGUAGES, N_
from migstat.model.findings import MigstatError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import aware, naive_utc, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
WAITING = (QUEUED, RUNNING)
MAX_PENDING = 20
MAX_PER_ACCOUNT = 3
MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=30)
"""A claim older than this is taken to be a dead worker's (a check takes seconds)."""
KEEP = timedelta(days=1)
"""How long an ended job's row (not its bytes) is kept for its status page."""
BUSY = N_("Too many uploads are being checked right now: wait a minute and try again.")
GAVE_UP = N_(
    "The check of {file} stopped {n} times without finishing: send the file again, and tell "
    "the coordinator if this happens again."
)
_TOKEN = secrets.token_hex(4)
PIECE = 1 << 20
"""Bytes per stored piece of an upload (1 MiB)."""
LIMIT_LOCK = 0x6D69_6773_7461_7401
"""The PostgreSQL advisory lock key under which uploads are counted and kept ("migstat" and
1): one enqueue at a time, so the limits hold however many workers take uploads."""


class BusyError(MigstatError):
    """Too many uploads waiting (HTTP 429)."""

    status = 429


@dataclass(frozen=True, slots=True)
class Job:
    """A job's row without its bytes."""

    id: str
    owner: str
    file_name: str
    mode: str
    state: str
    attempts: int
    created: datetime
    submission_id: int | None
    error: dict[str, str] | None
    error_status: int | None

    def error_text(self, lang: str) -> str:
        found = self.error or {}
        return found.get(lang) or found.get("en") or ""


def worker_id() -> str:
    """This process: ``host:pid:token`` (the token tells a reused pid from its first owner
    within this host's lifetime of the row, together with the lease)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"


def enqueue(
    store: Store,
    *,
    owner: str,
    file_name: str,
    data: bytes | Path,
    mode: str,
    note: str | None,
    client: str | None,
    now: datetime | None = None,
    sidecar: bytes | None = None,
) -> str:
    """Keep an upload (its bytes, or a file on disk read a piece at a time) to be checked and
    stored; its job's id. :class:`BusyError` when the account has :data:`MAX_PER_ACCOUNT`
    waiting or all have :data:`MAX_PENDING`.

    The count and the new row are one transaction that no other enqueue runs beside: on
    PostgreSQL a transaction-level advisory lock (:data:`LIMIT_LOCK`) is taken first, so two
    workers taking uploads at the same instant cannot both see room for one more; SQLite's
    write transaction (``BEGIN IMMEDIATE``) is alone already. The pieces are written inside
    it, so a job is never seen without its bytes."""
    moment = naive_utc(now) if now is not None else utcnow()
    j = S.upload_job
    job_id = secrets.token_urlsafe(12)
    with store.writing() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LIMIT_LOCK)))
        conn.execute(
            sa.delete(j).where(j.c.state.in_((DONE, FAILED)), j.c.created_at < moment - KEEP)
        )
        waiting = sa.select(j.c.owner, sa.func.count()).where(j.c.state.in_(WAITING))
        counts = dict(conn.execute(waiting.group_by(j.c.owner)).all())
        if sum(counts.values()) >= MAX_PENDING or counts.get(owner, 0) >= MAX_PER_ACCOUNT:
            raise BusyError(BUSY)
        digest = _write_pieces(conn, job_id, data)
        conn.execute(
            sa.insert(j),
            {
                "id": job_id,
                "owner": owner,
                "file_name": file_name,
                "mode": mode,
                "note": note,
                "client": client,
                "data": None,
                "sidecar": sidecar,
                "sha256": digest,
                "state": QUEUED,
                "attempts": 0,
                "created_at": moment,
            },
        )
    return job_id


def _write_pieces(conn: Connection, job_id: str, data: bytes | Path) -> str:
    """Store an upload's bytes as :data:`PIECE`-sized rows; their sha256."""
    sha = hashlib.sha256()
    pieces: Iterator[bytes]
    if isinstance(data, Path):
        pieces = _file_pieces(data)
    else:
        pieces = (data[i : i + PIECE] for i in range(0, len(data), PIECE))
    for seq, piece in enumerate(pieces):
        sha.update(piece)
        conn.execute(sa.insert(S.upload_job_piece), {"job_id": job_id, "seq": seq, "data": piece})
    return sha.hexdigest()


def _file_pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while piece := handle.read(PIECE):
            yield piece


def write_upload(store: Store, row: dict[str, Any], path: Path) -> Path:
    """Write a claimed job's upload to ``path``, a piece at a time (a job kept before pieces
    existed has its bytes in its row); ``path``."""
    p = S.upload_job_piece
    with path.open("wb") as out:
        if row.get("data") is not None:
            out.write(row["data"])
            return path
        seq = 0
        while True:
            with store.reading() as conn:
                piece = conn.execute(
                    sa.select(p.c.data).where(p.c.job_id == row["id"], p.c.seq == seq)
                ).scalar()
            if piece is None:
                return path
            out.write(piece)
            seq += 1


def claim(store: Store, job_id: str, worker: str | None = None) -> dict[str, Any] | None:
    """Take a queued job for this worker; its row (with the bytes), or ``None`` when another
    worker has it or it has ended. :data:`MAX_ATTEMPTS` tries and it fails instead."""
    j = S.upload_job
    with store.writing() as conn:
        taken = conn.execute(
            sa.update(j)
            .where(j.c.id == job_id, j.c.state == QUEUED)
            .values(
                state=RUNNING,
                worker=worker or worker_id(),
                claimed_at=utcnow(),
                attempts=j.c.attempts + 1,
            )
        ).rowcount
        if taken != 1:
            return None
        row = conn.execute(sa.select(j).where(j.c.id == job_id)).mappings().one()
    if row["attempts"] > MAX_ATTEMPTS:
        fail(store, job_id, GAVE_UP, 500, file=row["file_name"], n=MAX_ATTEMPTS)
        return None
    return dict(row)


def finish(store: Store, job_id: str, submission_id: int) -> None:
    _end(store, job_id, DONE, submission_id=submission_id)


def fail(store: Store, job_id: str, message: str, status: int, **params: Any) -> None:
    """End a job with ``message`` (a msgid) kept in every language."""
    error = MigstatError(message, **params)
    _end(store, job_id, FAILED, error={lang: error.text(lang) for lang in LANGUAGES}, status=status)


def fail_with(store: Store, job_id: str, error: MigstatError, status: int) -> None:
    texts = {lang: error.text(lang) for lang in LANGUAGES}
    _end(store, job_id, FAILED, error=texts, status=status)


def _end(
    store: Store,
    job_id: str,
    state: str,
    *,
    submission_id: int | None = None,
    error: dict[str, str] | None = None,
    status: int | None = None,
) -> None:
    j = S.upload_job
    with store.writing() as conn:
        conn.execute(sa.delete(S.upload_job_piece).where(S.upload_job_piece.c.job_id == job_id))
        conn.execute(
            sa.update(j)
            .where(j.c.id == job_id, j.c.state == RUNNING)
            .values(
                state=state,
                data=None,
                sidecar=None,
                finished_at=utcnow(),
                submission_id=submission_id,
                error=error,
                error_status=status,
            )
        )


def get(store: Store, job_id: str, owner: str) -> Job | None:
    """The job ``job_id`` if ``owner`` started it."""
    j = S.upload_job
    cols = [c for c in j.c if c.name not in ("data", "sidecar")]
    with store.reading() as conn:
        row = conn.execute(sa.select(*cols).where(j.c.id == job_id, j.c.owner == owner)).first()
    if row is None:
        return None
    return Job(
        row.id,
        row.owner,
        row.file_name,
        row.mode,
        row.state,
        row.attempts,
        aware(row.created_at),
        row.submission_id,
        dict(row.error) if row.error else None,
        row.error_status,
    )


def queued(store: Store) -> list[str]:
    """The ids of the jobs waiting for a worker, oldest first."""
    j = S.upload_job
    stmt = sa.select(j.c.id).where(j.c.state == QUEUED).order_by(j.c.created_at, j.c.id)
    with store.reading() as conn:
        return list(conn.execute(stmt).scalars())


def _dead(worker: str | None, claimed_at: datetime | None, now: datetime) -> bool:
    if worker is None or claimed_at is None or now - claimed_at > LEASE:
        return True
    host, _, rest = worker.partition(":")
    pid, _, _token = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's worker: only its lease tells
    if worker == worker_id():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return int(pid) == os.getpid()  # this process, restarted token: an earlier life of it


def requeue_abandoned(store: Store, *, now: datetime | None = None) -> list[str]:
    """Put back in the queue every running job whose worker is gone; their ids."""
    moment = naive_utc(now) if now is not None else utcnow()
    j = S.upload_job
    stmt = sa.select(j.c.id, j.c.worker, j.c.claimed_at).where(j.c.state == RUNNING)
    with store.reading() as conn:
        running = conn.execute(stmt).all()
    back = []
    for row in running:
        if not _dead(row.worker, row.claimed_at, moment):
            continue
        with store.writing() as conn:
            done = conn.execute(
                sa.update(j)
                .where(j.c.id == row.id, j.c.state == RUNNING, j.c.worker == row.worker)
                .values(state=QUEUED, worker=None, claimed_at=None)
            ).rowcount
        if done == 1:
            back.append(row.id)
    return back


def already_stored(store: Store, row: dict[str, Any]) -> int | None:
    """The submission an earlier try of this job stored before its worker died, if any:
    the same bytes from the same account since the job was made."""
    if row["attempts"] <= 1:
        return None
    sub = S.submission
    stmt = (
        sa.select(sub.c.id)
        .where(
            sub.c.sha256 == row["sha256"],
            sub.c.submitted_by == row["owner"],
            sub.c.submitted_at >= row["created_at"],
        )
        .order_by(sub.c.id)
        .limit(1)
    )
    with store.reading() as conn:
        return conn.execute(stmt).scalar()


__all__ = [
    "DONE",
    "FAILED",
    "LEASE",
    "MAX_ATTEMPTS",
    "MAX_PENDING",
    "MAX_PER_ACCOUNT",
    "QUEUED",
    "RUNNING",
    "BusyError",
    "Job",
    "already_stored",
    "claim",
    "enqueue",
    "fail",
    "fail_with",
    "finish",
    "get",
    "queued",
    "requeue_abandoned",
    "worker_id",
    "write_upload",
]
