"""SDMX-ML 2.1 structure messages from the registry: dataflows, data structures, code lists,
the concept scheme and (for availability answers) actual content constraints.

Everything comes from the registry's :class:`~migstat.model.TableDef` and
:class:`~migstat.model.CodeList` objects, so a table added as a YAML file is an SDMX dataflow
at once. Names and descriptions are written in every language the registry has (English and
Russian). The table's unit, universe and kind travel as annotations of the dataflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from migstat.formats import sdmx_layout as L
from migstat.formats.sdmxml.writer import (
    NS_COMMON,
    NS_MESSAGE,
    NS_STRUCTURE,
    Header,
    attr,
    text,
)
from migstat.model import CodeList, Registry, TableDef
from migstat.model.codelists import LabelText


@dataclass(slots=True)
class Constraint:
    """What data exist for a dataflow: the codes present per dimension and the time span."""

    table: TableDef
    values: dict[str, list[str]]
    start: str | None = None
    end: str | None = None
    n_observations: int = 0


@dataclass(slots=True)
class Structures:
    """The artefacts of one structure message."""

    dataflows: list[TableDef] = field(default_factory=list)
    datastructures: list[TableDef] = field(default_factory=list)
    codelists: list[CodeList] = field(default_factory=list)
    concepts: bool = False
    constraints: list[Constraint] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.dataflows
            or self.datastructures
            or self.codelists
            or self.concepts
            or self.constraints
        )


def _names(tag: str, label: LabelText | None) -> str:
    if not label:
        return ""
    return "".join(
        f'<common:{tag} xml:lang="{attr(lang)}">{text(value)}</common:{tag}>'
        for lang, value in label.items()
        if value
    )


def _ref(object_id: str, version: str, cls: str, package: str) -> str:
    return (
        f'<Ref id="{attr(object_id)}" version="{attr(version)}" agencyID="{L.AGENCY}" '
        f'package="{package}" class="{cls}"/>'
    )


def _maintainable(
    tag: str,
    object_id: str,
    version: str,
    kind: str,
    name: LabelText,
    body: str,
    *,
    description: LabelText | None = None,
    annotations: str = "",
    final: bool = True,
    extra: str = "",
) -> str:
    full_urn = L.urn(kind, object_id, version)
    return (
        f'<structure:{tag}{extra} id="{attr(object_id)}" urn="{attr(full_urn)}"'
        f' agencyID="{L.AGENCY}" version="{attr(version)}" '
        f'isFinal="{"true" if final else "false"}">{annotations}{_names("Name", name)}'
        f"{_names('Description', description)}{body}</structure:{tag}>"
    )


def _annotation(kind: str, label: LabelText | str) -> str:
    texts = label if isinstance(label, dict) else {"en": label}
    body = "".join(
        f'<common:AnnotationText xml:lang="{attr(lang)}">{text(value)}</common:AnnotationText>'
        for lang, value in texts.items()
        if value
    )
    return (
        f"<common:Annotation><common:AnnotationType>{text(kind)}</common:AnnotationType>"
        f"{body}</common:Annotation>"
    )


def dataflow_xml(table: TableDef) -> str:
    notes = [
        _annotation("UNIT_MEASURE", table.unit),
        _annotation("UNIT_MEASURE_CODE", table.unit_id),
        _annotation("UNIVERSE", table.universe),
        _annotation("TABLE_KIND", str(table.kind)),
        _annotation(
            "TIME_PERIOD_FORMAT", "YYYY-MM-DD" if str(table.period_type) == "date" else "YYYY"
        ),
    ]
    if table.aliases:
        notes.append(_annotation("ALIASES", ", ".join(table.aliases)))
    dsd = _ref(L.dsd_id(table), table.version, "DataStructure", "datastructure")
    body = f"<structure:Structure>{dsd}</structure:Structure>"
    return _maintainable(
        "Dataflow",
        table.id,
        table.version,
        "datastructure.Dataflow",
        table.title,
        body,
        description=table.description,
        annotations=f"<common:Annotations>{''.join(notes)}</common:Annotations>",
    )


def codelist_xml(cl: CodeList) -> str:
    cid = L.codelist_id(cl.id)
    items = []
    for code in cl:
        parent = ""
        if code.parent and code.parent in cl:
            parent = f'<structure:Parent><Ref id="{attr(code.parent)}"/></structure:Parent>'
        code_urn = f"urn:sdmx:org.sdmx.infomodel.codelist.Code={L.AGENCY}:{cid}({cl.version})"
        items.append(
            f'<structure:Code id="{attr(code.id)}" urn="{attr(code_urn)}.{attr(code.id)}">'
            f"{_names('Name', code.name or {'en': code.id})}{parent}</structure:Code>"
        )
    return _maintainable(
        "Codelist",
        cid,
        cl.version,
        "codelist.Codelist",
        cl.name,
        "".join(items),
        description=cl.description or None,
    )


def conceptscheme_xml(registry: Registry) -> str:
    items = []
    for cid in L.concept_ids(registry):
        concept_urn = (
            f"urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept={L.AGENCY}:"
            f"{L.CONCEPT_SCHEME}({L.CONCEPT_SCHEME_VERSION}).{cid}"
        )
        items.append(
            f'<structure:Concept id="{cid}" urn="{attr(concept_urn)}">'
            f"{_names('Name', L.concept_name(cid, registry))}</structure:Concept>"
        )
    return _maintainable(
        "ConceptScheme",
        L.CONCEPT_SCHEME,
        L.CONCEPT_SCHEME_VERSION,
        "conceptscheme.ConceptScheme",
        {"en": "Concepts of migstat", "ru": "Понятия migstat"},
        "".join(items),
    )


def _concept(cid: str) -> str:
    return (
        f'<structure:ConceptIdentity><Ref id="{cid}" maintainableParentID="{L.CONCEPT_SCHEME}"'
        f' maintainableParentVersion="{L.CONCEPT_SCHEME_VERSION}" agencyID="{L.AGENCY}" '
        'package="conceptscheme" class="Concept"/></structure:ConceptIdentity>'
    )


def _enumeration(cl: CodeList) -> str:
    return (
        "<structure:LocalRepresentation><structure:Enumeration>"
        f"{_ref(L.codelist_id(cl.id), cl.version, 'Codelist', 'codelist')}"
        "</structure:Enumeration></structure:LocalRepresentation>"
    )


def _text_format(kind: str) -> str:
    return (
        f'<structure:LocalRepresentation><structure:TextFormat textType="{kind}"/>'
        "</structure:LocalRepresentation>"
    )


def _attribute_format(att: str, codelists: dict[str, CodeList]) -> str:
    if att in L.CODED_ATTRIBUTES:
        return _enumeration(codelists[att])
    if att == "CI_LEVEL":
        return _text_format("Integer")
    if att in L.PRECISION_ATTRIBUTES and att != "RELIABILITY":
        return _text_format("Double")
    return _text_format("String")


def datastructure_xml(table: TableDef, codelists: dict[str, CodeList]) -> str:
    dims = []
    for position, dim in enumerate(L.dimensions(table), start=1):
        cl = codelists[L.dimension_codelist(table, dim)]
        dims.append(
            f'<structure:Dimension id="{dim}" position="{position}">{_concept(dim)}'
            f"{_enumeration(cl)}</structure:Dimension>"
        )
    position = len(dims) + 1
    dims.append(
        f'<structure:TimeDimension id="{L.TIME}" position="{position}">{_concept(L.TIME)}'
        f"{_text_format('ObservationalTimePeriod')}</structure:TimeDimension>"
    )
    to_measure = (
        "<structure:AttributeRelationship><structure:PrimaryMeasure>"
        f'<Ref id="{L.MEASURE}"/></structure:PrimaryMeasure>'
        "</structure:AttributeRelationship>"
    )
    attrs = []
    for att in (*L.ATTRIBUTES, *L.PRECISION_ATTRIBUTES):
        rep = _attribute_format(att, codelists)
        status = "Mandatory" if att == "OBS_STATUS" else "Conditional"
        attrs.append(
            f'<structure:Attribute id="{att}" assignmentStatus="{status}">'
            f"{_concept(att)}{rep}{to_measure}</structure:Attribute>"
        )
    body = (
        "<structure:DataStructureComponents>"
        f'<structure:DimensionList id="DimensionDescriptor">{"".join(dims)}'
        "</structure:DimensionList>"
        f'<structure:AttributeList id="AttributeDescriptor">{"".join(attrs)}'
        "</structure:AttributeList>"
        '<structure:MeasureList id="MeasureDescriptor">'
        f'<structure:PrimaryMeasure id="{L.MEASURE}">{_concept(L.MEASURE)}'
        f"{_text_format('Double')}</structure:PrimaryMeasure></structure:MeasureList>"
        "</structure:DataStructureComponents>"
    )
    return _maintainable(
        "DataStructure",
        L.dsd_id(table),
        table.version,
        "datastructure.DataStructure",
        table.title,
        body,
    )


def constraint_xml(constraint: Constraint) -> str:
    table = constraint.table
    values = []
    for dim in L.dimensions(table):
        codes = constraint.values.get(dim)
        if codes is None:
            continue
        inner = "".join(f"<common:Value>{text(c)}</common:Value>" for c in codes)
        values.append(f'<common:KeyValue id="{dim}">{inner}</common:KeyValue>')
    if constraint.start and constraint.end:
        values.append(
            f'<common:KeyValue id="{L.TIME}"><common:TimeRange>'
            f'<common:StartPeriod isInclusive="true">{text(constraint.start)}'
            '</common:StartPeriod><common:EndPeriod isInclusive="true">'
            f"{text(constraint.end)}</common:EndPeriod></common:TimeRange>"
            "</common:KeyValue>"
        )
    annotations = (
        '<common:Annotations><common:Annotation id="obs_count">'
        f"<common:AnnotationTitle>{constraint.n_observations}</common:AnnotationTitle>"
        "<common:AnnotationType>sdmx_metrics</common:AnnotationType>"
        "</common:Annotation></common:Annotations>"
    )
    body = (
        "<structure:ConstraintAttachment><structure:Dataflow>"
        f'<Ref id="{table.id}" version="{table.version}" agencyID="{L.AGENCY}" '
        'package="datastructure" class="Dataflow"/></structure:Dataflow>'
        "</structure:ConstraintAttachment>"
        f'<structure:CubeRegion include="true">{"".join(values)}</structure:CubeRegion>'
    )
    name = {"en": f"Data available in {table.id}", "ru": f"Имеющиеся данные таблицы {table.id}"}
    return _maintainable(
        "ContentConstraint",
        f"CC_{table.id}",
        table.version,
        "registry.ContentConstraint",
        name,
        body,
        annotations=annotations,
        final=False,
        extra=' type="Actual"',
    )


def write_structures(
    structures: Structures,
    registry: Registry,
    codelists: dict[str, CodeList],
    *,
    header: Header | None = None,
) -> str:
    """A structure message with the artefacts of ``structures``.

    ``codelists`` maps registry code list ids to code lists (the registry's plus the data
    providers' list, which lives outside the registry); data structures look their code lists
    up there.
    """
    head = header or Header()
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<message:Structure xmlns:message="{NS_MESSAGE}" xmlns:common="{NS_COMMON}" '
        f'xmlns:structure="{NS_STRUCTURE}">',
        head.xml(),
        "<message:Structures>",
    ]
    _section(parts, "Dataflows", (dataflow_xml(t) for t in structures.dataflows))
    _section(parts, "Codelists", (codelist_xml(c) for c in structures.codelists))
    if structures.concepts:
        _section(parts, "Concepts", [conceptscheme_xml(registry)])
    _section(
        parts,
        "DataStructures",
        (datastructure_xml(t, codelists) for t in structures.datastructures),
    )
    _section(parts, "Constraints", (constraint_xml(c) for c in structures.constraints))
    parts.append("</message:Structures></message:Structure>\n")
    return "".join(parts)


def _section(parts: list[str], tag: str, items: Iterable[str] | Sequence[str]) -> None:
    body = "".join(items)
    if body:
        parts.append(f"<structure:{tag}>{body}</structure:{tag}>")


__all__ = [
    "Constraint",
    "Structures",
    "codelist_xml",
    "conceptscheme_xml",
    "constraint_xml",
    "dataflow_xml",
    "datastructure_xml",
    "write_structures",
]
