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
  EECCA, FOR ...) the provider grouped partners and the WORLD rule is skipped for that group;
  so it is when no partner row at all is given (a publisher's total without a breakdown).
- **REGIONS of a partner dimension** (``CIS = members valid on the date`` ...) is checked as
  well whenever one of its totals occurs in the data, with the missing-part semantics above:
  membership is date-effective (Georgia is counted in the CIS in 2008, not in 2012).

The finding sits on the total's cell; its parts' cells are in ``related`` (for a sparse
WORLD total only the partner rows that count: zero rows are left out like absent ones).
``values`` holds ``observed`` (the total), ``expected`` (the sum), ``difference`` (total minus sum),
``tolerance``, ``parts`` (number of parts summed) and ``missing`` (parts absent or empty;
absent WORLD rows are not counted). On published data (``imported``) the finding is a
warning.

Speed: a group's keys are encoded once as integers (one bit field per dimension), so the
cell of any part of a total is one integer addition and one dictionary look-up away; only the
parts that occur in the group are looked up, and observations are only touched again to
report a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from migstat.i18n import LANGUAGES, N_
from migstat.model import Observation, TableDef, Tolerance, pick
from migstat.model.additive import AdditiveRule, additive_rules, aggregate_codes
from migstat.validation.core import EPSILON, Cells, Context, fmt_number, period_date

MSG_TOTAL = N_(
    "{cell}: total {total} is not the sum of its parts {sum} "
    "({dimension}: {code}; grouping: {hierarchy}): difference {difference}, "
    "tolerance {tolerance}."
)
MSG_TOTAL_PARTIAL = N_(
    "{cell}: total {total} is less than the sum of the parts given {sum} "
    "({dimension}: {code}; grouping: {hierarchy}; {missing} parts not "
    "given): difference {difference}."
)


@dataclass(slots=True)
class _Plan:
    """The rules of one dimension on one date, indexed by code."""

    rules: list[AdditiveRule]
    totals: dict[str, list[int]]


def _plan(
    ctx: Context, table: TableDef, i: int, when: date | None, present: set[str] | None
) -> _Plan | None:
    rules = additive_rules(ctx.registry, table, i, when, present)
    if not rules:
        return None
    totals: dict[str, list[int]] = {}
    for n, r in enumerate(rules):
        totals.setdefault(r.rule.total, []).append(n)
    return _Plan(rules, totals)


@dataclass(slots=True)
class _Encoded:
    """A group's cells as parallel lists, keys encoded as integers.

    Dimension ``d`` of a key is the index of its code in ``codes[d]``, stored at bit
    ``shifts[d]`` of the key's integer: the key of a total with its dimension ``d`` code
    replaced by another is one subtraction and one addition away.
    """

    keys: list[tuple[str, ...]]
    observations: list[Observation]
    values: list[float | None]
    columns: list[list[int]]
    codes: list[list[str]]
    shifts: list[int]
    ints: list[int]
    _lookup: dict[int, float | None] | None = None

    def lookup(self) -> dict[int, float | None]:
        """Values by encoded key."""
        if self._lookup is None:
            self._lookup = dict(zip(self.ints, self.values, strict=True))
        return self._lookup


def _encode(cells: Cells, width: int) -> _Encoded:
    keys = list(cells)
    observations = list(cells.values())
    values = [obs.value for obs in observations]
    columns: list[list[int]] = []
    codes: list[list[str]] = []
    shifts: list[int] = []
    shift = 0
    ints = [0] * len(keys)
    for d in range(width):
        column = [key[d] for key in keys]
        distinct = list(dict.fromkeys(column))
        index = {code: j for j, code in enumerate(distinct)}
        idx = [index[code] for code in column]
        if d == 0:
            ints = [j << shift for j in idx]
        else:
            ints = [k | (j << shift) for k, j in zip(ints, idx, strict=True)]
        columns.append(idx)
        codes.append(distinct)
        shifts.append(shift)
        shift += max(1, len(distinct).bit_length())
    return _Encoded(keys, observations, values, columns, codes, shifts, ints)


def check_totals(ctx: Context) -> None:
    severity = ctx.arithmetic_severity()
    for (table_id, _ref_area, period), cells in ctx.groups.items():
        if not cells:
            continue
        table = ctx.registry.tables[table_id]
        when = period_date(period, table.period_type)
        tolerance = ctx.tolerance(table)
        encoded: _Encoded | None = None
        for i, dim in enumerate(table.dimensions):
            if not dim.hierarchies and dim.role != "partner":
                continue
            present = {key[i] for key in cells}
            plan = _plan(ctx, table, i, when, present if dim.role == "partner" else None)
            if plan is None or plan.totals.keys().isdisjoint(present):
                continue  # no total of this dimension in the group: nothing to add up
            if _nothing_to_add(plan, present, cells, i):
                continue
            if encoded is None:
                encoded = _encode(cells, len(table.dimensions))
            _check_dimension(ctx, table, i, plan, encoded, cells, tolerance, severity)


_ABSENT = object()


def _nothing_to_add(plan: _Plan, present: set[str], cells: Cells, i: int) -> bool:
    """Whether no total of the group can be wrong, known without encoding the group: none
    of the parts of the totals given occurs (a total given alone, as a file of totals by
    sex gives it). A sparse total alone is then not checked, and any other total, compared
    with no parts at all, is only wrong when it is negative (a tolerance is never negative)."""
    given = plan.totals.keys() & present
    for code in given:
        for n in plan.totals[code]:
            if not present.isdisjoint(plan.rules[n].rule.parts):
                return False
    if all(plan.rules[n].sparse for code in given for n in plan.totals[code]):
        return True
    for key, obs in cells.items():
        value = obs.value
        if value is not None and value < 0 and key[i] in given:
            return False
    return True


def _check_dimension(
    ctx: Context,
    table: TableDef,
    i: int,
    plan: _Plan,
    enc: _Encoded,
    cells: Cells,
    tolerance: Tolerance,
    severity,
) -> None:
    codes = enc.codes[i]
    column = enc.columns[i]
    shift = enc.shifts[i]
    values = enc.values
    total_rules = [plan.totals.get(code) for code in codes]
    positions = [pos for pos, j in enumerate(column) if total_rules[j] is not None]
    if not positions:
        return
    # Per rule: the offsets of its parts that occur in the group, and how many never occur.
    where = {code: j for j, code in enumerate(codes)}
    offsets: list[tuple[list[int], int]] = []
    for r in plan.rules:
        found = [where[p] << shift for p in r.rule.parts if p in where]
        offsets.append((found, len(r.rule.parts) - len(found)))
    lookup = enc.lookup()
    get = lookup.get
    skip = _aggregate_groups(ctx, enc, i) if any(r.sparse for r in plan.rules) else set()
    for pos in positions:
        total = values[pos]
        if total is None:
            continue
        j = column[pos]
        base = enc.ints[pos] - (j << shift)
        for n in total_rules[j]:
            r = plan.rules[n]
            if r.sparse and base in skip:
                continue
            found, never = offsets[n]
            parts = [get(base + off, _ABSENT) for off in found]
            n_absent = parts.count(_ABSENT)
            if r.sparse and n_absent == len(parts):
                continue  # only the total was given: no partner breakdown to add up
            n_empty = parts.count(None)
            if n_absent or n_empty:
                given = [v for v in parts if v is not None and v is not _ABSENT]
                parts_sum = sum(given)
                k = len(given)
            else:
                parts_sum = sum(parts)
                k = len(parts)
            # Absent rows of a sparse hierarchy are zeros; elsewhere they are missing parts.
            missing = n_empty if r.sparse else n_empty + n_absent + never
            allowed = tolerance.allowed(total, k)
            difference = total - parts_sum
            if missing or r.rule.partial:
                bad = -difference > allowed + EPSILON
            else:
                bad = abs(difference) > allowed + EPSILON
            if bad:
                _report(
                    ctx,
                    table,
                    i,
                    r,
                    enc.keys[pos],
                    enc.observations[pos],
                    cells,
                    parts_sum,
                    k,
                    missing,
                    allowed,
                    severity,
                )


def _aggregate_groups(ctx: Context, enc: _Encoded, i: int) -> set[int]:
    """Groups (keys without the partner code) in which the provider used aggregate partners."""
    found = aggregate_codes(ctx.registry, enc.codes[i])
    if not found:
        return set()
    aggregate = [c in found for c in enc.codes[i]]
    shift = enc.shifts[i]
    return {k - (j << shift) for k, j in zip(enc.ints, enc.columns[i], strict=True) if aggregate[j]}


def _report(
    ctx: Context,
    table: TableDef,
    i: int,
    r: AdditiveRule,
    key: tuple[str, ...],
    obs: Observation,
    cells: Cells,
    parts_sum: float,
    k: int,
    missing: int,
    allowed: float,
    severity,
) -> None:
    head, tail = key[:i], key[i + 1 :]
    related = []
    for part in r.rule.parts:
        found = cells.get((*head, part, *tail))
        if found is None or found.where is None or (r.sparse and found.value == 0):
            continue
        related.append(found.where)
    total = obs.value
    assert total is not None
    difference = total - parts_sum
    inequality = bool(missing or r.rule.partial)
    values = {
        "observed": fmt_number(total),
        "expected": fmt_number(parts_sum),
        "difference": fmt_number(difference),
        "tolerance": fmt_number(allowed),
        "parts": k,
        "missing": missing,
    }
    ctx.add(
        "ARITH_TOTAL",
        severity,
        MSG_TOTAL_PARTIAL if inequality else MSG_TOTAL,
        obs=obs,
        table=table.id,
        values=values,
        related=related,
        total=fmt_number(total),
        sum=fmt_number(parts_sum),
        difference=fmt_number(difference),
        tolerance=fmt_number(allowed),
        dimension={lang: table.dimensions[i].label(lang) for lang in LANGUAGES},
        code={lang: _code_label(ctx, table, i, r.rule.total, lang) for lang in LANGUAGES},
        hierarchy={lang: _hierarchy_label(ctx, table, i, r.hierarchy, lang) for lang in LANGUAGES},
        missing=missing,
    )


def _code_label(ctx: Context, table: TableDef, i: int, code: str, lang: str) -> str:
    """``Total (_T)``: a code as people read it, with the code to find it by."""
    label = ctx.registry.codelist(table.dimensions[i].codelist).label(code, lang)
    return f"{label} ({code})" if label != code else code


def _hierarchy_label(ctx: Context, table: TableDef, i: int, hierarchy: str, lang: str) -> str:
    """A hierarchy's name (``World``, ``Five-year age groups``), never its internal id."""
    found = ctx.registry.codelist(table.dimensions[i].codelist).hierarchies.get(hierarchy)
    return pick(found.name, lang) if found is not None and found.name else hierarchy
