"""The pages of classification mappings: every mapping with its versions, one version with
its history and uses, and the editor's rows (what was posted, so a refused save shows them
back with the reason). The routes (:mod:`migstat.web.routes.mappings`) parse the request,
check who may edit and send the answer; everything here reads through the request's
:class:`~migstat.web.deps.Reader`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from migstat.i18n import LANGUAGES, N_, gettext_
from migstat.mapping.model import ANY, NOT_MAPPABLE, Mapping, MappingEntry
from migstat.model import pick
from migstat.model.data import Location
from migstat.model.findings import InputError, MigstatError, NotFoundError
from migstat.sources.tabular import category_key
from migstat.web.deps import Reader

BLANK_ROWS = 3
"""Empty rows under a mapping's rows in the editor, for new national categories."""
SOURCES = ("*", "px", "long_csv", "sdmx_csv", "questionnaire", "matrix")
"""Sources suggested for a new mapping (any other name may be typed)."""


@dataclass(slots=True)
class Row:
    """One row of the editor as posted (text, so a bad value can be shown back)."""

    national_code: str = ""
    national_label: str = ""
    target: str = ""
    share: str = ""


@dataclass(slots=True)
class Edit:
    """What the editor shows: its rows, the note and, after a refused save, why."""

    rows: list[Row] = field(default_factory=list)
    note: str = ""
    error: str | None = None


def path_of(country: str, source: str, codelist: str) -> str:
    return "/mappings/" + "/".join(quote(p, safe="") for p in (country, source, codelist))


def label_of(who: Reader, codelist: str, code: str, lang: str) -> str:
    codes = who.registry.codelists.get(codelist)
    found = codes.get(code) if codes is not None else None
    return found.label(lang) if found is not None else ""


def _area(who: Reader, code: str) -> str:
    if code == ANY:
        return who.t(N_("any country"))
    return who.registry.areas.label(code, who.lang) if code in who.registry.areas else code


# -- reading ----------------------------------------------------------------------------------


def _groups(who: Reader, **filters: Any) -> list[dict[str, Any]]:
    """Every mapping (country, source, code list) with its versions, newest version first."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for m in who.mappings(all_versions=True, **filters):
        group = groups.setdefault(
            m.ident,
            {
                "country": m.country,
                "source": m.source,
                "codelist": m.codelist,
                "area": _area(who, m.country),
                "codelist_name": _codelist_name(who, m.codelist),
                "versions": [],
            },
        )
        group["versions"].insert(0, m)
    return list(groups.values())


def _codelist_name(who: Reader, codelist: str) -> str:
    codes = who.registry.codelists.get(codelist)
    return pick(codes.name, who.lang) if codes is not None else codelist


def _mappable(who: Reader) -> list[tuple[str, str]]:
    return [
        (cl, pick(codes.name, who.lang))
        for cl, codes in who.registry.codelists.items()
        if cl not in NOT_MAPPABLE
    ]


def list_model(
    who: Reader, country: str | None, codelist: str | None, error: str | None = None
) -> dict[str, Any]:
    """The list page: every mapping (of ``country`` and ``codelist`` if given) with its
    versions, and what the form of a new mapping offers."""
    try:
        groups = _groups(who, country=country, codelist=codelist)
    except MigstatError as exc:
        groups, error = [], exc.text(who.lang)
    return {
        "groups": groups,
        "error": error,
        "country": country or "",
        "codelist": codelist or "",
        "codelists": _mappable(who),
        "sources": SOURCES,
    }


def new_mapping_path(who: Reader, country: str, source: str, codelist: str) -> str:
    """The address of the editor of the mapping a new-mapping form names, or
    :class:`NotFoundError` for a country or code list that cannot be mapped."""
    country = country_of(who, country.strip() or ANY)
    codelist = _mappable_codelist(who, codelist)
    return path_of(country, source.strip().lower() or ANY, codelist)


def _mappable_codelist(who: Reader, text: str) -> str:
    """The id of a code list national categories may be mapped to, or :class:`NotFoundError`."""
    codelist = text.strip().upper()
    if codelist not in who.registry.codelists or codelist in NOT_MAPPABLE:
        raise NotFoundError(
            N_("Code list {codelist} cannot be mapped to; use one of: {known}."),
            codelist=codelist or "\u2014",
            known=", ".join(cl for cl, _ in _mappable(who)),
        )
    return codelist


def detail_model(
    who: Reader,
    country: str,
    source: str,
    codelist: str,
    version: int | None,
    edit: Edit | None,
    *,
    can_edit: bool,
) -> dict[str, Any]:
    """One version of a mapping (the latest unless ``version``), its history and uses, and
    the editor's rows (``edit``, or the version's own). A mapping that does not exist yet is
    a new, empty one for whoever may edit, else :class:`NotFoundError`."""
    history = who.mappings(country=country, source=source, codelist=codelist, all_versions=True)
    shown = (
        who.mapping(country, codelist, source=source, version=version)
        if history or version is not None
        else None
    )
    if shown is None:
        if not can_edit:
            raise NotFoundError(
                N_("There is no mapping of {codelist} for {country} (source {source})."),
                codelist=codelist,
                country=country,
                source=source,
            )
        shown = Mapping(country_of(who, country), source.lower(), _mappable_codelist(who, codelist))
    if edit is None:
        edit = Edit(
            [
                Row(e.national_code, e.national_label or "", e.target, f"{e.share:g}")
                for e in shown.entries
            ]
        )
    edit.rows += [Row() for _ in range(BLANK_ROWS)]
    return {
        "mapping": shown,
        "history": list(reversed(history)),
        "uses": who.mapping_uses(shown.country, shown.source, shown.codelist),
        "edit": edit,
        "area": _area(who, shown.country),
        "languages": LANGUAGES,
        "codelist_name": _codelist_name(who, shown.codelist),
        "targets": [(c.id, c.label(who.lang)) for c in who.registry.codelist(shown.codelist)]
        if shown.codelist in who.registry.codelists
        else [],
        "latest": history[-1].version if history else None,
    }


# -- writing ----------------------------------------------------------------------------------


def form_rows(form: Any) -> list[Row]:
    columns = [
        form.getlist(name) for name in ("national_code", "national_label", "target", "share")
    ]
    count = max((len(c) for c in columns), default=0)
    rows = []
    for i in range(count):
        values = [str(c[i]).strip() if i < len(c) else "" for c in columns]
        rows.append(Row(*values))
    return rows


def _share(row: Row, number: int) -> float:
    if not row.share:
        return 1.0
    try:
        return float(row.share.replace(",", "."))
    except ValueError:
        raise InputError(
            N_("The share \u201c{value}\u201d is not a number (write it as 0.25)."),
            where=Location(line=number),
            value=row.share,
        ) from None


def entries(rows: list[Row]) -> list[MappingEntry]:
    """The entries of the edited rows; rows left empty are dropped (that removes a row).

    The rows of one national category are put together, in the order the category first
    appears, so that a split added at the bottom of the editor is shown with its category.
    """
    entries: dict[str, list[MappingEntry]] = {}
    for number, row in enumerate(rows, start=1):
        if not (row.national_code or row.target or row.national_label):
            continue
        where = Location(line=number)
        if not row.national_code:
            raise InputError(
                N_("The national category is empty (column national_code)."), where=where
            )
        if not row.target:
            raise InputError(
                N_("Choose the international code for national category \u201c{category}\u201d."),
                where=where,
                category=row.national_code,
            )
        entries.setdefault(category_key(row.national_code), []).append(
            MappingEntry(
                row.national_code,
                row.target,
                _share(row, number),
                row.national_label or None,
                where=where,
            )
        )
    return [entry for group in entries.values() for entry in group]


def form_error(who: Reader, error: MigstatError) -> str:
    """The error of a refused save, naming the editor's row rather than a file's line."""
    body = gettext_(error.message, who.lang, **error.params)
    if error.where is not None and error.where.line is not None and error.where.file is None:
        return gettext_(N_("Row {row}: {message}"), who.lang, row=error.where.line, message=body)
    return error.text(who.lang)


def country_of(who: Reader, text: str) -> str:
    """The country code of an address (``*`` for a mapping of any country), or
    :class:`NotFoundError`."""
    return ANY if text == ANY else who.registry.country(text)


def edited(country: str, source: str, codelist: str, rows: list[Row]) -> Mapping:
    """The mapping the editor's rows make (not yet saved), or the error of the first bad row."""
    return Mapping(country, source.lower(), codelist.upper(), entries(rows))


def kept(rows: list[Row]) -> list[Row]:
    """The rows of a refused save to show back: those with anything in them."""
    return [r for r in rows if r.national_code or r.target or r.national_label]


__all__ = [
    "BLANK_ROWS",
    "SOURCES",
    "Edit",
    "Row",
    "country_of",
    "detail_model",
    "edited",
    "entries",
    "form_error",
    "form_rows",
    "kept",
    "label_of",
    "list_model",
    "new_mapping_path",
    "path_of",
]
