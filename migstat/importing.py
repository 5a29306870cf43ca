"""``migstat import`` as a stream: a publisher's file read, mapped, validated and stored a
chunk at a time, so that its memory does not grow with the file.

1. The reader yields observations in batches (:func:`~migstat.sources.stream_source`; a reader
   that cannot stream gives its whole dataset as one batch) and each batch is set aside on
   disk (:class:`~migstat.store.spill.Spill`). Once the last batch is read, the dataset's
   metadata, provenance and the reader's findings are complete.
2. The spill is read back by area and period, a chunk of whole areas and periods at a time
   (:data:`~migstat.store.spill.CHUNK` observations). Each chunk goes through the
   classification mappings (one report for all chunks), then validation
   (:class:`~migstat.validation.chunked.ChunkedValidation`, which keeps per-rule findings
   up to a bound and counts the rest) and, unless a dry run, into the store.
3. Storing is one transaction (:meth:`~migstat.store.write.StoreWrites.submit` with
   ``chunks``): the raw file in pieces of 1 MiB, then each chunk's slices and observations,
   then the findings and the submission's state. Any failure on the way rolls all of it back.

What is held: one batch or chunk, the spill's page cache (16 MiB), the findings kept (at
most 1,000 per rule), the areas and periods per table for the summary, and the first
:data:`KEPT` observations for a caller to look at (``ImportResult.dataset.observations``).
The size limit of the file is ``MIGSTAT_MAX_IMPORT_MB`` (:mod:`migstat.formats.limits`).

That is the row path. A reader with a plan (the UNHCR reader) takes the columnar path
instead (:mod:`migstat.columnar`: the rows kept as columns in DuckDB from the file to the
store, objects made only for findings and the first observations), wherever it gives the
same result; :func:`import_file` says when it does not, and the choice is made before
anything is stored.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migstat.columnar import ColumnarRun, Session
from migstat.mapping.apply import RULE_UNMAPPED, MappingReport, apply_mappings
from migstat.mapping.model import Mapping
from migstat.mapping.stored import latest_mappings, record_use
from migstat.model import Dataset, Finding, InputError, Location, Observation, Severity
from migstat.model.registry import Registry, default_registry
from migstat.sources import HEAD_BYTES, detect_source, plan_source, reader_of, stream_source
from migstat.sources.common import paused_gc
from migstat.sources.names import RULE_UNMATCHED
from migstat.sources.skipped import MSG_NOTHING_TO_STORE, nothing_to_store
from migstat.store import Store, SubmissionRecord
from migstat.store.access import PUBLISHED
from migstat.store.rawfiles import RawFile
from migstat.store.spill import Spill
from migstat.validation.chunked import ChunkedValidation, TableSummary

KEPT = 20_000
"""Observations kept in the result for a caller to look at (the first, by area and period);
the summary counts every one."""

COLLECT_EVERY = 64
"""Chunks between two collections of reference cycles (the import pauses the collector)."""

Progress = Callable[[int, int], None]
ROWS = "rows"
COLUMNS = "columns"
PATH_SETTING = "MIGSTAT_IMPORT_PATH"
"""``rows`` makes every import take the row path (a comparison, a benchmark's baseline)."""


@dataclass(slots=True)
class ImportResult:
    """A published file read (and, unless a dry run, stored): what mapped and what did not.

    ``dataset`` holds the file's metadata, provenance and at most :data:`KEPT` of its
    observations; ``summary`` counts them all, per table."""

    file_name: str
    source: str
    dataset: Dataset
    findings: list[Finding]
    mapping: MappingReport
    record: SubmissionRecord | None = None
    summary: dict[str, TableSummary] = field(default_factory=dict)
    path_taken: str = field(default=ROWS, compare=False)
    """Which path read the file: :data:`ROWS` or :data:`COLUMNS` (the same result either
    way)."""

    @property
    def observations(self) -> int:
        """How many observations the file gave (after mappings): stored unless a dry run."""
        return sum(s.observations for s in self.summary.values())

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def unmatched_names(self) -> list[Finding]:
        """Country names that match no AREA code (rows left out)."""
        return [f for f in self.findings if f.rule == RULE_UNMATCHED]

    @property
    def unmapped_categories(self) -> list[Finding]:
        """National categories that no mapping covers (values left out)."""
        return [f for f in self.findings if f.rule == RULE_UNMAPPED]


class _Run:
    """One import's pass over its spill: map, validate and hand on each chunk."""

    def __init__(
        self,
        dataset: Dataset,
        spill: Spill,
        found: list[Mapping],
        *,
        registry: Registry,
        source: str,
        history: Store | None,
    ) -> None:
        self.dataset = dataset
        self.spill = spill
        self.found = found
        self.registry = registry
        self.source = source
        self.report = MappingReport()
        self.checks = ChunkedValidation(dataset, registry, history=history, imported=True)
        self._findings: list[Finding] | None = None

    def chunks(self) -> Iterator[list[Observation]]:
        header = self.dataset
        kept = header.observations
        repeats = 0
        for n, chunk in enumerate(self.spill.chunks(), start=1):
            if n % COLLECT_EVERY == 0:
                gc.collect()  # the collector is paused; what the store's driver leaves goes
            part = Dataset(header.file_name, header.format, header.provider, chunk)
            apply_mappings(
                part,
                self.found,
                registry=self.registry,
                source=self.source,
                drop_unmapped=True,
                report=self.report,
            )
            mapped = part.observations
            self.checks.check(mapped)
            self.checks.more("STRUCT_DUPLICATE", self.spill.repeats_dropped - repeats)
            repeats = self.spill.repeats_dropped
            if len(kept) < KEPT:
                kept.extend(mapped[: KEPT - len(kept)])
            if mapped:
                yield mapped

    def findings(self) -> list[Finding]:
        """Every finding, once every chunk has been checked (made once)."""
        if self._findings is None:
            dataset = self.dataset
            dataset.findings.extend(self.report.findings())
            if self.report.mappings and dataset.provenance is not None:
                used = ", ".join(m.describe() for m in self.report.mappings)
                dataset.provenance.notes = "; ".join(
                    p for p in (dataset.provenance.notes, f"classification mappings: {used}") if p
                )
            self._findings = self.checks.findings()
        return self._findings

    def stored(self, path: Path) -> Iterator[list[Observation]]:
        """:meth:`chunks`, refusing (inside the store's transaction) a file of which nothing
        reaches a table: an empty vintage would be "accepted" and say nothing."""
        yield from self.chunks()
        if not self.checks.observations:
            raise InputError(MSG_NOTHING_TO_STORE, where=Location(file=path.name))


def import_file(
    path: str | Path,
    *,
    store: Store | None = None,
    source: str | None = None,
    table: str | None = None,
    dry_run: bool = False,
    allow_unmatched: bool = False,
    submitted_by: str = "import",
    note: str | None = None,
    progress: Progress | None = None,
    registry: Registry | None = None,
    release: str | None = PUBLISHED,
    columnar: bool | None = None,
    **options: Any,
) -> ImportResult:
    """Read a published file (the source detected when not named), map national categories,
    validate, and unless ``dry_run`` store it as a new vintage of its provider, a chunk at a
    time (the module's docstring says what is held).

    A dry run reads with ``allow_unmatched`` so that every unmatched name is listed, and
    writes nothing (``store`` is only read, for mappings and year-on-year checks).

    Two paths give the same result (docs/importing.md, "Two paths"). The columnar path
    (:mod:`migstat.columnar`) is taken for a reader with a plan (the UNHCR reader) unless
    ``columnar=False`` or ``MIGSTAT_IMPORT_PATH=rows``, and only where it gives exactly what
    the row path gives; it is decided before anything is stored. The row path is taken
    when a classification mapping of the source is stored (mappings apply per observation),
    when a cross-table rule names one of the reader's tables, and when the plan
    declines the file: not UTF-8, a record DuckDB reads otherwise than the csv module (a
    stray quote, more fields than the header, a lone blank field), a record over several
    lines, a blank line or a lone carriage return (see :mod:`migstat.sources.unhcr_columns`).
    """
    reg = registry or default_registry()
    path = Path(path)
    if source is None and path.is_file():
        with path.open("rb") as handle:
            source = detect_source(path, handle.read(HEAD_BYTES))
    asked = _Asked(
        store=store,
        table=table,
        dry_run=dry_run,
        allow_unmatched=allow_unmatched,
        submitted_by=submitted_by,
        note=note,
        progress=progress,
        release=release,
        options=options,
    )
    if columnar is not False and os.environ.get(PATH_SETTING, "").strip().lower() != ROWS:
        done = _columnar(path, source, reg, asked)
        if done is not None:
            return done
    with paused_gc(), Spill() as spill:
        dataset, batches = stream_source(
            path,
            source=source,
            registry=reg,
            table=table,
            allow_unmatched=allow_unmatched or dry_run,
            **options,
        )
        spill.add_all(batches)  # the whole file is read: the dataset is complete
        name = (source or dataset.format).strip().lower()
        found = latest_mappings(store, source=name) if store is not None else []
        # year-on-year checks compare with this provider's earlier vintages, if any
        history = (
            store if store is not None and store.submissions(provider=dataset.provider) else None
        )
        run = _Run(dataset, spill, found, registry=reg, source=name, history=history)
        result = ImportResult(path.name, name, dataset, [], run.report)
        result.summary = run.checks.summary
        if dry_run or store is None:
            for _chunk in run.chunks():
                pass
        else:
            result.record = store.submit(
                dataset,
                RawFile(path),
                findings=run.findings,
                submitted_by=submitted_by,
                note=note,
                progress=progress,
                release=release,
                chunks=run.stored(path),
                total=spill.count,
            )
        result.findings = run.findings()
        if result.record is None and not run.checks.observations:
            # as the import itself would stop: a dry run must not say "can be accepted"
            result.findings.append(nothing_to_store(path.name))
    if result.record is not None:
        record_use(store, result.record.id, run.report.mappings)
    return result


@dataclass(slots=True)
class _Asked:
    """What an import was asked to do, as the columnar path needs it."""

    store: Store | None
    table: str | None
    dry_run: bool
    allow_unmatched: bool
    submitted_by: str
    note: str | None
    progress: Progress | None
    release: str | None
    options: dict[str, Any]


def _columnar(path: Path, source: str | None, reg: Registry, asked: _Asked) -> ImportResult | None:
    """The import by the columnar path, or ``None`` when the row path must take it (decided
    before anything is stored: :func:`import_file` says when)."""
    if source is None or not path.is_file():
        return None
    reader = reader_of(path, source)
    store = asked.store
    if reader.columnar is None or any(set(reader.tables) & r.tables for r in reg.cross_rules):
        return None
    name = source.strip().lower()
    if store is not None and latest_mappings(store, source=name):
        return None
    # year-on-year compares with this provider's earlier vintages, if any (as the row path)
    history = store if store is not None and store.submissions(provider=reader.provider) else None
    with paused_gc(), Session() as session:
        dataset = plan_source(
            path,
            con=session.con,
            source=source,
            registry=reg,
            table=asked.table,
            allow_unmatched=asked.allow_unmatched or asked.dry_run,
            **asked.options,
        )
        if dataset is None:
            return None
        # year-on-year compares with this provider's earlier vintages, if any (as the row path)
        history = (
            store if store is not None and store.submissions(provider=dataset.provider) else None
        )
        run = ColumnarRun(session.con, dataset, reg, history)
        run.check(KEPT)
        result = ImportResult(path.name, name, dataset, [], MappingReport(), path_taken=COLUMNS)
        result.summary = run.checks.summary
        if store is not None and not asked.dry_run:
            result.record = store.submit(
                dataset,
                RawFile(path),
                findings=run.findings,
                submitted_by=asked.submitted_by,
                note=asked.note,
                progress=asked.progress,
                release=asked.release,
                chunks=run.chunks(),
                total=run.count,
            )
        result.findings = run.findings()
        if result.record is None and not run.checks.observations:
            result.findings.append(nothing_to_store(path.name))
    if result.record is not None:
        record_use(store, result.record.id, [])
    return result
