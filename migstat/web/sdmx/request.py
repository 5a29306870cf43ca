"""What an SDMX REST request asks for: flow, key, provider, periods, detail and format.

Every malformed part is an :class:`~migstat.web.sdmx.errors.SdmxError` naming what is wrong,
never an exception that would end as a server error.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from migstat.formats import sdmx_layout as L
from migstat.formats.sdmxml.writer import ALL_DIMENSIONS, DETAILS
from migstat.i18n import N_
from migstat.model import NotFoundError, Registry, TableDef
from migstat.web.sdmx.errors import NO_RESULTS, NOT_ACCEPTABLE, SEMANTIC, SYNTAX, SdmxError
from migstat.web.views.params import resolve_code

_ID = re.compile(r"^[A-Za-z0-9_@$\-]+$")
_VERSION = re.compile(r"^(latest|all|~|\*|\d+(\.\d+){0,2}(\+)?)$")

XML = "xml"
CSV = "csv"
JSON = "json"
MEDIA = {
    XML: "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
    CSV: "application/vnd.sdmx.data+csv; version=1.0.0",
    JSON: "application/vnd.sdmx.data+json; version=1.0.0",
}
STRUCTURE_MEDIA = "application/vnd.sdmx.structure+xml; version=2.1"
_FORMAT_PARAM = {
    "structurespecificdata": XML,
    "sdmx-ml": XML,
    "sdmxml": XML,
    "xml": XML,
    "csv": CSV,
    "sdmx-csv": CSV,
    "csvfile": CSV,
    "json": JSON,
    "sdmx-json": JSON,
    "jsondata": JSON,
}
_ACCEPT = {
    "application/vnd.sdmx.structurespecificdata+xml": XML,
    "application/vnd.sdmx.structure+xml": XML,
    "application/xml": XML,
    "text/xml": XML,
    "application/vnd.sdmx.data+csv": CSV,
    "text/csv": CSV,
    "application/csv": CSV,
    "application/vnd.sdmx.data+json": JSON,
    "application/json": JSON,
}


def _any_version(text: str) -> bool:
    return text in ("latest", "all", "~", "*", "") or text.endswith("+")


@dataclass(slots=True)
class FlowRef:
    """``S01``, ``MIGSTAT,S01`` or ``MIGSTAT,S01,1.0`` resolved to a table."""

    table: TableDef


def check_agency(agency: str | None) -> None:
    if agency and agency not in ("all", "*", L.AGENCY):
        raise SdmxError(
            NO_RESULTS,
            N_("There is no agency {agency} here; the agency is {known}."),
            agency=agency,
            known=L.AGENCY,
        )


def check_version(version: str | None, actual: str) -> bool:
    """Whether ``version`` (a requested version) selects ``actual``."""
    if version is None or _any_version(version):
        return True
    if not _VERSION.match(version):
        raise SdmxError(
            SYNTAX, N_("{version} is not a version: give e.g. 1.0 or latest."), version=version
        )
    return version == actual


def parse_flow(registry: Registry, text: str) -> FlowRef:
    """A dataflow reference: ``S01``, ``MIGSTAT,S01`` or ``MIGSTAT,S01,1.0``."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 3 or (not all(parts) and len(parts) > 1):
        raise SdmxError(
            SYNTAX,
            N_("{flow} is not a dataflow reference: write S01, MIGSTAT,S01 or MIGSTAT,S01,1.0."),
            flow=text,
        )
    agency, flow, version = (
        (None, parts[0], None)
        if len(parts) == 1
        else (parts[0], parts[1], parts[2] if len(parts) == 3 else None)
    )
    if not _ID.match(flow):
        raise SdmxError(
            SYNTAX,
            N_("{flow} is not a dataflow reference: write S01, MIGSTAT,S01 or MIGSTAT,S01,1.0."),
            flow=text,
        )
    check_agency(agency)
    table = table_by_id(registry, flow)
    if not check_version(version, table.version):
        raise SdmxError(
            NO_RESULTS,
            N_("Dataflow {flow} has no version {version}; it has {actual}."),
            flow=table.id,
            version=version,
            actual=table.version,
        )
    return FlowRef(table)


def table_by_id(registry: Registry, flow: str) -> TableDef:
    """The table of a dataflow id (an alias such as MCH1 is accepted too)."""
    try:
        return registry.table(flow)
    except NotFoundError:
        raise SdmxError(
            NO_RESULTS,
            N_("There is no dataflow {flow}. Dataflows: {known}."),
            flow=flow,
            known=", ".join(registry.tables),
        ) from None


def parse_key(
    table: TableDef, key: str | None, registry: Registry | None = None
) -> dict[str, list[str]]:
    """``KGZ+KAZ..F..`` -> codes per dimension; an empty position is a wildcard.

    With ``registry``, every code must be one of its dimension's code list (in any case:
    ``kgz`` is ``KGZ``); an unknown one is an error naming the position and the code."""
    if key is None or key in ("", "all", "*"):
        return {}
    dims = L.dimensions(table)
    parts = key.split(".")
    if len(parts) != len(dims):
        raise SdmxError(
            SYNTAX,
            N_(
                "The key {key} has {found} positions; dataflow {flow} has {expected}: {dimensions}."
            ),
            key=key,
            found=len(parts),
            flow=table.id,
            expected=len(dims),
            dimensions=".".join(dims),
        )
    wanted: dict[str, list[str]] = {}
    for dim, part in zip(dims, parts, strict=True):
        if not part or part == "*":
            continue
        codes = [c for c in part.split("+") if c]
        for code in codes:
            if not _ID.match(code):
                raise SdmxError(
                    SYNTAX,
                    N_("{code} in the key {key} is not a code (position {dimension})."),
                    code=code,
                    key=key,
                    dimension=dim,
                )
        if codes and registry is not None:
            codes = [_known_code(registry, table, dim, code, key) for code in codes]
        if codes:
            wanted[dim] = codes
    return wanted


def _known_code(registry: Registry, table: TableDef, dim: str, code: str, key: str) -> str:
    if dim == "DATA_PROVIDER":
        return code.upper()
    codelist = (
        registry.areas if dim == "REF_AREA" else registry.codelist(table.dimension(dim).codelist)
    )
    found = resolve_code(codelist, code)
    if found is None:
        raise SdmxError(
            NO_RESULTS,
            N_(
                "{code} in the key {key} is not a code of {dimension}: see "
                "/sdmx/rest/codelist/MIGSTAT/CL_{codelist}."
            ),
            code=code,
            key=key,
            dimension=dim,
            codelist=codelist.id,
        )
    return found


def parse_providers(text: str | None) -> list[str] | None:
    """``all``, ``UN_DESA``, ``MIGSTAT,UN_DESA`` or ``UN_DESA+KGZ`` -> provider codes."""
    if text is None or text in ("", "all", "*"):
        return None
    codes = []
    for part in text.split("+"):
        ident = part.split(",")[-1].strip()
        if not _ID.match(ident):
            raise SdmxError(
                SYNTAX, N_("{provider} is not a data provider reference."), provider=part
            )
        codes.append(ident)
    return codes


@dataclass(frozen=True, slots=True)
class Period:
    """A requested period bound as the first and last day it covers (``YYYY-MM-DD``)."""

    first: str
    last: str
    year: int


_PERIOD = re.compile(
    r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})(?:-(?P<day>\d{2}))?|Q(?P<q>[1-4])|S(?P<s>[12])"
    r"|A1|M(?P<m>\d{2})))?$"
)


def parse_period(name: str, text: str | None) -> Period | None:
    """``2019``, ``2019-07``, ``2019-07-01``, ``2019-Q3``, ``2019-S2``, ``2019-M07``."""
    if text is None or not text.strip():
        return None
    match = _PERIOD.match(text.strip())
    if match is None:
        raise SdmxError(
            SYNTAX,
            N_("{name}={value} is not a period: write 2019, 2019-07, 2019-07-01 or 2019-Q3."),
            name=name,
            value=text,
        )
    year = int(match["year"])
    if year < 1000:
        raise SdmxError(
            SEMANTIC,
            N_("{name}={value} is not a year anyone collected data for."),
            name=name,
            value=text,
        )
    first_month, last_month = 1, 12
    month = match["month"] or match["m"]
    if month:
        first_month = last_month = int(month)
    elif match["q"]:
        first_month = 3 * int(match["q"]) - 2
        last_month = first_month + 2
    elif match["s"]:
        first_month = 6 * int(match["s"]) - 5
        last_month = first_month + 5
    if not 1 <= first_month <= 12:
        raise SdmxError(
            SYNTAX,
            N_("{name}={value} is not a period: write 2019, 2019-07, 2019-07-01 or 2019-Q3."),
            name=name,
            value=text,
        )
    last_day = calendar.monthrange(year, last_month)[1]
    first_day = 1
    if match["day"]:
        day = int(match["day"])
        if not 1 <= day <= calendar.monthrange(year, first_month)[1]:
            raise SdmxError(
                SYNTAX,
                N_("{name}={value} is not a period: write 2019, 2019-07, 2019-07-01 or 2019-Q3."),
                name=name,
                value=text,
            )
        first_day = last_day = day
    return Period(
        f"{year:04d}-{first_month:02d}-{first_day:02d}",
        f"{year:04d}-{last_month:02d}-{last_day:02d}",
        year,
    )


def period_span(period: str) -> tuple[str, str]:
    """The first and last day a stored ``TIME_PERIOD`` covers (``YYYY`` or ``YYYY-MM-DD``)."""
    if len(period) == 4:
        return f"{period}-01-01", f"{period}-12-31"
    return period[:10], period[:10]


@dataclass(slots=True)
class DataRequest:
    """A data query, parsed."""

    table: TableDef
    key: dict[str, list[str]] = field(default_factory=dict)
    providers: list[str] | None = None
    start: Period | None = None
    end: Period | None = None
    updated_after: datetime | None = None
    detail: str = "full"
    dimension_at_observation: str = L.TIME
    first_n: int | None = None
    last_n: int | None = None

    def filters(self) -> dict[str, list[str]]:
        """The key as view filters, the provider reference folded into ``DATA_PROVIDER``."""
        found = dict(self.key)
        if self.providers is not None:
            given = found.get("DATA_PROVIDER")
            found["DATA_PROVIDER"] = (
                [p for p in given if p in self.providers]
                if given is not None
                else list(self.providers)
            )
        return found


def _count(name: str, text: str | None) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit() or int(text) < 1:
        raise SdmxError(
            SYNTAX,
            N_("{name} must be a whole number of at least 1, not {value}."),
            name=name,
            value=text,
        )
    return int(text)


def parse_data_request(
    registry: Registry, flow: str, key: str | None, provider: str | None, params: dict[str, str]
) -> DataRequest:
    """The data query of ``/data/{flow}/{key}/{provider}`` with its parameters."""
    table = parse_flow(registry, flow).table
    request = DataRequest(table, parse_key(table, key, registry), parse_providers(provider))
    request.start = parse_period("startPeriod", params.get("startPeriod"))
    request.end = parse_period("endPeriod", params.get("endPeriod"))
    if request.start and request.end and request.start.first > request.end.last:
        raise SdmxError(
            SEMANTIC,
            N_("startPeriod {start} comes after endPeriod {end}."),
            start=params.get("startPeriod"),
            end=params.get("endPeriod"),
        )
    updated = params.get("updatedAfter")
    if updated:
        try:
            moment = datetime.fromisoformat(updated.strip().replace("Z", "+00:00"))
        except ValueError:
            raise SdmxError(
                SYNTAX,
                N_("updatedAfter={value} is not a moment: write 2024-05-01T00:00:00Z."),
                value=updated,
            ) from None
        request.updated_after = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    detail = params.get("detail", "full")
    if detail not in DETAILS:
        raise SdmxError(
            SYNTAX,
            N_("detail={value} is not known: use one of {known}."),
            value=detail,
            known=", ".join(DETAILS),
        )
    request.detail = detail
    at_obs = params.get("dimensionAtObservation", L.TIME)
    known = [*L.all_dimensions(table), ALL_DIMENSIONS]
    if at_obs not in known:
        raise SdmxError(
            SYNTAX,
            N_("dimensionAtObservation={value} is not a dimension of {flow}: use one of {known}."),
            value=at_obs,
            flow=table.id,
            known=", ".join(known),
        )
    request.dimension_at_observation = at_obs
    request.first_n = _count("firstNObservations", params.get("firstNObservations"))
    request.last_n = _count("lastNObservations", params.get("lastNObservations"))
    return request


def negotiate(
    accept: str | None, fmt: str | None, *, kinds: Iterable[str] = (XML, CSV, JSON)
) -> str:
    """The format to answer in: the ``format`` parameter first, then the Accept header."""
    allowed = set(kinds)
    if fmt:
        kind = _FORMAT_PARAM.get(fmt.strip().lower())
        if kind is None or kind not in allowed:
            raise SdmxError(
                NOT_ACCEPTABLE,
                N_("format={value} is not served here; use one of {known}."),
                value=fmt,
                known=", ".join(k for k, v in _FORMAT_PARAM.items() if v in allowed),
            )
        return kind
    if not accept:
        return XML
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(accept.split(",")):
        media, *options = [p.strip() for p in part.split(";")]
        quality = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    quality = float(option[2:])
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, n, media.lower()))
    for quality, _n, media in sorted(ranked):
        if quality == 0:
            continue
        if media in ("*/*", "application/*", "text/*"):
            return XML if XML in allowed else next(iter(sorted(allowed)))
        kind = _ACCEPT.get(media)
        if kind in allowed:
            return kind
    raise SdmxError(
        NOT_ACCEPTABLE,
        N_(
            "None of the formats asked for ({accept}) is served "
            "here; ask for SDMX-ML structure-specific data, "
            "SDMX-CSV or SDMX-JSON."
        ),
        accept=accept,
    )


__all__ = [
    "CSV",
    "JSON",
    "MEDIA",
    "STRUCTURE_MEDIA",
    "XML",
    "DataRequest",
    "FlowRef",
    "Period",
    "check_agency",
    "check_version",
    "negotiate",
    "parse_data_request",
    "parse_flow",
    "parse_key",
    "parse_period",
    "parse_providers",
    "period_span",
    "table_by_id",
]
