"""Datasets of coded records from any agency: what the SDMX and JSON-stat readers share.

SDMX-ML, SDMX-CSV, JSON-stat and Eurostat's own exports all say the same thing: one value per
combination of codes, with flags. Reading one is the same in every format: find the records'
dimensions, pick the :class:`~migstat.sources.cube.CubeMapper` of each table the dataset
fills, :func:`feed` them every record, :func:`finish` (drop the tables the file does not break
down, settle unmatched codes), and give the dataset its provenance and table metadata.

What differs between agencies is an :class:`Agency`: how it codes areas, the flags it writes,
which of its datasets migstat maps onto its own tables (Eurostat's, see
:data:`migstat.sources.eurostat.AGENCY`), its name, site and licence. Data of any other
dataset go to a table made from the data structure (``<AGENCY>_<DATASET>``, see
:mod:`migstat.formats.sdmxml.structure`), or to the table named with the ``table`` option.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from migstat.formats.jsonstat.reader import Cube, parse
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Provenance, SourceType, TableMetadata
from migstat.model.findings import InputError, NotFoundError
from migstat.model.registry import Registry
from migstat.sources.cube import AreaResolver, CubeMapper, Status, settle_all, value_of
from migstat.sources.cube import year_period as _year
from migstat.sources.names import resolve_country

StatusReader = Callable[[str | None, bool], Status]
"""A flag as published (and whether the value is missing) → ``(OBS_STATUS, CONF_STATUS,
comment)``."""
Pairs = list[tuple[CubeMapper, str | None]]
"""Each table's mapper, with the dimension the file must break down for the table to be kept
(``None``: kept whatever the file holds)."""


class Curated(Protocol):
    """A dataset of an agency that migstat maps onto its own tables."""

    title: str
    source_type: str
    population: str | None

    @property
    def origin_concept(self) -> str | None: ...


CuratedMappers = Callable[..., "tuple[Pairs, Curated] | None"]
"""``(registry, dataset, file_name, columns, *, area, time, table, status)`` → the mappers of
a curated dataset, or ``None`` when the dataset (or the table asked for) is not curated."""


def sdmx_status(flag: str | None, missing: bool) -> Status:
    """SDMX ``OBS_STATUS`` codes as published (``A`` when none; ``O`` for a missing value)."""
    code = (flag or "").strip().upper()
    if missing:
        return (code if code in ("L", "M", "O", "Q") else "O"), "F", None
    return (code or "A"), "F", None


@dataclass(frozen=True, slots=True)
class Agency:
    """What the readers of coded records need to know of the agency behind a file."""

    id: str
    publisher: str = ""
    """Who publishes, for the provenance (the id when empty)."""
    url: str | None = None
    licence: str | None = None
    resolve_area: AreaResolver | None = None
    """Area codes and labels → AREA codes; ``None``: the AREA code list as it is."""
    status: StatusReader = sdmx_status
    """The agency's flags, where a format carries no ``OBS_FLAG``/``OBS_STATUS`` of its own."""
    curated: CuratedMappers | None = None
    mapped: tuple[str, ...] = ()
    """The datasets migstat maps onto its own tables, named when another one has no table."""


def mappers(
    registry: Registry,
    dataset: str,
    file_name: str,
    columns: set[str],
    *,
    agency: Agency,
    area: str,
    time: str,
    table: str | None,
    status: StatusReader,
) -> tuple[Pairs, Curated | None]:
    """The mappers that turn records of ``dataset`` into migstat tables.

    A dataset the agency has curated uses its mapping; any other dataset needs a table made
    from its data structure (``<AGENCY>_<DATASET>``, or ``table``) whose dimension ids are the
    records' own.
    """
    if agency.curated is not None:
        found = agency.curated(
            registry, dataset, file_name, columns, area=area, time=time, table=table, status=status
        )
        if found is not None:
            return found
    where = Location(file=file_name)
    wanted = table or f"{agency.id}_{dataset}".upper()
    try:
        tdef = registry.table(wanted)
    except NotFoundError:
        message = (
            N_(
                "Dataset {dataset} of {agency} has no migstat table: make one from "
                "its data structure (migstat tables from-sdmx) or name the table. "
                "Mapped datasets: {known}."
            )
            if agency.id
            else N_(
                "Dataset {dataset} has no migstat table, and the file does not say which "
                "agency published it: make a table from its data structure (migstat "
                "tables from-sdmx) or name the table. Mapped datasets: {known}."
            )
        )
        raise InputError(
            message,
            where=where,
            dataset=dataset or "?",
            agency=agency.id,
            known=", ".join(agency.mapped),
        ) from None
    missing = [d for d in tdef.dimension_ids if d not in columns]
    if missing:
        raise InputError(
            N_(
                "Table {table} needs the dimensions {missing}, which the file "
                "does not have (it has: {found})."
            ),
            where=where,
            table=tdef.id,
            missing=", ".join(missing),
            found=", ".join(sorted(columns)),
        )
    require = {"FREQ": frozenset({"A"})} if "FREQ" in columns else {}
    resolve = agency.resolve_area or (lambda text: resolve_country(text, registry))
    mapper = CubeMapper(
        registry=registry,
        table=tdef,
        file_name=file_name,
        area=area,
        time=time,
        period=_year,
        resolve_area=resolve,
        status=status,
        dims={d: d for d in tdef.dimension_ids},
        require=require,
    )
    return [(mapper, None)], None


def feed(
    pairs: Pairs, record: Mapping[str, str], value: float | None, flag: str | None, where: Location
) -> None:
    """Give one record to every table it belongs to."""
    for mapper, _broken_down in pairs:
        if mapper.wants(record):
            mapper.add(record, value, flag, where)


def finish(
    pairs: Pairs, dataset: Dataset, broken_down: Callable[[str], bool], allow_unmatched: bool
) -> None:
    """Drop tables whose breakdown the file lacks; settle every mapper into ``dataset``."""
    kept = [m for m, needs in pairs if needs is None or broken_down(needs)]
    settle_all(kept, dataset, allow_unmatched)


def new_dataset(
    *,
    file_name: str,
    fmt: str,
    sha256: str,
    provider: str,
    publisher: str,
    dataset_code: str,
    title: str | None,
    edition: str | None,
    url: str | None = None,
    licence: str | None = None,
) -> Dataset:
    """An empty dataset with the provenance of an import."""
    return Dataset(
        file_name=file_name,
        format=fmt,
        provider=provider,
        synthetic=False,
        provenance=Provenance(
            publisher=publisher,
            dataset=f"{dataset_code}: {title}" if title else dataset_code,
            edition=edition,
            url=url,
            licence=licence,
            notes=f"SHA-256 {sha256}",
        ),
    )


def add_metadata(
    dataset: Dataset,
    known: Curated | None,
    note: str,
    *,
    periods: Mapping[str, set[str]] | None = None,
) -> None:
    """Table metadata for each table filled: source type, the span of periods, notes.

    ``periods``: each table's periods, gathered while streaming (by default, those of the
    dataset's observations)."""
    if periods is None:
        periods = _periods_of(dataset)
    for table, found in periods.items():
        ordered = sorted(found)
        span = ordered[0] if len(ordered) == 1 else f"{ordered[0]}/{ordered[-1]}"
        # a dataset whose tables differ (the OECD's stocks by birth beside flows by
        # citizenship) says so per table
        per_table = getattr(known, "for_table", None)
        own: dict[str, str | None] = per_table(table) if per_table else {}
        dataset.metadata.tables[table] = TableMetadata(
            table=table,
            source_type=known.source_type if known else SourceType.OTHER.value,
            reference_date=span,
            population_covered=own.get("population", known.population if known else None),
            origin_concept=own.get("origin_concept", known.origin_concept if known else None),
            residence_rule=own.get("residence_rule", getattr(known, "residence_rule", None)),
            notes="; ".join(n for n in (note, own.get("notes")) if n),
        )


def _periods_of(dataset: Dataset) -> dict[str, set[str]]:
    """Each table's periods among the dataset's observations (tables in order of appearance)."""
    found: dict[str, set[str]] = {}
    for obs in dataset.observations:
        found.setdefault(obs.table, set()).add(obs.time_period)
    return found


JSONSTAT_AREAS = ("GEO", "REF_AREA", "COUNTRY", "AREA")
JSONSTAT_TIMES = ("TIME", "TIME_PERIOD", "YEAR")


def read_jsonstat(
    raw: bytes,
    *,
    file_name: str,
    registry: Registry,
    agency: Agency,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    dataset: str | None = None,
    cube: Cube | None = None,
) -> Dataset:
    """A JSON-stat dataset of ``agency``: a curated dataset, or a table made from a data
    structure (dimension ids as the table's, ``geo``/``REF_AREA`` and ``time``)."""
    cube = cube or parse(raw, file_name)
    code, pairs, known = jsonstat_mappers(
        cube, file_name=file_name, registry=registry, agency=agency, table=table, dataset=dataset
    )
    cells = 0
    for cell in cube.cells():
        record = {k.upper(): v for k, v in cell.codes.items()}
        where = Location(
            file=file_name,
            column=f"value[{cell.position}] ("
            + ", ".join(f"{k}={v}" for k, v in cell.codes.items())
            + ")",
        )
        feed(pairs, record, value_of(cell.value), cell.status, where)
        cells += 1
    out = jsonstat_dataset(cube, file_name, hashlib.sha256(raw).hexdigest(), agency, code, edition)
    finish(pairs, out, lambda dim: broken_down(cube, dim), allow_unmatched)
    add_metadata(out, known, f"{agency.id} {code.lower()}, JSON-stat ({cells} cells)")
    return out


def jsonstat_mappers(
    cube: Cube,
    *,
    file_name: str,
    registry: Registry,
    agency: Agency,
    table: str | None,
    dataset: str | None,
) -> tuple[str, Pairs, Curated | None]:
    """The dataset code of a JSON-stat dataset (option, else its extension's id, else the
    table) and its tables' mappers; a dataset without a country or time dimension is an
    error."""
    found = (cube.extension or {}).get("id")
    code = (dataset or (found if isinstance(found, str) else "")).upper()
    ids = {d.id.upper(): d.id for d in cube.dimensions}
    area = next((i for i in JSONSTAT_AREAS if i in ids), None)
    time = next((i for i in JSONSTAT_TIMES if i in ids), None)
    if area is None or time is None:
        raise InputError(
            N_(
                "The JSON-stat dataset needs a country dimension (geo or REF_AREA) "
                "and a time dimension (time or TIME_PERIOD); it has: {found}."
            ),
            where=Location(file=file_name, column="id"),
            found=", ".join(cube.ids),
        )
    code = code or (table or "").upper()
    pairs, known = mappers(
        registry,
        code,
        file_name,
        set(ids) - {area, time},
        agency=agency,
        area=area,
        time=time,
        table=table,
        status=agency.status,
    )
    return code, pairs, known


def jsonstat_dataset(
    cube: Cube, file_name: str, sha256: str, agency: Agency, code: str, edition: str | None
) -> Dataset:
    """The empty dataset of a JSON-stat import, with its provenance (the edition: the
    option, else the day the dataset was updated)."""
    updated = cube.updated
    out = new_dataset(
        file_name=file_name,
        fmt="jsonstat",
        sha256=sha256,
        provider=agency.id,
        publisher=agency.publisher or agency.id,
        dataset_code=code,
        title=cube.label,
        edition=edition or (updated[:10] if updated else None),
        url=agency.url,
        licence=agency.licence,
    )
    if updated and out.provenance is not None:
        out.provenance.notes = f"{out.provenance.notes}; updated {updated}"
    return out


def broken_down(cube: Cube, dim: str) -> bool:
    """Whether the cube's dimension ``dim`` lists a category other than the total."""
    found = cube.dimension(dim)
    return found is not None and any(c not in ("TOTAL", "_T") for c in found.codes)
