"""PX tables (PC-Axis, as PxWeb serves them) mapped onto migstat's tables.

The file format is read by :mod:`migstat.formats.px.reader`; this module decides what each
PX variable is:

* the time: the ``TIMEVAL`` variable, or one named year / год / period / период (else the
  ``year`` option);
* the partner country, by the variable's name in any of the file's languages: country of
  previous residence / страна выбытия / прежнего проживания -> ``COUNTRY_PREV_RES``; of next
  residence / назначения / прибытия -> ``COUNTRY_NEXT_RES``; birth / рождения ->
  ``COUNTRY_BIRTH``; citizenship / гражданство -> ``CITIZENSHIP``;
* the reporting country: a variable named country / region / страна / регион / территория
  (else the ``country`` option);
* sex, age, reason, education, permit type, duration, by name (пол, возраст, причина / цель,
  образование, разрешение, продолжительность);
* a measure variable (indicator / показатель): arrivals (прибывшие) -> F01, departures
  (выбывшие) -> F02; net migration (сальдо) is derived and skipped.

The table is the ``table`` option, or the only one the variables fit. Values map to codes
through ``CODES`` (code ids and aliases), then the value texts in every language (the code
lists' English and Russian labels, total words such as Всего / Total, age spans such as
"0-4 лет" or "80 и старше"), then the ``ELIMINATION`` value (the total). A category that is
none of these is kept as ``code: label`` (``02: работа``) for the classification mappings
(:mod:`migstat.mapping`), which map it by either part, or report it. A variable that fits no
dimension of the table is kept only at its ``ELIMINATION`` value (its total).

Data cells: ``"-"`` is 0; a missing-value symbol is an empty value flagged by what
``DATASYMBOLn`` says (confidential -> ``CONF_STATUS`` C) or by the usual PxWeb meaning:
``"."`` cannot exist (M), ``".."`` not available (L), ``"..."`` and longer missing (O).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migstat.formats.px.reader import PxFile, PxVariable, read_px, sniff_px
from migstat.formats.px.stream import open_px
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.coded_stream import collected
from migstat.sources.names import NameReport, resolve_country
from migstat.sources.px_stream import Cells, Ending, Plan, Whole, batches, planned
from migstat.sources.tabular import (
    TOTAL_WORDS,
    CodeFinder,
    category_key,
    chosen_among,
    period_for,
    table_for,
)

NAME = "px"
PROVIDER = "PX"
TABLES = ("F01", "F02", "F03", "F04", "S01", "S02", "S03", "S04", "A01", "A02", "A03", "R01")
RULE_DERIVED = "IMPORT_DERIVED_SKIPPED"
RULE_REGIONS = "IMPORT_NOT_STORED"

TIME = "TIME_PERIOD"
REF_AREA = "REF_AREA"
MEASURE = "MEASURE"
_PATTERNS: tuple[tuple[str, str], ...] = (
    # breakdowns first: "Причина прибытия" is a reason, "Страна прибытия" a country
    (TIME, r"^(year|years|год|годы|period|период|time|время|reference year|отчетный год)$"),
    ("SEX", r"^(sex|gender|пол)$|^sex\b|^пол\b"),
    ("AGE", r"\bage\b|возраст"),
    ("REASON", r"reason|purpose|motive|причин|цел[ьи]"),
    ("EDU", r"education|образовани"),
    ("PERMIT_TYPE", r"permit|разрешени|патент"),
    ("DURATION", r"duration|продолжительност|срок"),
    ("PROT_STATUS", r"protection status|статус защиты"),
    (
        "COUNTRY_PREV_RES",
        r"previous residence|prior residence|origin of migra|"
        r"предыдущего|прежнего|выбыти|откуда",
    ),
    (
        "COUNTRY_NEXT_RES",
        r"next residence|destination|назначени|прибыти|следующего|"
        r"последующего|куда",
    ),
    ("COUNTRY_BIRTH", r"birth|рождени"),
    ("CITIZENSHIP", r"citizenship|nationality|гражданств"),
    ("COUNTRY_ORIGIN", r"country of origin|происхождени"),
    (MEASURE, r"indicator|measure|contents|flow|показател|вид миграци|направлени"),
    (
        REF_AREA,
        r"^(country|reporting country|region|area|territory|страна|регион|область|"
        r"территория|страна-член|государство)$",
    ),
)
_MEASURES = (
    (r"arriv|immigr|inmigr|in-migr|inflow|invandr|inflytt|прибы|иммигр|въех", "F01"),
    (r"depart|emigr|outmigr|out-migr|outflow|utvandr|utflytt|выбы|эмигр|выех", "F02"),
    (r"\bnet\b|balance|сальдо|прирост", None),
    # permits: the first issued during the year (A01) or those valid at its end (A02) have
    # the same variables, so only the words tell them apart
    (r"first (residence )?permit|for the first time|выданн\w* впервые|впервые выданн", "A01"),
    (r"valid (residence )?permit|permits valid|действующ\w* разрешени|проживающ\w* по", "A02"),
)


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".px" or sniff_px(head)


def _role(variable: PxVariable) -> str | None:
    if variable.time:
        return TIME
    for name in variable.all_names():
        key = category_key(name)
        for role, pattern in _PATTERNS:
            if re.search(pattern, key):
                return role
    return None


def _roles(px: PxFile) -> list[str | None]:
    """Each variable's role; the ``CONTVARIABLE`` (the variable whose values are different
    contents, "Inmigrated" and "Outmigrated") is the measure whatever its name."""
    roles = [_role(v) for v in px.variables]
    content = px.text("CONTVARIABLE")
    if content and MEASURE not in roles:
        for i, var in enumerate(px.variables):
            if content in var.all_names() and roles[i] is None:
                roles[i] = MEASURE
    return roles


def _measure_table(texts: list[str]) -> tuple[bool, str | None]:
    """Whether a measure value is known, and the table it feeds (``None``: derived)."""
    for text in texts:
        key = category_key(text)
        for pattern, table in _MEASURES:
            if re.search(pattern, key):
                return True, table
    return False, None


def read(path: Path, *, registry: Registry, **options: Any) -> Dataset:
    """A PX table as a dataset of one migstat table (see the module's docstring); a file
    whose measure holds flows of both directions ("Inmigrated", "Outmigrated") gives both
    tables unless ``table`` names one. The file is streamed (:func:`stream`) and collected."""
    return collected(*stream(path, registry=registry, **options))


def read_held(path: Path, *, registry: Registry, **options: Any) -> Dataset:
    """:func:`read` of the file's text held whole (:func:`~migstat.formats.px.reader.read_px`):
    what the stream is tested and measured against."""
    path = Path(path)
    return collected(*_stream(Whole(read_px(path)), path, registry, **options))


def stream(
    path: Path, *, registry: Registry, **options: Any
) -> tuple[Dataset, Iterator[list[Observation]]]:
    """The dataset of :func:`read` and its observations in batches, the file's cells read as
    they are asked for (:func:`migstat.formats.px.stream.open_px`): memory holds the keywords
    and one batch, never the data."""
    path = Path(path)
    return _stream(open_px(path), path, registry, **options)


def _stream(
    source: Cells,
    path: Path,
    registry: Registry,
    *,
    table: str | None = None,
    year: str | int | None = None,
    country: str | None = None,
    provider: str | None = None,
    edition: str | None = None,
    allow_unmatched: bool = False,
    source_type: str | None = None,
    residence_rule: str | None = None,
    date: str | None = None,
    duration: str | None = None,
    **_: Any,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    px = source.px
    fixed = dict(year=year, country=country, date=date, duration=duration)

    def make() -> list[Plan]:
        both = _both_directions(px) if table is None else []
        return [_plan(px, registry=registry, table=t, **fixed) for t in both or [table]]

    plans = planned(source, make)
    ending = Ending(provider, PROVIDER, edition, allow_unmatched, source_type, residence_rule)
    dataset = Dataset(file_name=px.file_name, format=NAME, provider=provider or PROVIDER)
    return dataset, batches(source, plans, dataset, path, ending)


def _both_directions(px: PxFile) -> list[str]:
    """The tables of a measure variable that feeds more than one (F01 and F02)."""
    roles = _roles(px)
    if MEASURE not in roles:
        return []
    found = {t for t in _measure_tables(px.variables[roles.index(MEASURE)]).values() if t}
    return sorted(found) if len(found) > 1 else []


def _plan(
    px: PxFile,
    *,
    registry: Registry,
    table: str | None,
    year: str | int | None,
    country: str | None,
    date: str | None,
    duration: str | None,
) -> Plan:
    """What the cells are in one table, from the keywords alone (see the module's docstring)."""
    name = px.file_name
    roles = _roles(px)
    measure_at = roles.index(MEASURE) if MEASURE in roles else None

    # -- which table ------------------------------------------------------------------------
    measure_tables = _measure_tables(px.variables[measure_at]) if measure_at is not None else {}
    if measure_at is not None and not measure_tables:
        roles[measure_at] = None  # not a measure migstat knows: kept at its total only
    partner_roles = [
        r
        for r in roles
        if r
        in {
            "COUNTRY_PREV_RES",
            "COUNTRY_NEXT_RES",
            "COUNTRY_BIRTH",
            "CITIZENSHIP",
            "COUNTRY_ORIGIN",
        }
    ]
    alike = _candidates(registry, roles)
    tdef = _table(registry, table, measure_tables, roles, name, _said(px))
    keep = {i for i, t in measure_tables.items() if t == tdef.id} if measure_tables else None
    partner = tdef.partner
    dims = {d.id: d for d in tdef.dimensions}
    # a partner variable under another concept still is the table's partner
    if partner is not None and partner.id not in roles and partner_roles:
        roles[roles.index(partner_roles[0])] = partner.id
    if partner is not None and partner.id not in roles and REF_AREA in roles and country:
        roles[roles.index(REF_AREA)] = partner.id

    report = NameReport(file=name, registry=registry)
    findings = (  # a table chosen among alike ones (A01, A02) because the words do not say
        [] if table or measure_tables or _said(px) else chosen_among(registry, tdef, alike, name)
    )
    # per variable: value index -> code (None: leave the cell out)
    columns: list[list[str | None]] = []
    for at, (var, role) in enumerate(zip(px.variables, roles, strict=True)):
        where = Location(
            file=name,
            column=var.name,
            line=px.keyword_lines.get(f"VALUES({var.name})", px.keyword_lines.get("VALUES")),
        )
        if role == TIME:
            columns.append([_period(tdef, v, date, where) for v in var.values])
        elif role == MEASURE:
            columns.append(
                [("" if (keep is None or i in keep) else None) for i in range(len(var.values))]
            )
            derived = [var.values[i] for i, t in measure_tables.items() if t is None]
            if derived:
                findings.append(
                    Finding(
                        rule=RULE_DERIVED,
                        severity=Severity.INFO,
                        table=tdef.id,
                        where=where,
                        message=N_(
                            "Values of {variable} that are derived, not counted ({values}), "
                            "are skipped."
                        ),
                        params={"variable": var.name, "values": ", ".join(derived)},
                    )
                )
        elif role == REF_AREA or (partner is not None and role == partner.id):
            columns.append(_areas(var, report, where, ref_area=role == REF_AREA, found=findings))
        elif role in dims:
            columns.append(_dimension_codes(var, dims[role], registry))
        else:
            elim = _total_at(var, tdef, where)
            columns.append([("" if i == elim else None) for i in range(len(var.values))])
            roles[at] = None

    fixed_period, fixed_area = _fixed(
        roles, tdef, registry, name, year=year, date=date, country=country
    )

    positions = {role: i for i, role in enumerate(roles) if role}
    return Plan(
        tdef=tdef,
        columns=columns,
        findings=findings,
        report=report,
        key_at=[positions.get(d.id) for d in tdef.dimensions],
        defaults=[_default(d, duration) for d in tdef.dimensions],
        time_at=positions.get(TIME),
        area_at=positions.get(REF_AREA),
        fixed_period=fixed_period,
        fixed_area=fixed_area,
    )


def _measure_tables(var: PxVariable) -> dict[int, str | None]:
    """The table each value of the measure variable feeds (``None``: derived), for the
    values migstat knows."""
    found: dict[int, str | None] = {}
    for i in range(len(var.values)):
        known, target = _measure_table(var.texts(i))
        if known:
            found[i] = target
    return found


def _dimension_codes(var: PxVariable, dim: Any, registry: Registry) -> list[str | None]:
    """The code of each value of a variable that is a dimension of the table: the total at
    ``ELIMINATION``, else found in the code list, else kept as ``code: label``."""
    finder = CodeFinder(registry.codelist(dim.codelist), dim.total)
    elim = var.elimination_index
    codes: list[str | None] = []
    for i in range(len(var.values)):
        if i == elim and dim.total:
            codes.append(dim.total)
            continue
        found = finder.find(var.texts(i))
        codes.append(found or _national(var, i))
    return codes


def _total_at(var: PxVariable, tdef: TableDef, where: Location) -> int:
    """The value kept of a variable that fits no dimension: its ``ELIMINATION`` value, its
    only value or its one total; else the table cannot hold the file."""
    elim = var.elimination_index
    if elim is None and len(var.values) == 1:
        elim = 0
    if elim is None:
        totals = [
            i
            for i in range(len(var.values))
            if any(category_key(t) in TOTAL_WORDS for t in var.texts(i))
        ]
        elim = totals[0] if len(totals) == 1 else None
    if elim is None:
        raise InputError(
            N_(
                "Variable \u201c{variable}\u201d fits no dimension of table {table} "
                "({dimensions}) and has no total (ELIMINATION) to keep."
            ),
            where=where,
            variable=var.name,
            table=tdef.id,
            dimensions=", ".join(tdef.dimension_ids),
        )
    return elim


def _fixed(
    roles: list[str | None],
    tdef: TableDef,
    registry: Registry,
    name: str,
    *,
    year: str | int | None,
    date: str | None,
    country: str | None,
) -> tuple[str | None, str | None]:
    """The period and reporting country the options give where no variable does."""
    if TIME not in roles and year is None:
        raise InputError(
            N_(
                "The file has no time variable (TIMEVAL, or a variable named year "
                "or год): give the year with --year."
            ),
            where=Location(file=name),
        )
    fixed_period = (
        _period(tdef, str(year), date, Location(file=name)) if TIME not in roles else None
    )
    fixed_area = None
    if REF_AREA not in roles:
        if not country:
            raise InputError(
                N_("The file has no variable for the reporting country: give it with --country."),
                where=Location(file=name),
            )
        fixed_area = registry.country(country)
    return fixed_period, fixed_area


def _said(px: PxFile) -> set[str]:
    """The tables the file's own words name: ``CONTENTS`` and ``TITLE`` in every language
    it has ("Inmigrated", "Прибывшие", "Utvandrade") through the measure words; empty when
    they name none, or a flow and its opposite at once."""
    found: set[str] = set()
    for lang in [None, *px.languages]:
        for keyword in ("CONTENTS", "TITLE"):
            text = px.text(keyword, lang)
            known, target = _measure_table([text] if text else [])
            if known and target:
                found.add(target)
    return found if len(found) == 1 else set()


def _table(
    registry: Registry,
    table: str | None,
    measure_tables: dict[int, str | None],
    roles: list[str | None],
    name: str,
    said: set[str] = frozenset(),  # type: ignore[assignment]
) -> TableDef:
    """The table named by the option, else the one the measure's values feed, else the one
    the variables fit, else the one the file's contents and title name (a flow without a
    partner variable: "Inmigrated by region, age and sex" is F01 for all partners)."""
    if table:
        return registry.table(table)
    wanted = {t for t in measure_tables.values() if t}
    candidates = sorted(wanted) if wanted else _candidates(registry, roles)
    if not candidates or (said and len(candidates) > 1 and said <= set(candidates)):
        candidates = sorted(said) or candidates
    return table_for(registry, None, name, candidates)


def _candidates(registry: Registry, roles: list[str | None]) -> list[str]:
    """The tables whose dimensions cover the file's, the closest fits only: a table with
    dimensions the file lacks (filled with totals) is a candidate only when no table fits
    more tightly (A01 rather than A01V for permits by citizenship, sex and reason)."""
    found = {r for r in roles if r and r not in (TIME, REF_AREA, MEASURE)}
    extra: dict[str, int] = {}
    for table_id, tdef in registry.tables.items():
        if tdef.partner is None or tdef.partner.id not in found:
            continue
        if found <= set(tdef.dimension_ids):
            extra[table_id] = len(set(tdef.dimension_ids) - found)
    fewest = min(extra.values(), default=0)
    return [t for t, n in extra.items() if n == fewest]


def _default(dim: Any, duration: str | None) -> str:
    if dim.total is not None:
        return dim.total
    if dim.id == "DURATION":
        return (duration or "LT").upper()
    return "_T"


def _period(table: TableDef, text: str, date: str | None, where: Location) -> str:
    return period_for(table, text, date=date, where=where)


def _areas(
    var: PxVariable,
    report: NameReport,
    where: Location,
    *,
    ref_area: bool,
    found: list[Finding] | None = None,
) -> list[str | None]:
    """The AREA code of each value. Of a reporting-area variable whose total (``ELIMINATION``)
    is a country ("00 Sweden"), the values that are no country are that country's regions
    ("01 Stockholm county"): named in one finding and left out, not listed as unknown
    country names."""
    out: list[str | None] = []
    for i in range(len(var.values)):
        texts = _without_codes(var, i)
        code = next((c for c in (resolve_country(t, report.registry) for t in texts) if c), None)
        if code is None and i == var.elimination_index:
            code = "_T"
        out.append(code)
    elim = var.elimination_index
    country = out[elim] if elim is not None else None
    regions = ref_area and country is not None and not country.startswith("_")
    left = [var.values[i] for i, code in enumerate(out) if code is None]
    if regions and left and found is not None:
        found.append(
            Finding(
                rule=RULE_REGIONS,
                severity=Severity.WARNING,
                where=where,
                message=N_(
                    "Values of {variable} are regions of {country}, not countries: "
                    "not stored ({values})."
                ),
                params={"variable": var.name, "country": country, "values": ", ".join(left)},
            )
        )
    else:
        for value in left:
            report.add(value, where)
    if ref_area:
        out = [None if c is not None and c.startswith("_") else c for c in out]
    return out


def _without_codes(var: PxVariable, i: int) -> list[str]:
    """The texts of a value, each also without the code it starts with: PxWeb writes a
    region as ``00 Sweden`` beside ``CODES`` ``00`` (``DOUBLECOLUMN``)."""
    texts = var.texts(i)
    code = var.codes[i] if var.codes and i < len(var.codes) else None
    if not code:
        return texts
    bare = [t[len(code) :].strip() for t in texts if t.startswith(code + " ")]
    return texts + [t for t in bare if t]


def _national(var: PxVariable, i: int) -> str:
    """A category that is in no code list, as ``code: label`` (the SDMX-CSV way of giving
    both), so that a mapping may name it by either."""
    label = var.values[i]
    code = var.codes[i] if var.codes else None
    return f"{code}: {label}" if code and code != label else label
