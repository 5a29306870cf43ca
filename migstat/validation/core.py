"""Shared machinery of the rules: the observation index, periods, cell names, findings.

Every rule works on one :class:`Context`, built once per validation: observations are grouped
by ``(table, REF_AREA, TIME_PERIOD)`` into dictionaries keyed by the observation key, so that
a rule finds any cell with one dictionary look-up and no rule builds objects per observation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from migstat.model import (
    Dataset,
    Finding,
    Location,
    Observation,
    Registry,
    Severity,
    TableDef,
    Tolerance,
)
from migstat.model.additive import period_date as period_date  # the rules' one reading

GroupKey = tuple[str, str, str]
"""``(table, REF_AREA, TIME_PERIOD)``."""
Cells = dict[tuple[str, ...], Observation]


EPSILON = 1e-9
"""Slack for floating-point sums of integer counts."""


@lru_cache(maxsize=1024)
def cell_name(where: Location | None) -> str:
    """How a place is named inside a message: ``S01!D17``, ``line 12`` or ``?``.

    Kept for the last few thousand places only: one findings' place is named many times
    over, but a file's places are without number, and a cache of them all would grow with
    every file a server checks."""
    if where is None:
        return "?"
    if where.sheet and where.cell:
        return f"{where.sheet}!{where.cell}"
    if where.line is not None:
        return f"line {where.line}" if not where.column else f"line {where.line}, {where.column}"
    return str(where) or "?"


@dataclass(slots=True)
class Context:
    """What every rule needs: the dataset, the registry and the index of cells."""

    dataset: Dataset
    registry: Registry
    imported: bool = False
    groups: dict[GroupKey, Cells] = field(default_factory=dict)
    """Observations by group and key (first occurrence of duplicates only)."""
    findings: list[Finding] = field(default_factory=list)
    with_data: frozenset[str] | None = None
    """The tables with data when the groups are not all here (validation in chunks)."""
    kept: dict[str, Any] = field(default_factory=dict)
    """What rules derive from the registry alone (allowed codes per table and date), kept
    from one chunk's context to the next by a validation in chunks."""

    def tables_with_data(self) -> list[str]:
        """The tables that have at least one observation, sorted."""
        if self.with_data is not None:
            return sorted(self.with_data)
        return sorted({gk[0] for gk, cells in self.groups.items() if cells})

    def table(self, table_id: str) -> TableDef | None:
        return self.registry.tables.get(table_id)

    def groups_of(self, table_id: str) -> Iterable[tuple[GroupKey, Cells]]:
        return ((gk, cells) for gk, cells in self.groups.items() if gk[0] == table_id)

    def tolerance(self, table: TableDef) -> Tolerance:
        """The table's tolerance, with the rounding base stated in the metadata if any."""
        meta = self.dataset.metadata.tables.get(table.id)
        base = meta.rounding_base if meta is not None else None
        tol = table.tolerance
        if base and base > 1 and base != tol.rounding_base:
            return Tolerance(absolute=tol.absolute, relative=tol.relative, rounding_base=base)
        return tol

    def arithmetic_severity(self, severity: Severity | str = Severity.ERROR) -> Severity:
        """Arithmetic and cross-table findings on published data only inform."""
        sev = Severity(severity)
        if self.imported and sev is Severity.ERROR:
            return Severity.WARNING
        return sev

    def add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        /,
        *,
        table: str | None = None,
        obs: Observation | None = None,
        where: Location | None = None,
        values: dict[str, Any] | None = None,
        related: Iterable[Location | None] = (),
        key: dict[str, str] | None = None,
        **params: Any,
    ) -> Finding:
        if obs is not None:
            where = where or obs.where
            if key is None:
                key = key_dict(self.table(obs.table), obs)
            table = table or obs.table
        params.setdefault("cell", cell_name(where))
        if table is not None:
            params.setdefault("table", table)
        finding = Finding(
            rule=rule,
            severity=severity,
            message=message,
            params=params,
            table=table,
            where=where,
            key=key,
            values=values or {},
            related=tuple(loc for loc in related if loc is not None),
        )
        self.findings.append(finding)
        return finding


def key_dict(table: TableDef | None, obs: Observation) -> dict[str, str]:
    """The observation's codes by dimension id, with ``REF_AREA`` and ``TIME_PERIOD``."""
    out = {"REF_AREA": obs.ref_area, "TIME_PERIOD": obs.time_period}
    if table is not None:
        out.update(zip(table.dimension_ids, obs.key, strict=False))
    else:
        out.update((f"DIM{i + 1}", code) for i, code in enumerate(obs.key))
    return out


def fmt_number(value: float) -> float | int:
    """Integers as ``int`` so messages show ``1 250`` rather than ``1250.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return round(value, 6) if isinstance(value, float) else value
