"""Audit records of concurrent requests committed together: nothing lost, the chain whole
across processes, and no caller returns before its own record is stored (SQLite and
PostgreSQL)."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from migstat.exchange import audit, audit_group
from migstat.store import Store

PER_PROCESS = 40


def _record(group: audit_group.GroupCommit, name: str, i: int, out: list) -> None:
    found = group.record(actor=name, action=audit.DATA_DOWNLOAD, details={"i": i})
    # committed before it returns: a fresh connection reads it
    with group.store.reading() as conn:
        stored = conn.exec_driver_sql(
            f"SELECT hash FROM audit_record WHERE id = {int(found.id)}"
        ).scalar()
    out.append((found.id, stored == found.hash))


def test_records_waiting_for_a_commit_go_in_one_transaction(store: Store) -> None:
    group = audit_group.GroupCommit(store)
    group.record(actor="first", action=audit.SIGNIN)
    out: list = []
    with group._writer:  # a commit under way: the next ten requests queue behind it
        threads = [
            threading.Thread(target=_record, args=(group, f"reader{i}", i, out)) for i in range(10)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(group._pending) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(group._pending) == 10
    for t in threads:
        t.join()
    assert group.commits == 2 and group.records == 11
    assert sorted(i for i, _ in out) == list(range(2, 12))
    assert all(seen for _, seen in out)
    checked = audit.verify(store)
    assert checked.ok and checked.count == 11


def test_a_failed_batch_fails_every_request_in_it(store: Store) -> None:
    group = audit_group.GroupCommit(store)
    with pytest.raises(TypeError):
        group.record(actor="x", action=audit.DATA_DOWNLOAD, unknown_field=1)
    assert group.commits == 0 and audit.verify(store).count == 0
    assert group.record(actor="x", action=audit.DATA_DOWNLOAD).id == 1


def _append_grouped(url: str, name: str) -> None:
    with Store.open(url) as store:
        threads = [
            threading.Thread(
                target=lambda i=i: audit_group.record(
                    store, actor=name, action=audit.DATA_DOWNLOAD, details={"i": i}
                )
            )
            for i in range(PER_PROCESS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def test_two_processes_grouping_records_keep_one_chain(store: Store, db_url: str) -> None:
    audit.record(store, actor="cli", action=audit.SIGNIN)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_grouped, args=(db_url, name)) for name in ("w1", "w2")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    checked = audit.verify(store)
    assert checked.ok and checked.count == 1 + 2 * PER_PROCESS
    found = list(audit.records(store))
    for name in ("w1", "w2"):
        mine = sorted(r.details["i"] for r in found if r.actor == name)
        assert mine == list(range(PER_PROCESS))
