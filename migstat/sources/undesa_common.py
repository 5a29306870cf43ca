"""UN DESA's International Migrant Stock: what its matrix CSV and its workbook share.

Its notation (``..`` not available, ``-`` nil), the provenance and table metadata of a
dataset read from it, the edition a file name gives, and the finding that lists the
aggregates skipped. Read by :mod:`migstat.sources.undesa` (the matrix CSV) and
:mod:`migstat.sources.undesa_workbook` (the workbook's tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migstat.formats.notation import parse_count
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Provenance, TableMetadata, breakdown_of
from migstat.model.findings import Finding, InputError, Severity
from migstat.sources.names import UN_AGGREGATES
from migstat.sources.skipped import Places

NAME = "undesa"
PROVIDER = "UN_DESA"
TABLE = "S01"
POPULATION_TABLE = "P01"
"""Total population by sex, from the workbook's ``Table 2`` (only when asked for)."""
URL = "https://www.un.org/development/desa/pd/content/international-migrant-stock"
RULE_AGGREGATE = "IMPORT_AGGREGATE_SKIPPED"
RULE_DIAGONAL = "IMPORT_DIAGONAL_SKIPPED"
NOT_AVAILABLE = ("..", "\u2026", "...")
NIL = ("-", "\u2013", "\u2014")

AGGREGATE_CODES = {c for c in UN_AGGREGATES.values() if c} | {
    "1830",  # LATIN AMERICA AND THE CARIBBEAN as an SDG region
    "917",  # EUROPE as part of the SDG region Europe and Northern America
    "918",  # NORTHERN AMERICA, likewise
}


def provenance(edition: str, sha256: str, what: str) -> Provenance:
    return Provenance(
        publisher="UN DESA Population Division",
        dataset="International Migrant Stock",
        edition=edition,
        url=URL,
        licence="CC BY 3.0 IGO",
        notes=f"{what}; mid-year estimates; SHA-256 {sha256}",
    )


def stock_metadata(dataset: Dataset, periods: list[str], notes: str) -> None:
    dataset.metadata.tables[TABLE] = TableMetadata(
        table=TABLE,
        source_type="estimate",
        reference_date=(
            f"{min(periods)}/{max(periods)}"
            if len(set(periods)) > 1
            else (periods[0] if periods else None)
        ),
        population_covered="international migrants (foreign-born; foreign citizens where "
        "birthplace data are lacking)",
        origin_concept="BIRTH",
        notes=notes,
    )


def mark_breakdown(dataset: Dataset, table: str, dimension_ids: Sequence[str]) -> None:
    """Say which breakdown of ``table`` the dataset gives, so that the store keeps each
    breakdown's latest edition: Table 1 (totals by sex) of a later revision never hides
    the matrix by origin of an earlier one, and the reverse."""
    dataset.breakdowns[table] = breakdown_of(dataset.observations, table, dimension_ids)


def edition_from_name(name: str, default: str) -> str:
    for token in name.replace("-", "_").replace(".", "_").split("_"):
        if len(token) == 4 and token.isdigit() and token.startswith(("19", "20")):
            return token
    return default


def note_skipped(dataset: Dataset, skipped: Places, table: str = TABLE) -> None:
    dataset.findings.extend(
        skipped.each(
            rule=RULE_AGGREGATE,
            severity=Severity.INFO,
            table=table,
            message=N_(
                "Aggregate \u201c{name}\u201d is not a country or area: {count} rows "
                "or columns skipped."
            ),
            params=lambda name, count: {"name": name, "count": count},
        )
    )


def cell_value(
    text: Any, status: str, where: Location, *, blank: str | None = "O"
) -> tuple[int | float | None, str]:
    """A published cell as (value, OBS_STATUS): ``..`` not available, ``-`` nil, blank
    missing (``blank``; ``None``: a blank cell is an error, as in the matrix CSV)."""
    if isinstance(text, str) and text.strip() in NOT_AVAILABLE:
        return None, "L"
    if isinstance(text, str) and text.strip() in NIL:
        return 0, status
    if (text is None or text == "") and blank is not None:
        return None, blank
    value = parse_count(text)
    if value is None:
        raise InputError(
            N_("Cell {value} is neither a number nor a UN symbol (.. or -)."),
            where=where,
            value=text,
        )
    return value, status


def type_of_data(kind: Any) -> tuple[str, str | None]:
    """OBS_STATUS and comment from UN DESA's type of data of a destination (``B``
    foreign-born, ``C`` foreign citizens -> ``D``, ``R`` refugees added, ``I`` no data for
    any date, imputed -> ``I``)."""
    text = str(kind).strip() if kind not in (None, "") else ""
    words = text.split()
    status = "I" if "I" in words else ("D" if "C" in words else "A")
    return status, (f"UN DESA type of data: {text}" if text else None)


def diagonal_finding(count: int, where: Location) -> Finding:
    return Finding(
        rule=RULE_DIAGONAL,
        severity=Severity.INFO,
        message=N_(
            "{count} diagonal cells (origin = destination) skipped: the matrix "
            "counts international migrants only."
        ),
        params={"count": count},
        table=TABLE,
        where=where,
    )
