"""Primary and secondary (complementary) cell suppression of one table.

:func:`protect` marks the *primary* cells (marked confidential by the country, CONF_STATUS C or
N, or counts under the rule's minimum frequency), then hides *secondary* cells until every
hidden cell has a certificate: a perturbation of the table (:func:`migstat.disclosure.lp.witness`)
that moves it by at least its protection width, keeps every published cell and every additive
relation, and leaves every cell non-negative. Hiding cells only widens the attacker's intervals,
so a certificate stays valid as more cells are hidden, and when the loop ends every hidden
cell's interval is at least its width. docs/methods/disclosure.md explains the method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from migstat.disclosure import lp
from migstat.disclosure.neighbourhood import Neighbourhood
from migstat.disclosure.rule import PRIMARY_STATUSES, SECONDARY_STATUSES, Rule
from migstat.disclosure.system import TableSystem, build_systems
from migstat.i18n import N_
from migstat.model import InputError, Observation, Registry, TableDef, default_registry


def weight(x: np.ndarray) -> np.ndarray:
    """What hiding a cell of value ``x`` costs: about one per cell, a little more for larger
    cells (``1 + ln(1 + x)``), so that totals are spared without the pull of value-proportional
    costs towards many tiny complements."""
    return 1.0 + np.log1p(x)


MSG_NO_COMPLETION = N_(
    "In table {table} ({area}, {period}) no non-negative values of the cells marked "
    "confidential without a value make the totals add up. Correct the totals, or give the "
    "confidential values (they are not published)."
)
MAX_ROUNDS = 50
"""Rounds of certification (each round certifies the hidden cells the last one left short);
in practice two or three."""


@dataclass(frozen=True, slots=True)
class HiddenCell:
    """A cell the published table does not show, and why."""

    ref_area: str
    time_period: str
    key: tuple[str, ...]
    value: float | None
    primary: bool
    reason: str
    """``confidential`` (marked by the country), ``frequency`` (under the minimum frequency),
    or ``complementary`` (secondary suppression)."""
    width: float
    """The protection width the cell needs."""
    certified: float
    """The width a certificate proves (at least ``width``)."""


@dataclass(slots=True)
class Protected:
    """A table after disclosure control: every observation, the hidden ones marked."""

    table: str
    rule: Rule
    observations: list[Observation]
    """The input's observations with their CONF_STATUS set: C/N kept, primary cells by the
    frequency rule marked C, secondary cells marked with ``rule.secondary_status``. Values are
    kept: what a reader may see is decided when the table is published (:meth:`published`)."""
    hidden: list[HiddenCell] = field(default_factory=list)

    @property
    def primary(self) -> list[HiddenCell]:
        return [h for h in self.hidden if h.primary]

    @property
    def secondary(self) -> list[HiddenCell]:
        return [h for h in self.hidden if not h.primary]

    def published(self) -> list[Observation]:
        """The observations as the public sees them: hidden cells without their value."""
        return [
            replace(o, value=None) if o.conf_status != "F" and o.value is not None else o
            for o in self.observations
        ]

    def metadata(self) -> dict[str, Any]:
        """The rule with its parameters and what it hid, for a submission's metadata."""
        return {
            **self.rule.to_dict(),
            "table": self.table,
            "cells": len(self.observations),
            "primary": len(self.primary),
            "secondary": len(self.secondary),
        }


def primary_reason(obs: Observation, rule: Rule, table: TableDef) -> str | None:
    """Why ``obs`` is a primary cell, or ``None`` when it is not sensitive."""
    if obs.conf_status in PRIMARY_STATUSES:
        return "confidential"
    if rule.frequency_sensitive(obs.value, table.counts):
        return "frequency"
    return None


def protect(
    observations: Iterable[Observation],
    table: TableDef,
    rule: Rule | None = None,
    *,
    registry: Registry | None = None,
) -> Protected:
    """Primary and secondary suppression of ``table`` (every area and period among
    ``observations``; other tables' observations are left out of the result)."""
    rule = rule or Rule()
    registry = registry or default_registry()
    mine = [o for o in observations if o.table == table.id]
    reasons = [primary_reason(o, rule, table) for o in mine]
    flagged = {id(o) for o, r in zip(mine, reasons, strict=True) if r is not None}

    def hidden(o: Observation) -> bool:
        return id(o) in flagged or o.conf_status in SECONDARY_STATUSES

    out: list[Observation] = []
    cells: list[HiddenCell] = []
    for system in build_systems(mine, table, registry, hidden):
        _protect_system(system, rule, hidden, out, cells)
    return Protected(table.id, rule, out, cells)


def protect_all(
    observations: Iterable[Observation],
    rule: Rule | None = None,
    *,
    registry: Registry | None = None,
) -> dict[str, Protected]:
    """:func:`protect` for every table among ``observations`` (a submission, or the tables a
    tabulation produced), by table id in the order the tables first occur."""
    registry = registry or default_registry()
    observations = list(observations)
    tables = dict.fromkeys(o.table for o in observations)
    return {t: protect(observations, registry.table(t), rule, registry=registry) for t in tables}


def _protect_system(
    system: TableSystem,
    rule: Rule,
    hidden: Callable[[Observation], bool],
    out: list[Observation],
    cells: list[HiddenCell],
) -> None:
    obs = system.observations
    n = system.n_cells
    x = system.values()
    system.check_additive(x)  # the totals whose parts are all given
    try:
        x = lp.impute(system.matrix, x)
    except lp.SolverError:
        raise InputError(
            MSG_NO_COMPLETION,
            table=system.table.id,
            area=system.ref_area,
            period=system.time_period,
        ) from None
    table = system.table
    reasons = [primary_reason(o, rule, table) for o in obs]
    is_hidden = np.zeros(system.n_columns, dtype=bool)
    is_hidden[:n] = [hidden(o) for o in obs]
    is_hidden[n:] = True  # slacks: the parts nobody gave are unknown to everyone
    primary = np.array([r is not None for r in reasons], dtype=bool)
    need = np.array(
        [rule.width(x[j], bool(primary[j])) for j in range(n)] + [0.0] * system.n_slacks
    )
    certified = _certify(system, x, is_hidden, need)
    for j, o in enumerate(obs):
        status = o.conf_status
        if primary[j] and status not in PRIMARY_STATUSES:
            status = "C"
        elif is_hidden[j] and not primary[j] and status not in SECONDARY_STATUSES:
            status = rule.secondary_status
        out.append(o if status == o.conf_status else replace(o, conf_status=status))
        if is_hidden[j]:
            cells.append(
                HiddenCell(
                    system.ref_area,
                    system.time_period,
                    o.key,
                    o.value,
                    bool(primary[j]),
                    reasons[j] or "complementary",
                    float(need[j]),
                    float(certified[j]),
                )
            )


def _certify(
    system: TableSystem,
    x: np.ndarray,
    is_hidden: np.ndarray,
    need: np.ndarray,
) -> np.ndarray:
    """Hide cells until every hidden cell has a certificate; ``is_hidden`` grows in place.
    Returns the certified width of every column."""
    n = system.n_cells
    a = system.matrix.tocsc()
    cost = weight(np.nan_to_num(x))
    certified = np.zeros(system.n_columns)
    near = Neighbourhood(system, x)
    # Larger protection first: its perturbation often protects the smaller ones as well.
    queue = sorted(np.flatnonzero(is_hidden[:n]), key=lambda j: (-need[j], j))
    for _round in range(MAX_ROUNDS):
        if not queue:
            return certified
        for t in queue:
            if certified[t] >= need[t] - lp.EPS:
                continue
            columns = near.columns(t, is_hidden)
            found = lp.witness(a, x, columns, is_hidden, cost, t, need[t])
            if found is None:  # hierarchies that are not partitions: the whole table
                everything = np.arange(system.n_columns)
                found = lp.witness(a, x, everything, is_hidden, cost, t, need[t])
            if found is None:  # the whole table can always rise with the target's totals
                raise lp.SolverError(f"no perturbation for cell {system.observations[t].key}")
            moved, size = found
            is_hidden[moved] = True
            np.maximum.at(certified, moved, size)
        queue = [j for j in np.flatnonzero(is_hidden[:n]) if certified[j] < need[j] - lp.EPS]
    raise lp.SolverError("secondary suppression did not settle")  # pragma: no cover
