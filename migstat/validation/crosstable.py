"""Cross-table rules (``CROSS_<id>``), declared in ``migstat/definitions/rules/*.yaml``.

A rule compares the sum of its ``left`` terms with the sum of its ``right`` terms (shape in
:class:`migstat.model.CrossRule`; the YAML file documents it for coordinators). How this
module reads it:

- A term is ``{table, select, sign}``; ``sign`` is ``1`` (default) or ``-1`` (also ``"-"``).
  Its value is the sum of the cells given by ``select``: per dimension a code, a list of codes,
  ``{hierarchy: H, total: CODE}`` (the parts of CODE in hierarchy H of the dimension's code
  list, valid on the period), or ``$REF_AREA`` (the reporting country's code). A dimension
  neither selected nor matched takes its total code.
- ``REF_AREA`` and ``TIME_PERIOD`` are always matched: the rule is evaluated per reporting
  area and period. Tables of different period types (a stock on a date and a flow in a year)
  are matched on the year.
- ``match`` lists dimensions compared code by code (F01 and F03 per DURATION and SEX): the
  codes are those found in the first left term's table.
- A rule is evaluated only when every needed cell is present with a value; a partial
  submission is not an error here.
- ``check`` is ``==``, ``<=`` or ``>=``; the tolerance is the rule's ``tolerance`` if given,
  with the largest ``rounding_base`` stated in the metadata of the tables involved applied to
  the number of cells summed.
- The finding is on the first cell of the left-hand side, with the right-hand cells in
  ``related``; ``values`` holds ``observed`` (left), ``expected`` (right), ``difference``
  and ``tolerance``. Its message is the rule's ``message`` (an English msgid translated in
  ``validation.po``) with ``{cell}``, ``{left}``, ``{right}``, ``{difference}``,
  ``{tolerance}`` and ``{match}`` (``DURATION=LT, SEX=F``). Severity is the rule's, a
  warning on published data (``imported``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import Any

from migstat.i18n import N_
from migstat.model import CrossRule, Location, Observation, TableDef, Tolerance
from migstat.validation.core import EPSILON, Cells, Context, fmt_number, key_dict, period_date

MSG_CROSS = N_(
    "{cell}: {left} on the left-hand side against {right} on the right-hand side "
    "(rule {rule}{match}): difference {difference}, tolerance {tolerance}."
)

REF_AREA_TOKEN = "$REF_AREA"


class RuleDefinitionError(ValueError):
    """A cross-table rule that cannot be evaluated against the registry."""


@dataclass(slots=True)
class _Term:
    table: TableDef
    select: dict[str, Any]
    sign: int


def _terms(ctx: Context, rule: CrossRule, side: list[dict[str, Any]]) -> list[_Term]:
    out = []
    for raw in side:
        table = ctx.registry.tables.get(raw["table"])
        if table is None:
            raise RuleDefinitionError(f"rule {rule.id}: unknown table {raw['table']}")
        select = dict(raw.get("select") or {})
        for dim_id in select:
            if dim_id not in table.dimension_ids:
                raise RuleDefinitionError(f"rule {rule.id}: {table.id} has no dimension {dim_id}")
        sign = raw.get("sign", 1)
        sign = -1 if sign in (-1, "-", "-1") else 1
        out.append(_Term(table, select, sign))
    return out


def _codes(
    ctx: Context,
    term: _Term,
    dim_index: int,
    ref_area: str,
    when: date | None,
    matched: dict[str, str],
    rule_id: str,
) -> list[str]:
    dim = term.table.dimensions[dim_index]
    if dim.id in matched:
        return [matched[dim.id]]
    spec = term.select.get(dim.id)
    if spec is None:
        if dim.total is None:
            raise RuleDefinitionError(
                f"rule {rule_id}: select or match {dim.id} of {term.table.id} (no total code)"
            )
        return [dim.total]
    if spec == REF_AREA_TOKEN:
        return [ref_area]
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list):
        return [ref_area if c == REF_AREA_TOKEN else str(c) for c in spec]
    if isinstance(spec, dict):
        hierarchy = ctx.registry.codelists[dim.codelist].hierarchies.get(spec.get("hierarchy"))
        parts = hierarchy.expand(str(spec.get("total")), when) if hierarchy else None
        if parts is None:
            raise RuleDefinitionError(f"rule {rule_id}: cannot expand {spec} in {dim.id}")
        return list(parts)
    raise RuleDefinitionError(f"rule {rule_id}: cannot read selection {spec!r} of {dim.id}")


def _cells(
    ctx: Context,
    term: _Term,
    ref_area: str,
    when: date | None,
    matched: dict[str, str],
    rule_id: str,
) -> Iterator[tuple[str, ...]]:
    lists = [
        _codes(ctx, term, i, ref_area, when, matched, rule_id)
        for i in range(len(term.table.dimensions))
    ]
    return product(*lists)


def _period_key(period: str, mixed: bool) -> str:
    return period[:4] if mixed else period


def check_cross_tables(ctx: Context) -> None:
    for rule in ctx.registry.cross_rules:
        left = _terms(ctx, rule, rule.left)
        right = _terms(ctx, rule, rule.right)
        _check_rule(ctx, rule, left, right)


def _groups_by_area_period(
    ctx: Context, table: TableDef, mixed: bool
) -> dict[tuple[str, str], tuple[str, Cells]]:
    out: dict[tuple[str, str], tuple[str, Cells]] = {}
    for (table_id, ref_area, period), cells in ctx.groups.items():
        if table_id == table.id and cells:
            out[(ref_area, _period_key(period, mixed))] = (period, cells)
    return out


def _check_rule(ctx: Context, rule: CrossRule, left: list[_Term], right: list[_Term]) -> None:
    terms = [*left, *right]
    if not terms:
        return
    mixed = len({t.table.period_type for t in terms}) > 1
    by_table = {t.table.id: _groups_by_area_period(ctx, t.table, mixed) for t in terms}
    first = left[0] if left else right[0]
    for area_period, (_period, first_cells) in by_table[first.table.id].items():
        if any(area_period not in groups for groups in by_table.values()):
            continue
        ref_area = area_period[0]
        for matched in _match_combinations(first, rule.match, first_cells):
            _evaluate(ctx, rule, left, right, by_table, area_period, ref_area, matched)


def _match_combinations(term: _Term, match: tuple[str, ...], cells: Cells) -> list[dict[str, str]]:
    dims = [d for d in match if d not in ("TIME_PERIOD", "REF_AREA")]
    if not dims:
        return [{}]
    # Every combination of the codes found per dimension; combinations without cells are
    # skipped later like any incomplete comparison.
    found = [sorted({key[i] for key in cells}) for i in map(term.table.key_index, dims)]
    return [dict(zip(dims, combo, strict=True)) for combo in product(*found)]


def _side(
    ctx: Context, terms: list[_Term], by_table, area_period, ref_area, matched, rule_id: str
) -> tuple[float, list[Observation], set[str]] | None:
    total = 0.0
    seen: list[Observation] = []
    tables: set[str] = set()
    for term in terms:
        period, cells = by_table[term.table.id][area_period]
        when = period_date(period, term.table.period_type)
        subtotal = 0.0
        for key in _cells(ctx, term, ref_area, when, matched, rule_id):
            obs = cells.get(key)
            if obs is None or obs.value is None:
                return None
            subtotal += obs.value
            seen.append(obs)
        total += term.sign * subtotal
        tables.add(term.table.id)
    return total, seen, tables


def _evaluate(
    ctx: Context, rule: CrossRule, left, right, by_table, area_period, ref_area, matched
) -> None:
    lhs = _side(ctx, left, by_table, area_period, ref_area, matched, rule.id)
    if lhs is None:
        return
    rhs = _side(ctx, right, by_table, area_period, ref_area, matched, rule.id)
    if rhs is None:
        return
    lval, lcells, ltables = lhs
    rval, rcells, rtables = rhs
    n_cells = len(lcells) + len(rcells)
    allowed = _tolerance(ctx, rule, ltables | rtables).allowed(lval, n_cells)
    difference = lval - rval
    check = rule.check.strip()
    if check == "==":
        bad = abs(difference) > allowed + EPSILON
    elif check == "<=":
        bad = difference > allowed + EPSILON
    elif check == ">=":
        bad = -difference > allowed + EPSILON
    else:
        raise RuleDefinitionError(f"rule {rule.id}: unknown check {rule.check!r}")
    if not bad:
        return
    anchor = lcells[0] if lcells else rcells[0]
    related: list[Location | None] = [o.where for o in rcells]
    match_text = "".join(f", {k}={v}" for k, v in matched.items())
    table = ctx.registry.tables[anchor.table]
    ctx.add(
        f"CROSS_{rule.id}",
        ctx.arithmetic_severity(rule.severity),
        rule.message or MSG_CROSS,
        obs=anchor,
        table=anchor.table,
        key=key_dict(table, anchor),
        related=related,
        values={
            "observed": fmt_number(lval),
            "expected": fmt_number(rval),
            "difference": fmt_number(difference),
            "tolerance": fmt_number(allowed),
        },
        left=fmt_number(lval),
        right=fmt_number(rval),
        difference=fmt_number(difference),
        tolerance=fmt_number(allowed),
        rule=rule.id,
        match=match_text,
    )


def _tolerance(ctx: Context, rule: CrossRule, tables: set[str]) -> Tolerance:
    base = rule.tolerance or Tolerance()
    rounding = base.rounding_base
    for table_id in tables:
        meta = ctx.dataset.metadata.tables.get(table_id)
        if meta is not None and meta.rounding_base and meta.rounding_base > rounding:
            rounding = meta.rounding_base
    if rounding == base.rounding_base:
        return base
    return Tolerance(absolute=base.absolute, relative=base.relative, rounding_base=rounding)
