"""One columnar import once its plan has filled ``obs``: validated, then handed to the store.

The store gets :class:`~migstat.store.write.SliceRows`: a chunk's slices (whole areas and
periods, about :data:`ROWS` observations), then its observation rows made by DuckDB in the
store's own column order, fetched a batch at a time and written with ``executemany``
(``COPY`` on PostgreSQL) inside the submission's one transaction. No observation object is
made for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from migstat.columnar.cells import prepare
from migstat.columnar.checks import Checks, observations
from migstat.model import Dataset, Finding, InputError, Location, Registry
from migstat.sources.skipped import MSG_NOTHING_TO_STORE
from migstat.store.write import BATCH, SliceRows
from migstat.validation.chunked import ChunkedValidation
from migstat.validation.timeseries import History

ROWS = 100_000
"""Observations per chunk handed to the store (more when one area and period is larger)."""


class ColumnarRun:
    """The ``obs`` table of a plan, checked (:meth:`check`) and fed to the store
    (:meth:`chunks`)."""

    def __init__(
        self, con: Any, dataset: Dataset, registry: Registry, history: History | None = None
    ) -> None:
        self.con = con
        self.dataset = dataset
        self.registry = registry
        self.checks = ChunkedValidation(dataset, registry, history=history, imported=True)
        self.count = 0
        """Observations the plan gave (a cell's repetitions included), once checked."""
        self._findings: list[Finding] | None = None

    def check(self, kept: int) -> None:
        """Validate, and keep the first ``kept`` observations in the dataset."""
        repeats = prepare(self.con, self.registry)
        (kept_cells,) = self.con.execute("SELECT coalesce(sum(n), 0) FROM groups").fetchone()
        self.count = int(kept_cells) + repeats
        Checks(self.con, self.checks, repeats).run(self.registry, self.dataset.file_name)
        where = (
            "c.gno <= (SELECT coalesce(max(gno), 0) FROM (SELECT gno, sum(n) OVER "
            f"(ORDER BY gno) - n AS before FROM groups) WHERE before < {int(kept)})"
        )
        for chunk in observations(self.con, where, self.dataset.file_name, limit=kept):
            self.dataset.observations.extend(chunk)

    def findings(self) -> list[Finding]:
        if self._findings is None:
            self._findings = self.checks.findings()
        return self._findings

    def chunks(self) -> Iterator[SliceRows]:
        """The slices and rows a chunk at a time; refusing (inside the store's transaction)
        a file of which nothing reaches a table, as the row path does."""
        cursor = self.con.cursor()
        cursor.execute("SELECT gi, gno, tab, area, period, n FROM groups ORDER BY gi")
        slices: list[tuple[str, str, str, int]] = []
        first = last = (0, 0)
        size = 0
        while groups := cursor.fetchmany(4096):
            for gi, gno, tab, area, period, n in groups:
                if size >= ROWS:
                    yield SliceRows(slices, self._rows(first, last))
                    slices, size = [], 0
                if not slices:
                    first = (gi, gno)
                last = (gi, gno)
                slices.append((tab, area, period, n))
                size += n
        cursor.close()
        if slices:
            yield SliceRows(slices, self._rows(first, last))
        if not self.checks.observations:
            raise InputError(MSG_NOTHING_TO_STORE, where=Location(file=self.dataset.file_name))

    def _rows(self, first: tuple[int, int], last: tuple[int, int]) -> Any:
        """The rows of the slices from ``first`` to ``last`` (``(gi, gno)`` each)."""
        con = self.con

        def rows(ids: list[int]) -> Iterator[Sequence[tuple[Any, ...]]]:
            cursor = con.cursor()
            cursor.execute(
                "SELECT list_extract(?::BIGINT[], (g.gi - ?)::INTEGER + 1), k.skey, "
                "k.partner, coalesce(c.ival::DOUBLE, c.fval), c.obs_status, c.conf_status, "
                "NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM cells c JOIN d_key k "
                "ON k.kr = c.kr JOIN groups g ON g.gno = c.gno WHERE c.gno BETWEEN ? AND ? "
                "ORDER BY c.gno, c.kr, c.seq",
                [ids, first[0], first[1], last[1]],
            )
            while batch := cursor.fetchmany(BATCH):
                yield batch
            cursor.close()

        return rows
