"""Interstate Statistical Committee of the CIS (CIS-Stat): international migration by country.

The long CSV ``date,region,item_code,item_name,value,transformation`` holds, per reporting
country (``region``, ISO alpha-3) and year, arrivals and departures in total, with CIS and
non-CIS countries, and by partner country.

Mapping decisions:

* ``ARRIVALS[.<partner>]`` -> table F01 (immigration by country of previous residence),
  ``DEPARTURES[.<partner>]`` -> F02 (emigration by country of next residence). The partner is
  the item code's suffix: an ISO alpha-3 code, ``CIS`` / ``NON_CIS`` (AREA aggregates), or
  none for the total ``_T``. A reporter's row for itself is kept as published.
* ``NET`` rows are derived (arrivals minus departures), not published counts: skipped, and
  said so in the provenance notes.
* ``TIME_PERIOD`` is the year of ``date`` (written as 31 December).
* The CIS countries count migrants by registration and deregistration at the place of
  residence (permanent registration), the usual practice behind these statistics: DURATION
  is ``LT``, and each table's metadata says source type ``register`` with residence rule
  ``permanent_registration``.
* Values are whole persons (``1009.0`` -> 1009); an empty value is ``None`` flagged ``O``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migstat.formats.notation import parse_count
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
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.common import CsvFile, header_fields, key_for
from migstat.sources.names import NameReport

NAME = "cisstat"
PROVIDER = "CISSTAT"
URL = "http://new.cisstat.org/"
MEASURES = {"ARRIVALS": ("F01", "COUNTRY_PREV_RES"), "DEPARTURES": ("F02", "COUNTRY_NEXT_RES")}
DERIVED = ("NET",)
COLUMNS = ("date", "region", "item_code", "value")


def sniff(path: Path, head: bytes) -> bool:
    fields = {f.casefold() for f in header_fields(head)}
    return set(COLUMNS) <= fields


def read(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    **_: Any,
) -> Dataset:
    src = CsvFile(path)
    name = src.name
    c_date, c_region, c_item, c_value = (src.column(c) for c in COLUMNS)
    c_name = src.column("item_name", required=False)
    c_transform = src.column("transformation", required=False)
    width = 1 + max(c for c in (c_date, c_region, c_item, c_value) if c is not None)
    report = NameReport(file=name, registry=registry)
    tables = {t: registry.table(t) for t, _ in MEASURES.values()}
    observations: list[Observation] = []
    years: set[int] = set()
    derived = 0
    seen: dict[tuple[str, str, str, tuple[str, ...]], int] = {}
    for line, row in src.records():
        if len(row) < width:
            raise InputError(
                N_("The record has {count} fields; the header has {expected}."),
                where=Location(file=name, line=line),
                count=len(row),
                expected=len(src.header),
            )
        item = row[c_item].strip()
        measure, _, suffix = item.partition(".")
        transform = (
            row[c_transform].strip()
            if c_transform is not None and c_transform < len(row)
            else "level"
        )
        if measure.upper() in DERIVED or transform.casefold().startswith("arrivals minus"):
            derived += 1
            continue
        if measure.upper() not in MEASURES:
            raise InputError(
                N_(
                    "Unknown item code {code}: expected ARRIVALS, DEPARTURES or "
                    "NET, with an optional partner suffix."
                ),
                where=Location(file=name, line=line, column="item_code"),
                code=item,
            )
        table_id, partner_dim = MEASURES[measure.upper()]
        date_text = row[c_date].strip()
        year = date_text[:4]
        if not (year.isascii() and year.isdigit() and len(year) == 4):  # not "²021"
            raise InputError(
                N_("Date {value} does not start with a four-digit year."),
                where=Location(file=name, line=line, column="date"),
                value=date_text,
            )
        region = report.resolve(
            row[c_region].strip(), Location(file=name, line=line, column="region")
        )
        partner = (
            "_T"
            if not suffix
            else report.resolve(suffix, Location(file=name, line=line, column="item_code"))
        )
        if region is None or partner is None:
            continue
        text = row[c_value].strip()
        value = parse_count(text)
        status = "A"
        if value is None:
            if text:
                raise InputError(
                    N_("Value {value} is not a number."),
                    where=Location(file=name, line=line, column="value"),
                    value=text,
                )
            status = "O"
        key = key_for(tables[table_id], {partner_dim: partner, "DURATION": "LT"})
        ident = (table_id, region, year, key)
        if ident in seen:
            raise InputError(
                N_(
                    "The same figure appears twice: {item} for {region} in {year} "
                    "(also on line {other})."
                ),
                where=Location(file=name, line=line),
                item=item,
                region=region,
                year=year,
                other=seen[ident],
            )
        seen[ident] = line
        years.add(int(year))
        comment = row[c_name].strip() if c_name is not None and c_name < len(row) else None
        observations.append(
            Observation(
                table_id,
                region,
                year,
                key,
                value,
                status,
                comment=comment or None,
                where=Location(file=name, line=line, column="value"),
            )
        )

    span = f"{min(years)}/{max(years)}" if years else None
    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=PROVIDER,
        observations=observations,
        synthetic=False,
        provenance=Provenance(
            publisher="Interstate Statistical Committee of the CIS (CIS-Stat)",
            dataset="International migration by country (arrivals and departures)",
            edition=edition or (str(max(years)) if years else None),
            url=URL,
            notes=(
                f"{derived} NET rows (arrivals minus departures) skipped as derived; "
                f"edition = latest year in the file unless given; SHA-256 {src.sha256}"
            ),
        ),
    )
    for table_id, what in (("F01", "arrivals"), ("F02", "departures")):
        dataset.metadata.tables[table_id] = TableMetadata(
            table=table_id,
            source_type=SourceType.REGISTER.value,
            reference_date=span,
            residence_rule=ResidenceRule.PERMANENT.value,
            notes=(
                f"CIS-Stat, international migration: {what} by partner country, from "
                "registration at the place of residence (permanent registration) in the "
                "reporting countries; partner totals for CIS and non-CIS countries"
            ),
        )
    report.settle(dataset, allow_unmatched)
    return dataset
