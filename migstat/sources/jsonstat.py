"""JSON-stat of any publisher other than Eurostat (whose answers :mod:`eurostat` reads).

A JSON-stat dataset fills a migstat table whose dimension ids are the dataset's own (upper
case), with a country dimension (``geo``, ``REF_AREA``) and a time dimension: a table made
from the publisher's data structure, or the one named with the ``table`` option. Statuses are
taken as SDMX ``OBS_STATUS`` codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migstat.formats.jsonstat.reader import looks_like, parse
from migstat.formats.own_read import is_own_jsonstat, read_own_jsonstat
from migstat.i18n import N_
from migstat.model.data import Dataset, Location
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.coded import add_metadata, read_jsonstat
from migstat.sources.common import paused_gc
from migstat.sources.eurostat import AGENCY as ESTAT
from migstat.sources.eurostat_files import sniff as sniff_eurostat
from migstat.sources.sdmx import agency_of

NAME = "jsonstat"
PROVIDER = "JSONSTAT"


def sniff(path: Path, head: bytes) -> bool:
    return looks_like(head) and not sniff_eurostat(path, head)


def read(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    agency: str | None = None,
    dataset: str | None = None,
    **_: Any,
) -> Dataset:
    """A JSON-stat dataset. Options: ``table`` (usually needed: the table whose dimension ids
    are the dataset's), ``agency`` (when the file does not say who published it),
    ``edition``, ``allow_unmatched``; others are ignored."""
    path = Path(path)
    raw = path.read_bytes()
    cube = parse(raw, path.name)
    if is_own_jsonstat(cube) and not (agency or table):  # a table of migstat's, as written
        own = read_own_jsonstat(cube, registry=registry)
        add_metadata(own, None, f"MIGSTAT {cube.extension['table']}, JSON-stat")
        return own
    named = (cube.extension or {}).get("agencyId")
    source = agency or (named if isinstance(named, str) else None) or cube.source
    if not source:
        raise InputError(
            N_("The JSON-stat dataset does not say who published it (source); name the agency."),
            where=Location(file=path.name, column="source"),
        )
    code = str(source).upper()
    with paused_gc():
        return read_jsonstat(
            raw,
            cube=cube,
            file_name=path.name,
            registry=registry,
            agency=agency_of(ESTAT.id if code == "EUROSTAT" else code),
            allow_unmatched=allow_unmatched,
            edition=edition,
            table=table,
            dataset=dataset or table,
        )
