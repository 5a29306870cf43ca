"""Which codes of a table add up to which: the additive relations of a table on a date.

One place says, for a breakdown dimension of a table, which hierarchy rules hold on a period's
date: the hierarchies the table declares for the dimension and, for a partner dimension, the
regional groups (``REGIONS``) whose totals occur in the data. Validation checks these
relations (``migstat.validation.arithmetic``) and disclosure control protects along them
(``migstat.disclosure``), so both read the same relations from here.

The partner dimension's ``WORLD`` rule is *sparse*: a country fills only the partner rows with
movers, so an absent partner row counts as zero. When the provider grouped partners (a code of
kind ``aggregate`` such as CIS or FOR occurs in the group) the WORLD rule does not hold over the
rows given and is not applied.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from migstat.model.codelists import HierarchyRule
from migstat.model.registry import Registry
from migstat.model.tables import PeriodType, TableDef

SPARSE_HIERARCHY = "WORLD"
REGIONS_HIERARCHY = "REGIONS"

_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def period_date(period: str, period_type: PeriodType) -> date | None:
    """The date a period stands for (31 December for a year), or ``None`` if malformed."""
    if period_type is PeriodType.YEAR:
        return date(int(period), 12, 31) if _YEAR.match(period) else None
    if not _DATE.match(period):
        return None
    try:
        return date.fromisoformat(period)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class AdditiveRule:
    """``rule.total`` is the sum of ``rule.parts`` along one dimension, from ``hierarchy``."""

    hierarchy: str
    rule: HierarchyRule
    sparse: bool
    """Absent parts are zeros (the partner dimension's WORLD total)."""


def additive_rules(
    registry: Registry,
    table: TableDef,
    i: int,
    when: date | None,
    present: Collection[str] | None = None,
) -> list[AdditiveRule]:
    """The rules along dimension ``i`` of ``table`` valid on ``when``.

    ``present``: the codes of the dimension that occur in the data; a regional total of a
    partner dimension is only taken when it occurs (``None``: every regional rule).
    """
    dim = table.dimensions[i]
    codelist = registry.codelists[dim.codelist]
    names = list(dim.hierarchies)
    partner = dim.role == "partner"
    if partner and REGIONS_HIERARCHY in codelist.hierarchies and REGIONS_HIERARCHY not in names:
        names.append(REGIONS_HIERARCHY)
    rules: list[AdditiveRule] = []
    for name in names:
        hierarchy = codelist.hierarchies.get(name)
        if hierarchy is None:
            continue
        for rule in hierarchy.rules_on(when):
            if name == REGIONS_HIERARCHY and present is not None and rule.total not in present:
                continue
            rules.append(AdditiveRule(name, rule, sparse=partner and name == SPARSE_HIERARCHY))
    return rules


def aggregate_codes(registry: Registry, codes: Collection[str]) -> set[str]:
    """The codes among ``codes`` that are aggregate partners (CIS, NON_CIS, FOR ...): where one
    occurs, the sparse WORLD rule does not hold over the partner rows given."""
    areas = registry.areas
    return {
        c
        for c in codes
        if (code := areas.get(c)) is not None and code.attributes.get("kind") == "aggregate"
    }
