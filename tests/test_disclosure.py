"""Disclosure control: primary and secondary suppression, checked by an attacker with an LP.

The attacker here is written apart from ``migstat.disclosure``: from the published
observations only (hidden cells carry no value) and the code lists' hierarchy rules, it sets up
the linear system of the table, solves ``min x`` and ``max x`` for every hidden cell with
SciPy's HiGHS, and fails when an interval is narrower than the cell's protection width. Small
tables have suppression patterns checked by hand; the realistic one is a synthetic S01.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from migstat.demo.synthetic import consistent_dataset
from migstat.disclosure import Protected, Rule, audit, protect, protect_all
from migstat.model import (
    Code,
    CodeList,
    Dimension,
    Hierarchy,
    HierarchyRule,
    InputError,
    Layout,
    Observation,
    PeriodType,
    Registry,
    TableDef,
    TableKind,
    default_registry,
)

PERIOD = "2024-01-01"


# -- hand-made tables ------------------------------------------------------------------------
def codelist(cid: str, rules: list[tuple[str, list[str]]]) -> CodeList:
    """A code list whose one hierarchy (named like it) holds ``rules``."""
    cl = CodeList(id=cid, name={"en": cid})
    for total, parts in rules:
        for c in (total, *parts):
            if c not in cl:
                cl.add(Code(id=c, name={"en": c}))
    rule_objs = tuple(HierarchyRule(t, tuple(p)) for t, p in rules)
    cl.hierarchies[cid] = Hierarchy(cid, cid, {"en": cid}, rule_objs)
    return cl


def small_table(*cls: CodeList) -> tuple[TableDef, Registry]:
    registry = Registry([])
    for cl in cls:
        registry.codelists[cl.id] = cl
    dims = tuple(
        Dimension(id=cl.id, codelist=cl.id, name={"en": cl.id}, hierarchies=(cl.id,)) for cl in cls
    )
    table = TableDef(
        id="T",
        title={"en": "test"},
        kind=TableKind.STOCK,
        period_type=PeriodType.DATE,
        dimensions=dims,
        layout=Layout((cls[0].id,), tuple(c.id for c in cls[1:])),
    )
    registry.tables[table.id] = table
    return table, registry


def with_margins(rows: list[str], cols: list[str], inner: dict[tuple[str, str], int]):
    cells = dict(inner)
    for r in rows:
        cells[(r, "_T")] = sum(inner[(r, c)] for c in cols)
    for c in cols:
        cells[("_T", c)] = sum(inner[(r, c)] for r in rows)
    cells[("_T", "_T")] = sum(inner.values())
    return cells


def observations(cells: dict[tuple[str, ...], float], confidential=()) -> list[Observation]:
    return [
        Observation(
            "T", "XXX", PERIOD, key, float(v), conf_status="C" if key in confidential else "F"
        )
        for key, v in cells.items()
    ]


# -- the attacker ----------------------------------------------------------------------------
def relations(published: list[Observation], table: TableDef, registry: Registry):
    """The hidden cells' keys, and the relations among them: ``a @ hidden = b``, from the
    published values and the code lists' hierarchy rules (an absent partner row is a zero)."""
    cells = {o.key: o for o in published if o.table == table.id}
    for o in cells.values():
        assert o.conf_status == "F" or o.value is None, "a hidden cell shows its value"
    hidden = [k for k, o in cells.items() if o.conf_status != "F"]
    col = {k: j for j, k in enumerate(hidden)}
    rows, cols, data, rhs = [], [], [], []
    for d, dim in enumerate(table.dimensions):
        codelist = registry.codelists[dim.codelist]
        for name in dim.hierarchies:
            for rule in codelist.hierarchies[name].rules:
                for key in cells:
                    if key[d] != rule.total:
                        continue
                    terms = [(key, 1.0)]
                    for part in rule.parts:
                        pkey = (*key[:d], part, *key[d + 1 :])
                        if pkey in cells:
                            terms.append((pkey, -1.0))
                    const = -sum(s * cells[k].value for k, s in terms if k not in col)
                    used = [(col[k], s) for k, s in terms if k in col]
                    if used:
                        for j, s in used:
                            rows.append(len(rhs))
                            cols.append(j)
                            data.append(s)
                        rhs.append(const)
    a = sparse.csr_matrix((data, (rows, cols)), shape=(len(rhs), len(hidden)))
    return hidden, a, np.array(rhs)


def bound(a, b, j: int, sense: float) -> float:
    """``min`` (``sense`` 1) or ``max`` (``sense`` -1) of hidden cell ``j``."""
    c = np.zeros(a.shape[1])
    c[j] = sense
    result = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    if result.status == 3:
        return np.inf
    assert result.status == 0, result.message
    return sense * result.fun


def attack(published: list[Observation], table: TableDef, registry: Registry) -> dict:
    """Every hidden cell's ``(lower, upper)`` from the published cells and the hierarchies."""
    hidden, a, b = relations(published, table, registry)
    return {k: (bound(a, b, j, 1.0), bound(a, b, j, -1.0)) for j, k in enumerate(hidden)}


def assert_protected(result: Protected, table: TableDef, registry: Registry) -> None:
    """Every hidden cell's interval is at least its protection width. The true value lies in
    the interval, so ``upper - value >= width`` proves it with one programme; otherwise the
    lower bound is solved as well."""
    hidden, a, b = relations(result.published(), table, registry)
    assert set(hidden) == {h.key for h in result.hidden}
    by_key = {h.key: h for h in result.hidden}
    for j, key in enumerate(hidden):
        h = by_key[key]
        value = h.value if h.value is not None else bound(a, b, j, 1.0)
        upper = bound(a, b, j, -1.0)
        assert upper >= value - 1e-6
        if upper - value < h.width - 1e-6:
            lower = bound(a, b, j, 1.0)
            assert lower <= value + 1e-6
            assert upper - lower >= h.width - 1e-6, (h, lower, upper)


def assert_exact(result: Protected, table: TableDef, registry: Registry) -> dict:
    """:func:`assert_protected`, and ``migstat.disclosure.audit`` finds the attacker's
    intervals exactly."""
    assert_protected(result, table, registry)
    intervals = attack(result.published(), table, registry)
    mine = {i.key: (i.lower, i.upper) for i in audit(result.published(), table, registry=registry)}
    assert mine.keys() == intervals.keys()
    for key, (low, high) in intervals.items():
        assert mine[key][0] == pytest.approx(low, abs=1e-6)
        assert mine[key][1] == pytest.approx(high, abs=1e-6)
    for h in result.hidden:
        low, high = intervals[h.key]
        assert high - low >= h.width - 1e-6
    return intervals


def hidden_keys(result: Protected) -> tuple[set, set]:
    return {h.key for h in result.primary}, {h.key for h in result.secondary}


# -- small tables, patterns by hand ----------------------------------------------------------
ROWS3 = codelist("R", [("_T", ["A", "B", "C"])])
COLS3 = codelist("K", [("_T", ["X", "Y", "Z"])])
INNER3 = {
    ("A", "X"): 20,
    ("A", "Y"): 50,
    ("A", "Z"): 10,
    ("B", "X"): 8,
    ("B", "Y"): 19,
    ("B", "Z"): 22,
    ("C", "X"): 30,
    ("C", "Y"): 41,
    ("C", "Z"): 17,
}


def test_a_confidential_cell_gets_the_cheapest_rectangle() -> None:
    """3x3 with margins, (A,Z) = 10 confidential, width 5. Every rectangle through (A,Z) whose
    corners can give 5 would do; the cheapest (the smallest cells, weight 1 + ln(1 + value))
    is rows A/B x columns X/Z: 20, 8, 22. The attacker gets AZ in [2, 30]: AX + AZ = 30,
    BX + BZ = 30, AX + BX = 28, AZ + BZ = 32, so BX = AZ - 2 >= 0 and AX = 30 - AZ >= 0."""
    table, registry = small_table(ROWS3, COLS3)
    cells = with_margins(["A", "B", "C"], ["X", "Y", "Z"], INNER3)
    rule = Rule(min_frequency=0, width_absolute=5, width_percent=0)
    result = protect(observations(cells, {("A", "Z")}), table, rule, registry=registry)
    assert hidden_keys(result) == ({("A", "Z")}, {("A", "X"), ("B", "X"), ("B", "Z")})
    intervals = assert_exact(result, table, registry)
    assert intervals[("A", "Z")] == pytest.approx((2, 30))
    statuses = {o.key: o.conf_status for o in result.observations if o.conf_status != "F"}
    assert statuses == {("A", "Z"): "C", ("A", "X"): "D", ("B", "X"): "D", ("B", "Z"): "D"}


ROWS2 = codelist("R", [("_T", ["A", "B"])])
COLS2 = codelist("K", [("_T", ["X", "Y"])])
INNER2 = {("A", "X"): 2, ("A", "Y"): 7, ("B", "X"): 9, ("B", "Y"): 12}


def test_a_small_count_hides_the_whole_2x2_interior() -> None:
    """2x2 with margins: (A,X) = 2 is under the minimum frequency 3. The one rectangle is the
    four inner cells; the margins stay published. AX + AY = 9, AX + BX = 11, BX + BY = 21,
    AY + BY = 19: AX in [0, 9]."""
    table, registry = small_table(ROWS2, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    result = protect(observations(cells), table, Rule(min_frequency=3), registry=registry)
    assert hidden_keys(result) == ({("A", "X")}, {("A", "Y"), ("B", "X"), ("B", "Y")})
    assert [h.reason for h in result.primary] == ["frequency"]
    intervals = assert_exact(result, table, registry)
    assert intervals[("A", "X")] == pytest.approx((0, 9))
    assert intervals[("B", "Y")] == pytest.approx((10, 19))
    assert result.metadata() == {
        "method": "secondary-suppression-lp/1",
        "min_frequency": 3,
        "width_absolute": 3.0,
        "width_percent": 10.0,
        "secondary_status": "D",
        "table": "T",
        "cells": 9,
        "primary": 1,
        "secondary": 3,
    }


def test_a_withheld_confidential_value_is_protected_like_a_given_one() -> None:
    """A questionnaire's "x": the country withholds the value. The margins would give it away
    (AX = 9 - 7); the protection is the same as if the 2 had been sent."""
    table, registry = small_table(ROWS2, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    obs = [
        replace(o, value=None) if o.key == ("A", "X") else o
        for o in observations(cells, {("A", "X")})
    ]
    result = protect(obs, table, Rule(min_frequency=0), registry=registry)
    assert hidden_keys(result) == ({("A", "X")}, {("A", "Y"), ("B", "X"), ("B", "Y")})
    assert_exact(result, table, registry)


HIER = codelist("H", [("_T", ["N", "S"]), ("N", ["N1", "N2"]), ("S", ["S1", "S2"])])
INNER_H = {
    ("N1", "X"): 4,
    ("N1", "Y"): 30,
    ("N2", "X"): 25,
    ("N2", "Y"): 40,
    ("S1", "X"): 60,
    ("S1", "Y"): 70,
    ("S2", "X"): 55,
    ("S2", "Y"): 65,
}


def hierarchy_cells(inner: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    cells = dict(inner)
    for h, parts in (("N", ["N1", "N2"]), ("S", ["S1", "S2"])):
        for c in ("X", "Y"):
            cells[(h, c)] = sum(inner[(p, c)] for p in parts)
    for c in ("X", "Y"):
        cells[("_T", c)] = cells[("N", c)] + cells[("S", c)]
    for h in ("N1", "N2", "N", "S1", "S2", "S", "_T"):
        cells[(h, "_T")] = cells[(h, "X")] + cells[(h, "Y")]
    return cells


def test_three_levels_protect_within_the_lowest_subtotal() -> None:
    """H: _T = N + S, N = N1 + N2, S = S1 + S2, crossed with K: _T = X + Y. (N1,X) = 4 is
    confidential: its sibling N2 and the column Y make a rectangle inside N, and no subtotal
    (N, S, _T) is touched."""
    table, registry = small_table(HIER, COLS2)
    cells = hierarchy_cells(INNER_H)
    rule = Rule(min_frequency=0, width_absolute=3, width_percent=0)
    result = protect(observations(cells, {("N1", "X")}), table, rule, registry=registry)
    assert hidden_keys(result) == ({("N1", "X")}, {("N1", "Y"), ("N2", "X"), ("N2", "Y")})
    intervals = assert_exact(result, table, registry)
    # N1X + N1Y = 34, N2X + N2Y = 65, N1X + N2X = 29 (the N subtotal of X), N1Y + N2Y = 70.
    assert intervals[("N1", "X")] == pytest.approx((0, 29))


def test_three_levels_climb_when_the_siblings_are_too_small() -> None:
    """(N1,X) = 40 confidential with 50 %: a width of 20. N2 cannot give 20 in column X (it
    holds 10), so the protection must leave the subtotal N: the attacker still cannot narrow
    any hidden cell below its width."""
    inner = dict(INNER_H)
    inner[("N1", "X")] = 40
    inner[("N2", "X")] = 10
    table, registry = small_table(HIER, COLS2)
    cells = hierarchy_cells(inner)
    rule = Rule(min_frequency=0, width_absolute=3, width_percent=50)
    result = protect(observations(cells, {("N1", "X")}), table, rule, registry=registry)
    assert result.primary[0].width == 20
    _primary, secondary = hidden_keys(result)
    assert secondary & {("N", "X"), ("N", "Y"), ("S", "X"), ("S", "Y"), ("N", "_T")}
    assert_exact(result, table, registry)


def test_a_table_that_does_not_add_up_is_refused_with_its_cell() -> None:
    table, registry = small_table(ROWS2, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    cells[("A", "_T")] += 1
    with pytest.raises(InputError) as caught:
        protect(observations(cells, {("B", "Y")}), table, registry=registry)
    # Row A (10 against 2 + 7) or the column of totals (30 against 10 + 21): both are wrong.
    text = caught.value.text("en")
    assert "total 10 (K _T) is not the sum of its parts 9" in text or (
        "total 30 (R _T) is not the sum of its parts 31" in text
    )
    assert "не равен сумме" in caught.value.text("ru")


def test_withheld_values_that_no_table_can_hold_are_refused() -> None:
    """Row A says 5, but its published cell Y is 7: no withheld X >= 0 makes it add up."""
    table, registry = small_table(ROWS2, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    cells[("A", "_T")] = 5
    obs = [
        replace(o, value=None) if o.key in {("A", "X"), ("_T", "X"), ("_T", "_T")} else o
        for o in observations(cells, {("A", "X"), ("_T", "X"), ("_T", "_T")})
    ]
    with pytest.raises(InputError) as caught:
        protect(obs, table, registry=registry)
    assert "no non-negative values" in caught.value.text("en")
    assert "неотрицательные" in caught.value.text("ru")


def test_the_rule_is_plain_data_and_checked() -> None:
    rule = Rule(min_frequency=5, width_absolute=2, width_percent=15, secondary_status="S")
    assert Rule.from_dict(rule.to_dict()) == rule
    assert rule.width(100, primary=True) == 15
    assert rule.width(100, primary=False) == 2
    assert rule.width(4, primary=True) == 2
    with pytest.raises(InputError) as caught:
        Rule(width_absolute=0)
    assert "width_absolute" in caught.value.text("en")
    assert "положительным" in caught.value.text("ru")
    with pytest.raises(InputError) as caught:
        Rule.from_dict({"threshold": 3})
    assert "threshold" in caught.value.text("ru")


# -- a realistic table -----------------------------------------------------------------------
def test_a_synthetic_s01_with_one_percent_confidential_holds_against_the_attacker() -> None:
    """Kyrgyzstan's synthetic S01 (country of birth x sex x age, about 2,900 cells) with 1 %
    of its cells marked confidential at random and counts under 3 suppressed."""
    registry = default_registry()
    table = registry.tables["S01"]
    obs = [o for o in consistent_dataset("KGZ", 2024).observations if o.table == "S01"]
    rng = random.Random(11)
    chosen = set(rng.sample(range(len(obs)), len(obs) // 100))
    obs = [replace(o, conf_status="C") if n in chosen else o for n, o in enumerate(obs)]
    result = protect(obs, table, Rule(min_frequency=3, width_absolute=3, width_percent=10))
    reasons = {h.reason for h in result.hidden}
    assert reasons == {"confidential", "frequency", "complementary"}
    assert len([h for h in result.primary if h.reason == "confidential"]) == len(chosen)
    assert len(result.secondary) < len(obs) // 5
    assert_protected(result, table, registry)
    # Nothing hidden is published, everything else is, unchanged.
    hidden = {h.key for h in result.hidden}
    for before, after in zip(obs, result.published(), strict=True):
        assert (after.value is None) == (before.key in hidden)
        if before.key not in hidden:
            assert after == before


def test_every_area_and_period_is_protected_on_its_own() -> None:
    table, registry = small_table(ROWS2, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    obs = observations(cells) + [
        replace(o, ref_area="YYY", value=o.value * 10) for o in observations(cells)
    ]
    result = protect(obs, table, Rule(min_frequency=3), registry=registry)
    assert {(h.ref_area, h.key) for h in result.primary} == {("XXX", ("A", "X"))}
    assert all(h.ref_area == "XXX" for h in result.hidden)


def test_the_attacker_recovers_a_cell_hidden_without_complements() -> None:
    """Primary suppression alone gives the cell away: the attacker pins (A,X) to exactly 2
    from its row (9 - 7), and the check fails on it."""
    table, registry = small_table(ROWS2, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    naive = [
        replace(o, value=None) if o.conf_status == "C" else o
        for o in observations(cells, {("A", "X")})
    ]
    assert attack(naive, table, registry) == {("A", "X"): (pytest.approx(2), pytest.approx(2))}
    [interval] = audit(naive, table, registry=registry)
    assert (interval.lower, interval.upper) == (pytest.approx(2), pytest.approx(2))


def test_every_table_of_a_submission_is_protected() -> None:
    table, registry = small_table(ROWS2, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    other = replace(table, id="U")
    registry.tables["U"] = other
    obs = observations(cells) + [
        replace(o, table="U", value=o.value * 10) for o in observations(cells)
    ]
    obs[-1] = replace(obs[-1], conf_status="C")  # U's grand total
    result = protect_all(obs, Rule(min_frequency=3), registry=registry)
    assert list(result) == ["T", "U"]
    assert {h.key for h in result["T"].hidden} == {("A", "X"), ("A", "Y"), ("B", "X"), ("B", "Y")}
    assert [h.key for h in result["U"].primary] == [("_T", "_T")]
    assert_exact(result["U"], other, registry)


def test_a_partial_hierarchy_leaves_room_the_attacker_cannot_close() -> None:
    """Rows: ``_T >= A + B`` (a partial rule: other rows exist but are not given), columns
    ``_T = X + Y``. (A,X) = 2 is under 3. Its row pins it (AX + AY = 9), so AY is hidden too;
    nothing else is needed, since column X only says AX + BX <= 15: AX <= 6. The attacker gets
    AX in [0, 6] and AY in [3, 9]."""
    rows = CodeList(id="R", name={"en": "R"})
    for c in ("_T", "A", "B"):
        rows.add(Code(id=c, name={"en": c}))
    rule = HierarchyRule("_T", ("A", "B"), partial=True)
    rows.hierarchies["R"] = Hierarchy("R", "R", {"en": "R"}, (rule,))
    table, registry = small_table(rows, COLS2)
    cells = with_margins(["A", "B"], ["X", "Y"], INNER2)
    cells[("_T", "X")] += 4
    cells[("_T", "Y")] += 5
    cells[("_T", "_T")] += 9
    result = protect(observations(cells), table, Rule(min_frequency=3), registry=registry)
    assert hidden_keys(result) == ({("A", "X")}, {("A", "Y")})
    intervals = {
        i.key: (i.lower, i.upper) for i in audit(result.published(), table, registry=registry)
    }
    assert intervals == {("A", "X"): pytest.approx((0, 6)), ("A", "Y"): pytest.approx((3, 9))}
