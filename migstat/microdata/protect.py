"""Disclosure control of tabulated tables: the cell-key method (``--sdc cellkey``) applied to
the cells of every table, from the record keys the scan summed per reduced cell.

Each reduced cell of the scan (``raw_cells``) carries its number of records and the sum of
their record keys; a table's inner cells (its detailed breakdown, and the records a dimension
counts in its total only) are sums of reduced cells, so their cell keys follow without reading
the file again. :func:`migstat.disclosure.cellkey.perturb_table` perturbs the inner cells and
sums every total from them (docs/methods/disclosure.md). A weighted table (a weight without a
survey design) has its unweighted counts perturbed and each inner cell's weighted count scaled
by the same ratio.
"""

from __future__ import annotations

from typing import Any

from migstat.disclosure.cellkey import CellKeyRule, perturb_table
from migstat.microdata.codes import Resolved
from migstat.microdata.mapping import Mapping
from migstat.microdata.scan import TABLE
from migstat.microdata.tables import TableResult, axes_of
from migstat.model import InputError, MigstatError, Registry

SDC_METHODS = ("cellkey", "minfreq")


def cellkey_rule(mapping: Mapping) -> CellKeyRule:
    """The rule's parameters from the mapping's ``sdc`` section (the defaults otherwise)."""
    params = {k: v for k, v in mapping.sdc.items() if k != "record_key"}
    try:
        return CellKeyRule(**params)
    except MigstatError as problem:
        raise InputError(problem.message, where=mapping.where("sdc"), **problem.params) from None


def apply_cellkey(
    con,
    registry: Registry,
    results: list[TableResult],
    resolved: Resolved,
    mapping: Mapping,
    country: str,
    roles: list[str],
    rule: CellKeyRule,
) -> None:
    """Replace every table's cells by their perturbed values, totals summed from them."""
    names = ", ".join(f"r_{role}" for role in roles)
    weighted = bool(mapping.variable("weight"))
    rows = con.execute(f"SELECT {names}, n, rk, w FROM {TABLE}").fetchall()
    for result in results:
        axes = axes_of(registry, result.table, resolved, mapping, country)
        position = {role: i for i, role in enumerate(roles)}
        inner: dict[tuple[str | None, ...], tuple[int, int, float]] = {}
        for row in rows:
            values = {axis.role: row[position[axis.role]] for axis in axes}
            if any(a.keep is not None and not a.keep.get(values[a.role], False) for a in axes):
                continue
            key = tuple(a.code.get(values[a.role]) for a in axes if a.dimension is not None)
            count, keys, weight = inner.get(key, (0, 0, 0.0))
            inner[key] = (count + int(row[-3]), keys + int(row[-2]), weight + float(row[-1]))
        totals = tuple(d.total for d in result.table.dimensions)
        given = inner if weighted else {k: (n, rk) for k, (n, rk, _w) in inner.items()}
        result.cells = perturb_table(rule, given, totals, list(result.cells))


def sdc_metadata(method: str | None, rule: CellKeyRule | None, mapping: Mapping) -> dict[str, Any]:
    """The disclosure rule and its parameters as the metadata record them."""
    if method is None or rule is None:
        return {"rule": "none", "parameters": {}}
    record_key = mapping.sdc.get("record_key")
    return {
        "rule": "cell_key",
        "parameters": {
            **rule.parameters(weighted=bool(mapping.variable("weight"))),
            "record_key": record_key or "hash of the whole record (DuckDB hash)",
        },
    }
