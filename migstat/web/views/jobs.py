"""Uploads checked and stored in the background, with a status the page shows.

A reporter's upload is read, validated and stored by a small pool of worker threads
(:data:`WORKERS`), so the request answers at once with the address of a status page that
refreshes itself until the submission is stored. Bounded: at most :data:`MAX_PENDING` uploads
wait or run at a time (:data:`MAX_PER_ACCOUNT` per account; more is refused with a message
saying to wait), and a finished job is kept for :data:`KEEP` so its page still answers. Only
the account that uploaded sees a job. Jobs live in the process: a restart forgets the status,
never a stored submission (storing is one transaction).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from migstat.i18n import N_
from migstat.model.findings import MigstatError

WORKERS = 2
MAX_PENDING = 20
MAX_PER_ACCOUNT = 3
KEEP = timedelta(hours=1)


class BusyError(MigstatError):
    """Too many uploads waiting (HTTP 429)."""

    status = 429


@dataclass(slots=True)
class Job:
    id: str
    owner: str
    file_name: str
    created: datetime
    future: Future[Any] = field(repr=False)

    @property
    def state(self) -> str:
        """``queued``, ``running`` or ``done``."""
        if self.future.done():
            return "done"
        return "running" if self.future.running() else "queued"


class Jobs:
    """The pool and its jobs (one per app)."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="migstat-upload")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, owner: str, file_name: str, work: Callable[[], Any]) -> Job:
        """Queue ``work`` for ``owner``; :class:`BusyError` when too many wait."""
        now = datetime.now(UTC)
        with self._lock:
            self._forget(now)
            pending = [j for j in self._jobs.values() if not j.future.done()]
            if len(pending) >= MAX_PENDING or (
                sum(1 for j in pending if j.owner == owner) >= MAX_PER_ACCOUNT
            ):
                raise BusyError(
                    N_("Too many uploads are being checked right now: wait a minute and try again.")
                )
            job = Job(secrets.token_urlsafe(12), owner, file_name, now, self._pool.submit(work))
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        """The job ``job_id`` if ``owner`` started it."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def _forget(self, now: datetime) -> None:
        for key in [k for k, j in self._jobs.items() if j.future.done() and now - j.created > KEEP]:
            del self._jobs[key]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


_CREATE = threading.Lock()


def jobs_of(state: Any) -> Jobs:
    """The app's jobs (made on first use)."""
    with _CREATE:
        found = getattr(state, "upload_jobs", None)
        if found is None:
            found = state.upload_jobs = Jobs()
    return found


__all__ = ["KEEP", "MAX_PENDING", "MAX_PER_ACCOUNT", "BusyError", "Job", "Jobs", "jobs_of"]
