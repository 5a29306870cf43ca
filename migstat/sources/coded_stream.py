"""Coded records read as a stream: the observations of every table in batches, as they come.

The readers of coded records (Eurostat's bulk TSV and legacy exports, SDMX-CSV, SDMX-ML) give
their records to a :class:`CodedStream`, which feeds each table's
:class:`~migstat.sources.cube.CubeMapper` and hands on what the mappers made every
:data:`DRAIN` records, in batches of about :data:`BATCH` observations, so that a reader holds
one batch and never the file (:func:`migstat.sources.stream_source`, ``migstat import``).
Once the last record is read the mappers are settled (findings of skipped and unmatched
codes, or the error listing every unmatched code) and each table is given its metadata; the
table's span of periods is gathered on the way, since the observations are gone by then.

A table kept only when the file breaks a dimension down (``migr_resfirst``'s A01V by length
of validity) is decided by the first record that does: until then its observations are held.
When more than :data:`HOLD` are held still undecided, the rest of the file is scanned for that
dimension alone (the records read again from the start), so that memory stays bounded.

The whole-file ``read`` of those readers is this stream collected, table after table, as the
mappers used to settle them: both give the same observations, findings and errors.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from migstat.formats.csvbase import sniff_separator
from migstat.formats.text import line_one
from migstat.model.data import Dataset, Location, Observation
from migstat.model.registry import Registry
from migstat.sources.coded import Curated, Pairs, add_metadata
from migstat.sources.common import Reopened
from migstat.sources.cube import settle_all

BATCH = 20_000
"""Observations per batch (about: a batch ends at the first drain past it)."""
DRAIN = 2_000
"""Records between two looks at what the mappers made."""
HOLD = 100_000
"""Observations held for a table not yet known to be kept, before the file is scanned for the
dimension that decides it."""

Record = tuple[Mapping[str, str], float | None, str | None, Location]
"""A record's codes by dimension, its value, its flag as published and where it was read."""
Records = Callable[[], Iterator[Record]]
"""Reads the records from the start (again, when a table must be decided by a scan)."""


@dataclass(frozen=True, slots=True)
class Options:
    """What a reader of coded records was asked for (its ``read``'s options)."""

    registry: Registry
    allow_unmatched: bool = False
    edition: str | None = None
    table: str | None = None
    decimal: str | None = None
    dataset: str | None = None


@dataclass(slots=True)
class Columns:
    """Where a CSV file of coded records has what: its dimensions (index, id), its value and
    its flag; ``width`` is the header's, to which short rows are padded."""

    file_name: str
    width: int
    dims: list[tuple[int, str]]
    value_at: int
    flag_at: int | None


@dataclass(slots=True)
class Ending:
    """What a reader adds once every record is read: its metadata's note and, if any, the
    provenance it learns only at the end (an edition from the rows' update dates)."""

    known: Curated | None
    note: Callable[[], str]
    before: Callable[[Dataset], None] | None = None


@dataclass(slots=True)
class CodedStream:
    """One file's records fed to its tables' mappers, their observations handed on in batches."""

    dataset: Dataset
    pairs: Pairs
    records: Records
    totals: frozenset[str]
    """Codes of a dimension that do not break it down (``TOTAL``)."""
    allow_unmatched: bool
    ending: Ending
    hold: int | None = HOLD
    """``None``: hold a table's observations until the end (a whole-file read)."""
    periods: dict[str, set[str]] = field(default_factory=dict)
    _kept: dict[int, bool] = field(default_factory=dict)
    _held: dict[int, list[Observation]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, (_mapper, needs) in enumerate(self.pairs):
            if needs is None:
                self._kept[i] = True
            else:
                self._held[i] = []

    def batches(self) -> Iterator[list[Observation]]:
        """The observations in batches; the dataset is complete after the last one."""
        out: list[Observation] = []
        pending = [(i, needs) for i, (_m, needs) in enumerate(self.pairs) if needs is not None]
        for n, (record, value, flag, where) in enumerate(self.records(), start=1):
            for i, (mapper, _needs) in enumerate(self.pairs):
                if self._kept.get(i, True) and mapper.wants(record):
                    mapper.add(record, value, flag, where)
            if pending:
                pending = self._decide(pending, record)
            if n % DRAIN == 0:
                out.extend(self._drain())
                if len(out) >= BATCH:
                    yield out
                    out = []
                if pending and self._too_many_held():
                    pending = self._scan(pending)
        for i, _needs in pending:  # the file never broke the dimension down
            self._drop(i)
        out.extend(self._drain())
        if out:
            yield out
        self._end()

    def _decide(
        self, pending: list[tuple[int, str]], record: Mapping[str, str]
    ) -> list[tuple[int, str]]:
        left = []
        for i, needs in pending:
            code = record.get(needs)
            if code is not None and code not in self.totals:
                self._keep(i)
            else:
                left.append((i, needs))
        return left

    def _keep(self, i: int) -> None:
        self._kept[i] = True
        held = self._held.pop(i, [])
        self.pairs[i][0].observations[:0] = held

    def _drop(self, i: int) -> None:
        self._kept[i] = False
        self._held.pop(i, None)
        self.pairs[i][0].observations.clear()

    def _too_many_held(self) -> bool:
        return self.hold is not None and sum(map(len, self._held.values())) > self.hold

    def _scan(self, pending: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Decide the tables still pending from the whole file's codes of their dimension."""
        for record, _value, _flag, _where in self.records():
            pending = self._decide(pending, record)
            if not pending:
                return []
        for i, _needs in pending:
            self._drop(i)
        return []

    def _drain(self) -> list[Observation]:
        """What the kept tables' mappers made since the last drain (the undecided ones' held)."""
        out: list[Observation] = []
        for i, (mapper, _needs) in enumerate(self.pairs):
            made = mapper.observations
            if not made:
                continue
            mapper.observations = []
            if i in self._held:
                self._held[i].extend(made)
                continue
            self.periods.setdefault(mapper.table.id, set()).update(o.time_period for o in made)
            out.extend(made)
        return out

    def _end(self) -> None:
        dataset, ending = self.dataset, self.ending
        if ending.before is not None:
            ending.before(dataset)
        kept = [m for i, (m, _needs) in enumerate(self.pairs) if self._kept.get(i)]
        settle_all(kept, dataset, self.allow_unmatched)
        order = [m.table.id for m in kept]
        spans = {t: self.periods[t] for t in order if self.periods.get(t)}
        add_metadata(dataset, ending.known, ending.note(), periods=spans)


def once_then(first: Records, then: Records) -> Records:
    """Records read by ``first`` the first time (the file already open, its header read),
    by ``then`` each time after."""
    calls = 0

    def records() -> Iterator[Record]:
        nonlocal calls
        calls += 1
        return first() if calls == 1 else then()

    return records


def one_batch(dataset: Dataset) -> tuple[Dataset, Iterator[list[Observation]]]:
    """A dataset read whole as a stream of one batch (a format that cannot stream)."""
    found, dataset.observations = dataset.observations, []
    return dataset, iter([found] if found else [])


def csv_rows(text: Reopened) -> Any:
    """A CSV reader of the file's lines, separated as its first line is (the header's)."""
    lines = text.lines()
    first = next(lines, "")
    delimiter = sniff_separator(line_one(first))
    return csv.reader(chain([first], lines), delimiter=delimiter)


def not_blank(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` of a CSV reader's rows that are not blank."""
    for row in reader:
        if any(f.strip() for f in row):
            yield reader.line_num, row


def rows_after_header(text: Reopened) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header that are not blank, the file read again from its start."""
    rows = not_blank(csv_rows(text))
    next(rows, None)
    return rows


def csv_records(
    text: Reopened,
    rows: Iterator[tuple[int, list[str]]],
    records: Callable[[Iterator[tuple[int, list[str]]]], Iterator[Record]],
) -> Records:
    """The records of a CSV file: of ``rows`` (the file being read) the first time, of the
    file read again after its header each time after."""
    return once_then(lambda: records(rows), lambda: records(rows_after_header(text)))


def collected(dataset: Dataset, batches: Iterable[list[Observation]]) -> Dataset:
    """The whole dataset of a stream: its observations table after table (the order of the
    tables' first observations), each table's in the order read."""
    by_table: dict[str, list[Observation]] = {}
    for batch in batches:
        for obs in batch:
            found = by_table.get(obs.table)
            if found is None:
                found = by_table[obs.table] = []
            found.append(obs)
    order = list(dataset.metadata.tables) + [
        t for t in by_table if t not in dataset.metadata.tables
    ]
    dataset.observations = [o for t in order for o in by_table.get(t, ())]
    return dataset
