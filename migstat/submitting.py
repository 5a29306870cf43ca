"""A country's submission (``validate``, ``submit``, a web upload, ``POST /api/submissions``)
read, validated and stored a chunk at a time, as :mod:`migstat.importing` does a publisher's
file, so that memory does not grow with the file.

1. A long CSV or SDMX-CSV file is read from disk in batches
   (:func:`~migstat.formats.detect.stream_submission`) and each batch is set aside on disk
   (:class:`~migstat.store.spill.Spill`); the reader keeps at most
   :data:`~migstat.validation.chunked.FINDINGS_PER_RULE` of its own findings and counts the
   rest. A questionnaire workbook is read whole (the guarded reader bounds it: 5 million
   cells and ``MIGSTAT_MAX_FILE_MB`` unpacked) and set aside as one batch.
2. Once the file is read, its metadata (sidecar, metadata columns, ``--meta``) are laid
   together over the tables seen.
3. The spill is read back a chunk of whole areas and periods at a time; each chunk goes
   through the country's classification mappings and chunked validation
   (:class:`~migstat.validation.chunked.ChunkedValidation`, the findings of
   :func:`~migstat.validation.validate` on the whole file, at most 1,000 per rule listed) and,
   when submitting, into the store in one transaction with the raw file in pieces
   (:meth:`~migstat.store.write.StoreWrites.submit` with ``chunks``).

What is held: one batch or chunk, the spill's page cache, the findings kept, the areas and
periods per table, and the first :data:`KEPT` observations for a caller to look at. The size
limit of a file is ``MIGSTAT_MAX_FILE_MB`` (:mod:`migstat.formats.limits`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from migstat.formats.detect import add_metadata, stream_submission
from migstat.mapping.apply import MappingReport, apply_mappings
from migstat.mapping.model import Mapping
from migstat.mapping.stored import latest_mappings
from migstat.model import Dataset, Finding, Observation, Registry, SubmissionMetadata
from migstat.model.registry import default_registry
from migstat.sources.code_cells import suggest_codes
from migstat.store import Store, SubmissionRecord
from migstat.store.access import PUBLISHED
from migstat.store.rawfiles import RawFile
from migstat.store.spill import Scratch, Spill
from migstat.validation.chunked import FINDINGS_PER_RULE, ChunkedValidation, TableSummary

KEPT = 20_000
"""Observations kept in the dataset for a caller to look at (the first, by area and period)."""
NOT_NUMBER = "STRUCT_NOT_NUMBER"
"""The CSV readers' one finding (the rule whose findings past the bound are counted)."""

Progress = Callable[[int, int], None]
Each = Callable[[Dataset], None]
"""Called with each chunk validated (as a dataset with the file's metadata): the portal puts
an upload's cells beside the partners' and other sources' figures a chunk at a time."""


class Submission(Scratch):
    """A submitted file set aside on disk, to be validated and stored chunk by chunk; a
    context manager that deletes the spill.

    ``store`` gives the country's classification mappings and, with ``history``, the
    earlier vintages year-on-year checks compare with."""

    def __init__(
        self,
        path: str | Path,
        *,
        store: Store | None = None,
        history: bool = True,
        registry: Registry | None = None,
        country: str | None = None,
        metadata_file: str | Path | None = None,
        metadata: SubmissionMetadata | None = None,
        file_name: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.store = store
        self.registry = registry or default_registry()
        self.spill = Spill()
        try:
            self._read(country, metadata_file, metadata, file_name, history)
        except BaseException:
            self.spill.close()  # nothing is left on disk by a file that cannot be read
            raise

    def _read(
        self,
        country: str | None,
        metadata_file: str | Path | None,
        metadata: SubmissionMetadata | None,
        file_name: str | None,
        history: bool,
    ) -> None:
        streamed = stream_submission(
            self.path,
            registry=self.registry,
            country=country,
            file_name=file_name,
            kept=FINDINGS_PER_RULE,
        )
        self.spill.add_all(streamed.batches)
        self.dataset = dataset = streamed.dataset
        self.raw = streamed.raw
        """The file's bytes when it was read whole (a workbook); else ``None``."""
        add_metadata(dataset, self.path, metadata_file, metadata, tables=self.spill.tables())
        suggest_codes(dataset.findings, self.registry)
        self.dropped = streamed.dropped()
        store = self.store
        self.found: list[Mapping] = (
            latest_mappings(store, source=dataset.format) if store is not None else []
        )
        self.history = store if history else None
        self.report = MappingReport()
        self.checks = self._validation()

    def close(self) -> None:
        """Delete the spill."""
        self.spill.close()

    @property
    def count(self) -> int:
        """Observations read (before mappings)."""
        return self.spill.count

    @property
    def summary(self) -> dict[str, TableSummary]:
        return self.checks.summary

    @property
    def mappings(self) -> list[Mapping]:
        """The mapping versions the numbers went through."""
        return self.report.mappings

    def raw_file(self) -> bytes | RawFile:
        """What is stored as received: the workbook's bytes, or the file in pieces."""
        return self.raw if self.raw is not None else RawFile(self.path)

    def _validation(self) -> ChunkedValidation:
        checks = ChunkedValidation(self.dataset, self.registry, history=self.history)
        # the reader's findings go under the same bound as the rules'
        checks.keep(self.dataset.findings)
        self.dataset.findings = []
        checks.more(NOT_NUMBER, self.dropped)
        return checks

    def chunks(self) -> Iterator[list[Observation]]:
        """The observations, mapped, a chunk of whole areas and periods at a time (each pass
        maps again: a pass to check, another to store)."""
        header = self.dataset
        report = MappingReport()
        for chunk in self.spill.chunks():
            if self.found:
                part = Dataset(header.file_name, header.format, header.provider, chunk)
                apply_mappings(
                    part,
                    self.found,
                    registry=self.registry,
                    source=header.format,
                    drop_unmapped=False,
                    report=report,
                )
                chunk = part.observations
            yield chunk
        self.report = report

    def checked(self, each: Each | None = None) -> Iterator[list[Observation]]:
        """:meth:`chunks`, each validated as it passes (once: a second pass is not checked
        again); the first :data:`KEPT` observations of a CSV file are kept in
        :attr:`dataset`, all of a workbook's (it was read whole: its cells are bounded)."""
        header = self.dataset
        kept = header.observations
        limit = KEPT if self.raw is None else sys.maxsize
        for chunk in self.chunks():
            self.checks.check(chunk)
            if each is not None:
                each(
                    Dataset(
                        header.file_name,
                        header.format,
                        header.provider,
                        chunk,
                        metadata=header.metadata,
                    )
                )
            if len(kept) < limit:
                kept.extend(chunk[: limit - len(kept)])
            yield chunk

    def check(self, each: Each | None = None) -> list[Finding]:
        """Validate every chunk; the findings (sorted, the reader's among them)."""
        for _chunk in self.checked(each):
            pass
        return self.findings()

    def findings(self) -> list[Finding]:
        return self.checks.findings()

    def areas(self) -> set[str]:
        """The REF_AREA codes of the observations checked."""
        return {a for s in self.summary.values() for a in s.areas}

    def submit(
        self,
        store: Store,
        *,
        submitted_by: str,
        note: str | None = None,
        progress: Progress | None = None,
        release: str | None = PUBLISHED,
    ) -> SubmissionRecord:
        """Validate and store in one pass and one transaction (accepted when no finding is an
        error); the findings are asked for once every chunk is stored."""
        return store.submit(
            self.dataset,
            self.raw_file(),
            findings=self.findings,
            submitted_by=submitted_by,
            note=note,
            progress=progress,
            release=release,
            chunks=self.checked(),
            total=self.count,
        )
