"""How a registry table looks in SDMX: one dataflow, one data structure, its components.

Every writer of SDMX-shaped output (SDMX-ML, SDMX-CSV, SDMX-JSON) and of cubes (JSON-stat, PX)
uses this one layout, so a series key means the same thing in every format:

* agency ``MIGSTAT``; dataflow id = table id (``S01``), data structure ``DSD_S01``, both with the
  table's version;
* dimensions ``REF_AREA``, the table's breakdown dimensions in key order, ``DATA_PROVIDER``,
  then the time dimension ``TIME_PERIOD`` (``YYYY`` for flows, ``YYYY-MM-DD`` for stocks).
  ``DATA_PROVIDER`` is a dimension because the store keeps the numbers of several providers for
  the same cell side by side (a country's own figure next to UN DESA's): without it two
  observations could share a key;
* the measure ``OBS_VALUE``; attributes ``OBS_STATUS``, ``CONF_STATUS`` (coded) and
  ``COMMENT`` (text), attached to the observation, and a survey estimate's precision
  (``STD_ERROR``, ``COEF_VAR``, ``CI_LEVEL``, ``CI_LOWER``, ``CI_UPPER``, ``RELIABILITY``).

Observations handed to the writers only need the attributes of
:class:`migstat.store.records.StoredObservation` (``table``, ``provider``, ``ref_area``,
``time_period``, ``key``, ``value``, ``obs_status``, ``conf_status``, ``comment``), so this layer
does not import the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from migstat.model import CodeList, Registry, TableDef
from migstat.model.codelists import LabelText
from migstat.model.precision import ATTRIBUTE_NAMES, Precision
from migstat.model.precision import ATTRIBUTES as PRECISION

AGENCY = "MIGSTAT"
CONCEPT_SCHEME = "CS_MIGSTAT"
CONCEPT_SCHEME_VERSION = "1.0"
PROVIDER_CODELIST = "DATA_PROVIDER"
TIME = "TIME_PERIOD"
MEASURE = "OBS_VALUE"
CODED_ATTRIBUTES = ("OBS_STATUS", "CONF_STATUS")
ATTRIBUTES = (*CODED_ATTRIBUTES, "COMMENT")
PRECISION_ATTRIBUTES = PRECISION
"""A survey estimate's precision (``STD_ERROR`` … ``RELIABILITY``, see
:mod:`migstat.model.precision`): in every data structure, written with an observation that has
them (SDMX-JSON only in a message that has some)."""

CONCEPTS: dict[str, LabelText] = {
    "REF_AREA": {"en": "Reference area", "ru": "Страна или территория"},
    "DATA_PROVIDER": {"en": "Data provider", "ru": "Поставщик данных"},
    "TIME_PERIOD": {"en": "Time period", "ru": "Период"},
    "OBS_VALUE": {"en": "Observation value", "ru": "Значение"},
    "OBS_STATUS": {"en": "Observation status", "ru": "Статус наблюдения"},
    "CONF_STATUS": {"en": "Confidentiality status", "ru": "Статус конфиденциальности"},
    "COMMENT": {"en": "Comment", "ru": "Комментарий"},
    **ATTRIBUTE_NAMES,
}
"""Names of the concepts that are not breakdown dimensions of a table."""


class ObservationLike(Protocol):
    """What the writers read from an observation (a stored one has all of it)."""

    table: str
    provider: str
    ref_area: str
    time_period: str
    key: tuple[str, ...]
    value: float | None
    obs_status: str
    conf_status: str
    comment: str | None


def codelist_id(cl_id: str) -> str:
    """The SDMX id of a registry code list: ``SEX`` → ``CL_SEX``."""
    return f"CL_{cl_id}"


def dsd_id(table: TableDef) -> str:
    return f"DSD_{table.id}"


def urn(kind: str, object_id: str, version: str, agency: str = AGENCY) -> str:
    """An SDMX URN, ``kind`` as in ``datastructure.DataStructure``."""
    return f"urn:sdmx:org.sdmx.infomodel.{kind}={agency}:{object_id}({version})"


def dimensions(table: TableDef) -> list[str]:
    """The key dimensions of a table's data structure, without the time dimension."""
    return ["REF_AREA", *table.dimension_ids, "DATA_PROVIDER"]


def all_dimensions(table: TableDef) -> list[str]:
    """Key dimensions then ``TIME_PERIOD``: the order of a full observation key."""
    return [*dimensions(table), TIME]


def dimension_codelist(table: TableDef, dim_id: str) -> str:
    """The registry code list behind a dimension of the table's data structure."""
    if dim_id == "REF_AREA":
        return "AREA"
    if dim_id == "DATA_PROVIDER":
        return PROVIDER_CODELIST
    return table.dimension(dim_id).codelist


def concept_name(dim_id: str, registry: Registry) -> LabelText:
    """The name of a concept: fixed ones here, breakdown dimensions from the tables."""
    if dim_id in CONCEPTS:
        return CONCEPTS[dim_id]
    for table in registry.tables.values():
        if dim_id in table.dimension_ids:
            return table.dimension(dim_id).name
    return {"en": dim_id}


def component_name(table: TableDef, dim_id: str) -> LabelText:
    """The name of a component of ``table``'s data structure."""
    if dim_id in table.dimension_ids:
        return table.dimension(dim_id).name
    return CONCEPTS.get(dim_id, {"en": dim_id})


def concept_ids(registry: Registry) -> list[str]:
    """Every concept the registry's data structures use, in a stable order."""
    seen: dict[str, None] = dict.fromkeys(("REF_AREA",))
    for table in registry.tables.values():
        seen.update(dict.fromkeys(table.dimension_ids))
    seen.update(dict.fromkeys(("DATA_PROVIDER", TIME, MEASURE, *ATTRIBUTES, *PRECISION)))
    return list(seen)


def precision_cells(obs: object) -> list[str]:
    """An observation's precision attributes as texts in :data:`PRECISION_ATTRIBUTES` order
    (all empty when it has none)."""
    found: Precision | None = getattr(obs, "precision", None)
    if found is None:
        return [""] * len(PRECISION_ATTRIBUTES)
    return list(found.attributes().values())


def key_of(obs: ObservationLike) -> tuple[str, ...]:
    """The full key of an observation in :func:`all_dimensions` order."""
    return (obs.ref_area, *obs.key, obs.provider, obs.time_period)


def number(value: float | None) -> str:
    """A value as SDMX writes it: integers without ``.0``, missing as ``NaN``."""
    if value is None:
        return "NaN"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


@dataclass(slots=True)
class Cube:
    """Observations on the axes they span: the distinct codes of every dimension, in order.

    Codes keep the order of the code list (the registry's order, which is how people read
    tables: total first, then the parts); codes missing from the list come last, sorted.
    ``cells`` maps a full key (:func:`all_dimensions` order) to its observation.
    """

    table: TableDef
    dims: list[str]
    codes: list[list[str]]
    cells: dict[tuple[str, ...], Any]

    @property
    def size(self) -> list[int]:
        return [len(c) for c in self.codes]

    @property
    def n_cells(self) -> int:
        total = 1
        for n in self.size:
            total *= n
        return total


def cube(
    observations: Iterable[ObservationLike], table: TableDef, codelists: dict[str, CodeList]
) -> Cube:
    """The observations of one table on their axes (see :class:`Cube`)."""
    dims = all_dimensions(table)
    cells: dict[tuple[str, ...], Any] = {}
    seen: list[set[str]] = [set() for _ in dims]
    for obs in observations:
        key = key_of(obs)
        cells[key] = obs
        for i, code in enumerate(key):
            seen[i].add(code)
    codes = []
    for i, dim in enumerate(dims):
        present = seen[i]
        if dim == TIME:
            codes.append(sorted(present))
            continue
        cl = codelists.get(dimension_codelist(table, dim))
        ordered = [c for c in cl.codes if c in present] if cl is not None else []
        known = set(ordered)
        codes.append(ordered + sorted(present - known))
    return Cube(table, dims, codes, cells)


__all__ = [
    "AGENCY",
    "ATTRIBUTES",
    "CODED_ATTRIBUTES",
    "CONCEPTS",
    "CONCEPT_SCHEME",
    "MEASURE",
    "PRECISION_ATTRIBUTES",
    "PROVIDER_CODELIST",
    "TIME",
    "Cube",
    "ObservationLike",
    "all_dimensions",
    "codelist_id",
    "component_name",
    "concept_ids",
    "concept_name",
    "cube",
    "dimension_codelist",
    "dimensions",
    "dsd_id",
    "key_of",
    "number",
    "urn",
]
