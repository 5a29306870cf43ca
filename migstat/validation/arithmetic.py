"""Arithmetic rule ``ARITH_TOTAL``: totals equal the sum of their parts on every hierarchy.

For each table, area and period, for each breakdown dimension and each hierarchy listed in
the dimension's ``hierarchies``, for each rule of the hierarchy valid on the period's date
(31 December for a year), and with all other dimensions fixed, the total's cell is compared
with the sum of the parts' cells. Semantics:

- **Total missing** (absent, or ``None`` because flagged not available / confidential):
  nothing to check.
- **All parts present with a value**: ``|total - sum| <= tolerance``, with
  ``TableDef.tolerance.allowed(total, k)`` for the ``k`` parts summed; a ``rounding_base`` in
  the table's metadata overrides the table's.
- **Some part absent or ``None``**, or the rule is ``partial``: only ``total >= sum`` of the
  parts present can be checked (still with the tolerance, since rounded parts can exceed a
  rounded total): a larger sum is an error.
- **WORLD of a partner dimension is sparse**: countries fill only the rows with movers, so an
  absent country row counts as zero and the check is an equality over the rows present. A
  part present with ``None`` still makes it an inequality. When the group (the other
  dimensions fixed) contains an aggregate partner code (kind ``aggregate``: CIS, NON_CIS,
  EECCA, FOR ...) the provider grouped partners and the WORLD rule is skipped for that group.
- **REGIONS of a partner dimension** (``CIS = members valid on the date`` ...) is checked as
  well whenever one of its totals occurs in the data, with the missing-part semantics above:
  membership is date-effective (Georgia is counted in the CIS in 2008, not in 2012).

The finding sits on the total's cell; its parts' cells are in ``related``. ``values`` holds
``observed`` (the total), ``expected`` (the sum), ``difference`` (total minus sum),
``tolerance``, ``parts`` (number of parts summed) and ``missing`` (parts absent or empty;
absent WORLD rows are not counted). On published data (``imported``) the finding is a
warning.

Speed: one pass per dimension over a group's dictionary of cells; the key without the
dimension's code (a tuple slice) is the group of a part, sums are accumulated in one
dictionary, and parts' cells are only looked up again for the findings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from migstat.i18n import N_
from migstat.model import HierarchyRule, Observation, TableDef, Tolerance
from migstat.validation.core import EPSILON, Cells, Context, fmt_number, period_date

MSG_TOTAL = N_("{cell}: total {total} is not the sum of its parts {sum} "
               "({dimension} {code}, hierarchy {hierarchy}): difference {difference}, "
               "tolerance {tolerance}.")
MSG_TOTAL_PARTIAL = N_("{cell}: total {total} is less than the sum of the parts given {sum} "
                       "({dimension} {code}, hierarchy {hierarchy}; {missing} parts not "
                       "given): difference {difference}.")

SPARSE_HIERARCHY = "WORLD"
REGIONS_HIERARCHY = "REGIONS"


@dataclass(slots=True)
class _Rule:
    hierarchy: str
    rule: HierarchyRule
    sparse: bool


@dataclass(slots=True)
class _Plan:
    """The rules of one dimension on one date, indexed by code."""

    rules: list[_Rule]
    totals: dict[str, list[int]]
    parts: dict[str, list[int]]


def _plan(ctx: Context, table: TableDef, i: int, when: date | None,
          present: set[str] | None) -> _Plan | None:
    dim = table.dimensions[i]
    codelist = ctx.registry.codelists[dim.codelist]
    names = list(dim.hierarchies)
    partner = dim.role == "partner"
    if partner and REGIONS_HIERARCHY in codelist.hierarchies and REGIONS_HIERARCHY not in names:
        names.append(REGIONS_HIERARCHY)
    rules: list[_Rule] = []
    for name in names:
        hierarchy = codelist.hierarchies.get(name)
        if hierarchy is None:
            continue
        for rule in hierarchy.rules_on(when):
            if name == REGIONS_HIERARCHY and present is not None and rule.total not in present:
                continue
            rules.append(_Rule(name, rule, sparse=partner and name == SPARSE_HIERARCHY))
    if not rules:
        return None
    totals: dict[str, list[int]] = {}
    parts: dict[str, list[int]] = {}
    for n, r in enumerate(rules):
        totals.setdefault(r.rule.total, []).append(n)
        for p in r.rule.parts:
            parts.setdefault(p, []).append(n)
    return _Plan(rules, totals, parts)


def check_totals(ctx: Context) -> None:
    severity = ctx.arithmetic_severity()
    for (table_id, _ref_area, period), cells in ctx.groups.items():
        if not cells:
            continue
        table = ctx.registry.tables[table_id]
        when = period_date(period, table.period_type)
        tolerance = ctx.tolerance(table)
        for i, dim in enumerate(table.dimensions):
            if not dim.hierarchies and dim.role != "partner":
                continue
            present = {key[i] for key in cells} if dim.role == "partner" else None
            plan = _plan(ctx, table, i, when, present)
            if plan is None:
                continue
            _check_dimension(ctx, table, i, plan, cells, present, tolerance, severity)


def _aggregate_groups(ctx: Context, i: int, cells: Cells, present: set[str]) -> set[tuple]:
    """Groups (keys without the partner code) in which the provider used aggregate partners."""
    areas = ctx.registry.areas
    aggregates = {c for c in present
                  if (code := areas.get(c)) is not None
                  and code.attributes.get("kind") == "aggregate"}
    if not aggregates:
        return set()
    return {key[:i] + key[i + 1:] for key in cells if key[i] in aggregates}


def _check_dimension(ctx: Context, table: TableDef, i: int, plan: _Plan, cells: Cells,
                     present: set[str] | None, tolerance: Tolerance, severity) -> None:
    part_map = plan.parts
    total_map = plan.totals
    sums: dict[tuple, float] = {}
    given: dict[tuple, int] = {}
    empty: dict[tuple, int] = {}
    totals: list[tuple[int, tuple[str, ...], Observation]] = []
    for key, obs in cells.items():
        code = key[i]
        rule_ids = part_map.get(code)
        if rule_ids is not None:
            rest = key[:i] + key[i + 1:]
            value = obs.value
            for n in rule_ids:
                slot = (n, rest)
                if value is None:
                    empty[slot] = empty.get(slot, 0) + 1
                else:
                    sums[slot] = sums.get(slot, 0) + value
                    given[slot] = given.get(slot, 0) + 1
        rule_ids = total_map.get(code)
        if rule_ids is not None and obs.value is not None:
            for n in rule_ids:
                totals.append((n, key, obs))
    if not totals:
        return
    skip = _aggregate_groups(ctx, i, cells, present) if present is not None else set()
    for n, key, obs in totals:
        r = plan.rules[n]
        rest = key[:i] + key[i + 1:]
        if r.sparse and rest in skip:
            continue
        slot = (n, rest)
        total = obs.value
        assert total is not None
        parts_sum = sums.get(slot, 0)
        k = given.get(slot, 0)
        missing = empty.get(slot, 0) if r.sparse else len(r.rule.parts) - k
        allowed = tolerance.allowed(total, k)
        difference = total - parts_sum
        if missing or r.rule.partial:
            bad = -difference > allowed + EPSILON
        else:
            bad = abs(difference) > allowed + EPSILON
        if bad:
            _report(ctx, table, i, r, key, obs, cells, parts_sum, k, missing, allowed,
                    severity)


def _report(ctx: Context, table: TableDef, i: int, r: _Rule, key: tuple[str, ...],
            obs: Observation, cells: Cells, parts_sum: float, k: int, missing: int,
            allowed: float, severity) -> None:
    head, tail = key[:i], key[i + 1:]
    related = []
    for part in r.rule.parts:
        found = cells.get((*head, part, *tail))
        if found is not None and found.where is not None:
            related.append(found.where)
    total = obs.value
    assert total is not None
    difference = total - parts_sum
    inequality = bool(missing or r.rule.partial)
    values = {
        "observed": fmt_number(total), "expected": fmt_number(parts_sum),
        "difference": fmt_number(difference), "tolerance": fmt_number(allowed),
        "parts": k, "missing": missing,
    }
    ctx.add("ARITH_TOTAL", severity, MSG_TOTAL_PARTIAL if inequality else MSG_TOTAL, obs=obs,
            table=table.id, values=values, related=related,
            total=fmt_number(total), sum=fmt_number(parts_sum),
            difference=fmt_number(difference), tolerance=fmt_number(allowed),
            dimension=table.dimensions[i].id, code=r.rule.total, hierarchy=r.hierarchy,
            missing=missing)
