"""The dimensions of an explorer view: their codes, labels and order, and a choice offered.

A view's dimensions are the reference area, the period and the data provider, then the
table's breakdowns; :class:`Dims` reads an observation's code on each and labels it in the
page's language, so the pivot, the charts and the filters agree on names and order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import TableDef
from migstat.store.records import StoredObservation
from migstat.web.views.data import REGION, PortalData

AREA = "REF_AREA"
TIME = "TIME_PERIOD"
PROVIDER = "DATA_PROVIDER"


@dataclass(slots=True)
class Option:
    code: str
    label: str
    selected: bool


class Dims:
    """Codes, labels and order of the view's dimensions (REF_AREA, TIME_PERIOD, provider,
    then the table's breakdowns)."""

    def __init__(self, data: PortalData, table: TableDef) -> None:
        self.data = data
        self.table = table
        self.ids = [AREA, TIME, PROVIDER, *table.dimension_ids]
        self._index = {d: i for i, d in enumerate(table.dimension_ids)}
        self._order: dict[str, dict[str, int]] = {}
        reg = data.registry
        for dim in table.dimensions:
            self._order[dim.id] = {c: i for i, c in enumerate(reg.codes(table, dim.id))}
            full = reg.codelist(dim.codelist)
            start = len(self._order[dim.id])
            for i, c in enumerate(full.codes):
                self._order[dim.id].setdefault(c, start + i)
        self._labels: dict[tuple[str, str], str] = {}

    def code(self, obs: StoredObservation, dim: str) -> str:
        if dim == AREA:
            return obs.ref_area
        if dim == TIME:
            return obs.time_period
        if dim == PROVIDER:
            return obs.provider
        return obs.key[self._index[dim]]

    def label(self, dim: str, code: str) -> str:
        hit = self._labels.get((dim, code))
        if hit is None:
            if dim in (AREA,):
                hit = self.data.area_label(code)
            elif dim == TIME:
                hit = code
            elif dim == PROVIDER:
                hit = self.data.provider_label(code)
            else:
                cl = self.data.registry.codelist(self.table.dimension(dim).codelist)
                hit = cl.label(code, self.data.lang)
            self._labels[(dim, code)] = hit
        return hit

    def dim_label(self, dim: str) -> str:
        lang = self.data.lang
        if dim == AREA:
            return gettext_(N_("Country"), lang)
        if dim == TIME:
            return gettext_(N_("Period"), lang)
        if dim == PROVIDER:
            return gettext_(N_("Source"), lang)
        return self.table.dimension(dim).label(lang)

    def sort_key(self, dim: str, code: str) -> tuple[Any, ...]:
        if dim == AREA:
            return (code not in REGION, self.label(dim, code))
        if dim == TIME:
            return (code,)
        if dim == PROVIDER:
            # Countries first, publishers next, the demo's constructed examples last.
            return (not self.data.is_national(code), self.data.is_example(code), code)
        return (self._order[dim].get(code, 10**6), code)

    def sorted(self, dim: str, found: set[str] | list[str]) -> list[str]:
        return sorted(found, key=lambda c: self.sort_key(dim, c))


__all__ = ["AREA", "PROVIDER", "TIME", "Dims", "Option"]
