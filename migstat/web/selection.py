"""A *view* of a table: the selection behind a portal page, a download and an API answer.

The portal, the downloads (``/download/S01.csv?REF_AREA=KGZ+KAZ&SEX=F&start=2010``) and the
JSON API describe a selection with the same query parameters:

* a dimension id in upper case (``REF_AREA``, ``SEX``, ``AGE``, ``COUNTRY_BIRTH`` ...,
  ``DATA_PROVIDER``) with codes separated by ``+`` (or the parameter repeated);
* ``start`` and ``end``: years, inclusive;
* ``as_of``: the state of the store at a date (``YYYY-MM-DD``) or a moment;
* ``lang``: ``en`` or ``ru`` (labels and texts; read by :func:`migstat.web.deps.language`).

:func:`parse_view` turns them into a :class:`View`; :func:`read_observations` and
:func:`read_rows` read through the request's :class:`~migstat.web.deps.Reader`, so what a
view shows is always what the principal may see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from migstat import api
from migstat.formats import output
from migstat.i18n import N_
from migstat.model import InputError, MigstatError, NotFoundError, TableDef, pick
from migstat.store.records import ObservationQuery, StoredObservation
from migstat.web.deps import Reader
from migstat.web.views.params import resolve_code

KEY_DIMENSIONS = ("REF_AREA", "DATA_PROVIDER")
"""Dimensions every table has besides its breakdowns (``TIME_PERIOD`` is ``start``/``end``)."""
MAX_OBSERVATIONS = 1_000_000
"""The most observations one download answers with (the whole of the largest table fits)."""
_CODE = re.compile(r"^[A-Za-z0-9_@$\-]+$")


class TooLargeError(MigstatError):
    """A selection holds more observations than one answer may carry."""


@dataclass(slots=True)
class View:
    """What to show of one table."""

    table: TableDef
    filters: dict[str, list[str]] = field(default_factory=dict)
    """Dimension id (``REF_AREA``, ``DATA_PROVIDER`` or a breakdown) -> codes wanted."""
    start: int | None = None
    end: int | None = None
    as_of: datetime | None = None

    def query(self) -> ObservationQuery:
        """The store query of this view (the partner dimension goes in ``filters``)."""
        breakdowns = {d: codes for d, codes in self.filters.items() if d not in KEY_DIMENSIONS}
        return ObservationQuery(
            table=self.table.id,
            ref_areas=self.filters.get("REF_AREA"),
            providers=self.filters.get("DATA_PROVIDER"),
            time_from=self.start,
            time_to=self.end,
            filters=breakdowns or None,
        )

    def params(self) -> list[tuple[str, str]]:
        """The view as query parameters again (for links)."""
        pairs = [(d, "+".join(codes)) for d, codes in self.filters.items()]
        if self.start is not None:
            pairs.append(("start", str(self.start)))
        if self.end is not None:
            pairs.append(("end", str(self.end)))
        if self.as_of is not None:
            pairs.append(("as_of", self.as_of.isoformat()))
        return pairs


def download_path(view: View, fmt: str, lang: str | None = None) -> str:
    """The address of the download of ``view`` as ``fmt`` (``csv``, ``xlsx``, ``sdmx.csv``,
    ``sdmx.xml``, ``json-stat.json``, ``px``), e.g. for a page's download links."""
    from urllib.parse import urlencode

    pairs = view.params() + ([("lang", lang)] if lang else [])
    query = urlencode(pairs, safe="+")
    return f"/download/{view.table.id}.{fmt}" + (f"?{query}" if query else "")


def split_codes(values: Iterable[str]) -> list[str]:
    """``["KGZ+KAZ", "RUS"]`` -> ``["KGZ", "KAZ", "RUS"]`` (a ``+`` may arrive as a space)."""
    codes: list[str] = []
    for value in values:
        for code in re.split(r"[+\s,]+", value.strip()):
            if code and code not in codes:
                codes.append(code)
    return codes


def _year(name: str, text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not re.fullmatch(r"\d{4}", value):
        raise InputError(
            N_("{name} must be a year such as 2019, not {value}."), name=name, value=value
        )
    return int(value)


def parse_view(reader: Reader, table: str, params: Mapping[str, Any] | Any) -> View:
    """The view of ``table`` that the query parameters ``params`` describe.

    ``params`` is a mapping, or Starlette's ``QueryParams`` (repeated parameters are joined).
    Unknown tables, dimensions and codes are errors naming what exists.
    """
    registry = reader.registry
    tdef = registry.table(table)
    items = (
        params.multi_items()
        if hasattr(params, "multi_items")
        else [
            (k, v)
            for k, vs in params.items()
            for v in (vs if isinstance(vs, list | tuple) else [vs])
        ]
    )
    raw: dict[str, list[str]] = {}
    for name, value in items:
        raw.setdefault(name, []).append(str(value))
    allowed = (*KEY_DIMENSIONS, *tdef.dimension_ids)
    view = View(tdef)
    for name, values in raw.items():
        if name == name.lower():
            continue  # lang, start, end, as_of, and whatever a page keeps in its URL
        if name not in allowed:
            raise NotFoundError(
                N_("Table {table} has no dimension {dimension}; its dimensions are {known}."),
                table=tdef.id,
                dimension=name,
                known=", ".join(allowed),
            )
        codes = split_codes(values)
        if codes:
            view.filters[name] = [_code(reader, tdef, name, c) for c in codes]
    start = _year("start", raw.get("start", [None])[-1])
    end = _year("end", raw.get("end", [None])[-1])
    if start is not None and end is not None and start > end:
        raise InputError(
            N_("The first year {start} comes after the last year {end}."), start=start, end=end
        )
    view.start, view.end = start, end
    view.as_of = api.parse_as_of(raw.get("as_of", [None])[-1])
    return view


def _code(reader: Reader, table: TableDef, dim: str, code: str) -> str:
    """A code of a dimension as the store has it (country names and aliases resolved)."""
    if not _CODE.match(code) and dim not in ("REF_AREA", "DATA_PROVIDER"):
        raise InputError(N_("{code} is not a code of {dimension}."), code=code, dimension=dim)
    if dim == "DATA_PROVIDER":
        return code.upper()
    registry = reader.registry
    cl = registry.areas if dim == "REF_AREA" else registry.codelist(table.dimension(dim).codelist)
    resolved = resolve_code(cl, code)
    if resolved is None:
        raise NotFoundError(
            N_("{code} is not a code of {dimension} in table {table}."),
            code=code,
            dimension=dim,
            table=table.id,
        )
    return resolved


def read_observations(
    reader: Reader, view: View, *, limit: int = MAX_OBSERVATIONS
) -> list[StoredObservation]:
    """The view's current observations as the reader's principal may see them.

    More than ``limit`` observations raise :class:`TooLargeError` (the reading stops there).
    """
    return take(reader.observations(view.query(), as_of=view.as_of), limit)


def take(observations: Iterable[StoredObservation], limit: int) -> list[StoredObservation]:
    """The observations as a list; :class:`TooLargeError` past ``limit``."""
    found: list[StoredObservation] = []
    for obs in observations:
        if len(found) >= limit:
            raise TooLargeError(
                N_(
                    "The selection holds more than {limit} observations. Choose "
                    "fewer countries, breakdowns or years."
                ),
                limit=limit,
            )
        found.append(obs)
    return found


def read_rows(
    reader: Reader, view: View, *, observations: Sequence[StoredObservation] | None = None
) -> list[dict[str, Any]]:
    """Tidy labelled rows of the view (as :func:`migstat.api.query` gives them)."""
    found = read_observations(reader, view) if observations is None else observations
    return output.label_rows(found, view.table, reader.registry, reader.lang)


def source_lines(
    reader: Reader, observations: Iterable[StoredObservation], table: TableDef
) -> dict[int, str]:
    """Who stands behind the observations: submission id -> a line naming the source."""
    ids: dict[int, None] = {}
    for obs in observations:
        ids.setdefault(obs.submission_id, None)
    if not ids:
        return {}
    records = {r.id: r for r in reader.submissions() if r.id in ids}
    return {sid: source_line(records[sid], table.id, reader.lang) for sid in ids if sid in records}


def sources(
    reader: Reader, observations: Iterable[StoredObservation], table: TableDef
) -> list[str]:
    """The distinct sources of the observations, in order of first appearance."""
    return list(dict.fromkeys(source_lines(reader, observations, table).values()))


def source_line(record: Any, table_id: str, lang: str) -> str:
    """One submission as a source: publisher, publication, edition, licence and address
    for imports; agency and kind of source for a country's own submission."""
    prov = record.provenance or {}
    if prov:
        head = ", ".join(str(prov[k]) for k in ("publisher", "dataset", "edition") if prov.get(k))
        tail = " ".join(
            f"({prov[k]})" if k == "licence" else str(prov[k])
            for k in ("licence", "url")
            if prov.get(k)
        )
        return f"{head} {tail}".strip()
    meta = record.metadata or {}
    table_meta = (meta.get("tables") or {}).get(table_id) or {}
    parts = [meta.get("agency") or record.provider]
    if table_meta.get("source_type"):
        parts.append(str(table_meta["source_type"]))
    if record.synthetic:
        parts.append(
            pick(
                {
                    "en": "synthetic demo data, not official statistics",
                    "ru": "синтетические демонстрационные данные, не официальная статистика",
                },
                lang,
            )
        )
    return ", ".join(str(p) for p in parts if p)


def latest(observations: Iterable[StoredObservation]) -> datetime | None:
    """When the newest of the observations was recorded."""
    return max((o.recorded_at for o in observations), default=None)


__all__ = [
    "KEY_DIMENSIONS",
    "MAX_OBSERVATIONS",
    "TooLargeError",
    "View",
    "download_path",
    "latest",
    "parse_view",
    "read_observations",
    "read_rows",
    "source_line",
    "source_lines",
    "sources",
    "split_codes",
    "take",
]
