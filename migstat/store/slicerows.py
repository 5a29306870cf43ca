"""The rows of a read's slices: the codes of their keys and the filters on them, the cells two
current breakdowns of one slice key share, the fetch of a statement's rows, and the split of a
chunk of slices by how the access gate shows their cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine.cursor import CursorFetchStrategy

from migstat.store import schema as S
from migstat.store.access import AccessPolicy, Principal


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(text.split(S.KEY_SEPARATOR)) if text else ()


class Overlap:
    """Cells that two current slices of different breakdowns of one slice key both hold
    (UN DESA's totals by sex and its matrix by origin both give the foreign-born of both
    sexes): the newer slice's cell is read, the older one's is not. Slices come newest first
    within their key (:meth:`StoreReads._current_slices`)."""

    __slots__ = ("at", "extra", "group", "multi", "taken")

    def __init__(self, multi: set[tuple[str, ...]], at: int, extra: bool) -> None:
        self.multi, self.at, self.extra = multi, at, extra
        self.group: tuple[str, ...] | None = None
        self.taken: set[tuple[str, str | None]] = set()

    @classmethod
    def of(cls, slices: list[Any], fields: Sequence[str]) -> Overlap | None:
        """``None`` when every slice key has one current slice (the usual case)."""
        counts = Counter((s.table_id, s.provider, s.ref_area, s.time_period) for s in slices)
        multi = {k for k, n in counts.items() if n > 1}
        if not multi:
            return None
        if "partner" in fields:
            return cls(multi, 2 + list(fields).index("partner"), False)
        return cls(multi, 2 + len(fields), True)

    def newest(self, s: Any, rows: list[Any]) -> list[Any]:
        """The rows of slice ``s`` that no newer slice of its key gave (the partner column
        added for this dropped again)."""
        group = (s.table_id, s.provider, s.ref_area, s.time_period)
        if group not in self.multi:
            return [r[: self.at] for r in rows] if self.extra else rows
        if group != self.group:
            self.group, self.taken = group, set()
        at, taken = self.at, self.taken
        kept = [r for r in rows if (r[1], r[at]) not in taken]
        taken.update((r[1], r[at]) for r in rows)
        return [r[:at] for r in kept] if self.extra else kept


class KeyCodes:
    """The codes of stored key texts, split once per distinct text (the rows of a table
    repeat a few thousand keys at most), and whether the filters of a query accept them.

    ``filters`` holds ``(position, codes wanted)`` pairs from :class:`ObservationQuery`
    ``filters``; :attr:`codes` maps each key text seen to its codes.
    """

    __slots__ = ("codes", "filters", "ok")

    def __init__(self, filters: Iterable[tuple[int, frozenset[str]]]) -> None:
        self.filters = tuple(filters)
        self.codes: dict[str, tuple[str, ...]] = {}
        self.ok: dict[str, bool] = {}

    def learn(self, texts: list[str]) -> list[bool] | None:
        """Remember the codes of ``texts``; which of them the filters keep (``None``: all)."""
        for text in set(texts).difference(self.codes):
            codes = self.codes[text] = _split_key(text)
            self.ok[text] = all(
                at < len(codes) and codes[at] in wanted for at, wanted in self.filters
            )
        if not self.filters:
            return None
        keep = list(map(self.ok.__getitem__, texts))
        return None if all(keep) else keep


def own_ids(who: Principal, chunk: list[Any]) -> list[int] | None:
    """The ids of the slices in ``chunk`` that ``who``'s country submitted (``None`` when the
    slices do not say whose they are): the access gate then needs no subquery to tell."""
    if who.country is None or who.is_coordinator:
        return []
    if chunk and not hasattr(chunk[0], "submission_country"):
        return None
    return [s.id for s in chunk if s.submission_country == who.country]


def fetch_all(conn: Connection, stmt: sa.Select[Any]) -> list[Any]:
    """Every row of ``stmt``: the driver's own tuples when SQLAlchemy would not convert any
    value of them (no result processors, plain cursor), which saves building a ``Row`` per
    row; else SQLAlchemy's rows (they unpack and index the same)."""
    result = conn.execute(stmt)
    try:
        meta = getattr(result, "_metadata", None)
        plain = (
            getattr(meta, "_effective_processors", True) is None
            and type(getattr(result, "cursor_strategy", None)) is CursorFetchStrategy
            and result.cursor is not None
        )
        return result.cursor.fetchall() if plain else list(result.fetchall())
    finally:
        result.close()


def parts(
    policy: AccessPolicy, conn: Connection, who: Principal, chunk: list[Any]
) -> list[tuple[list[Any], dict[str, Any]]]:
    """``chunk`` as (slices, options of :meth:`AccessPolicy.observation_columns`): the slices
    ``who`` reads as stored (its country's own, and those with no cell the gate hides, asked
    of the policy on ``conn``), then the others, read through the gate's masking. Never more
    statements than one for the own slices and one for the others: without own slices, those
    with nothing to hide go with the masked ones (a ``CASE`` per row of a small read costs
    less than a statement of its own)."""
    if who.is_coordinator:
        return [(chunk, {})]
    own = own_ids(who, chunk)
    mine = set(own or ())
    others = [s for s in chunk if s.id not in mine]
    plain = mine | (policy.clean_slices(conn, others) if others else frozenset())
    if not mine and len(plain) < len(chunk):
        plain = frozenset()
    stored = [s for s in chunk if s.id in plain]
    masked = [s for s in chunk if s.id not in plain]
    out: list[tuple[list[Any], dict[str, Any]]] = []
    if stored:
        out.append((stored, {"as_stored": True}))
    if masked:
        out.append((masked, {"own_slices": None if own is None else []}))
    return out
