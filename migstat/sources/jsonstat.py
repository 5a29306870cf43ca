"""JSON-stat of any publisher other than Eurostat (whose answers :mod:`eurostat` reads).

A JSON-stat 2.0 dataset is read as a stream (:mod:`~migstat.sources.jsonstat_stream`).
A JSON-stat dataset fills a migstat table whose dimension ids are the dataset's own (upper
case), with a country dimension (``geo``, ``REF_AREA``) and a time dimension: a table made
from the publisher's data structure, or the one named with the ``table`` option. Statuses are
taken as SDMX ``OBS_STATUS`` codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migstat.formats.jsonstat.reader import Cube, looks_like, parse
from migstat.formats.limits import check_whole
from migstat.formats.own_read import is_own_jsonstat, read_own_jsonstat
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.coded import Agency, add_metadata, read_jsonstat
from migstat.sources.coded_stream import Options, collected, one_batch
from migstat.sources.common import paused_gc
from migstat.sources.eurostat import AGENCY as ESTAT
from migstat.sources.eurostat_files import sniff as sniff_eurostat
from migstat.sources.jsonstat_stream import opened_cube, stream_jsonstat
from migstat.sources.sdmx import agency_of

NAME = "jsonstat"
PROVIDER = "JSONSTAT"


def sniff(path: Path, head: bytes) -> bool:
    return looks_like(head) and not sniff_eurostat(path, head)


def read(path: Path, *, registry: Registry, **options: Any) -> Dataset:
    """A JSON-stat dataset (see :func:`stream`), every observation held."""
    return collected(*stream(path, registry=registry, **options, whole=True))


def stream(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    table: str | None = None,
    agency: str | None = None,
    dataset: str | None = None,
    whole: bool = False,
    **_: Any,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    """A JSON-stat dataset as a stream (:mod:`~migstat.sources.jsonstat_stream`; one that
    cannot be streamed is read whole, under ``MIGSTAT_MAX_JSONSTAT_MB``, and given as one
    batch). Options: ``table`` (usually needed: the table whose dimension ids are the
    dataset's), ``agency`` (when the file does not say who published it), ``edition``,
    ``allow_unmatched``, ``whole`` (:func:`read`'s); others are ignored."""
    path = Path(path)
    found = opened_cube(path)
    own = found is not None and is_own_jsonstat(found[0]) and not (agency or table)
    if found is None or own:
        check_whole(path, "jsonstat")  # held whole
        return one_batch(
            _read_whole(path, registry, allow_unmatched, edition, table, agency, dataset)
        )
    cube, shape = found
    options = Options(registry, allow_unmatched, edition, table, None, dataset or table)
    coded = stream_jsonstat(path, cube, shape, options, agency=_agency(cube, agency, path))
    if whole:
        coded.hold = None
    return coded.dataset, coded.batches()


def _agency(cube: Cube, agency: str | None, path: Path) -> Agency:
    """Who published the dataset: the option, else the file's agency id or source."""
    named = (cube.extension or {}).get("agencyId")
    source = agency or (named if isinstance(named, str) else None) or cube.source
    if not source:
        raise InputError(
            N_("The JSON-stat dataset does not say who published it (source); name the agency."),
            where=Location(file=path.name, column="source"),
        )
    code = str(source).upper()
    return agency_of(ESTAT.id if code == "EUROSTAT" else code)


def _read_whole(
    path: Path,
    registry: Registry,
    allow_unmatched: bool,
    edition: str | None,
    table: str | None,
    agency: str | None,
    dataset: str | None,
) -> Dataset:
    """A JSON-stat file parsed at once: a collection or bundle, migstat's own tables."""
    raw = path.read_bytes()
    cube = parse(raw, path.name)
    if is_own_jsonstat(cube) and not (agency or table):  # a table of migstat's, as written
        own = read_own_jsonstat(cube, registry=registry)
        add_metadata(own, None, f"MIGSTAT {cube.extension['table']}, JSON-stat")
        return own
    with paused_gc():
        return read_jsonstat(
            raw,
            cube=cube,
            file_name=path.name,
            registry=registry,
            agency=_agency(cube, agency, path),
            allow_unmatched=allow_unmatched,
            edition=edition,
            table=table,
            dataset=dataset or table,
        )
