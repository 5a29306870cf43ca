"""What the explorer's query string asks for, checked: every code exists, in any case.

A code that does not exist (``REF_AREA=XXX``, ``SEX=Q``, ``rows=FOO``, ``table=ZZZ``) is an
:class:`~migstat.web.views.params.UnknownValue` naming the parameter and the value, never a
silent fallback to the default view; a code that exists but has no data in the chosen view is
kept out and said in a notice on the page (:func:`missing_notice`). Codes are matched without
regard to case (``kgz``, ``s01``, ``f``) and through the code lists' aliases.
"""

from __future__ import annotations

from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import NotFoundError, TableDef
from migstat.web.views.data import PortalData
from migstat.web.views.dims import AREA, PROVIDER
from migstat.web.views.params import (
    UnknownValue,
    area_code,
    codes,
    invalid,
    resolve_code,
    unknown,
)
from migstat.web.views.providers import PUBLISHERS


def table(data: PortalData, value: str) -> TableDef:
    """The table asked for by ``table=`` (id or alias, any case)."""
    try:
        return data.table(value)
    except NotFoundError:
        raise unknown("table", value, [t.id for t in data.tables()]) from None


def check_names(table_def: TableDef, params: Any) -> None:
    """Every upper-case parameter is a dimension of the table (or ``DATA_PROVIDER``)."""
    allowed = (AREA, PROVIDER, *table_def.dimension_ids)
    for name in params:
        if name != name.lower() and name not in allowed:
            raise UnknownValue(
                name,
                params.get(name) or "",
                N_(
                    "Table {table} has no dimension {parameter} (given {value}); "
                    "its dimensions are {known}."
                ),
                table=table_def.id,
                known=", ".join(allowed),
            )


def areas(data: PortalData, params: Any, name: str = AREA) -> list[str]:
    """The countries or areas asked for in ``name``, as their codes."""
    found = [area_code(data.registry.areas, name, text) for text in codes(params, name)]
    return list(dict.fromkeys(found))


def providers(data: PortalData, params: Any) -> list[str]:
    """The sources asked for in ``DATA_PROVIDER``: publishers or reporting countries."""
    known = {s.provider for s in data.coverage()} | set(PUBLISHERS)
    found = []
    for text in codes(params, PROVIDER):
        code = text.strip().upper()
        if code not in known and code not in data.registry.areas:
            raise unknown(PROVIDER, text, sorted(known))
        found.append(code)
    return list(dict.fromkeys(found))


def dimension(data: PortalData, table_def: TableDef, dim: str, params: Any) -> list[str]:
    """The codes asked for on one of the table's breakdowns."""
    codelist = data.registry.codelist(table_def.dimension(dim).codelist)
    found = []
    for text in codes(params, dim):
        code = resolve_code(codelist, text)
        if code is None:
            raise unknown(dim, text, data.registry.codes(table_def, dim))
        found.append(code)
    return list(dict.fromkeys(found))


def layout(params: Any, name: str, ids: list[str]) -> list[str]:
    """The dimensions asked for on the rows or the columns (any case)."""
    by_upper = {d.upper(): d for d in ids}
    found = []
    for text in codes(params, name):
        dim = by_upper.get(text.upper())
        if dim is None:
            raise invalid(name, text, ids)
        found.append(dim)
    return list(dict.fromkeys(found))


def chart(params: Any, charts: tuple[str, ...]) -> str | None:
    """The chart asked for, if any (one of ``charts``, any case)."""
    text = (params.get("chart") or "").strip()
    if not text:
        return None
    if text.lower() not in charts:
        raise invalid("chart", text, charts)
    return text.lower()


def missing_notice(dimension_label: str, labels: list[str], lang: str) -> str:
    """The page's note that some of the codes asked for have no data in this view."""
    return gettext_(
        N_("No data in this view for {codes} ({dimension}): left out."),
        lang,
        codes=", ".join(labels),
        dimension=dimension_label,
    )


__all__ = [
    "areas",
    "chart",
    "check_names",
    "dimension",
    "layout",
    "missing_notice",
    "providers",
    "table",
]
