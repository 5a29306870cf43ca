"""Observations set aside on disk while a large file is read, then read back grouped.

A reader yields observations in the file's order; validation and the store want them by
``(REF_AREA, TIME_PERIOD)``, every table of an area and period together (totals, cross-table
rules and the store's slices work on those groups). :class:`Spill` writes them to a private
SQLite file (the standard library's ``sqlite3``, no journal, no fsync: it is thrown away) and
:meth:`Spill.chunks` reads them back sorted, a bounded list at a time, cut only between
areas and periods.

Memory does not grow with the file: a chunk holds about :data:`CHUNK` observations, or one
area and period when that is more, and an area and period cannot be larger than its tables'
cells: a cell given more than :data:`REPEATS_KEPT` times more is counted, not held
(:attr:`Spill.repeats_dropped`). The first repetition of a cell stays in the chunk, so the
duplicate is still reported at its line.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

from migstat.model.data import LineObservation, Location, Observation, place_of
from migstat.model.findings import check_exact
from migstat.model.precision import Precision

CHUNK = 20_000
"""Observations per chunk read back (more only when one area and period is larger)."""
REPEATS_KEPT = 1
"""Repetitions of the same cell kept in a chunk beyond the first (enough to report it)."""
PLACES = 1_000
"""Distinct (file, sheet, column) places given a small number; past them an observation keeps
its column's own text (a PX file names every cell's column, ``DATA[n]``)."""
SEPARATOR = "\x1f"
"""Joins a key's codes in the spill (a control character no code contains)."""

_COLUMNS = (
    "area, period, tab, key, value, obs_status, conf_status, comment, place, line, cell, prec, col"
)


class Scratch:
    """What a step sets aside on disk while it works: a context manager that deletes it on
    leaving (:meth:`close`)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class Spill(Scratch):
    """A temporary on-disk set of observations; a context manager that deletes it."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="migstat-spill-", dir=folder)
        self._db = sqlite3.connect(Path(self._dir.name) / "spill.sqlite", isolation_level=None)
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "temp_store=FILE",
            "cache_size=-16384",  # 16 MiB of page cache, whatever the file's size
        ):
            self._db.execute(f"PRAGMA {pragma}")
        # value without a type: SQLite keeps an int an int and a float a float
        self._db.execute(
            "CREATE TABLE obs (area TEXT, period TEXT, tab TEXT, key TEXT, value, "
            "obs_status TEXT, conf_status TEXT, comment TEXT, place INTEGER, line INTEGER, "
            "cell TEXT, prec TEXT, col TEXT)"
        )
        self._places: dict[tuple[str | None, str | None, str | None], int] = {}
        self._place_list: list[tuple[str | None, str | None, str | None]] = []
        self.count = 0
        """Observations added."""
        self.repeats_dropped = 0
        """Repetitions of a cell beyond :data:`REPEATS_KEPT` left out by :meth:`chunks`."""

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def _place(
        self, file: str | None, sheet: str | None, column: str | None
    ) -> tuple[int, str | None]:
        """A small number for a (file, sheet, column), there are few of them; past
        :data:`PLACES` of them, the number of (file, sheet) and the column's own text."""
        triple = (file, sheet, column)
        found = self._places.get(triple)
        if found is not None:
            return found, None
        if len(self._place_list) >= PLACES and column is not None:
            return self._place(file, sheet, None)[0], column
        found = self._places[triple] = len(self._place_list)
        self._place_list.append(triple)
        return found, None

    def add(self, observations: Iterable[Observation]) -> None:
        """Set ``observations`` aside (one batch: the caller keeps batches bounded)."""
        rows = []
        place = self._place
        for obs in observations:
            check_exact(obs.value, obs.where)
            file, sheet, cell, line, column = place_of(obs)
            at, own = place(file, sheet, column)
            rows.append(
                (
                    obs.ref_area,
                    obs.time_period,
                    obs.table,
                    SEPARATOR.join(obs.key),
                    obs.value,
                    obs.obs_status,
                    obs.conf_status,
                    obs.comment,
                    at,
                    line,
                    cell,
                    None if obs.precision is None else json.dumps(obs.precision.row()),
                    own,
                )
            )
        self._db.execute("BEGIN")
        self._db.executemany(f"INSERT INTO obs ({_COLUMNS}) VALUES ({', '.join('?' * 13)})", rows)
        self._db.execute("COMMIT")
        self.count += len(rows)

    def add_all(self, batches: Iterable[Iterable[Observation]]) -> None:
        for batch in batches:
            self.add(batch)

    def tables(self) -> list[str]:
        """The tables of the observations set aside."""
        return [t for (t,) in self._db.execute("SELECT DISTINCT tab FROM obs ORDER BY tab")]

    def chunks(self, size: int | None = None) -> Iterator[list[Observation]]:
        """Every observation (but repetitions beyond :data:`REPEATS_KEPT`), sorted by area,
        period, table, key and the order they came in; lists of about ``size``, each holding
        whole areas and periods. The same cell's observations come one after another."""
        size = size or CHUNK
        cursor = self._db.execute(
            f"SELECT {_COLUMNS} FROM obs ORDER BY area, period, tab, key, rowid"
        )
        chunk: list[Observation] = []
        group: tuple[str, str] | None = None
        last_cell: tuple[str, str] | None = None
        repeats = 0
        # a place of text lines (a file and column, no sheet) makes LineObservations
        lines = [(f, c) if sheet is None else None for f, sheet, c in self._place_list]
        made = _Made(self._place_list)
        keys = made.keys
        while rows := cursor.fetchmany(4096):
            for (
                area,
                period,
                tab,
                key,
                value,
                obs_status,
                conf_status,
                comment,
                p,
                line,
                cell,
                prec,
                own,
            ) in rows:
                if (area, period) != group:
                    if len(chunk) >= size:
                        yield chunk
                        chunk = []
                        keys.clear()  # the keys of a chunk: bounded
                    group = (area, period)
                    last_cell = None
                if (tab, key) == last_cell:
                    repeats += 1
                    if repeats > REPEATS_KEPT:
                        self.repeats_dropped += 1
                        continue
                else:
                    last_cell, repeats = (tab, key), 0
                text = lines[p] if line is not None and cell is None else None
                precision = None if prec is None else Precision(*json.loads(prec))
                if text is not None:
                    codes = keys.get(key)
                    if codes is None:
                        codes = made.key(key)
                    chunk.append(
                        LineObservation(
                            tab,
                            area,
                            period,
                            codes,
                            value,
                            obs_status,
                            conf_status,
                            comment,
                            precision=precision,
                            file=text[0],
                            line=line,
                            column=text[1] if own is None else own,
                        )
                    )
                else:
                    chunk.append(
                        made.other(
                            tab,
                            area,
                            period,
                            key,
                            value,
                            obs_status,
                            conf_status,
                            comment,
                            p,
                            line,
                            cell,
                            precision,
                            own,
                        )
                    )
        if chunk:
            yield chunk


class _Made:
    """Observations made from the spill's rows, their key tuples shared within a chunk."""

    def __init__(self, places: list[tuple[str | None, str | None, str | None]]) -> None:
        self.places = places
        self.keys: dict[str, tuple[str, ...]] = {}

    def key(self, key: str) -> tuple[str, ...]:
        codes = self.keys.get(key)
        if codes is None:
            codes = self.keys[key] = tuple(key.split(SEPARATOR)) if key else ()
        return codes

    def other(
        self,
        table: str,
        area: str,
        period: str,
        key: str,
        value: float | None,
        obs_status: str,
        conf_status: str,
        comment: str | None,
        p: int,
        line: int | None,
        cell: str | None,
        precision: Precision | None = None,
        own: str | None = None,
    ) -> Observation:
        """An observation not of a text line: its :class:`Location`, if it has one (``own``:
        the column's own text, for a place past :data:`PLACES`)."""
        file, sheet, column = self.places[p]
        if own is not None:
            column = own
        where = None
        if file is not None or sheet is not None or cell is not None or line is not None:
            where = Location(file=file, sheet=sheet, cell=cell, line=line, column=column)
        return Observation(
            table,
            area,
            period,
            self.key(key),
            value,
            obs_status,
            conf_status,
            comment,
            where,
            precision,
        )
