"""Structures of the SDMX API from the registry, the data providers' code list, and the
answers of the structure queries (``/dataflow``, ``/datastructure``, ``/codelist``,
``/conceptscheme``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from functools import cache

from migstat.formats import sdmx_layout as L
from migstat.formats.sdmxml.structure_writer import Structures, write_structures
from migstat.formats.sdmxml.writer import Header
from migstat.i18n import N_
from migstat.model import Code, CodeList, Registry, TableDef, pick
from migstat.sources import SOURCES
from migstat.web.deps import Reader
from migstat.web.sdmx import request as R
from migstat.web.sdmx.cache import Answer, made
from migstat.web.sdmx.errors import NO_RESULTS, SYNTAX, SdmxError

STRUCTURE_RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")


def provider_codelist(registry: Registry) -> CodeList:
    """Who may stand behind numbers: every reporting country and every publisher imported."""
    cl = CodeList(
        id=L.PROVIDER_CODELIST,
        name=dict(L.CONCEPTS["DATA_PROVIDER"]),
        description={
            "en": "A reporting country (its own submission) or a publisher "
            "whose published data were imported.",
            "ru": "Страна, представившая свои данные, или издатель, "
            "опубликованные данные которого импортированы.",
        },
    )
    for reader in SOURCES.values():
        if reader.provider not in cl:
            cl.add(Code(id=reader.provider, name={"en": reader.publisher}))
    for code in registry.areas:
        if code.attributes.get("kind") == "country":
            cl.add(Code(id=code.id, name=dict(code.name)))
    return cl


@cache
def _codelists(registry: Registry) -> dict[str, CodeList]:
    found = dict(registry.codelists)
    found[L.PROVIDER_CODELIST] = provider_codelist(registry)
    return found


def codelists(registry: Registry) -> dict[str, CodeList]:
    """The registry's code lists plus the data providers' list, by registry id."""
    return _codelists(registry)


def used_codelists(registry: Registry, tables: list[TableDef]) -> list[CodeList]:
    """The code lists the data structures of ``tables`` refer to, in a stable order."""
    lists = codelists(registry)
    ids: dict[str, None] = {}
    for table in tables:
        for dim in L.dimensions(table):
            ids.setdefault(L.dimension_codelist(table, dim), None)
    for att in L.CODED_ATTRIBUTES:
        ids.setdefault(att, None)
    return [lists[i] for i in ids]


def with_references(
    tables: list[TableDef], registry: Registry, references: str, *, start: str
) -> Structures:
    """The artefacts of a structure answer: ``tables`` as ``start`` (``dataflow`` or
    ``datastructure``) plus what ``references`` asks for (``none``, ``children``,
    ``descendants``, ``all``, ``parents``, ``parentsandsiblings``, or an artefact type)."""
    found = Structures()
    if start == "dataflow":
        found.dataflows = list(tables)
    else:
        found.datastructures = list(tables)
    if references in ("none", ""):
        return found
    wide = references in ("descendants", "all")
    if start == "dataflow" and references in ("children", "descendants", "all", "datastructure"):
        found.datastructures = list(tables)
    if start == "datastructure" and references in (
        "parents",
        "parentsandsiblings",
        "all",
        "dataflow",
    ):
        found.dataflows = list(tables)
    deep = wide or (start == "datastructure" and references == "children")
    if deep or references == "codelist":
        found.codelists = used_codelists(registry, tables)
    if deep or references == "conceptscheme":
        found.concepts = True
    return found


def header(table: TableDef | None, lang: str, sources: Sequence[str] = ()) -> Header:
    """An SDMX-ML message header; a data message's names the table and its sources in both
    languages."""
    texts = source_texts(table, sources) if table is not None else {}
    return Header(id=f"IREF{uuid.uuid4().hex[:16].upper()}", source=texts)


def source_texts(table: TableDef, sources: Sequence[str] = ()) -> dict[str, str]:
    """What a message's header says the numbers are, in English and Russian: the table, its
    definition and the sources of the numbers."""
    texts: dict[str, str] = {}
    for code in ("en", "ru"):
        parts = [f"{table.id}: {table.label(code)}", pick(table.description, code), *sources]
        texts[code] = " | ".join(p for p in parts if p)
    return texts


_REFERENCES = (
    "none",
    "parents",
    "parentsandsiblings",
    "children",
    "descendants",
    "all",
    "dataflow",
    "datastructure",
    "codelist",
    "conceptscheme",
)


def _wanted(resource_id: str | None) -> str | None:
    return None if resource_id in (None, "", "all", "*") else resource_id


def _structures(
    who: Reader, resource: str, resource_id: str | None, version: str | None, references: str
) -> Structures:
    registry = who.registry
    wanted = _wanted(resource_id)
    if resource in ("dataflow", "datastructure"):
        tables = list(registry.tables.values())
        if wanted is not None:
            table_id = (
                wanted[4:] if resource == "datastructure" and wanted.startswith("DSD_") else wanted
            )
            tables = [t for t in tables if t.id == table_id]
        tables = [t for t in tables if R.check_version(version, t.version)]
        return (
            with_references(tables, registry, references, start=resource)
            if tables
            else (Structures())
        )
    if resource == "codelist":
        lists = list(codelists(registry).values())
        if wanted is not None:
            lists = [c for c in lists if L.codelist_id(c.id) == wanted]
        return Structures(codelists=[c for c in lists if R.check_version(version, c.version)])
    if wanted not in (None, L.CONCEPT_SCHEME) or not R.check_version(
        version, L.CONCEPT_SCHEME_VERSION
    ):
        return Structures()
    return Structures(concepts=True)


def structure_answer(
    who: Reader,
    resource: str,
    agency: str | None,
    resource_id: str | None,
    version: str | None,
    params: Mapping[str, str],
    accept: str | None,
    lang: str,
) -> Answer:
    """SDMX-ML structure messages built from the registry."""
    if resource not in STRUCTURE_RESOURCES:
        raise SdmxError(
            NO_RESULTS,
            N_(
                "{resource} is not a resource of this API; it has "
                "{known}, data and availableconstraint."
            ),
            resource=resource,
            known=", ".join(STRUCTURE_RESOURCES),
        )
    R.negotiate(accept, params.get("format"), kinds=(R.XML,))
    R.check_agency(agency)
    references = params.get("references", "none")
    if references not in _REFERENCES:
        raise SdmxError(
            SYNTAX,
            N_("references={value} is not known: use one of {known}."),
            value=references,
            known=", ".join(_REFERENCES),
        )
    found = _structures(who, resource, resource_id, version, references)
    if found.empty:
        raise SdmxError(
            NO_RESULTS,
            N_("No {resource} matches {query}."),
            resource=resource,
            query="/".join(p for p in (agency, resource_id, version) if p),
        )
    body = write_structures(found, who.registry, codelists(who.registry), header=header(None, lang))
    return made(body, R.STRUCTURE_MEDIA)


__all__ = [
    "STRUCTURE_RESOURCES",
    "codelists",
    "header",
    "provider_codelist",
    "source_texts",
    "structure_answer",
    "used_codelists",
    "with_references",
]
