"""Long tables with named columns read as a stream (the options and their meaning:
:mod:`migstat.sources.columns`): the observations in batches as the rows are read, the
dataset's metadata and findings complete once the last row is read. ``read`` is the stream
collected."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation, Provenance
from migstat.model.findings import InputError, Severity
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.coded_stream import collected
from migstat.sources.columns import (
    _SCALE_WORDS,
    MISSING,
    NAME,
    RULE_SKIPPED,
    _Areas,
    _columns,
    _fixed_key,
    _month_day,
    _period,
    _scale,
    _text,
    _value,
)
from migstat.sources.common import file_sha256, paused_gc
from migstat.sources.names import NameReport
from migstat.sources.skipped import Places
from migstat.sources.tabular import add_metadata, cell_at, header_and_rows

BATCH = 20_000
"""Observations per batch of :func:`stream`."""


def read(path: Path, *, registry: Registry, **options: Any) -> Dataset:
    """The long table as observations of one table, whole (the options are :func:`stream`'s)."""
    with paused_gc():
        return collected(*stream(path, registry=registry, **options))


def stream(
    path: Path,
    *,
    registry: Registry,
    table: str | None = None,
    area_column: str | None = None,
    time_column: str | None = None,
    value_column: str | None = None,
    scale: str | float | None = None,
    dimensions: Mapping[str, str] | Iterable[str] | None = None,
    reference_date: str | None = None,
    date_format: str | None = None,
    provider: str | None = None,
    edition: str | None = None,
    allow_unmatched: bool = False,
    sheet: str | None = None,
    source_type: str | None = None,
    residence_rule: str | None = None,
    **_: Any,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    """The long table as observations of one table (see :mod:`migstat.sources.columns`): the
    dataset, and its observations in batches read as they are asked for."""
    path = Path(path)
    name = path.name
    here = Location(file=name)
    for option, given in (
        ("--table", table),
        ("--area", area_column),
        ("--time", time_column),
        ("--value", value_column),
        ("--provider", provider),
    ):
        if not (given and str(given).strip()):
            raise InputError(
                N_(
                    "A long table needs {option}: the file does not say it "
                    "(--table, --area, --time, --value and --provider are "
                    "required with --source columns)."
                ),
                where=here,
                option=option,
            )
    tdef = registry.table(str(table))
    key = _fixed_key(tdef, registry, dimensions, here)
    factor = _scale(scale, here)
    when = _month_day(reference_date, here) if reference_date else None
    return _read(
        path,
        registry=registry,
        tdef=tdef,
        key=key,
        areas=str(area_column),
        time=str(time_column),
        value=str(value_column),
        factor=factor,
        month_day=when,
        date_format=date_format,
        provider=str(provider).strip().upper(),
        edition=edition,
        allow_unmatched=allow_unmatched,
        sheet=sheet,
        source_type=source_type,
        residence_rule=residence_rule,
    )


def _read(
    path: Path,
    *,
    registry: Registry,
    tdef: TableDef,
    key: tuple[str, ...],
    areas: str,
    time: str,
    value: str,
    factor: Decimal,
    month_day: str | None,
    date_format: str | None,
    provider: str,
    edition: str | None,
    allow_unmatched: bool,
    sheet: str | None,
    source_type: str | None,
    residence_rule: str | None,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    name = path.name
    head_at, header, records = header_and_rows(path, sheet)
    at_header = cell_at(head_at, 0)
    words = _SCALE_WORDS.get(int(factor)) if factor == factor.to_integral_value() else None
    comment = (
        f"published in {words}"
        if words
        else f"published in units of {factor}"
        if factor != 1
        else None
    )
    area_cols = _columns(header, areas, "--area", at_header)
    [time_col] = _columns(header, time, "--time", at_header)
    [value_col] = _columns(header, value, "--value", at_header)
    long = _Long(
        tdef=tdef,
        key=key,
        header=header,
        areas=areas,
        area_cols=area_cols,
        time=time,
        time_col=time_col,
        value_col=value_col,
        factor=factor,
        comment=comment,
        month_day=month_day,
        date_format=date_format,
        report=NameReport(file=name, registry=registry),
        finder=_Areas(registry),
    )
    fixed = ", ".join(f"{d}={c}" for d, c in zip(tdef.dimension_ids, key, strict=True))
    said = (
        f"columns: area {areas}, time {time}, value {value}"
        + (f", scaled by {factor} ({comment})" if comment else "")
        + f"; fixed: {fixed}"
    )
    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=provider,
        observations=[],
        provenance=Provenance(
            publisher=provider,
            dataset=f"long table {name}",
            edition=edition,
            notes=f"{said}; SHA-256 {file_sha256(path)}",
        ),
    )

    def batches() -> Iterator[list[Observation]]:
        batch: list[Observation] = []
        for at, row in records:
            found = long.observation(at, row)
            if found is not None:
                batch.append(found)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch
        add_metadata(
            dataset,
            tdef,
            long.periods,
            source_type=source_type,
            residence_rule=residence_rule,
            notes=f"long table {name} ({said})",
        )
        long.finish(dataset, allow_unmatched)

    return dataset, batches()


@dataclass(slots=True)
class _Long:
    """A long table's columns, and its rows made observations (what is skipped, kept for the
    findings)."""

    tdef: TableDef
    key: tuple[str, ...]
    header: list[Any]
    areas: str
    area_cols: list[int]
    time: str
    time_col: int
    value_col: int
    factor: Decimal
    comment: str | None
    month_day: str | None
    date_format: str | None
    report: NameReport
    finder: _Areas
    periods: set[str] = field(default_factory=set)
    skipped: Places = field(default_factory=Places)
    disagree: Places = field(default_factory=Places)

    def observation(self, at: Location, row: list[Any]) -> Observation | None:
        """The row's observation (``None`` for a row skipped)."""
        header, finder = self.header, self.finder
        said = [(j, _text(row[j]) if j < len(row) else "") for j in self.area_cols]
        given = [(j, text) for j, text in said if text.casefold() not in MISSING]
        found = {finder.find(text) for _, text in given}
        unmatched = [(j, text) for j, text in given if finder.find(text) == (None, True)]
        if unmatched:
            for j, text in unmatched:
                self.report.add(text, cell_at(at, j, header[j]))
            return None
        if len(found) > 1:  # alpha3 CHN beside the M49 code of a group: trust neither
            self.disagree.add(self.areas, at)
            return None
        code = next(iter(found))[0] if found else None
        if code is None:
            shown = " / ".join(t for _, t in given) or said[0][1] or "\u2014"
            self.skipped.add(shown, at)
            return None
        tdef, time_col, value_col = self.tdef, self.time_col, self.value_col
        period = _period(
            tdef,
            row[time_col] if time_col < len(row) else None,
            month_day=self.month_day,
            date_format=self.date_format,
            column=str(self.time),
            where=cell_at(at, time_col, header[time_col]),
        )
        where = cell_at(at, value_col, header[value_col])
        number, obs, conf = _value(
            row[value_col] if value_col < len(row) else None,
            self.factor,
            tdef.counts,
            str(header[value_col]),
            where,
        )
        self.periods.add(period)
        return Observation(
            tdef.id, code, period, self.key, number, obs, conf, comment=self.comment, where=where
        )

    def finish(self, dataset: Dataset, allow_unmatched: bool) -> None:
        """The metadata's population and the findings, once every row is read."""
        tdef = self.tdef
        meta = dataset.metadata.tables[tdef.id]
        if "population_covered" in tdef.required_metadata and tdef.universe.get("en"):
            meta.population_covered = tdef.universe["en"]
            meta.notes = f"{meta.notes}; population covered as table {tdef.id} defines it"
        self.report.settle(dataset, allow_unmatched)
        skipped, disagree = self.skipped, self.disagree
        if skipped:
            listed = [f"{k} ({len(v)})" if len(v) > 1 else k for k, v in list(skipped.items())[:12]]
            if len(skipped) > 12:
                listed.append(f"+{len(skipped) - 12}")
            dataset.findings.append(
                skipped.one(
                    rule=RULE_SKIPPED,
                    severity=Severity.WARNING,
                    table=tdef.id,
                    message=N_(
                        "{count} rows are not a country's (world, regional or other groups, or "
                        "no area code) and were skipped: {names}."
                    ),
                    params={"count": skipped.total, "names": ", ".join(listed)},
                )
            )
        if disagree:
            rows = disagree.everywhere()
            dataset.findings.append(
                disagree.one(
                    rule=RULE_SKIPPED,
                    severity=Severity.WARNING,
                    table=tdef.id,
                    related=True,
                    message=N_(
                        "{count} rows name different areas in the columns {columns} and were "
                        "skipped (lines or cells: {places})."
                    ),
                    params={
                        "count": len(rows),
                        "columns": self.areas,
                        "places": ", ".join(str(w.line or w.cell) for w in rows[:12] if w)
                        + (f" +{len(rows) - 12}" if len(rows) > 12 else ""),
                    },
                )
            )
