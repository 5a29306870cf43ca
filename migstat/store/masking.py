"""Which slices hold a cell the access gate hides, so that the others are read as stored.

The gate shows a cell without its value to a reader not entitled to it when the cell is not
free (CONF_STATUS other than F) or when secondary suppression hid it at a release
(:meth:`migstat.store.access.AccessPolicy.observation_columns`). Testing that per row (a
``CASE`` on every masked column, with a look-up of ``suppressed_cell``) costs a read of many
free cells, such as a published matrix, more than the read itself. Most slices have no such
cell, so the gate asks here first:

- whether a slice has a cell that is not free is a fact of the slice (observations are never
  changed once stored), looked up once per slice and kept;
- which slices have suppressed cells changes only with a release, which moves the store's
  visibility version (the ``store_version`` row), so it is read once per version.

Both are read on the reader's own connection, the version in the same transaction as the
observations it decides about.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.store import schema as S
from migstat.store.resolved import VERSION_SQL, ids_in

MAX_KEPT = 200_000
"""Slices whose cells are known per database, at most; the record starts over past it."""


class HiddenCells:
    """What is known of the slices of each database (by its engine): which have a cell that
    is not free, and, at a visibility version, which have suppressed cells."""

    def __init__(self, free: str) -> None:
        self._free = free
        self._lock = threading.Lock()
        self._known: weakref.WeakKeyDictionary[Any, dict[int, bool]] = weakref.WeakKeyDictionary()
        self._suppressed: weakref.WeakKeyDictionary[Any, tuple[int, frozenset[int]]] = (
            weakref.WeakKeyDictionary()
        )

    def clean(self, conn: Connection, slice_ids: Iterable[int]) -> frozenset[int]:
        """The ids of ``slice_ids`` with no cell the gate hides (every cell free, none
        suppressed): their columns can be read as stored, whoever reads them."""
        ids = sorted(set(slice_ids))
        if not ids:
            return frozenset()
        engine = conn.engine
        with self._lock:
            known = self._known.setdefault(engine, {})
            prior = {i: known[i] for i in ids if i in known}
        unknown = [i for i in ids if i not in prior]
        closed = {i for i, hides in prior.items() if hides}
        if unknown:
            found = self._not_free(conn, unknown)
            closed |= found
            with self._lock:
                if len(known) + len(unknown) > MAX_KEPT:
                    known.clear()
                known.update((i, i in found) for i in unknown)
        suppressed = self._with_suppressed(conn)
        return frozenset(i for i in ids if i not in closed and i not in suppressed)

    def _not_free(self, conn: Connection, ids: list[int]) -> set[int]:
        ob = S.observation
        out: set[int] = set()
        for start in range(0, len(ids), 1000):
            stmt = (
                sa.select(ob.c.slice_id)
                .where(
                    ids_in(ob.c.slice_id, ids[start : start + 1000]), ob.c.conf_status != self._free
                )
                .distinct()
            )
            out.update(conn.execute(stmt).scalars())
        return out

    def _with_suppressed(self, conn: Connection) -> frozenset[int]:
        """The slices with a cell secondary suppression hid, as of the version read on
        ``conn`` (the transaction the observations are read in)."""
        version = conn.exec_driver_sql(VERSION_SQL).scalar_one()
        engine = conn.engine
        with self._lock:
            kept = self._suppressed.get(engine)
        if kept is not None and kept[0] == version:
            return kept[1]
        ob, sc = S.observation, S.suppressed_cell
        stmt = sa.select(ob.c.slice_id).join(sc, sc.c.observation_id == ob.c.id).distinct()
        found = frozenset(conn.execute(stmt).scalars())
        with self._lock:
            self._suppressed[engine] = (version, found)
        return found
