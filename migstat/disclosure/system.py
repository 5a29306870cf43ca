"""A table's additive relations as a sparse linear system, the object both sides of disclosure
control reason about.

For one table, area and period, every cell is a column and every additive relation of
:func:`migstat.model.additive.additive_rules` (the table's declared hierarchies, the partner
dimension's WORLD total and regional totals) is a row ``total - sum(parts) - slack = 0``. The
semantics are those of the arithmetic check of validation:

- a relation whose total is missing (``None`` and not hidden) says nothing and is left out;
- a part that is missing (``None`` and not hidden), or absent outside the sparse WORLD total,
  or a ``partial`` rule, leaves room: the row gets a slack column, a non-negative unknown that
  stands for the parts not given (``total >= sum(parts)``);
- an absent partner row of the sparse WORLD total is a zero; the WORLD total is not used when
  the provider grouped partners (an aggregate code such as CIS occurs) or gave no partner row.

Hidden cells (confidential or suppressed) are columns like every other; whether their value is
known to whoever solves the system is the solver's business (:mod:`.protect` knows the values,
the attacker of :mod:`.audit` does not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from migstat.i18n import N_
from migstat.model import InputError, Observation, Registry, TableDef
from migstat.model.additive import AdditiveRule, additive_rules, aggregate_codes, period_date

TOLERANCE = 1e-6
"""How far (relative to the total, at least absolutely) a relation may be off in floating point."""

MSG_NOT_ADDITIVE = N_(
    "{cell}: in table {table} ({area}, {period}) the total {total} ({dimension} {code}) is "
    "not the sum of its parts {sum}. Cells can only be protected in a table whose totals add "
    "up: correct the table first (migstat validate names every such total)."
)


@dataclass(slots=True)
class TableSystem:
    """One table, area and period as ``matrix @ x = 0`` over its cells and slacks, ``x >= 0``.

    Columns ``0 .. n_cells-1`` are the cells (``observations[j]``), the rest are slacks; row
    ``r`` is the relation whose total is cell ``totals[r]``.
    """

    table: TableDef
    ref_area: str
    time_period: str
    observations: list[Observation]
    index: dict[tuple[str, ...], int]
    matrix: sparse.csr_matrix
    totals: np.ndarray
    rules: list[tuple[int, str]]
    """Per row: the dimension index and the total's code (for messages)."""
    n_cells: int

    @property
    def n_columns(self) -> int:
        return self.matrix.shape[1]

    @property
    def n_slacks(self) -> int:
        return self.n_columns - self.n_cells

    def values(self, known: Callable[[Observation], bool] = lambda o: True) -> np.ndarray:
        """Every column's value: the cells' values where ``known`` (NaN elsewhere and for
        ``None``), the slacks' values where every term of their row is known (NaN else)."""
        x = np.full(self.n_columns, np.nan)
        for j, obs in enumerate(self.observations):
            if obs.value is not None and known(obs):
                x[j] = obs.value
        if self.n_slacks:
            a = self.matrix[:, : self.n_cells].tocsr()
            filled = np.nan_to_num(x[: self.n_cells])
            sums = a @ filled
            unknown_cells = np.isnan(x[: self.n_cells]).astype(float)
            incomplete = (abs(a) @ unknown_cells) > 0
            slack_of = self._slack_rows()
            for s, row in enumerate(slack_of):
                if not incomplete[row]:
                    x[self.n_cells + s] = sums[row]
        return x

    def _slack_rows(self) -> np.ndarray:
        """The row of each slack column."""
        slacks = self.matrix[:, self.n_cells :].tocsc()
        return slacks.indices[: self.n_slacks] if slacks.nnz else np.zeros(0, dtype=int)

    def check_additive(self, x: np.ndarray) -> None:
        """Raise :class:`InputError` naming the first total that its known parts contradict."""
        a = self.matrix
        known = ~np.isnan(x)
        complete = (abs(a) @ (~known).astype(float)) == 0
        residual = a @ np.nan_to_num(x)
        scale = np.maximum(1.0, np.abs(np.nan_to_num(x[self.totals])))
        bad = np.flatnonzero(complete & (np.abs(residual) > TOLERANCE * scale))
        if not len(bad):
            return
        row = int(bad[0])
        total = self.observations[int(self.totals[row])]
        dim, code = self.rules[row]
        assert total.value is not None
        raise InputError(
            MSG_NOT_ADDITIVE,
            where=total.where,
            cell=str(total.where) if total.where else "/".join(total.key),
            table=self.table.id,
            area=self.ref_area,
            period=self.time_period,
            total=_fmt(total.value),
            sum=_fmt(total.value - residual[row]),
            dimension=self.table.dimensions[dim].id,
            code=code,
        )


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def build_systems(
    observations: Iterable[Observation],
    table: TableDef,
    registry: Registry,
    hidden: Callable[[Observation], bool],
) -> list[TableSystem]:
    """One system per area and period of ``table`` among ``observations`` (other tables'
    observations are ignored), in the order they first occur."""
    groups: dict[tuple[str, str], dict[tuple[str, ...], Observation]] = {}
    for obs in observations:
        if obs.table == table.id:
            groups.setdefault((obs.ref_area, obs.time_period), {})[obs.key] = obs
    return [
        _build(table, registry, area, period, cells, hidden)
        for (area, period), cells in groups.items()
    ]


class _Rows:
    """Rows of the system as coordinate triplets, slack columns numbered as they come."""

    def __init__(self, n_cells: int) -> None:
        self.n_cells = n_cells
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []
        self.totals: list[int] = []
        self.rules: list[tuple[int, str]] = []
        self.n_slacks = 0

    def add(self, total: int, parts: list[int], slack: bool, dim: int, code: str) -> None:
        row = len(self.totals)
        self.totals.append(total)
        self.rules.append((dim, code))
        self.r.append(row)
        self.c.append(total)
        self.v.append(1.0)
        self.r.extend([row] * len(parts))
        self.c.extend(parts)
        self.v.extend([-1.0] * len(parts))
        if slack:
            self.r.append(row)
            self.c.append(self.n_cells + self.n_slacks)
            self.v.append(-1.0)
            self.n_slacks += 1

    def matrix(self) -> sparse.csr_matrix:
        shape = (len(self.totals), self.n_cells + self.n_slacks)
        return sparse.csr_matrix((self.v, (self.r, self.c)), shape=shape)


def _build(
    table: TableDef,
    registry: Registry,
    area: str,
    period: str,
    cells: dict[tuple[str, ...], Observation],
    hidden: Callable[[Observation], bool],
) -> TableSystem:
    keys = list(cells)
    observations = list(cells.values())
    index = {key: j for j, key in enumerate(keys)}
    # A cell is usable in a relation when its value is given or it is hidden (an unknown).
    usable = [obs.value is not None or hidden(obs) for obs in observations]
    when = period_date(period, table.period_type)
    rows = _Rows(len(keys))
    for i, dim in enumerate(table.dimensions):
        if not dim.hierarchies and dim.role != "partner":
            continue
        present = {key[i] for key in keys}
        rules = additive_rules(registry, table, i, when, present)
        if not rules:
            continue
        skip = (
            _aggregate_groups(registry, keys, i, present) if any(r.sparse for r in rules) else set()
        )
        by_total: dict[str, list[AdditiveRule]] = {}
        for r in rules:
            by_total.setdefault(r.rule.total, []).append(r)
        for j, key in enumerate(keys):
            found = by_total.get(key[i])
            if found is None or not usable[j]:
                continue
            for r in found:
                if r.sparse and key[:i] + key[i + 1 :] in skip:
                    continue
                _relation(rows, index, usable, key, j, i, r)
    return TableSystem(
        table=table,
        ref_area=area,
        time_period=period,
        observations=observations,
        index=index,
        matrix=rows.matrix(),
        totals=np.asarray(rows.totals, dtype=np.int64),
        rules=rows.rules,
        n_cells=len(keys),
    )


def _relation(
    rows: _Rows,
    index: dict[tuple[str, ...], int],
    usable: list[bool],
    key: tuple[str, ...],
    j: int,
    i: int,
    r: AdditiveRule,
) -> None:
    head, tail = key[:i], key[i + 1 :]
    parts: list[int] = []
    missing = r.rule.partial
    absent = 0
    for code in r.rule.parts:
        p = index.get((*head, code, *tail))
        if p is None:
            absent += 1
            missing = missing or not r.sparse
        elif usable[p]:
            parts.append(p)
        else:
            missing = True
    if r.sparse and absent == len(r.rule.parts):
        return  # only the total was given: no partner breakdown to add up
    rows.add(j, parts, missing, i, r.rule.total)


def _aggregate_groups(
    registry: Registry, keys: list[tuple[str, ...]], i: int, present: set[str]
) -> set[tuple[str, ...]]:
    """Keys without dimension ``i`` in which the provider used aggregate partners."""
    found = aggregate_codes(registry, present)
    if not found:
        return set()
    return {key[:i] + key[i + 1 :] for key in keys if key[i] in found}
