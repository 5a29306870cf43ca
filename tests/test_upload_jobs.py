"""Background checks of web uploads survive their worker: a job is a row, claimed by one
worker with a conditional update; one left ``running`` by a process that died is taken up
by the next worker that starts, and stored once only, even when the dead one had stored it."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from migstat.exchange import jobs as queue
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import utcnow
from migstat.web.app import create_app
from migstat.web.views.jobs import jobs_of
from tests.release_data import COORDINATOR
from tests.test_exchange_workflow import books, opened, signed_in  # noqa: F401
from tests.test_web_signin import Clock

CLAIM_AND_HANG = """
import sys, time
from migstat.exchange import jobs
from migstat.store import Store
from migstat.web.views.jobs import run_upload
store = Store.open(sys.argv[1])
row = jobs.claim(store, sys.argv[2])
assert row is not None
if sys.argv[3] == "store":
    run_upload(store, row)  # stored, then dies before saying so
print("claimed", flush=True)
time.sleep(600)
"""


def dying_worker(db_url: str, job_id: str, stores: bool = False) -> subprocess.Popen[str]:
    """A worker process that claims ``job_id`` (and stores it, if ``stores``) and hangs."""
    worker = subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_HANG, db_url, job_id, "store" if stores else "-"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None and worker.stdout.readline().strip() == "claimed"
    return worker


def start_worker(store: Store) -> None:
    """A worker process's start (the app's lifespan), then its jobs run to the end."""
    app = create_app(store=store, clock=Clock())
    with TestClient(app):
        jobs_of(app.state).wait_all(timeout=300)


def submitted(store: Store, sha256: str) -> list[int]:
    sub = S.submission
    with store.reading() as conn:
        return list(conn.execute(sa.select(sub.c.id).where(sub.c.sha256 == sha256)).scalars())


def enqueue(store: Store, data: bytes) -> str:
    return queue.enqueue(
        store,
        owner="aigul",
        file_name="KGZ_2024.xlsx",
        data=data,
        mode="submit",
        note="sent before the restart",
        client="10.0.0.7",
    )


def test_a_job_left_running_by_a_dead_process_is_resumed(
    opened: Store,  # noqa: F811
    books: dict[str, Path],  # noqa: F811
    db_url: str,
) -> None:
    data = books["good"].read_bytes()
    job_id = enqueue(opened, data)
    worker = dying_worker(db_url, job_id)
    try:
        start_worker(opened)  # the claiming worker is alive: its job is left to it
        assert queue.get(opened, job_id, "aigul").state == queue.RUNNING
    finally:
        worker.kill()
        worker.wait()
    start_worker(opened)
    job = queue.get(opened, job_id, "aigul")
    assert (job.state, job.attempts) == (queue.DONE, 2)
    record = opened.submission(job.submission_id, principal=COORDINATOR)
    assert (record.country, record.status, record.submitted_by) == ("KGZ", "submitted", "aigul")
    assert record.note == "sent before the restart" and record.n_observations > 10_000
    assert submitted(opened, queue_sha(opened, job_id)) == [record.id]
    with opened.reading() as conn:  # the bytes are not kept once the job has ended
        assert conn.execute(sa.select(S.upload_job.c.data)).scalar() is None
    # the reporter's status page leads to the stored submission
    reporter, _ = signed_in(opened, "aigul")
    page = reporter.get(f"/submit/jobs/{job_id}?lang=ru", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/submissions/{record.id}?lang=ru"


def test_what_a_dead_worker_stored_is_not_stored_twice(
    opened: Store,  # noqa: F811
    books: dict[str, Path],  # noqa: F811
    db_url: str,
) -> None:
    data = books["good"].read_bytes()
    job_id = enqueue(opened, data)
    worker = dying_worker(db_url, job_id, stores=True)
    worker.kill()
    worker.wait()
    [stored] = submitted(opened, queue_sha(opened, job_id))
    start_worker(opened)
    job = queue.get(opened, job_id, "aigul")
    assert (job.state, job.submission_id, job.attempts) == (queue.DONE, stored, 2)
    assert submitted(opened, queue_sha(opened, job_id)) == [stored]


def queue_sha(store: Store, job_id: str) -> str:
    j = S.upload_job
    with store.reading() as conn:
        return conn.execute(sa.select(j.c.sha256).where(j.c.id == job_id)).scalar_one()


@pytest.mark.parametrize(("lang", "said"), [("en", "stopped 3 times"), ("ru", "3 раз")])
def test_a_job_that_keeps_killing_its_worker_fails(opened: Store, lang: str, said: str) -> None:  # noqa: F811
    job_id = enqueue(opened, b"not a questionnaire")
    j = S.upload_job
    with opened.writing() as conn:  # three workers died on it; the last one's pid is gone
        conn.execute(
            sa.update(j)
            .where(j.c.id == job_id)
            .values(
                state=queue.RUNNING,
                attempts=queue.MAX_ATTEMPTS,
                worker=f"{socket.gethostname()}:999999999:dead",
                claimed_at=utcnow(),
            )
        )
    start_worker(opened)
    job = queue.get(opened, job_id, "aigul")
    assert (job.state, job.error_status) == (queue.FAILED, 500)
    reporter, _ = signed_in(opened, "aigul", lang)
    page = reporter.get(f"/submit/jobs/{job_id}?lang={lang}")
    assert page.status_code == 500 and said in page.text and "KGZ_2024.xlsx" in page.text


def test_another_hosts_worker_is_waited_for_until_its_lease_ends(opened: Store) -> None:  # noqa: F811
    job_id = enqueue(opened, b"x")
    assert queue.claim(opened, job_id, worker="elsewhere.example.org:4242:abcd") is not None
    now = utcnow()
    assert queue.requeue_abandoned(opened, now=now + timedelta(minutes=10)) == []
    assert queue.requeue_abandoned(opened, now=now + queue.LEASE + timedelta(seconds=1)) == [job_id]
    assert queue.get(opened, job_id, "aigul").state == queue.QUEUED
    # claimed again by exactly one of two workers
    assert queue.claim(opened, job_id, worker="a:1:x") is not None
    assert queue.claim(opened, job_id, worker="b:2:y") is None


@pytest.mark.parametrize("owners", [1, 30])
def test_uploads_at_the_same_instant_never_pass_the_limits(
    opened: Store,  # noqa: F811
    owners: int,
) -> None:
    """Many workers keeping uploads at once (threads, each its own connection): one account
    gets MAX_PER_ACCOUNT jobs and no more, all accounts together MAX_PENDING."""
    tries = 12 if owners == 1 else 30
    start = threading.Barrier(tries)
    kept: list[str] = []
    busy: list[str] = []
    lock = threading.Lock()

    def keep(n: int) -> None:
        start.wait()
        try:
            job = queue.enqueue(
                opened,
                owner=f"user{n % owners}",
                file_name="f.csv",
                data=b"x" * (3 << 20),  # three pieces: the insert takes a while
                mode="submit",
                note=None,
                client=None,
            )
        except queue.BusyError:
            with lock:
                busy.append(str(n))
            return
        with lock:
            kept.append(job)

    threads = [threading.Thread(target=keep, args=(n,)) for n in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limit = queue.MAX_PER_ACCOUNT if owners == 1 else queue.MAX_PENDING
    assert (len(kept), len(busy)) == (limit, tries - limit)
    j = S.upload_job
    with opened.reading() as conn:
        waiting = conn.execute(sa.select(sa.func.count()).where(j.c.state == queue.QUEUED))
        assert waiting.scalar_one() == limit
        pieces = conn.execute(sa.select(sa.func.count()).select_from(S.upload_job_piece))
        assert pieces.scalar_one() == 3 * limit
