"""Audit records of many requests written in one transaction (group commit).

Every read of data by a signed-in account leaves a record (:data:`audit.DATA_DOWNLOAD`), and
a record in a transaction of its own costs a commit: on SQLite with ``synchronous=FULL`` a
sync of the file, about 5 ms, paid by every request in turn while the write lock is held. Here
the records of requests that arrive while a commit is under way wait for it to end and are
then appended together, in one transaction, by whichever of them comes first (the leader);
the others only wait for that commit. Nobody waits for a timer: a lone request writes its
record at once, as :func:`audit.record` would, and the batches grow only with the load.

Nothing is lost and nothing is sent early: :meth:`GroupCommit.record` returns only once the
caller's own record is committed, and raises the error when its batch failed, so a request
answers only after its record is stored. The chain stays whole across worker processes,
since a batch is an ordinary write transaction of the store that appends with
:func:`audit.append` (``BEGIN IMMEDIATE`` on SQLite, the chain's advisory lock on
PostgreSQL), one record after the other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from migstat.exchange import audit
from migstat.store import Store

MAX_BATCH = 256
"""The most records one transaction appends (the rest go in the next)."""


@dataclass(slots=True)
class _Waiting:
    """One caller's record, and what became of it."""

    fields: dict[str, Any]
    done: bool = False
    result: audit.AuditRecord | None = None
    error: BaseException | None = None


@dataclass
class GroupCommit:
    """The group commit of one store's audit records (one per store and process)."""

    store: Store
    max_batch: int = MAX_BATCH
    commits: int = 0
    """Transactions written (tests and benchmarks read it)."""
    records: int = 0
    """Records written."""
    _pending: list[_Waiting] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _writer: threading.Lock = field(default_factory=threading.Lock)

    def record(self, **fields: Any) -> audit.AuditRecord:
        """Append one record (the arguments of :func:`audit.append`); returns once it is
        committed, with the record as stored."""
        mine = _Waiting(fields)
        with self._lock:
            self._pending.append(mine)
        while True:
            with self._writer:
                if mine.done:
                    break
                with self._lock:
                    batch = self._pending[: self.max_batch]
                    del self._pending[: self.max_batch]
                self._write(batch)
        if mine.error is not None:
            raise mine.error
        assert mine.result is not None
        return mine.result

    def _write(self, batch: list[_Waiting]) -> None:
        """Append ``batch`` in one transaction; mark each done, with its record or the error."""
        try:
            with self.store.writing() as conn:
                written = [audit.append(conn, **w.fields) for w in batch]
        except BaseException as exc:  # every waiter of the batch raises it
            for w in batch:
                w.error, w.done = exc, True
            return
        self.commits += 1
        self.records += len(batch)
        for w, found in zip(batch, written, strict=True):
            w.result, w.done = found, True


_GROUPS_LOCK = threading.Lock()


def group(store: Store) -> GroupCommit:
    """The :class:`GroupCommit` of ``store`` in this process (made on first use, kept on the
    store: it lives as long as the store)."""
    with _GROUPS_LOCK:
        found: GroupCommit | None = getattr(store, "_audit_group", None)
        if found is None:
            found = GroupCommit(store)
            store._audit_group = found  # type: ignore[attr-defined]
        return found


def record(store: Store, **fields: Any) -> audit.AuditRecord:
    """:func:`audit.record` through the store's group commit: the same record, committed
    before this returns, sharing its transaction with those of other requests made meanwhile."""
    return group(store).record(**fields)


__all__ = ["MAX_BATCH", "GroupCommit", "group", "record"]
