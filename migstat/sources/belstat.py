"""National Statistical Committee of the Republic of Belarus (Belstat), open-data answers.

A Belstat answer is JSON: ``tableName``, ``tableHeader`` (the years), ``tableHeaderDimColumns``
(the dimension names) and ``tableRows``, each row the dimension cells ``{value, level}``
followed by one value cell per year. Indicators: 10101300001 arrivals -> table F01,
10101300002 departures -> F02; 10101300003 net migration is derived (arrivals minus
departures) and is not imported.

Mapping decisions:

* Only the national rows (territory ``Республика Беларусь``, REF_AREA ``BLR``); oblasts and
  Minsk are not countries of the registry.
* Only international flows. Flow ``Международная миграция`` with partner ``Всего по странам``
  is the total ``_T``; ``Миграция со странами СНГ`` / ``вне СНГ`` with that partner are
  ``CIS`` / ``NON_CIS``; a named partner (upper-case Russian country names, or the CIS /
  non-CIS group rows) resolves through the AREA aliases. Internal flows and the all-flows
  total (which includes internal moves) are skipped.
* Only all education levels, all ages, all locality types; sex ``Оба пола`` -> ``_T``
  (``Мужчины`` / ``Женщины`` -> ``M`` / ``F`` if a file has them).
* CIS and non-CIS totals are published twice (partner total x CIS flow, and the CIS group
  row). Where one copy is null the other is used; differing numbers are a warning.
* Numbers are strings with no-break spaces between thousands; ``null`` is an empty value
  flagged ``O`` (never 0).
* Registration at the place of residence: DURATION ``LT``, source type ``register``,
  residence rule ``permanent_registration``, as for CIS-Stat.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from migstat.formats.notation import parse_count
from migstat.formats.text import CYRILLIC, decode_text
from migstat.i18n import N_
from migstat.model.data import (
    Dataset,
    Location,
    Observation,
    Provenance,
    ResidenceRule,
    SourceType,
    TableMetadata,
)
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry
from migstat.sources.common import key_for
from migstat.sources.names import NameReport, normalize_name

NAME = "belstat"
PROVIDER = "BELSTAT"
RULE_DUPLICATE = "IMPORT_DUPLICATE_DIFFERS"

# Dimension columns, by the names Belstat gives them.
DIM_TERRITORY = "территория республики беларусь"
DIM_PARTNER = "страны мира / группы стран"
DIM_FLOW = "потоки миграции"
DIM_EDU = "уровень образования"
DIM_AGE = "возрастной состав"
DIM_SEX = "пол"
DIM_LOCALITY = "тип местности"

NATIONAL = "республика беларусь"
PARTNER_TOTAL = "всего по странам"
FLOWS_INTERNATIONAL = {
    "международная миграция": "_T",
    "миграция со странами снг": "CIS",
    "миграция со странами вне снг": "NON_CIS",
}
FLOWS_OTHER = {
    "всего по всем потокам миграции",
    "внутриреспубликанская миграция",
    "межобластная миграция",
    "внутриобластная миграция",
    "межрайонная миграция",
    "внутрирайонная миграция",
}
TOTALS = {
    DIM_EDU: {"всего по уровням образования"},
    DIM_AGE: {"по всем возрастам"},
    DIM_LOCALITY: {"всего по типам местности"},
}
SEXES = {"оба пола": "_T", "мужчины": "M", "женщины": "F"}
INDICATORS = (
    ("число прибывших", "F01", "COUNTRY_PREV_RES", "10101300001", "arrivals"),
    ("число выбывших", "F02", "COUNTRY_NEXT_RES", "10101300002", "departures"),
)
DERIVED = ("миграционный прирост",)


def _fold(text: Any) -> str:
    return normalize_name(str(text or "")).casefold()


def sniff(path: Path, head: bytes) -> bool:
    text = decode_text(head, legacy=CYRILLIC, sample=True)
    return (
        '"tableName"' in text
        and '"tableHeaderDimColumns"' in text
        and ("Беларусь" in text or "\\u0411\\u0435\\u043b" in text.lower())
    )


def _load(path: Path) -> tuple[dict[str, Any], str]:
    raw = Path(path).read_bytes()
    try:
        data = json.loads(decode_text(raw, legacy=CYRILLIC))
    except json.JSONDecodeError as exc:
        raise InputError(
            N_("Not valid JSON: {error}"),
            where=Location(file=Path(path).name, line=exc.lineno),
            error=exc.msg,
        ) from exc
    if not isinstance(data, dict) or not {
        "tableName",
        "tableHeader",
        "tableRows",
        "tableHeaderDimColumns",
    } <= set(data):
        raise InputError(
            N_(
                "Not a Belstat table answer: tableName, tableHeader, "
                "tableHeaderDimColumns and tableRows are expected."
            ),
            where=Location(file=Path(path).name),
        )
    return data, hashlib.sha256(raw).hexdigest()


def read(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    **_: Any,
) -> Dataset:
    """One Belstat answer (arrivals or departures) as a dataset of F01 or F02."""
    path = Path(path)
    name = path.name
    data, sha256 = _load(path)
    title = _fold(data["tableName"])
    where_file = Location(file=name, column="tableName")
    if title.startswith(DERIVED):
        raise InputError(
            N_(
                "Net migration is derived (arrivals minus departures) and is not "
                "imported; import the arrivals and departures tables."
            ),
            where=where_file,
        )
    indicator = next((ind for ind in INDICATORS if title.startswith(ind[0])), None)
    if indicator is None:
        raise InputError(
            N_("Unknown Belstat table {title}: expected arrivals or departures."),
            where=where_file,
            title=data["tableName"],
        )
    _, table_id, partner_dim, code, what = indicator
    table = registry.table(table_id)
    dims = [_fold(d) for d in data["tableHeaderDimColumns"]]
    missing = [d for d in (DIM_TERRITORY, DIM_PARTNER, DIM_FLOW) if d not in dims]
    if missing:
        raise InputError(
            N_("Dimension {dimension} is missing; the table has: {dimensions}."),
            where=Location(file=name, column="tableHeaderDimColumns"),
            dimension=missing[0],
            dimensions=", ".join(data["tableHeaderDimColumns"]),
        )
    col = {d: i for i, d in enumerate(dims)}
    n_dims = len(dims)
    header = data["tableHeader"]
    years = [
        str(y).strip() for y in (header[-1] if header and isinstance(header[0], list) else header)
    ]
    report = NameReport(file=name, registry=registry)
    # (partner, sex, year) -> observation
    cells: dict[tuple[str, str, str], Observation] = {}
    findings: list[Finding] = []
    for i, row in enumerate(data["tableRows"]):
        labels = [
            _fold(cell.get("value") if isinstance(cell, dict) else cell) for cell in row[:n_dims]
        ]
        if labels[col[DIM_TERRITORY]] != NATIONAL:
            continue
        if any(d in col and labels[col[d]] not in ok for d, ok in TOTALS.items()):
            continue
        sex = SEXES.get(labels[col[DIM_SEX]]) if DIM_SEX in col else "_T"
        if sex is None:
            continue
        flow = labels[col[DIM_FLOW]]
        if flow in FLOWS_OTHER:
            continue
        if flow not in FLOWS_INTERNATIONAL:
            raise InputError(
                N_("Unknown migration flow {flow}."),
                where=Location(file=name, column=f"tableRows[{i}][{col[DIM_FLOW]}]"),
                flow=row[col[DIM_FLOW]].get("value"),
            )
        partner_cell = row[col[DIM_PARTNER]]
        partner_name = str(partner_cell.get("value") or "").strip()
        if labels[col[DIM_PARTNER]] == PARTNER_TOTAL:
            partner: str | None = FLOWS_INTERNATIONAL[flow]
        else:
            partner = report.resolve(
                partner_name, Location(file=name, column=f"tableRows[{i}][{col[DIM_PARTNER]}]")
            )
        if partner is None:
            continue
        key = key_for(table, {partner_dim: partner, "DURATION": "LT", "SEX": sex})
        for k, year in enumerate(years):
            j = n_dims + k
            where = Location(file=name, column=f"tableRows[{i}][{j}]")
            value, status = _value(row[j] if j < len(row) else None, where)
            obs = Observation(table_id, "BLR", year, key, value, status, where=where)
            ident = (partner, sex, year)
            earlier = cells.get(ident)
            if earlier is None or (earlier.value is None and value is not None):
                cells[ident] = obs
            elif value is not None and earlier.value != value:
                findings.append(
                    Finding(
                        rule=RULE_DUPLICATE,
                        severity=Severity.WARNING,
                        message=N_(
                            "{partner} in {year} is published twice with different "
                            "values: {first} and {second}; the first is kept."
                        ),
                        params={
                            "partner": partner,
                            "year": year,
                            "first": earlier.value,
                            "second": value,
                        },
                        table=table_id,
                        where=where,
                        related=(earlier.where,) if earlier.where else (),
                    )
                )

    observations = sorted(cells.values(), key=lambda o: (o.time_period, o.key))
    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=PROVIDER,
        observations=observations,
        synthetic=False,
        findings=findings,
        provenance=Provenance(
            publisher="National Statistical Committee of the Republic of Belarus (Belstat)",
            dataset=f"Migration: {what} (indicator {code})",
            edition=edition or (max(years) if years else None),
            notes=(
                f"open-data portal answer {name}, SHA-256 {sha256}; net migration "
                "(10101300003) is derived and not imported; edition = latest year unless "
                "given"
            ),
        ),
    )
    span = f"{min(years)}/{max(years)}" if years else None
    dataset.metadata.tables[table_id] = _metadata(table_id, what, span)
    report.settle(dataset, allow_unmatched)
    return dataset


def _value(cell: Any, where: Location) -> tuple[int | float | None, str]:
    """``(value, OBS_STATUS)`` of a value cell: a count (a string with no-break spaces), or
    ``null`` or blank for an empty value flagged ``O`` (never 0)."""
    text = cell.get("value") if isinstance(cell, dict) else cell
    if text is None or (isinstance(text, str) and not text.strip()):
        return None, "O"
    value = parse_count(text)
    if value is None:
        raise InputError(N_("Value {value} is not a number."), where=where, value=text)
    return value, "A"


def _metadata(table_id: str, what: str, span: str | None) -> TableMetadata:
    return TableMetadata(
        table=table_id,
        source_type=SourceType.REGISTER.value,
        reference_date=span,
        residence_rule=ResidenceRule.PERMANENT.value,
        notes=(
            f"Belstat, international migration: {what} by partner country, from "
            "registration at the place of residence (permanent registration); CIS and "
            "non-CIS totals as published"
        ),
    )


def read_files(paths: Iterable[Path | str], *, registry: Registry, **options: Any) -> Dataset:
    """Several answers (e.g. all arrivals and departures files) as one dataset."""
    parts = [read(Path(p), registry=registry, **options) for p in sorted(map(str, paths))]
    if not parts:
        raise InputError(N_("No files given."))
    seen: dict[tuple[str, str, str, tuple[str, ...]], Observation] = {}
    findings: list[Finding] = []
    for part in parts:
        findings.extend(part.findings)
        for obs in part.observations:
            ident = (obs.table, obs.ref_area, obs.time_period, obs.key)
            if ident in seen:
                raise InputError(
                    N_("The same figure is in two files: {table} {period} ({first} and {second})."),
                    where=obs.where,
                    table=obs.table,
                    period=obs.time_period,
                    first=str(seen[ident].where),
                    second=str(obs.where),
                )
            seen[ident] = obs
    observations = [o for part in parts for o in part.observations]
    years = sorted({o.time_period for o in observations})
    first = parts[0].provenance
    assert first is not None
    dataset = Dataset(
        file_name=", ".join(p.file_name for p in parts),
        format=NAME,
        provider=PROVIDER,
        observations=observations,
        synthetic=False,
        findings=findings,
        provenance=Provenance(
            publisher=first.publisher,
            dataset="Migration: arrivals and departures",
            edition=options.get("edition") or (years[-1] if years else None),
            notes="; ".join(p.provenance.notes or "" for p in parts if p.provenance),
        ),
    )
    for table_id in sorted({t for part in parts for t in part.metadata.tables}):
        periods = sorted({o.time_period for o in observations if o.table == table_id})
        span = f"{periods[0]}/{periods[-1]}" if periods else None
        what = "arrivals" if table_id == "F01" else "departures"
        dataset.metadata.tables[table_id] = _metadata(table_id, what, span)
    return dataset
