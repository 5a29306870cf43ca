"""Structures of the SDMX API from the registry, and the data providers' code list."""

from __future__ import annotations

from functools import cache

from migstat.formats import sdmx_layout as L
from migstat.formats.sdmxml.structure_writer import Structures
from migstat.model import Code, CodeList, Registry, TableDef
from migstat.sources import SOURCES


def provider_codelist(registry: Registry) -> CodeList:
    """Who may stand behind numbers: every reporting country and every publisher imported."""
    cl = CodeList(id=L.PROVIDER_CODELIST, name=dict(L.CONCEPTS["DATA_PROVIDER"]),
                  description={"en": "A reporting country (its own submission) or a publisher "
                                     "whose published data were imported.",
                               "ru": "Страна, представившая свои данные, или издатель, "
                                     "опубликованные данные которого импортированы."})
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


def with_references(tables: list[TableDef], registry: Registry, references: str,
                    *, start: str) -> Structures:
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
    if start == "datastructure" and references in ("parents", "parentsandsiblings", "all",
                                                   "dataflow"):
        found.dataflows = list(tables)
    deep = wide or (start == "datastructure" and references == "children")
    if deep or references == "codelist":
        found.codelists = used_codelists(registry, tables)
    if deep or references == "conceptscheme":
        found.concepts = True
    return found


__all__ = ["codelists", "provider_codelist", "used_codelists", "with_references"]
