"""Uploads checked and stored in the background, with a status the page shows.

A reporter's upload to save or submit becomes a job row (:mod:`migstat.exchange.jobs`, which
bounds them: 3 waiting per account, 20 in all, more is a 429), and the request answers at once
with the address of a status page that refreshes itself until the submission is stored. Each
worker process runs jobs on a small pool of threads (:data:`WORKERS`); it takes a job with a
conditional update, so a job runs in one worker only. At start-up, and after each job, a
worker takes up the jobs that a dead worker left running and those still queued, so a restart
or a crash loses no upload. Only the account that uploaded sees a job.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from migstat.exchange import accounts
from migstat.exchange import jobs as queue
from migstat.i18n import N_
from migstat.model.findings import MigstatError
from migstat.store import Store
from migstat.store.access import AccessDeniedError, Principal
from migstat.web.views import submit as views

WORKERS = 2
MAX_PENDING = queue.MAX_PENDING
MAX_PER_ACCOUNT = queue.MAX_PER_ACCOUNT
BusyError = queue.BusyError
Job = queue.Job
GONE = N_("The account {login} can no longer submit: its upload was not stored.")

Runner = Callable[[Store, dict[str, Any]], int]
"""Checks and stores a claimed job's upload; the submission's id."""


def owner_principal(store: Store, login: str) -> Principal:
    """Who the job stores as: the account as it is now (disabled: refused)."""
    try:
        account = accounts.find(store, login)
    except MigstatError:
        raise AccessDeniedError(GONE, login=login) from None
    if getattr(account, "disabled_at", None) is not None:
        raise AccessDeniedError(GONE, login=login)
    return account.principal


def run_upload(store: Store, row: dict[str, Any]) -> int:
    """Read, validate and store a job's upload as its account (the workflow's checks)."""
    who = owner_principal(store, row["owner"])
    with tempfile.TemporaryDirectory(prefix="migstat-job-") as folder:
        received = queue.write_upload(store, row, Path(folder) / "upload")
        return _check_and_store(store, row, who, received)


def _check_and_store(store: Store, row: dict[str, Any], who: Principal, received: Path) -> int:
    with views.checked_upload(store, received, row["file_name"], row.get("sidecar")) as upload:
        record = views.store_upload(
            store,
            upload,
            who=who,
            send=row["mode"] == "submit",
            note=row["note"] or None,
            client=row["client"],
        )
    return record.id


class Jobs:
    """This process's pool over the store's job rows (one per app)."""

    def __init__(self, store: Store, workers: int = WORKERS, runner: Runner = run_upload) -> None:
        self.store = store
        self.runner = runner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="migstat-upload")
        self._running: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def start(
        self,
        who: Principal,
        file_name: str,
        data: bytes | Path,
        *,
        mode: str,
        note: str | None,
        client: str | None,
        sidecar: bytes | None = None,
    ) -> str:
        """Keep an upload (bytes, or a file on disk stored a piece at a time) and have it
        checked; its job's id (:class:`BusyError`: too many)."""
        job_id = queue.enqueue(
            self.store,
            owner=who.user_id or "-",
            file_name=file_name,
            data=data,
            mode=mode,
            note=note,
            client=client,
            sidecar=sidecar,
        )
        self._schedule(job_id)
        return job_id

    def resume(self) -> list[str]:
        """Take up what dead workers left running, and every queued job; their ids."""
        queue.requeue_abandoned(self.store)
        found = queue.queued(self.store)
        for job_id in found:
            self._schedule(job_id)
        return found

    def get(self, job_id: str, owner: str) -> queue.Job | None:
        return queue.get(self.store, job_id, owner)

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Until this process's run of ``job_id`` is over (at once if it has none)."""
        with self._lock:
            future = self._running.get(job_id)
        if future is not None:
            future.result(timeout)

    def wait_all(self, timeout: float | None = None) -> None:
        """Until every run this process has started is over (a test's, or a shutdown's)."""
        while True:
            with self._lock:
                pending = [f for f in self._running.values() if not f.done()]
            if not pending:
                return
            for future in pending:
                future.result(timeout)

    def _schedule(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._running and not self._running[job_id].done():
                return
            # shutting down: the job stays queued for the next worker to start
            with contextlib.suppress(RuntimeError):
                self._running[job_id] = self._pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        row = queue.claim(self.store, job_id)
        if row is None:
            return  # another worker has it, or it has ended
        try:
            done = queue.already_stored(self.store, row)
            queue.finish(
                self.store, job_id, done if done is not None else self.runner(self.store, row)
            )
        except MigstatError as exc:
            status = getattr(exc, "status", None) or (
                403 if isinstance(exc, AccessDeniedError) else 400
            )
            queue.fail_with(self.store, job_id, exc, status)
        except Exception as exc:
            queue.fail(self.store, job_id, FAILED, 500, error=str(exc)[:300])
        self._forget_done()
        self.resume()  # what a dead worker left, or was queued and never run

    def _forget_done(self) -> None:
        with self._lock:
            for key in [k for k, f in self._running.items() if f.done()]:
                del self._running[key]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


FAILED = N_("The check stopped with an unexpected error: {error}. Send the file again.")

_CREATE = threading.Lock()


def jobs_of(state: Any) -> Jobs:
    """The app's jobs (made on first use, over the app's store)."""
    with _CREATE:
        found = getattr(state, "upload_jobs", None)
        if found is None:
            found = state.upload_jobs = Jobs(state.store)
    return found


__all__ = [
    "MAX_PENDING",
    "MAX_PER_ACCOUNT",
    "BusyError",
    "Job",
    "Jobs",
    "jobs_of",
    "owner_principal",
    "run_upload",
]
