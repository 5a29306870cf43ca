"""Which slices hold a cell the access gate hides, so that the others are read as stored.

The gate shows a cell without its value to a reader not entitled to it when the cell is not
free (CONF_STATUS other than F) or when secondary suppression hid it at a release
(:meth:`migstat.store.access.AccessPolicy.observation_columns`). Testing that per row (a
``CASE`` on every masked column, with a look-up of ``suppressed_cell``) costs a read of many
free cells, such as a published matrix, more than the read itself. Most tables of most
submissions have no such cell, so the gate asks here first.

A table of a submission (all its slices) holds a cell to hide exactly when one of its cells is
not free:

- observations are never changed once stored, and a submission's slices are written in the
  transaction that stores it, so whether a table has a cell that is not free never changes;
- secondary suppression hides cells only in a table that has a cell that is not free, and only
  cells of that table (:func:`migstat.exchange.release._suppress`; tested in
  ``tests/test_release.py``).

So the answer is looked up once per (submission, table) and kept for the database, with no
statement on later reads and nothing to renew when releases are made.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.store import schema as S
from migstat.store.resolved import ids_in

MAX_KEPT = 100_000
"""Tables of submissions known per database, at most; the record starts over past it."""

Pair = tuple[int, str]
"""(submission id, table id)."""


class HiddenCells:
    """Which tables of which submissions hold a cell that is not free, per database (by its
    engine), as far as asked."""

    def __init__(self, free: str) -> None:
        self._free = free
        self._lock = threading.Lock()
        self._known: weakref.WeakKeyDictionary[Any, dict[Pair, bool]] = weakref.WeakKeyDictionary()

    def clean(self, conn: Connection, slices: Iterable[Any]) -> frozenset[int]:
        """The ids of ``slices`` (rows with ``id``, ``submission_id`` and ``table_id``) whose
        table of their submission has no cell the gate hides: they can be read as stored,
        whoever reads them."""
        slices = list(slices)
        pairs = {(s.submission_id, s.table_id) for s in slices}
        with self._lock:
            known = self._known.setdefault(conn.engine, {})
            hides = {p: known[p] for p in pairs if p in known}
        unknown = pairs.difference(hides)
        if unknown:
            found = self._not_free(conn, sorted({sid for sid, _t in unknown}))
            hides.update((p, p in found) for p in unknown)
            with self._lock:
                if len(known) + len(unknown) > MAX_KEPT:
                    known.clear()
                known.update((p, hides[p]) for p in unknown)
        return frozenset(s.id for s in slices if not hides[(s.submission_id, s.table_id)])

    def _not_free(self, conn: Connection, submission_ids: list[int]) -> set[Pair]:
        """The (submission, table) pairs of ``submission_ids`` with a cell that is not free."""
        sl, ob = S.slice_, S.observation
        out: set[Pair] = set()
        for start in range(0, len(submission_ids), 500):
            stmt = (
                sa.select(sl.c.submission_id, sl.c.table_id)
                .join(ob, ob.c.slice_id == sl.c.id)
                .where(
                    ids_in(sl.c.submission_id, submission_ids[start : start + 500]),
                    ob.c.conf_status != self._free,
                )
                .distinct()
            )
            out.update((sid, table) for sid, table in conn.execute(stmt))
        return out
