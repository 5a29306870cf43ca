"""SDMX-ML data messages (2.1 and 3.0; generic and structure-specific) as coded records.

Read with lxml's ``iterparse`` so a large message streams: each observation becomes one
:class:`Record` holding every code and attribute that applies to it (the series key and series
attributes merged with the observation's own), ``OBS_VALUE`` as text, and the line it was
read from. Element names are matched by their local name, so the namespaces of SDMX 2.1, 3.0
and the structure-specific schemas of each data structure all read alike.

Forms handled:

* generic (``GenericData``): ``SeriesKey``/``Attributes``/``Obs`` with ``ObsDimension`` and
  ``ObsValue``; flat observations with an ``ObsKey``;
* structure-specific (``StructureSpecificData``, also SDMX 2.0 ``CompactData``): codes as XML
  attributes of ``Series`` and ``Obs``; flat ``Obs`` directly in the ``DataSet``; an explicit
  measure dimension given as the observation's ``xsi:type`` (``demo:TFRNSI``).

Which attributes are dimensions is the data structure's business: the mapper that turns records
into a table's observations picks the ids it needs.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError

DATA_ROOTS = frozenset(
    {
        "GenericData",
        "StructureSpecificData",
        "CompactData",
        "GenericTimeSeriesData",
        "StructureSpecificTimeSeriesData",
        "UtilityData",
        "CrossSectionalData",
    }
)
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@dataclass(slots=True)
class StructureRef:
    """The data structure (or dataflow) a message refers to."""

    agency: str | None = None
    id: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        text = f"{self.agency}:{self.id}" if self.agency else str(self.id or "")
        return f"{text}({self.version})" if self.version else text


@dataclass(slots=True)
class Header:
    id: str | None = None
    prepared: str | None = None
    sender: str | None = None
    structure: StructureRef = field(default_factory=StructureRef)
    dimension_at_observation: str = "TIME_PERIOD"
    dataset_id: str | None = None


@dataclass(slots=True)
class Record:
    """One observation: every code and attribute by id, ``OBS_VALUE`` among them."""

    values: dict[str, str]
    line: int | None


@dataclass(slots=True)
class DataMessage:
    file_name: str
    kind: str
    header: Header
    records: list[Record]


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if "}" in text else text


def _structure_ref(elem: etree._Element, header: Header) -> None:
    """The structure named in ``message:Structure``: a ``Ref`` child or a URN."""
    for child in elem.iter():
        name = _local(child.tag)
        if name == "Ref" and child.get("id"):
            header.structure = StructureRef(
                child.get("agencyID"), child.get("id"), child.get("version")
            )
            return
        if (
            name in ("URN", "Structure", "StructureUsage", "ProvisionAgreement")
            and child.text
            and child.text.strip().startswith("urn:")
        ):
            header.structure = _from_urn(child.text.strip())
            return
    if elem.get("structureID"):
        header.structure = StructureRef(None, elem.get("structureID"), None)


def _from_urn(urn: str) -> StructureRef:
    """``urn:...DataStructure=ESTAT:DEMOGRAPHY(1.0)`` as a reference."""
    tail = urn.split("=", 1)[-1]
    agency, _, rest = tail.partition(":")
    ident, _, version = rest.partition("(")
    return StructureRef(agency or None, ident or None, version.rstrip(")") or None)


def _header(elem: etree._Element) -> Header:
    header = Header()
    for child in elem:
        name = _local(child.tag)
        if name == "ID":
            header.id = (child.text or "").strip() or None
        elif name == "Prepared":
            header.prepared = (child.text or "").strip() or None
        elif name == "Sender":
            header.sender = child.get("id")
        elif name == "DataSetID":
            header.dataset_id = (child.text or "").strip() or None
        elif name == "Structure":
            header.dimension_at_observation = child.get("dimensionAtObservation") or "TIME_PERIOD"
            _structure_ref(child, header)
            namespace = child.get("namespace") or ""
            if header.structure.id is None and namespace.startswith("urn:"):
                header.structure = _from_urn(namespace.split(":ObsLevelDim")[0])
    return header


def _generic_values(elem: etree._Element, into: dict[str, str]) -> None:
    for value in elem:
        ident = value.get("id") or value.get("concept")
        if ident is not None and value.get("value") is not None:
            into[ident] = value.get("value")


def read_data(source: Path | bytes, file_name: str | None = None) -> DataMessage:
    """All observations of an SDMX-ML data message, with its header."""
    stream = DataStream(source, file_name)
    records = list(stream.records())
    return DataMessage(stream.file_name, stream.kind, stream.header, records)


class DataStream:
    """An SDMX-ML data message read as its observations are asked for: each element is
    cleared once read, so memory does not grow with the message. ``kind`` and ``header`` are
    known once the first records have been read (:meth:`ahead`); the header comes first in
    every message."""

    def __init__(self, source: Path | bytes, file_name: str | None = None) -> None:
        self.file_name = file_name or (source.name if isinstance(source, Path) else "data.xml")
        self.kind = ""
        self.header = Header()
        self._source = io.BytesIO(source) if isinstance(source, bytes) else str(source)
        self._ahead: list[Record] = []
        self._rest = self._read()

    def ahead(self, count: int) -> list[Record]:
        """The first ``count`` records (fewer in a shorter message), read ahead."""
        while len(self._ahead) < count:
            found = next(self._rest, None)
            if found is None:
                break
            self._ahead.append(found)
        return self._ahead

    def records(self) -> Iterator[Record]:
        """Every record, from the first (those read ahead included)."""
        ahead, self._ahead = self._ahead, []
        yield from ahead
        yield from self._rest

    def _read(self) -> Iterator[Record]:
        name = self.file_name
        series: dict[str, str] = {}
        at_obs = "TIME_PERIOD"
        try:
            for event, elem in etree.iterparse(
                self._source,
                events=("start", "end"),
                huge_tree=True,
                resolve_entities=False,
                no_network=True,
            ):
                tag = _local(elem.tag)
                if event == "start":
                    if not self.kind:
                        self._root(tag, elem)
                    elif tag == "Series":
                        series = dict(elem.attrib)
                        series.pop(XSI_TYPE, None)
                    continue
                if tag == "Header":
                    self.header = _header(elem)
                    at_obs = self.header.dimension_at_observation
                    elem.clear()
                elif tag == "SeriesKey" or (
                    tag == "Attributes" and _local(elem.getparent().tag) == "Series"
                ):
                    _generic_values(elem, series)
                elif tag == "Obs":
                    yield _obs(elem, series, at_obs)
                    _forget(elem)
                elif tag == "Series":
                    series = {}
                    _forget(elem)
        except etree.XMLSyntaxError as exc:
            raise InputError(
                N_("The file is not well-formed XML: {problem}."),
                where=Location(file=name, line=exc.lineno),
                problem=str(exc.msg),
            ) from None
        if not self.kind:
            raise InputError(N_("The file is empty."), where=Location(file=name))

    def _root(self, tag: str, elem: etree._Element) -> None:
        self.kind = tag
        if tag not in DATA_ROOTS:
            raise InputError(
                N_("The file is an SDMX-ML {kind} message, not a data message."),
                where=Location(file=self.file_name, line=elem.sourceline),
                kind=tag,
            )


def _forget(elem: etree._Element) -> None:
    """Clear an element read and drop it and its earlier siblings from the tree."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _obs(elem: etree._Element, series: dict[str, str], at_obs: str) -> Record:
    values = dict(series)
    line = elem.sourceline
    attrib = elem.attrib
    if len(elem):  # generic: ObsDimension / ObsKey / ObsValue / Attributes children
        for child in elem:
            name = _local(child.tag)
            if name == "ObsDimension":
                values[child.get("id") or at_obs] = child.get("value") or ""
            elif name == "ObsValue":
                if child.get("value") is not None:
                    values["OBS_VALUE"] = child.get("value")
            elif name in ("ObsKey", "Attributes"):
                _generic_values(child, values)
            elif name in ("Time", "ObsTime"):  # SDMX 2.0 generic
                values["TIME_PERIOD"] = (child.text or "").strip()
        return Record(values, line)
    for key, value in attrib.items():
        if key == XSI_TYPE:
            if at_obs not in attrib:
                values[at_obs] = value.rsplit(":", 1)[-1]
            continue
        values[key] = value
    return Record(values, line)


def iter_head_root(head: bytes) -> Iterator[str]:
    """Local names of the first elements of an XML file's first bytes (for sniffing; what
    comes after a syntax error further on does not matter)."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True)
    with contextlib.suppress(etree.XMLSyntaxError):
        parser.feed(head)
    try:
        for _event, elem in parser.read_events():
            yield _local(elem.tag)
    except etree.XMLSyntaxError:
        return


def is_data_message(head: bytes) -> bool:
    """Whether a file's first bytes start an SDMX-ML data message."""
    return next(iter_head_root(head), None) in DATA_ROOTS
