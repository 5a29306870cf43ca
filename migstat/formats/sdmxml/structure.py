"""SDMX structures in: a data structure definition and its code lists become a migstat table.

An SDMX-ML structure message (2.1 or 3.0) declares code lists, concept schemes and data
structure definitions (DSDs). :func:`table_from_dsd` turns one DSD into a table definition and
the code lists it needs, as YAML files the registry loads (``tables/<ID>.yaml``,
``codelists/<ID>.yaml`` in a folder named by ``MIGSTAT_REGISTRY_PATH``), so data of that
structure can be imported, validated and queried like any standard table.

Mapping rules (the table keeps the DSD's dimension ids, so query columns are the SDMX ones):

* the table id is ``<AGENCY>_<DSD id>`` (``ESTAT_DEMOGRAPHY``), its code lists
  ``<AGENCY>_<code list id>`` (``ESTAT_CL_SEX``), so they never replace migstat's own;
* ``FREQ`` and the time dimension are implicit (a table is annual: ``FREQ`` must allow ``A``);
* the reporting-country dimension (``REF_AREA``, ``GEO``, ``COUNTRY`` ...) becomes the implicit
  ``REF_AREA`` (codes are resolved to ISO alpha-3 when data are read);
* a dimension coded with a country list, or named as a counterpart (``CITIZEN``,
  ``COUNTRY_BIRTH``, ``PARTNER`` ...), uses the AREA code list and is the table's partner;
* every other dimension keeps its code list (a measure dimension its concept scheme); its
  total is the code ``_T``, ``T`` or ``TOTAL`` if the list has one.

Element names are matched by local name, so the namespaces of SDMX 2.1 and 3.0 read alike.
Reading is done with lxml; a structure message is small.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
AREA_DIMENSIONS = ("REF_AREA", "GEO", "COUNTRY", "REPORTING_COUNTRY", "AREA", "REF_AREA_CODE")
"""Dimension ids that name the reporting country, in order of preference."""
PARTNER_DIMENSIONS = {
    "CITIZEN": "CITIZENSHIP",
    "CITIZENSHIP": "CITIZENSHIP",
    "C_BIRTH": "BIRTH",
    "COUNTRY_BIRTH": "BIRTH",
    "PARTNER": "PREV_RES",
    "COUNTERPART_AREA": "PREV_RES",
    "COUNTRY_ORIGIN": "CITIZENSHIP",
    "PARTNER_COUNTRY": "PREV_RES",
    "C_PREV_RES": "PREV_RES",
    "COUNTRY_PREV_RES": "PREV_RES",
    "COUNTRY_NEXT_RES": "NEXT_RES",
    "PARTNER_AREA": "PREV_RES",
}
"""Counterpart-country dimensions and the origin concept each stands for."""
COUNTRY_LISTS = (
    "CL_GEO",
    "GEO",
    "CL_AREA",
    "AREA",
    "CL_COUNTRY",
    "COUNTRY",
    "CL_REF_AREA",
    "CL_CITIZEN",
    "CITIZEN",
    "CL_C_BIRTH",
    "C_BIRTH",
    "CL_PARTNER",
    "PARTNER",
)
TOTAL_CODES = ("_T", "T", "TOTAL", "_Z")
IMPLICIT = ("FREQ", "TIME_PERIOD", "TIME")


@dataclass(slots=True)
class SdmxCode:
    id: str
    names: dict[str, str]
    parent: str | None = None


@dataclass(slots=True)
class SdmxCodelist:
    """A code list (or a concept scheme used as one), with the file it was read from."""

    agency: str
    id: str
    version: str
    names: dict[str, str]
    codes: list[SdmxCode]
    external: bool = False
    file: str = ""


@dataclass(slots=True)
class SdmxRef:
    agency: str | None
    id: str
    version: str | None = None
    cls: str | None = None


@dataclass(slots=True)
class SdmxDimension:
    id: str
    concept: SdmxRef | None
    codelist: SdmxRef | None
    position: int
    kind: str = "Dimension"
    """``Dimension``, ``MeasureDimension`` or ``TimeDimension``."""


@dataclass(slots=True)
class SdmxDsd:
    agency: str
    id: str
    version: str
    names: dict[str, str]
    dimensions: list[SdmxDimension]
    file: str = ""
    line: int | None = None


@dataclass(slots=True)
class Structures:
    """Everything read from one or more structure messages."""

    codelists: dict[tuple[str, str], SdmxCodelist] = field(default_factory=dict)
    concepts: dict[tuple[str, str], SdmxCodelist] = field(default_factory=dict)
    dsds: list[SdmxDsd] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def codelist(self, ref: SdmxRef) -> SdmxCodelist | None:
        """A code list with its codes (an external reference is only a placeholder)."""
        found = [
            cl
            for (agency, ident), cl in self.codelists.items()
            if ident == ref.id and (ref.agency is None or agency == ref.agency) and not cl.external
        ]
        if not found:  # agencies publish the same list under another maintainer
            found = [
                cl
                for (_a, ident), cl in self.codelists.items()
                if ident == ref.id and not cl.external
            ]
        return found[0] if found else None

    def concept_scheme(self, ref: SdmxRef) -> SdmxCodelist | None:
        found = [cs for (_a, ident), cs in self.concepts.items() if ident == ref.id]
        return found[0] if found else None

    def concept_name(self, ref: SdmxRef | None) -> dict[str, str]:
        if ref is None:
            return {}
        for (_a, ident), scheme in self.concepts.items():
            if ref.cls is not None and ident != ref.cls:
                continue
            for concept in scheme.codes:
                if concept.id.upper() == ref.id.upper():
                    return concept.names
        return {}


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if "}" in text else text


def _children(elem: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in elem if _local(c.tag) == name]


def _names(elem: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for child in _children(elem, "Name"):
        lang = child.get(XML_LANG, "en")
        if child.text and child.text.strip():
            out.setdefault(lang, " ".join(child.text.split()))
    return out


def _ref(elem: etree._Element | None) -> SdmxRef | None:
    """A reference: a ``Ref`` child (2.1) or a URN as text (3.0)."""
    if elem is None:
        return None
    for child in elem.iter():
        if _local(child.tag) == "Ref" and child.get("id"):
            return SdmxRef(
                child.get("agencyID"),
                child.get("id"),
                child.get("version"),
                child.get("maintainableParentID") or child.get("class"),
            )
    text = (elem.text or "").strip()
    if text.startswith("urn:"):
        tail = text.split("=", 1)[-1]
        agency, _, rest = tail.partition(":")
        ident, _, more = rest.partition("(")
        version, _, item = more.partition(")")
        if item.startswith("."):  # a concept: ...ConceptScheme=ESTAT:DEMO_CONCEPTS(1.0).SEX
            return SdmxRef(agency, item[1:], version, ident)
        return SdmxRef(agency, ident, version)
    return None


def _first(elem: etree._Element, *path: str) -> etree._Element | None:
    current: etree._Element | None = elem
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _item_list(elem: etree._Element, item: str, file: str) -> SdmxCodelist:
    codes = []
    for code in _children(elem, item):
        parent = code.get("parentID")
        parent_elem = _first(code, "Parent")
        if parent is None and parent_elem is not None:
            ref = _ref(parent_elem)
            parent = ref.id if ref else (parent_elem.text or "").strip() or None
        codes.append(SdmxCode(code.get("id", ""), _names(code), parent))
    return SdmxCodelist(
        agency=elem.get("agencyID", ""),
        id=elem.get("id", ""),
        version=elem.get("version", "1.0"),
        names=_names(elem),
        codes=codes,
        external=elem.get("isExternalReference") == "true" and not codes,
        file=file,
    )


def _dsd(elem: etree._Element, file: str) -> SdmxDsd:
    dims: list[SdmxDimension] = []
    dim_list = next((e for e in elem.iter() if _local(e.tag) == "DimensionList"), None)
    for i, dim in enumerate(dim_list if dim_list is not None else ()):
        kind = _local(dim.tag)
        if kind not in ("Dimension", "MeasureDimension", "TimeDimension"):
            continue
        concept = _ref(_first(dim, "ConceptIdentity"))
        codelist = _ref(_first(dim, "LocalRepresentation", "Enumeration"))
        # upper case, as migstat's dimension ids and the readers' record keys (Eurostat's
        # structures name them freq, geo, citizen)
        ident = (dim.get("id") or (concept.id if concept else f"DIM_{i + 1}")).upper()
        position = int(dim.get("position") or i + 1)
        dims.append(SdmxDimension(ident, concept, codelist, position, kind))
    dims.sort(key=lambda d: d.position)
    return SdmxDsd(
        agency=elem.get("agencyID", ""),
        id=elem.get("id", ""),
        version=elem.get("version", "1.0"),
        names=_names(elem),
        dimensions=dims,
        file=file,
        line=elem.sourceline,
    )


def read_structures(paths: Iterable[Path | str]) -> Structures:
    """Code lists, concept schemes and DSDs of SDMX-ML structure messages."""
    found = Structures()
    for path in paths:
        path = Path(path)
        name = path.name
        try:
            root = etree.parse(
                str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
            ).getroot()
        except OSError:
            raise InputError(
                N_("File not found: {path}"), where=Location(file=name), path=str(path)
            ) from None
        except etree.XMLSyntaxError as exc:
            raise InputError(
                N_("The file is not well-formed XML: {problem}."),
                where=Location(file=name, line=exc.lineno),
                problem=str(exc.msg),
            ) from None
        if _local(root.tag) != "Structure":
            raise InputError(
                N_("The file is an SDMX-ML {kind} message, not a structure message."),
                where=Location(file=name, line=root.sourceline),
                kind=_local(root.tag),
            )
        found.files.append(name)
        for elem in root.iter():
            tag = _local(elem.tag)
            if tag == "Codelist":
                cl = _item_list(elem, "Code", name)
                key = (cl.agency, cl.id)
                if key not in found.codelists or found.codelists[key].external:
                    found.codelists[key] = cl
            elif tag == "ConceptScheme":
                cs = _item_list(elem, "Concept", name)
                found.concepts[(cs.agency, cs.id)] = cs
            elif tag == "DataStructure":
                found.dsds.append(_dsd(elem, name))
    return found


@dataclass(slots=True)
class DerivedTable:
    """A table definition and its code lists, as the registry's YAML mappings."""

    table: dict[str, Any]
    codelists: list[dict[str, Any]]
    area_dimension: str
    """The DSD dimension that became ``REF_AREA``."""
    source: str

    @property
    def id(self) -> str:
        return str(self.table["id"])

    def write(self, folder: Path | str) -> list[Path]:
        """Write ``tables/<ID>.yaml`` and ``codelists/<ID>.yaml`` under ``folder``."""
        folder = Path(folder)
        (folder / "tables").mkdir(parents=True, exist_ok=True)
        (folder / "codelists").mkdir(parents=True, exist_ok=True)
        written = []
        for cl in self.codelists:
            written.append(_dump(folder / "codelists" / f"{cl['id']}.yaml", cl, self.source))
        written.append(_dump(folder / "tables" / f"{self.id}.yaml", self.table, self.source))
        return written


def _dump(path: Path, data: dict[str, Any], source: str) -> Path:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(
        f"# Made by migstat from the SDMX structure {source}.\n{text}", encoding="utf-8"
    )
    return path


def _texts(names: dict[str, str], fallback: str) -> dict[str, str]:
    out = {lang: names[lang] for lang in ("en", "ru") if lang in names}
    if "en" not in out:
        out["en"] = next(iter(names.values()), fallback)
    return out


def _safe_id(text: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in text).upper()


def _pick_dsd(structures: Structures, dsd: str | None, where: Location) -> SdmxDsd:
    if not structures.dsds:
        raise InputError(
            N_("The structure message holds no data structure definition (DSD)."), where=where
        )
    if dsd is None:
        if len(structures.dsds) > 1:
            raise InputError(
                N_(
                    "The structure message holds several data structure "
                    "definitions ({found}); name one."
                ),
                where=where,
                found=", ".join(d.id for d in structures.dsds),
            )
        return structures.dsds[0]
    wanted = dsd.split(":")[-1].split("(")[0].upper()
    for found in structures.dsds:
        if found.id.upper() == wanted:
            return found
    raise InputError(
        N_("No data structure definition {dsd} in the structure message; it has: {found}."),
        where=where,
        dsd=dsd,
        found=", ".join(d.id for d in structures.dsds),
    )


def table_from_dsd(
    paths: Path | str | Sequence[Path | str],
    *,
    dsd: str | None = None,
    table_id: str | None = None,
    kind: str = "event",
    folder: Path | str | None = None,
) -> DerivedTable:
    """A table definition with its code lists from an SDMX-ML DSD (and code-list files).

    ``paths`` are one or more structure messages: the DSD and, where it only refers to a code
    list, a file that contains it (``ESTAT_CL_FREQ.xml``). ``kind`` is ``event`` or ``flow``
    (annual tables). With ``folder`` the YAML files are written there, for
    ``MIGSTAT_REGISTRY_PATH``.
    """
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    structures = read_structures(files)
    first = Location(file=files[0].name)
    chosen = _pick_dsd(structures, dsd, first)
    where = Location(file=chosen.file, line=chosen.line)
    agency = _safe_id(chosen.agency or "SDMX")
    ident = _safe_id(table_id) if table_id else f"{agency}_{_safe_id(chosen.id)}"
    if kind not in ("event", "flow"):
        raise InputError(
            N_(
                "A table made from an SDMX structure is annual: kind must be event "
                "or flow, not {kind}."
            ),
            where=where,
            kind=kind,
        )
    ids = [d.id for d in chosen.dimensions]
    area = next((a for a in AREA_DIMENSIONS if a in ids), None)
    if area is None:
        raise InputError(
            N_(
                "The data structure {dsd} has no reporting-country dimension (one "
                "of {expected}); its dimensions are {found}."
            ),
            where=where,
            dsd=chosen.id,
            expected=", ".join(AREA_DIMENSIONS),
            found=", ".join(ids),
        )
    area_list = next(
        (d.codelist.id for d in chosen.dimensions if d.id == area and d.codelist is not None), None
    )
    dims: list[dict[str, Any]] = []
    codelists: list[dict[str, Any]] = []
    for dim in chosen.dimensions:
        if dim.kind == "TimeDimension" or dim.id == area:
            continue
        if dim.id == "FREQ":
            _check_annual(structures, dim, where)
            continue
        name = _texts(structures.concept_name(dim.concept), dim.id)
        list_id = dim.codelist.id if dim.codelist else None
        if dim.id in PARTNER_DIMENSIONS or (
            list_id is not None and (list_id == area_list or list_id.upper() in COUNTRY_LISTS)
        ):
            dims.append(
                {
                    "id": dim.id,
                    "codelist": "AREA",
                    "name": name,
                    "role": "partner",
                    "concept": PARTNER_DIMENSIONS.get(dim.id, "CITIZENSHIP"),
                    "hierarchies": ["WORLD"],
                }
            )
            continue
        source = _codes_of(structures, dim, where)
        cl_id = f"{agency}_{_safe_id(source.id)}"
        codes = [_code_yaml(c) for c in source.codes]
        total = next((t for t in TOTAL_CODES if any(c.id == t for c in source.codes)), None)
        if not any(c["id"] == cl["id"] for c in [*codelists] for cl in [{"id": cl_id}]):
            codelists.append(
                {
                    "id": cl_id,
                    "version": source.version,
                    "name": _texts(source.names, source.id),
                    "codes": codes,
                }
            )
        dims.append({"id": dim.id, "codelist": cl_id, "name": name, "total": total})
    if not dims:
        raise InputError(
            N_(
                "The data structure {dsd} has no breakdown dimension besides the "
                "reporting country and time."
            ),
            where=where,
            dsd=chosen.id,
        )
    names = _texts(chosen.names, chosen.id)
    ref = f"{chosen.agency}:{chosen.id}({chosen.version})"
    table = {
        "id": ident,
        "version": chosen.version,
        "group": "indicator",
        "aliases": [chosen.id] if chosen.id.upper() != ident else [],
        "title": names,
        "kind": kind,
        "period": "year",
        "description": {
            "en": f"Made from the SDMX data structure {ref} (reporting country: {area}).",
            "ru": f"Создана по структуре данных SDMX {ref} (страна-отчётчик: {area}).",
        },
        "required_metadata": [],
        "dimensions": dims,
        # A structure does not say whether its measures count people (births) or are
        # indicators (fertility rates, life expectancy): values are kept as published.
        "counts": False,
    }
    derived = DerivedTable(table, codelists, area, f"{ref} in {', '.join(structures.files)}")
    if folder is not None:
        derived.write(folder)
    return derived


def _code_yaml(code: SdmxCode) -> dict[str, Any]:
    out: dict[str, Any] = {"id": code.id, **_texts(code.names, code.id)}
    if code.parent:
        out["parent"] = code.parent
    return out


def _codes_of(structures: Structures, dim: SdmxDimension, where: Location) -> SdmxCodelist:
    ref = dim.codelist
    if ref is None:
        raise InputError(
            N_(
                "Dimension {dimension} of the data structure has no code list; "
                "migstat tables need coded dimensions."
            ),
            where=where,
            dimension=dim.id,
        )
    found = (
        structures.concept_scheme(ref)
        if dim.kind == "MeasureDimension" or ref.cls == "ConceptScheme"
        else structures.codelist(ref)
    )
    if found is None or not found.codes:
        raise InputError(
            N_(
                "Code list {codelist} of dimension {dimension} is only referred to, "
                "not included: give a structure file that contains it as well."
            ),
            where=where,
            codelist=ref.id,
            dimension=dim.id,
        )
    return found


def _check_annual(structures: Structures, dim: SdmxDimension, where: Location) -> None:
    found = structures.codelist(dim.codelist) if dim.codelist else None
    if found is not None and found.codes and not any(c.id == "A" for c in found.codes):
        raise InputError(
            N_(
                "The data structure has no annual frequency (FREQ code A); migstat "
                "tables are annual."
            ),
            where=where,
        )
