"""Mirror statistics: every flow between two countries counted twice, once by each side,
read from the store.

:func:`mirror_matrix` reads the emigration and immigration tables of a basis
(:data:`~migstat.analysis.mirror_model.BASES`) with :meth:`~migstat.store.Store.read_columns`
(the access gate) for one principal and holds the result as a
:class:`~migstat.analysis.mirror_model.MirrorMatrix`, whose indicators, coverage, totals and
comparability flags are computed on demand. Nothing is written to the store: mirror statistics
are a view over reported data. The matrix's names are importable from here too, as callers
have always imported them.

Which publisher a side is read from: one reporting country may be published by several
providers (its own questionnaire, CIS-Stat, its statistical office's portal). For each
reporting country and year one provider is used for all its partners, never a mix: the first
of ``providers`` when given, else real data before synthetic data, the country's own
submission before a publisher's, then publishers in alphabetical order. The provider of each
side is part of every output row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, groupby, repeat
from typing import Any

import numpy as np

from migstat.analysis.mirror_model import (
    BASES,
    REPORT_SERIES_COLUMNS,
    TOTAL,
    UNKNOWN,
    Basis,
    CountryTotals,
    Coverage,
    Flag,
    MirrorMatrix,
    Side,
    corridor_flags,
    flag_text,
    mirror_columns,
    plain_number,
)
from migstat.i18n import N_
from migstat.model import InputError, Registry
from migstat.store import ObservationQuery, Principal, Store


def cell_codes(
    registry: Registry,
    basis: Basis,
    *,
    sex: str = TOTAL,
    age: str | None = None,
    duration: str = "LT",
) -> dict[str, str]:
    """The codes of the non-partner dimensions both tables of ``basis`` are read at."""
    emi, imm = registry.table(basis.emigration), registry.table(basis.immigration)
    wanted = {"DURATION": duration, "SEX": sex, "AGE": age}
    out: dict[str, str] = {}
    for dim in emi.dimensions:
        if dim.role == "partner":
            continue
        code = wanted.get(dim.id)
        if code is None:
            code = dim.total or TOTAL
        if dim.id not in imm.dimension_ids:
            continue
        allowed = registry.codes(emi, dim.id)
        if allowed and code not in allowed:
            raise InputError(
                N_("{code} is not a code of {dimension} in table {table}: use one of {codes}."),
                code=code,
                dimension=dim.id,
                table=emi.id,
                codes=", ".join(allowed[:12]),
            )
        out[dim.id] = code
    if age not in (None, TOTAL) and "AGE" not in out:
        raise InputError(
            N_("Tables {emigration} and {immigration} have no age breakdown: leave the age out."),
            emigration=emi.id,
            immigration=imm.id,
        )
    return out


def _is_country(registry: Registry, code: str) -> bool:
    found = registry.areas.get(code)
    return found is not None and found.attributes.get("kind") in ("country", "historical")


def _choose(
    candidates: Iterable[tuple[str, bool]], ref_area: str, providers: Sequence[str] | None
) -> str | None:
    """The provider used for one reporter and year (see the module docstring)."""
    pool = list(candidates)
    if providers:
        ranked = [p for p in providers if any(p == c for c, _ in pool)]
        return ranked[0] if ranked else None
    pool.sort(key=lambda c: (c[1], c[0] != ref_area, c[0]))
    return pool[0][0] if pool else None


@dataclass(slots=True)
class _Values:
    """The numbers of one table kept for the matrix: per slice ``(year, reporter, count)``,
    then the partners and values of all slices in one flat run, and the few values whose
    OBS_STATUS is not ``A``."""

    slices: list[tuple[int, str, int]] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    flagged: list[tuple[int, str, str, str]] = field(default_factory=list)
    """``(year, reporter, partner, status)``."""


def _read_side(
    store: Store,
    table: str,
    years: Sequence[int],
    cell: dict[str, str],
    countries: Sequence[str] | None,
    providers: Sequence[str] | None,
    principal: Principal | None,
) -> tuple[dict[tuple[int, str], Side], _Values]:
    """The sides and the numbers of one table, read through the access gate."""
    tdef = store.registry.table(table)
    cell_filters = {
        d.id: [cell.get(d.id, d.total or TOTAL)] for d in tdef.dimensions if d.role != "partner"
    }
    query = ObservationQuery(
        table=tdef.id,
        ref_areas=list(countries) if countries else None,
        time_from=min(years),
        time_to=max(years),
        providers=list(providers) if providers else None,
        filters=cell_filters,
    )
    wanted_years = {str(y) for y in years}
    # One bulk read, column by column; the rows of a slice are one run of equal slice fields.
    found = store.read_columns(
        query,
        principal=principal,
        columns=(
            "provider",
            "ref_area",
            "time_period",
            "submission_id",
            "synthetic",
            "partner",
            "value",
            "obs_status",
        ),
    )
    # (year, reporter) -> provider -> (submission, synthetic, [(start, end) of its rows])
    grouped: dict[tuple[int, str], dict[str, tuple[int, bool, list[tuple[int, int]]]]] = {}
    start = 0
    runs = zip(
        found["provider"],
        found["ref_area"],
        found["time_period"],
        found["submission_id"],
        found["synthetic"],
        strict=True,
    )
    for (provider, area, period, sid, synthetic), run in groupby(runs):
        end = start + len(list(run))
        if period[:4] in wanted_years:
            by_provider = grouped.setdefault((int(period[:4]), area), {})
            entry = by_provider.get(provider)
            if entry is None:
                entry = by_provider[provider] = (sid, synthetic, [])
            entry[2].append((start, end))
        start = end
    all_partners, all_values, all_statuses = (found["partner"], found["value"], found["obs_status"])

    def rows_of(spans: list[tuple[int, int]]) -> tuple[list[Any], list[Any], list[Any]]:
        if len(spans) == 1:
            ((a, b),) = spans
            return all_partners[a:b], all_values[a:b], all_statuses[a:b]
        return (
            [x for a, b in spans for x in all_partners[a:b]],
            [x for a, b in spans for x in all_values[a:b]],
            [x for a, b in spans for x in all_statuses[a:b]],
        )

    out = _Values()
    kinds: dict[str, bool] = {}

    def is_country(code: str | None) -> bool:
        if code is None:
            return False
        hit = kinds.get(code)
        if hit is None:
            hit = kinds[code] = _is_country(store.registry, code)
        return hit

    chosen_sides: list[tuple[int, str, str, int, bool, float | None]] = []
    for (year, area), by_provider in grouped.items():
        chosen = _choose(((p, e[1]) for p, e in by_provider.items()), area, providers)
        if chosen is None:
            continue
        sid, synthetic, spans = by_provider[chosen]
        partners, values, statuses = rows_of(spans)
        if not any(is_country(p) for p in partners):
            continue  # totals only (no partner breakdown): no corridor to compare
        if None in values:  # not available: kept as the side's, never as a number
            mask = [v is not None for v in values]
            partners, values, statuses = (
                tuple(compress(c, mask)) for c in (partners, values, statuses)
            )
        total = values[partners.index(TOTAL)] if TOTAL in partners else None
        unknown = values[partners.index(UNKNOWN)] if UNKNOWN in partners else None
        out.slices.append((year, area, len(values)))
        out.partners.extend(partners)
        out.values.extend(values)
        if statuses.count("A") != len(statuses):
            out.flagged.extend(
                (year, area, p, st) for p, st in zip(partners, statuses, strict=True) if st != "A"
            )
        share = unknown / total if total and unknown is not None else None
        chosen_sides.append((year, area, chosen, sid, synthetic, share))
    # the metadata of every submission used, in one read
    meta = store.tables_metadata([c[3] for c in chosen_sides], principal=principal)
    sides = {
        (year, area): Side(chosen, sid, synthetic, dict(meta[sid].get(tdef.id, {})), share)
        for year, area, chosen, sid, synthetic, share in chosen_sides
    }
    return sides, out


def mirror_matrix(
    store: Store,
    *,
    years: Sequence[int] | None = None,
    basis: str = "residence",
    sex: str = TOTAL,
    age: str | None = None,
    duration: str = "LT",
    countries: Sequence[str] | None = None,
    providers: Sequence[str] | None = None,
    principal: Principal | None = None,
) -> MirrorMatrix:
    """The double-entry matrix of ``years`` (default: every year with data) from the store.

    ``countries`` restricts both ends of the corridors; ``providers`` gives the publishers to
    use, in order of preference. Reads pass the access gate as ``principal`` (default
    anonymous).
    """
    registry = store.registry
    if basis not in BASES:
        raise InputError(
            N_("Unknown mirror basis {basis}: use residence or citizenship."), basis=basis
        )
    b = BASES[basis]
    cell = cell_codes(registry, b, sex=sex, age=age, duration=duration)
    areas = None
    if countries:
        areas = []
        for code in countries:
            resolved = registry.areas.resolve(code)
            if resolved is None:
                raise InputError(
                    N_(
                        "Unknown country or area {code}: give an ISO 3166 alpha-3 code such as KGZ."
                    ),
                    code=code,
                )
            areas.append(resolved)
    if years is None:
        years = available_years(store, basis=basis, principal=principal)
    years = sorted({int(y) for y in years})
    if not years:
        return _empty(b, cell)
    e_sides, e_values = _read_side(store, b.emigration, years, cell, areas, providers, principal)
    i_sides, i_values = _read_side(store, b.immigration, years, cell, areas, providers, principal)
    keep = set(areas) if areas else None
    seen = (
        {a for _y, a, _n in e_values.slices}
        | set(e_values.partners)
        | {a for _y, a, _n in i_values.slices}
        | set(i_values.partners)
    )
    countries_ = sorted(
        c
        for c in seen
        if c is not None and _is_country(registry, c) and (keep is None or c in keep)
    )
    at = {c: k for k, c in enumerate(countries_)}
    yat = {y: k for k, y in enumerate(years)}
    shape = (len(years), len(countries_), len(countries_))
    emi = np.full(shape, np.nan)
    imm = np.full(shape, np.nan)
    statuses: dict[tuple[str, int, str, str], str] = {}
    # emigration: reporter = origin, partner = destination; immigration the other way round
    _fill(emi, e_values, yat, at, statuses, "E", reporter_is_origin=True)
    _fill(imm, i_values, yat, at, statuses, "I", reporter_is_origin=False)
    return MirrorMatrix(b, years, countries_, cell, emi, imm, e_sides, i_sides, statuses)


def _fill(
    target: np.ndarray,
    found: _Values,
    yat: dict[int, int],
    at: dict[str, int],
    statuses: dict[tuple[str, int, str, str], str],
    side: str,
    *,
    reporter_is_origin: bool,
) -> None:
    if not found.values:
        return
    counts = [n for _y, _a, n in found.slices]
    r = np.repeat([at.get(a, -1) for _y, a, _n in found.slices], counts)
    y = np.repeat([yat[yr] for yr, _a, _n in found.slices], counts)
    p = np.fromiter(
        map(at.get, found.partners, repeat(-1)), dtype=np.int64, count=len(found.partners)
    )
    ok = (r >= 0) & (p >= 0) & (r != p)
    o, d = (r, p) if reporter_is_origin else (p, r)
    target[y[ok], o[ok], d[ok]] = np.asarray(found.values, dtype=float)[ok]
    for year, reporter, partner, status in found.flagged:
        if reporter in at and partner in at and reporter != partner:
            origin, dest = (reporter, partner) if reporter_is_origin else (partner, reporter)
            statuses[(side, year, origin, dest)] = status


def _empty(basis: Basis, cell: dict[str, str]) -> MirrorMatrix:
    return MirrorMatrix(basis, [], [], cell, np.empty((0, 0, 0)), np.empty((0, 0, 0)), {}, {}, {})


def available_years(
    store: Store, *, basis: str = "residence", principal: Principal | None = None
) -> list[int]:
    """Years in which both tables of ``basis`` have current data for someone."""
    b = BASES[basis]
    seen: dict[str, set[int]] = {b.emigration: set(), b.immigration: set()}
    for _provider, _area, table, period, _n in store.coverage(principal=principal):
        if table in seen and period[:4].isdigit():
            seen[table].add(int(period[:4]))
    return sorted(seen[b.emigration] & seen[b.immigration])


__all__ = [
    "BASES",
    "REPORT_SERIES_COLUMNS",
    "Basis",
    "CountryTotals",
    "Coverage",
    "Flag",
    "MirrorMatrix",
    "Side",
    "available_years",
    "cell_codes",
    "corridor_flags",
    "flag_text",
    "mirror_columns",
    "mirror_matrix",
    "plain_number",
]
