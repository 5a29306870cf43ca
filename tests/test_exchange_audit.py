"""The audit trail: append-only records chained by SHA-256; tampering is found and named.

Two processes appending at once must not fork the chain (SQLite: the store's write
transaction; PostgreSQL: an advisory lock), on both databases.
"""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from migstat.exchange import audit
from migstat.store import Store
from migstat.store import schema as S

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PER_PROCESS = 30


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        audit.record(
            store,
            actor=f"user{i}",
            action="account.add",
            client="10.0.0.7",
            details={"login": f"user{i}", "note": "Кыргызстан"},
            at=T0 + timedelta(minutes=i),
        )


def test_records_are_chained_and_read_back(store: Store) -> None:
    _fill(store)
    found = list(audit.records(store))
    assert [r.id for r in found] == [1, 2, 3, 4, 5]
    assert found[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(found))
    assert found[2].at == T0 + timedelta(minutes=2) and found[2].details["note"] == "Кыргызстан"
    assert found[0].hash == audit.record_hash(
        1,
        T0,
        "user0",
        "account.add",
        "10.0.0.7",
        audit.details_text({"login": "user0", "note": "Кыргызстан"}),
        audit.GENESIS,
    )
    assert [r.id for r in audit.records(store, since=T0 + timedelta(minutes=3))] == [4, 5]
    checked = audit.verify(store)
    assert checked.ok and checked.count == 5 and checked.head == found[-1].hash


def _tamper(store: Store, sql: str) -> audit.Verification:
    with store.writing() as conn:
        conn.execute(sa.text(sql))
    return audit.verify(store)


def test_a_changed_record_is_found(store: Store) -> None:
    _fill(store)
    broken = _tamper(store, "UPDATE audit_record SET actor = 'someone' WHERE id = 3")
    assert broken.broken_id == 3 and "does not match its hash" in broken.text("en")


def test_a_changed_and_rehashed_record_breaks_the_next_link(store: Store) -> None:
    _fill(store)
    with store.reading() as conn:
        row = conn.execute(sa.select(S.audit_record).where(S.audit_record.c.id == 2)).one()
    forged = audit.record_hash(
        2, row.at, row.actor, "account.disable", row.client, row.details, row.prev_hash
    )
    broken = _tamper(
        store,
        f"UPDATE audit_record SET action = 'account.disable', hash = '{forged}' WHERE id = 2",
    )
    assert broken.broken_id == 3 and "does not point at the record before it" in broken.text("en")


def test_a_deleted_record_is_found(store: Store, cli, db_url: str) -> None:
    _fill(store)
    broken = _tamper(store, "DELETE FROM audit_record WHERE id = 4")
    assert broken.broken_id == 5 and "record 4 is missing" in broken.text("en")
    code, out, err = cli("--db", db_url, "--lang", "ru", "audit", "--verify")
    assert code == 1 and len(out.splitlines()) == 4
    assert "Журнал аудита нарушен на записи 5" in err and "записи 4 нет" in err
    first = _tamper(store, "DELETE FROM audit_record WHERE id = 1")
    assert first.broken_id == 2


def _append_many(url: str, name: str) -> None:
    with Store.open(url) as store:
        for i in range(PER_PROCESS):
            audit.record(store, actor=name, action="token.issue", details={"i": i})


def test_two_processes_append_without_forking_the_chain(store: Store, db_url: str) -> None:
    _fill(store, 1)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(db_url, name)) for name in ("cli", "web")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    found = list(audit.records(store))
    assert len(found) == 1 + 2 * PER_PROCESS
    assert {r.actor for r in found[1:]} == {"cli", "web"}
    checked = audit.verify(store)
    assert checked.ok and checked.count == 1 + 2 * PER_PROCESS
