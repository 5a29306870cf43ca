"""A PX table's cells turned into observations as they are read, in batches.

:mod:`migstat.sources.px` decides, from the keywords alone, what each variable's values are
in each table the file feeds (a :class:`Plan` per table); the cells then come one by one from
the file (:class:`migstat.formats.px.stream.PxStream`) or from its text read whole (a
:class:`~migstat.formats.px.reader.PxFile`), and each becomes an observation of every table
that keeps it. The observations go on in batches of about :data:`BATCH`; once the last cell
is read the dataset is completed as the whole-file read made it: per table its metadata (the
span of periods gathered on the way), its findings and its unmatched names, the tables merged
in order.

An error found before every cell is counted (a cell that is no number, a variable that fits
no table) is raised once the cells are counted, so that a file with too many or too few cells
is refused for that first, as when the file was read whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from migstat.formats.px.reader import PxFile, cell_value
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation, Provenance
from migstat.model.findings import Finding, InputError
from migstat.model.tables import TableDef
from migstat.sources.common import file_sha256
from migstat.sources.names import NameReport
from migstat.sources.px_symbols import cell_notes, note_for, symbol_flags
from migstat.sources.tabular import add_metadata, default_provider

BATCH = 20_000
"""Observations per batch."""
FORMAT = "px"
"""The format named in the datasets of PX tables."""


class Cells(Protocol):
    """Where the cells come from: a file streamed, or its text read whole."""

    px: PxFile

    def cells_with_lines(self) -> Iterator[tuple[tuple[int, ...], int, str, int]]: ...

    def check_count(self) -> None: ...


@dataclass(slots=True)
class Whole:
    """The cells of a PX file read whole (counted when it was parsed)."""

    px: PxFile

    def cells_with_lines(self) -> Iterator[tuple[tuple[int, ...], int, str, int]]:
        return self.px.cells_with_lines()

    def check_count(self) -> None:
        self.px.check_count()


@dataclass(slots=True)
class Plan:
    """What the cells of a PX file are in one table: per variable, the code of each value
    (``None``: the cell is left out), where the key's parts are and what fills the rest."""

    tdef: TableDef
    columns: list[list[str | None]]
    findings: list[Finding]
    report: NameReport
    key_at: list[int | None]
    defaults: list[str]
    time_at: int | None
    area_at: int | None
    fixed_period: str | None
    fixed_area: str | None
    periods: set[str] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Ending:
    """The options that complete the dataset once every cell is read."""

    provider: str | None
    provider_default: str
    edition: str | None
    allow_unmatched: bool
    source_type: str | None
    residence_rule: str | None


def planned(source: Cells, make: Callable[[], list[Plan]]) -> list[Plan]:
    """The plans ``make`` makes; an error in them is raised once the cells are counted."""
    try:
        return make()
    except InputError:
        source.check_count()
        raise


def batches(
    source: Cells, plans: list[Plan], dataset: Dataset, path: Path, ending: Ending
) -> Iterator[list[Observation]]:
    """The observations of every plan's table, cell by cell, in batches; ``dataset`` is
    completed after the last."""
    px = source.px
    symbols: dict[str, tuple[str, str]] = {}
    notes = cell_notes(px)
    out: list[Observation] = []
    for indices, n, token, line in source.cells_with_lines():
        value: Any = _UNREAD
        for plan in plans:
            picked = [plan.columns[j][i] for j, i in enumerate(indices)]
            if any(p is None for p in picked):
                continue
            where = Location(file=px.file_name, line=line, column=f"DATA[{n + 1}]")
            if value is _UNREAD:
                value = _value(source, token, where)
            obs_status, conf_status = "A", "F"
            if value is None:
                if token not in symbols:
                    symbols[token] = symbol_flags(px, token)
                obs_status, conf_status = symbols[token]
            note = note_for(notes, indices) if notes else None
            out.append(_observation(plan, picked, value, obs_status, conf_status, where, note))
        if len(out) >= BATCH:
            yield out
            out = []
    if out:
        yield out
    _finish(dataset, plans, px, path, ending)


_UNREAD = object()


def _value(source: Cells, token: str, where: Location) -> float | None:
    try:
        return cell_value(token)
    except ValueError:
        source.check_count()
        raise InputError(
            N_(
                "Cell \u201c{value}\u201d is neither a number nor a PX symbol "
                '(".", "..", "...", "....", "-").'
            ),
            where=where,
            value=token,
        ) from None


def _observation(
    plan: Plan,
    picked: list[str | None],
    value: float | None,
    obs_status: str,
    conf_status: str,
    where: Location,
    note: str | None,
) -> Observation:
    period = picked[plan.time_at] if plan.time_at is not None else plan.fixed_period
    area = picked[plan.area_at] if plan.area_at is not None else plan.fixed_area
    key = tuple(
        picked[at] if at is not None else plan.defaults[k] for k, at in enumerate(plan.key_at)
    )
    plan.periods.add(period)  # type: ignore[arg-type]
    plan.areas.add(area)  # type: ignore[arg-type]
    return Observation(
        plan.tdef.id,
        area,  # type: ignore[arg-type]
        period,  # type: ignore[arg-type]
        key,  # type: ignore[arg-type]
        value,
        obs_status,
        conf_status,
        note,
        where=where,
    )


def _finish(dataset: Dataset, plans: list[Plan], px: PxFile, path: Path, ending: Ending) -> None:
    """Complete ``dataset`` as the whole-file read made it: a dataset per table, settled in
    turn, merged into the first."""
    sha256 = file_sha256(path)
    parts = [_part(px, plan, ending, sha256) for plan in plans]
    merged = parts[0]
    for part in parts[1:]:
        merged.metadata.tables.update(part.metadata.tables)
        merged.findings.extend(f for f in part.findings if f not in merged.findings)
    dataset.provider, dataset.provenance = merged.provider, merged.provenance
    dataset.metadata, dataset.findings = merged.metadata, merged.findings


def _part(px: PxFile, plan: Plan, ending: Ending, sha256: str) -> Dataset:
    name, lang = px.file_name, px.language
    dataset = Dataset(
        file_name=name,
        format=FORMAT,
        provider=default_provider(ending.provider, plan.areas, ending.provider_default),
        provenance=Provenance(
            publisher=px.text("SOURCE") or "unknown publisher (PX file without SOURCE)",
            dataset=px.text("TITLE") or px.text("CONTENTS"),
            edition=ending.edition or px.text("LAST-UPDATED") or px.text("CREATION-DATE"),
            notes=(
                f"PX table {px.text('MATRIX') or name} (language {lang or 'not stated'}, "
                f"{px.encoding}); SHA-256 {sha256}"
            ),
        ),
    )
    add_metadata(
        dataset,
        plan.tdef,
        plan.periods,
        source_type=ending.source_type,
        residence_rule=ending.residence_rule,
        notes=f"PX file {name}: {px.text('CONTENTS') or px.text('TITLE') or ''}",
    )
    dataset.findings.extend(plan.findings)
    plan.report.settle(dataset, ending.allow_unmatched)
    return dataset


__all__ = ["BATCH", "Cells", "Ending", "Plan", "Whole", "batches", "planned"]
