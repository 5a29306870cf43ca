"""One standard table from the reduced microdata: ONE query with ``GROUP BY CUBE`` over the
table's dimensions, so that every total and subtotal comes from the same cells as the
breakdown it sums.

Each dimension of the table takes its codes from a small lookup (national value -> code of
this table) built from the resolved codes; a value whose code the table does not have (an
age group coarser than the table's five-year groups, an education group of a table that
asks for levels) gets no code there and is counted in the dimension's total only, which the
run reports. Weighted sums are rounded to whole persons once, in the reduced cells of the
scan (the finest cross-classification every table of the run is summed from), so the cells
and totals of one table add up exactly and the tables of one run agree with one another (S01
and S02 have the same total): a cell is within half a person per reduced cell summed of its
unrounded weighted sum.

Universes narrower than everyone (S03 the foreign-born aged 15 and over, S04 non-citizens
aged 15 and over) are declared in :data:`UNIVERSES`: a person of unknown country of birth,
unknown citizenship or unknown age is not counted there, as not known to belong.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from migstat.i18n import N_
from migstat.microdata.codes import AgeOf, Resolved
from migstat.microdata.mapping import Mapping
from migstat.microdata.scan import TABLE
from migstat.model import Dimension, InputError, Registry, TableDef

DIMENSION_ROLES: dict[str, str] = {
    "COUNTRY_BIRTH": "country_of_birth",
    "CITIZENSHIP": "citizenship",
    "SEX": "sex",
    "AGE": "age",
    "EDU": "education",
}
"""The mapping role that fills each dimension id."""


@dataclass(frozen=True, slots=True)
class Universe:
    """Who a table counts: not the reporting country's own (by ``foreign``), aged
    ``min_age`` or more."""

    foreign: str | None = None
    min_age: int | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(r for r in (self.foreign, "age" if self.min_age is not None else None) if r)


UNIVERSES: dict[str, Universe] = {
    "S03": Universe(foreign="country_of_birth", min_age=15),
    "S04": Universe(foreign="citizenship", min_age=15),
}


@dataclass(slots=True)
class Axis:
    """One variable as a table uses it: its code per national value (``None``: counted in
    the total only), whether a value is in the table's universe, the codes it can yield."""

    role: str
    dimension: Dimension | None
    code: dict[str, str | None]
    keep: dict[str, bool] | None = None
    extras: set[str] = field(default_factory=set)


@dataclass(slots=True)
class TableResult:
    """A table's cells (key in the table's dimension order -> whole number) and what was
    counted in totals only."""

    table: TableDef
    cells: dict[tuple[str, ...], int]
    records: int
    total_only: list[tuple[str, str, int]] = field(default_factory=list)
    """(dimension, national values, records) counted in the dimension's total only."""
    estimates: dict = field(default_factory=dict)
    """Survey estimates per cell key (:class:`migstat.microdata.tablesurvey.CellEstimate`);
    empty when the mapping asks for none."""


def needed_roles(table: TableDef) -> list[str]:
    roles = [DIMENSION_ROLES.get(d.id, d.id.lower()) for d in table.dimensions]
    universe = UNIVERSES.get(table.id)
    for role in universe.roles if universe else ():
        if role not in roles:
            roles.append(role)
    return roles


def check_supported(table: TableDef, mapping: Mapping) -> None:
    """A table the mapping cannot fill is an error naming the missing role."""
    for dim in table.dimensions:
        if dim.id not in DIMENSION_ROLES:
            raise InputError(
                N_("Table {table} has the dimension {dimension}, which microdata cannot fill yet."),
                where=mapping.where("variables"),
                table=table.id,
                dimension=dim.id,
            )
    for role in needed_roles(table):
        have = mapping.variable(role) or (role == "age" and mapping.variable("date_of_birth"))
        if not have:
            raise InputError(
                N_(
                    "Table {table} needs the variable of role {role}: name it under "
                    "variables in {mapping}."
                ),
                where=mapping.where(f"variables.{role}"),
                table=table.id,
                role=role,
                mapping=mapping.file,
            )


def leaf_bands(
    registry: Registry, table: TableDef, dim: Dimension
) -> list[tuple[str, int, int | None]]:
    """The table's age groups that are no total of another: ``(code, lower, upper)``."""
    codelist = registry.codelists[dim.codelist]
    totals = {
        rule.total
        for name in dim.hierarchies
        if name in codelist.hierarchies
        for rule in codelist.hierarchies[name].rules
    }
    bands = []
    for code_id in registry.codes(table, dim.id):
        code = codelist.get(code_id)
        if code is not None and code.lower is not None and code_id not in totals:
            bands.append((code_id, code.lower, code.upper))
    return bands


def band_of(bounds: tuple[int, int | None], bands: list[tuple[str, int, int | None]]) -> str | None:
    """The table's age group holding every age of ``bounds``, if one does."""
    low, high = bounds
    for code, lower, upper in bands:
        if lower <= low and (upper is None or (high is not None and high <= upper)):
            return code
    return None


def age_axis(
    registry: Registry, table: TableDef, dim: Dimension | None, ages: AgeOf, exact: bool
) -> Axis:
    universe = UNIVERSES.get(table.id)
    keep = None
    if universe and universe.min_age is not None:
        keep = {v: b is not None and b[0] >= universe.min_age for v, b in ages.items()}
    if dim is None:
        return Axis("age", None, {v: "" for v in ages}, keep)
    allowed = set(registry.codes(table, dim.id))
    bands = leaf_bands(registry, table, dim)
    unknown = "_U" if "_U" in allowed else None
    code = {v: unknown if b is None else band_of(b, bands) for v, b in ages.items()}
    extras = {c for c in code.values() if c}
    if exact:
        extras.update(band for band, _low, _high in bands)
    return Axis("age", dim, code, keep, extras)


def coded_axis(
    registry: Registry,
    table: TableDef,
    dim: Dimension | None,
    role: str,
    codes: dict[str, str],
    targets: set[str],
    country: str,
) -> Axis:
    universe = UNIVERSES.get(table.id)
    keep = None
    if universe and universe.foreign == role:
        keep = {v: c not in (country, "_U") for v, c in codes.items()}
    if dim is None:
        return Axis(role, None, {v: "" for v in codes}, keep)
    if dim.role == "partner":
        return Axis(role, dim, dict(codes), keep)
    allowed = set(registry.codes(table, dim.id))
    code = {v: (c if c in allowed else None) for v, c in codes.items()}
    extras = {c for c in (*code.values(), *targets) if c and c in allowed}
    return Axis(role, dim, code, keep, extras)


def axes_of(
    registry: Registry,
    table: TableDef,
    resolved: Resolved,
    mapping: Mapping,
    country: str,
) -> list[Axis]:
    """The table's dimensions in order, then any variable only its universe needs."""
    axes = []
    for role in needed_roles(table):
        dim = next((d for d in table.dimensions if DIMENSION_ROLES.get(d.id) == role), None)
        if role == "age":
            axes.append(age_axis(registry, table, dim, resolved.ages, resolved.exact_ages))
        else:
            targets = {
                country if t == "NAT" else t
                for t in mapping.recode_of(role).values()
                if isinstance(t, str)
            }
            axes.append(
                coded_axis(registry, table, dim, role, resolved.codes[role], targets, country)
            )
    return axes


def table_sql(axes: list[Axis], names: list[str]) -> str:
    """The one query of a table: lookups joined to the reduced microdata, inner cells
    as whole numbers, then every total by CUBE."""
    dims = [i for i, axis in enumerate(axes) if axis.dimension is not None]
    select = ", ".join(f"m{i}.code AS d{i}" for i in dims)
    joins = " ".join(
        f"JOIN {names[i]} m{i} ON r.r_{axes[i].role} = m{i}.raw" for i in range(len(axes))
    )
    keeps = " AND ".join(f"m{i}.keep" for i, axis in enumerate(axes) if axis.keep is not None)
    keys = ", ".join(f"d{i}" for i in dims)
    grouping = ", ".join(f"GROUPING(d{i})" for i in dims)
    return (
        f"WITH coded AS (SELECT {select}, r.v, r.n FROM {TABLE} r {joins} "
        f"WHERE {keeps or 'true'}), "
        f"cells AS (SELECT {keys}, sum(v) AS v, sum(n) AS n FROM coded "
        f"GROUP BY {keys}) "
        f"SELECT {keys}, {grouping}, sum(v), sum(n) FROM cells GROUP BY CUBE ({keys})"
    )


def tabulate_table(
    con, registry: Registry, table: TableDef, resolved: Resolved, mapping: Mapping, country: str
) -> TableResult:
    axes = axes_of(registry, table, resolved, mapping, country)
    names = []
    for i, axis in enumerate(axes):
        name = f"lookup_{table.id}_{i}".lower()
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} (raw VARCHAR, code VARCHAR, keep BOOLEAN)"
        )
        rows = [
            (value, code, axis.keep.get(value, False) if axis.keep is not None else True)
            for value, code in axis.code.items()
        ]
        if rows:
            con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?)", rows)
        names.append(name)
    result = con.execute(table_sql(axes, names)).fetchall()
    for name in names:
        con.execute(f"DROP TABLE {name}")
    dim_axes = [axis for axis in axes if axis.dimension is not None]
    return _collect(registry, table, dim_axes, result)


def _collect(
    registry: Registry, table: TableDef, axes: list[Axis], result: list[tuple]
) -> TableResult:
    width = len(axes)
    cells: dict[tuple[str, ...], int] = {}
    single: dict[int, dict[str | None, int]] = {i: {} for i in range(width)}
    records = 0
    for row in result:
        codes, flags, value, n = row[:width], row[width : 2 * width], row[-2], row[-1]
        broken = [i for i, flag in enumerate(flags) if not flag]
        value, n = int(value or 0), int(n or 0)  # no one in the universe: the total is 0
        if len(broken) == 1:
            single[broken[0]][codes[broken[0]]] = n
        if not broken:
            records = n
        if any(codes[i] is None for i in broken):
            continue  # counted in the totals only
        key = tuple(
            axes[i].dimension.total if flags[i] else codes[i]  # type: ignore[union-attr]
            for i in range(width)
        )
        cells[key] = value
    out = TableResult(table, cells, records)
    for i, axis in enumerate(axes):
        _total_only(out, axis, single[i])
    _fill_zeros(registry, out, axes)
    return out


def _total_only(out: TableResult, axis: Axis, counts: dict[str | None, int]) -> None:
    dim = axis.dimension
    assert dim is not None
    lost = counts.get(None, 0)
    if not lost:
        return
    placed = sum(n for code, n in counts.items() if code not in (None, "_U"))
    values = sorted(v for v, c in axis.code.items() if c is None)
    if placed:
        raise InputError(
            N_(
                "Table {table}: {lost} records have a {dimension} the table's groups cannot "
                "hold (values {values}) while {placed} records are in its groups, so its "
                "totals would not add up. Recode these values to groups of the table or to _U."
            ),
            table=out.table.id,
            lost=lost,
            dimension=dim.id,
            values=", ".join(repr(v) for v in values[:20]),
            placed=placed,
        )
    out.total_only.append((dim.id, ", ".join(values), lost))


def _fill_zeros(registry: Registry, out: TableResult, axes: list[Axis]) -> None:
    """Every combination of the codes the table can hold is a cell: absent ones are zero."""
    per_dim: list[list[str]] = []
    for i, axis in enumerate(axes):
        dim = axis.dimension
        assert dim is not None
        seen = {key[i] for key in out.cells} | axis.extras | {dim.total}
        order = {code: n for n, code in enumerate(registry.codelists[dim.codelist].codes)}
        per_dim.append(
            sorted((c for c in seen if c), key=lambda c: (c != dim.total, order.get(c, 0), c))
        )
    if not out.cells:
        return
    filled = {key: out.cells.get(key, 0) for key in itertools.product(*per_dim)}
    out.cells = filled
