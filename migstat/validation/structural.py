"""Structural rules: tables, codes, periods, duplicates, signs and integers, metadata.

Rule ids (all errors):

- ``STRUCT_UNKNOWN_TABLE`` — observations for a table the registry does not know; one finding
  per table, at its first observation, with the number of observations.
- ``STRUCT_BAD_KEY`` — an observation whose key has not one code per breakdown dimension.
- ``STRUCT_UNKNOWN_CODE`` — a code not allowed in its dimension, one finding per cell.
  Partner dimensions (``role: partner``) accept every code of the AREA code list valid on the
  period: countries, historical states until their withdrawal (``SUN`` until 1992-08-30),
  stateless, unknown and regional aggregates; a withdrawn code used after its withdrawal is
  named as such. Other dimensions accept the table's allowed codes. ``REF_AREA`` must be a
  country (or a historical state on a date it existed) and ``TIME_PERIOD`` must have the table's
  shape (``YYYY`` or ``YYYY-MM-DD``); these two are reported once per table and period, at the
  first cell.
- ``STRUCT_DUPLICATE`` — the same table, area, period and key twice: on the second
  occurrence, naming the first in ``related`` and in the message.
- ``STRUCT_NEGATIVE`` / ``STRUCT_NOT_INTEGER`` — tables count persons, permits or events,
  so values must be whole non-negative numbers; a table of published indicators
  (``TableDef.counts`` false: rates, life expectancy) takes any finite number.
  ``STRUCT_NOT_NUMBER`` for NaN or infinity (the readers report text in numeric cells under
  the same id).
- ``STRUCT_MISSING_METADATA`` — a table with data lacks a field of its
  ``required_metadata`` (the residence rule of flow tables is reported as
  ``META_RESIDENCE_RULE`` instead); a questionnaire without agency or contact.
"""

from __future__ import annotations

import math
from datetime import date

from migstat.i18n import N_
from migstat.model import Dataset, Location, Observation, Registry, Severity, TableDef
from migstat.validation.core import Context, cell_name, key_dict, period_date

MSG_UNKNOWN_TABLE = N_("{cell}: table {table} is not in the registry ({count} values ignored).")
MSG_BAD_KEY = N_("{cell}: table {table} needs {expected} codes ({dimensions}), got {got}.")
MSG_UNKNOWN_CODE = N_("{cell}: code {code} is not allowed in {dimension} of table {table}.")
MSG_WITHDRAWN = N_(
    "{cell}: code {code} in {dimension} was withdrawn on {withdrawn}; "
    "it cannot be used for {period}."
)
MSG_NOT_YET = N_(
    "{cell}: code {code} in {dimension} is valid only from {valid_from}; "
    "it cannot be used for {period}."
)
MSG_REF_AREA = N_("{cell}: reporting area {code} is not a country ({count} values).")
MSG_PERIOD = N_(
    "{cell}: period {period} does not have the form {shape} required by table "
    "{table} ({count} values)."
)
MSG_DUPLICATE = N_("{cell}: the same codes of table {table} were already given in {first}.")
MSG_NEGATIVE = N_("{cell}: negative count {value}.")
MSG_NOT_INTEGER = N_("{cell}: {value} is not a whole number of persons.")
MSG_NOT_NUMBER = N_("{cell}: {value} is not a number.")
MSG_MISSING_METADATA = N_("{cell}: metadata field {field} of table {table} is missing.")
MSG_MISSING_SENDER = N_("{cell}: the submission does not name the {field}.")

_KINDS_AS_REF_AREA = frozenset({"country", "historical"})


def _shape(table: TableDef) -> str:
    return "YYYY" if table.period_type.value == "year" else "YYYY-MM-DD"


class _Allowed:
    """Allowed codes per dimension of one table, with partner sets cached per date."""

    def __init__(self, registry: Registry, table: TableDef) -> None:
        self.registry = registry
        self.table = table
        self.fixed: list[frozenset[str] | None] = []
        for dim in table.dimensions:
            if dim.role == "partner":
                self.fixed.append(None)
            else:
                self.fixed.append(frozenset(registry.codes(table, dim.id)))
        self._partner: dict[date | None, frozenset[str]] = {}

    def partner(self, when: date | None) -> frozenset[str]:
        found = self._partner.get(when)
        if found is None:
            found = frozenset(self.registry.areas.ids(when))
            self._partner[when] = found
        return found


def check_structure(ctx: Context) -> None:
    """Index the observations and apply the structural rules (one pass, then per group)."""
    registry = ctx.registry
    groups = ctx.groups
    unknown_tables: dict[str, list[Observation]] = {}
    allowed: dict[str, _Allowed] = ctx.kept.setdefault("structure.allowed", {})
    widths: dict[str, int] = {}
    counts: dict[str, bool] = {}
    for obs in ctx.dataset.observations:
        table_id = obs.table
        width = widths.get(table_id)
        if width is None:
            table = registry.tables.get(table_id)
            if table is None:
                unknown_tables.setdefault(table_id, []).append(obs)
                continue
            width = widths[table_id] = len(table.dimensions)
            if table_id not in allowed:
                allowed[table_id] = _Allowed(registry, table)
            counts[table_id] = table.counts
        gk = (table_id, obs.ref_area, obs.time_period)
        cells = groups.get(gk)
        if cells is None:
            cells = groups[gk] = {}
        key = obs.key
        if len(key) != width:
            _bad_key(ctx, obs)
            continue
        first = cells.get(key)
        if first is None:
            cells[key] = obs
        else:
            ctx.add(
                "STRUCT_DUPLICATE",
                Severity.ERROR,
                MSG_DUPLICATE,
                obs=obs,
                related=[first.where],
                table=table_id,
                first=cell_name(first.where),
                values={"observed": obs.value, "first": first.value},
            )
        value = obs.value
        if (
            value is not None
            and (value < 0 or value % 1 or value != value)
            and (counts[table_id] or not math.isfinite(value))
        ):
            _bad_value(ctx, obs)

    for seen in unknown_tables.values():
        obs = seen[0]
        ctx.add(
            "STRUCT_UNKNOWN_TABLE",
            Severity.ERROR,
            MSG_UNKNOWN_TABLE,
            obs=obs,
            key={"REF_AREA": obs.ref_area, "TIME_PERIOD": obs.time_period},
            values={"count": len(seen)},
            count=len(seen),
        )

    for (table_id, ref_area, period), cells in groups.items():
        table = registry.tables[table_id]
        when = period_date(period, table.period_type)
        _check_group_header(ctx, table, ref_area, period, when, cells)
        _check_codes(ctx, table, allowed[table_id], period, when, cells)


def _bad_key(ctx: Context, obs: Observation) -> None:
    table = ctx.registry.tables[obs.table]
    ctx.add(
        "STRUCT_BAD_KEY",
        Severity.ERROR,
        MSG_BAD_KEY,
        obs=obs,
        expected=len(table.dimensions),
        got=len(obs.key),
        dimensions=", ".join(table.dimension_ids),
    )


def _bad_value(ctx: Context, obs: Observation) -> None:
    value = obs.value
    assert value is not None
    if isinstance(value, float) and not math.isfinite(value):
        ctx.add(
            "STRUCT_NOT_NUMBER",
            Severity.ERROR,
            MSG_NOT_NUMBER,
            obs=obs,
            value=str(value),
            values={"observed": None},
        )
    elif value < 0:
        ctx.add(
            "STRUCT_NEGATIVE",
            Severity.ERROR,
            MSG_NEGATIVE,
            obs=obs,
            value=value,
            values={"observed": value},
        )
    else:
        ctx.add(
            "STRUCT_NOT_INTEGER",
            Severity.ERROR,
            MSG_NOT_INTEGER,
            obs=obs,
            value=value,
            values={"observed": value},
        )


def _first(cells: dict[tuple[str, ...], Observation]) -> Observation:
    return next(iter(cells.values()))


def _check_group_header(
    ctx: Context,
    table: TableDef,
    ref_area: str,
    period: str,
    when: date | None,
    cells: dict[tuple[str, ...], Observation],
) -> None:
    if not cells:
        return
    areas = ctx.registry.areas
    code = areas.get(ref_area)
    valid = (
        code is not None
        and code.attributes.get("kind") in _KINDS_AS_REF_AREA
        and code.valid_on(when)
    )
    if not valid:
        obs = _first(cells)
        ctx.add(
            "STRUCT_UNKNOWN_CODE",
            Severity.ERROR,
            MSG_REF_AREA,
            obs=obs,
            code=ref_area,
            count=len(cells),
            values={"count": len(cells)},
        )
    if when is None:
        obs = _first(cells)
        ctx.add(
            "STRUCT_UNKNOWN_CODE",
            Severity.ERROR,
            MSG_PERIOD,
            obs=obs,
            period=period,
            shape=_shape(table),
            table=table.id,
            count=len(cells),
            values={"count": len(cells)},
        )


def _check_codes(
    ctx: Context,
    table: TableDef,
    allowed: _Allowed,
    period: str,
    when: date | None,
    cells: dict[tuple[str, ...], Observation],
) -> None:
    areas = ctx.registry.areas
    for i, dim in enumerate(table.dimensions):
        ok = allowed.fixed[i]
        if ok is None:
            ok = allowed.partner(when)
        present = {key[i] for key in cells}
        bad = present - ok
        if not bad:
            continue
        for key, obs in cells.items():
            code = key[i]
            if code not in bad:
                continue
            known = areas.get(code) if dim.role == "partner" else None
            kd = key_dict(table, obs)
            if known is not None and known.valid_to and when and when > known.valid_to:
                ctx.add(
                    "STRUCT_UNKNOWN_CODE",
                    Severity.ERROR,
                    MSG_WITHDRAWN,
                    obs=obs,
                    key=kd,
                    code=code,
                    dimension=dim.id,
                    withdrawn=known.valid_to.isoformat(),
                    period=period,
                )
            elif known is not None and known.valid_from and when and when < known.valid_from:
                ctx.add(
                    "STRUCT_UNKNOWN_CODE",
                    Severity.ERROR,
                    MSG_NOT_YET,
                    obs=obs,
                    key=kd,
                    code=code,
                    dimension=dim.id,
                    valid_from=known.valid_from.isoformat(),
                    period=period,
                )
            else:
                ctx.add(
                    "STRUCT_UNKNOWN_CODE",
                    Severity.ERROR,
                    MSG_UNKNOWN_CODE,
                    obs=obs,
                    key=kd,
                    code=code,
                    dimension=dim.id,
                    table=table.id,
                )


def check_submission_metadata(ctx: Context) -> None:
    """Required table metadata for every table with data; sender of a questionnaire."""
    dataset: Dataset = ctx.dataset
    meta = dataset.metadata
    file_loc = Location(file=dataset.file_name)
    tables_with_data = ctx.tables_with_data()
    for table_id in tables_with_data:
        table = ctx.registry.tables[table_id]
        tmeta = meta.tables.get(table_id)
        for name in table.required_metadata:
            if name == "residence_rule" and table.kind.value == "flow":
                continue  # META_RESIDENCE_RULE
            value = getattr(tmeta, name, None) if tmeta is not None else None
            if value not in (None, ""):
                continue
            where = _meta_where(tmeta.where if tmeta else {}, name) or file_loc
            ctx.add(
                "STRUCT_MISSING_METADATA",
                Severity.ERROR,
                MSG_MISSING_METADATA,
                table=table_id,
                where=where,
                field=name,
            )
    if dataset.format == "questionnaire":
        sender = (("agency", meta.agency), ("contact", meta.contact_name or meta.contact_email))
        for name, value in sender:
            if value:
                continue
            where = _meta_where(meta.where, name) or file_loc
            ctx.add(
                "STRUCT_MISSING_METADATA",
                Severity.ERROR,
                MSG_MISSING_SENDER,
                where=where,
                field=name,
            )


def _meta_where(where: dict[str, Location], name: str) -> Location | None:
    """The metadata cell of a field; for the contact, the name or e-mail cell."""
    if name in where:
        return where[name]
    if name == "contact":
        return where.get("contact_name") or where.get("contact_email")
    return None
