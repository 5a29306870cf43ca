"""The registry: tables, code lists and cross-table rules, loaded from data files.

Everything statistical is declared in YAML under ``migstat/definitions`` (and in any extra
folder named by ``MIGSTAT_REGISTRY_PATH``, separated by ``os.pathsep``): a coordinator adds a
table or a code list by adding a file, without touching code. Layout of a definitions folder::

    codelists/<ID>.yaml     one code list each (AREA is built from pycountry plus areas.yaml)
    tables/<ID>.yaml        one table each
    rules/*.yaml            cross-table rules (lists of rule mappings)

The country code list ``AREA`` combines pycountry (ISO 3166-1 alpha-3, M49 numeric,
English names, the iso-codes Russian catalogue, historical states with their withdrawal
dates) with ``codelists/AREA.yaml``: special codes, Russian name overrides, regional
aggregates with date-effective membership, and the order of partner rows.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
import yaml

from migstat.i18n import N_
from migstat.model.codelists import Code, CodeList, Hierarchy, HierarchyRule, LabelText
from migstat.model.findings import NotFoundError
from migstat.model.tables import (
    Dimension,
    Layout,
    PeriodType,
    TableDef,
    TableKind,
    Tolerance,
)

DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"


def _texts(raw: dict[str, Any], key: str | None = None) -> LabelText:
    """``{en: .., ru: ..}`` from either ``raw[key]`` or ``raw`` itself."""
    src = raw.get(key) if key else raw
    if isinstance(src, str):
        return {"en": src}
    if not isinstance(src, dict):
        return {}
    return {lang: str(src[lang]) for lang in ("en", "ru") if src.get(lang) is not None}


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 4:
        return date(int(text), 12, 31)
    return date.fromisoformat(text[:10])


def _rule(raw: dict[str, Any]) -> HierarchyRule:
    return HierarchyRule(
        total=str(raw["total"]),
        parts=tuple(str(p) for p in raw["parts"]),
        valid_from=_date(raw.get("valid_from")),
        valid_to=_date(raw.get("valid_to")),
        partial=bool(raw.get("partial", False)),
    )


def _code(raw: dict[str, Any]) -> Code:
    return Code(
        id=str(raw["id"]),
        name=_texts(raw),
        parent=raw.get("parent"),
        valid_from=_date(raw.get("valid_from")),
        valid_to=_date(raw.get("valid_to")),
        lower=raw.get("lower"),
        upper=raw.get("upper"),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        attributes={k: str(v) for k, v in (raw.get("attributes") or {}).items()},
    )


def load_codelist(raw: dict[str, Any]) -> CodeList:
    """A generic code list from its YAML mapping."""
    cl = CodeList(
        id=raw["id"],
        name=_texts(raw, "name"),
        version=str(raw.get("version", "1.0")),
        description=_texts(raw, "description"),
    )
    for item in raw.get("codes", ()):
        cl.add(_code(item))
    for h in raw.get("hierarchies", ()):
        cl.hierarchies[h["id"]] = Hierarchy(
            id=h["id"],
            codelist=cl.id,
            name=_texts(h, "name"),
            rules=tuple(_rule(r) for r in h.get("rules", ())),
        )
    cl.subsets = {k: [str(c) for c in v] for k, v in (raw.get("subsets") or {}).items()}
    return cl


def build_area_codelist(raw: dict[str, Any]) -> CodeList:
    """Countries: pycountry's ISO 3166-1 and historical states, plus the YAML specials."""
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    ru3 = gettext.translation("iso3166-3", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    overrides: dict[str, dict[str, str]] = raw.get("names") or {}
    extra_aliases: dict[str, list[str]] = raw.get("aliases") or {}
    cl = CodeList(
        id="AREA",
        name=_texts(raw, "name") or {"en": "Country or area", "ru": "Страна или территория"},
        version=str(raw.get("version", "1.0")),
    )

    specials = [_code(item) for item in raw.get("codes", ())]
    for code in specials:
        if code.attributes.get("kind") == "world":
            cl.add(code)

    countries: list[Code] = []
    for c in pycountry.countries:
        name_en = getattr(c, "common_name", None) or c.name
        names = {"en": name_en, "ru": ru.gettext(c.name)}
        names.update(overrides.get(c.alpha_3, {}))
        aliases = [c.alpha_2, c.numeric, c.name, name_en]
        if getattr(c, "official_name", None):
            aliases.append(c.official_name)
        aliases.append(ru.gettext(c.name))
        aliases.extend(extra_aliases.get(c.alpha_3, ()))
        countries.append(
            Code(
                id=c.alpha_3,
                name=names,
                aliases=tuple(aliases),
                attributes={"kind": "country", "m49": c.numeric, "alpha2": c.alpha_2},
            )
        )
    for code in specials:
        if code.attributes.get("kind") == "country":  # not in ISO, e.g. Kosovo
            countries.append(code)
    countries.sort(key=lambda code: code.name["en"])
    for code in countries:
        cl.add(code)

    for h in pycountry.historic_countries:
        if h.alpha_3 in cl:
            continue
        names = {"en": h.name, "ru": ru3.gettext(h.name)}
        names.update(overrides.get(h.alpha_3, {}))
        withdrawn = _date(getattr(h, "withdrawal_date", None))
        aliases = [h.name, *extra_aliases.get(h.alpha_3, ())]
        attrs = {"kind": "historical"}
        if getattr(h, "numeric", None):
            attrs["m49"] = h.numeric  # not an alias: YUG and SCG share 891
        cl.add(
            Code(
                id=h.alpha_3,
                name=names,
                valid_to=withdrawn,
                aliases=tuple(aliases),
                attributes=attrs,
            )
        )

    for code in specials:
        if code.attributes.get("kind") not in ("world", "country"):
            cl.add(code)

    for h in raw.get("hierarchies", ()):
        cl.hierarchies[h["id"]] = Hierarchy(
            id=h["id"],
            codelist="AREA",
            name=_texts(h, "name"),
            rules=tuple(_rule(r) for r in h.get("rules", ())),
        )
    # The world total: every country or area that can be a partner, plus stateless and unknown.
    parts = tuple(
        code.id
        for code in cl
        if code.attributes.get("kind") in ("country", "historical", "residual")
    )
    cl.hierarchies["WORLD"] = Hierarchy(
        id="WORLD",
        codelist="AREA",
        name={"en": "World", "ru": "Весь мир"},
        rules=(HierarchyRule(total="_T", parts=parts),),
    )
    # Questionnaire rows: countries only, never a composite area such as the Channel Islands
    # (Guernsey + Jersey), which would count the same people twice.
    composite = {rule.total for h in cl.hierarchies.values() for rule in h.rules}
    first = [c for c in raw.get("partner_first", ()) if c in cl]
    rest = [
        code.id
        for code in cl
        if code.attributes.get("kind") == "country"
        and code.id not in first
        and code.id not in composite
    ]
    tail = [c for c in raw.get("partner_last", ()) if c in cl]
    cl.subsets["partner"] = ["_T", *first, *rest, *tail]
    cl.subsets["partner_first"] = first  # the region's block (the CIS), kept first in any language
    cl.subsets["partner_last"] = tail
    return cl


@dataclass(slots=True)
class CrossRule:
    """A rule comparing sums of cells in two tables (or two parts of one), from rules/*.yaml.

    ``left`` and ``right`` are lists of terms ``{table, select, sign}``; ``select`` maps
    dimension ids to a code, a list of codes, ``{hierarchy: H, total: CODE}`` (the parts of a
    total), or ``$REF_AREA`` (the reporting country). ``match`` lists dimensions along which
    both sides are compared group by group (``TIME_PERIOD`` is always matched).
    ``check`` is ``==``, ``<=`` or ``>=``.
    """

    id: str
    check: str
    left: list[dict[str, Any]]
    right: list[dict[str, Any]]
    severity: str = "error"
    match: tuple[str, ...] = ()
    message: str | None = None
    description: LabelText = field(default_factory=dict)
    tolerance: Tolerance | None = None

    @property
    def tables(self) -> set[str]:
        return {t["table"] for t in (*self.left, *self.right)}


def _tolerance(raw: dict[str, Any] | None) -> Tolerance:
    raw = raw or {}
    return Tolerance(
        absolute=float(raw.get("absolute", 0)),
        relative=float(raw.get("relative", 0)),
        rounding_base=int(raw.get("rounding_base", 1)),
    )


class Registry:
    """Tables, code lists and cross-table rules, as declared in the definitions folders."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = [Path(f) for f in folders]
        self.codelists: dict[str, CodeList] = {}
        self.tables: dict[str, TableDef] = {}
        self.cross_rules: list[CrossRule] = []
        self._aliases: dict[str, str] = {}
        for folder in self.folders:
            self._load_codelists(folder)
        for folder in self.folders:
            self._load_tables(folder)
            self._load_rules(folder)

    # -- loading ---------------------------------------------------------------------------
    def _load_codelists(self, folder: Path) -> None:
        for path in sorted((folder / "codelists").glob("*.yaml")):
            raw = _read_yaml(path)
            cl = build_area_codelist(raw) if raw["id"] == "AREA" else load_codelist(raw)
            self.codelists[cl.id] = cl

    def _load_tables(self, folder: Path) -> None:
        for path in sorted((folder / "tables").glob("*.yaml")):
            table = self._table(_read_yaml(path), path)
            self.tables[table.id] = table
            for alias in table.aliases:
                self._aliases[alias.upper()] = table.id

    def _load_rules(self, folder: Path) -> None:
        for path in sorted((folder / "rules").glob("*.yaml")):
            for raw in _read_yaml(path) or ():
                self.cross_rules.append(
                    CrossRule(
                        id=raw["id"],
                        check=raw.get("check", "=="),
                        left=raw["left"],
                        right=raw["right"],
                        severity=raw.get("severity", "error"),
                        match=tuple(raw.get("match", ())),
                        message=raw.get("message"),
                        description=_texts(raw, "description"),
                        tolerance=_tolerance(raw["tolerance"]) if "tolerance" in raw else None,
                    )
                )

    def _table(self, raw: dict[str, Any], path: Path) -> TableDef:
        dims = []
        for d in raw["dimensions"]:
            cl_id = d.get("codelist", d["id"])
            if cl_id not in self.codelists:
                raise ValueError(f"{path}: dimension {d['id']} uses unknown code list {cl_id}")
            dims.append(
                Dimension(
                    id=d["id"],
                    codelist=cl_id,
                    name=_texts(d, "name") or self.codelists[cl_id].name,
                    total=d.get("total", "_T"),
                    codes=self._expand_codes(cl_id, d.get("codes"), path),
                    hierarchies=tuple(d.get("hierarchies", ())),
                    role=d.get("role"),
                    concept=d.get("concept"),
                )
            )
        layout = raw.get("layout") or {}
        dim_ids = [d.id for d in dims]
        rows = tuple(layout.get("rows", dim_ids[:-1]))
        cols = tuple(layout.get("columns", dim_ids[-1:]))
        if sorted((*rows, *cols)) != sorted(dim_ids):
            raise ValueError(f"{path}: layout must place every dimension exactly once")
        unit = raw.get("unit") or {}
        return TableDef(
            id=raw["id"],
            title=_texts(raw, "title"),
            kind=TableKind(raw["kind"]),
            period_type=PeriodType(raw.get("period", "year")),
            dimensions=tuple(dims),
            layout=Layout(rows=rows, columns=cols),
            unit=_texts(unit) or {"en": "persons", "ru": "человек"},
            unit_id=unit.get("id", "PERS"),
            universe=_texts(raw, "universe"),
            description=_texts(raw, "description"),
            version=str(raw.get("version", "1.0")),
            aliases=tuple(raw.get("aliases", ())),
            status=raw.get("status", "active"),
            group=raw.get("group", "standard"),
            required_metadata=tuple(
                raw.get("required_metadata", ("source_type", "reference_date"))
            ),
            tolerance=_tolerance(raw.get("tolerance")),
            yoy_warning_ratio=float(raw.get("yoy_warning_ratio", 5.0)),
            yoy_min_value=float(raw.get("yoy_min_value", 50.0)),
            mirror_pair=raw.get("mirror_pair"),
            sheet_name=raw.get("sheet"),
            counts=bool(raw.get("counts", True)),
        )

    def _expand_codes(self, cl_id: str, spec: Any, path: Path) -> tuple[str, ...] | None:
        """Allowed codes: a list, a named subset of the code list, or a hierarchy's codes."""
        if spec is None:
            return None
        cl = self.codelists[cl_id]
        if isinstance(spec, str):
            if spec.startswith("hierarchy:"):
                h = cl.hierarchies[spec.split(":", 1)[1]]
                out: list[str] = []
                for rule in h.rules:
                    for c in (rule.total, *rule.parts):
                        if c not in out:
                            out.append(c)
                return tuple(out)
            if spec in cl.subsets:
                return tuple(cl.subsets[spec])
            raise ValueError(f"{path}: unknown code subset {spec!r} of {cl_id}")
        missing = [c for c in spec if c not in cl]
        if missing:
            raise ValueError(f"{path}: codes {missing} are not in code list {cl_id}")
        return tuple(str(c) for c in spec)

    # -- lookup ----------------------------------------------------------------------------
    def table(self, table_id: str) -> TableDef:
        """A table by id or alias (``S01``, ``MCH1``); unknown ids raise :class:`NotFoundError`."""
        key = table_id.strip().upper()
        found = self.tables.get(key) or self.tables.get(self._aliases.get(key, ""))
        if found is None:
            raise NotFoundError(
                N_("Unknown table {table}. Known tables: {known}."),
                table=table_id,
                known=", ".join(self.tables),
            )
        return found

    def codelist(self, cl_id: str) -> CodeList:
        return self.codelists[cl_id]

    @property
    def areas(self) -> CodeList:
        return self.codelists["AREA"]

    def codes(self, table: TableDef, dim_id: str) -> tuple[str, ...]:
        """The codes a table accepts in a dimension."""
        dim = table.dimension(dim_id)
        return dim.codes if dim.codes is not None else tuple(self.codelists[dim.codelist].codes)

    def standard_tables(self) -> list[TableDef]:
        return [t for t in self.tables.values() if t.group == "standard" and t.status == "active"]

    def country(self, code: str) -> str:
        """The ISO alpha-3 code of a reporting country given as alpha-3, alpha-2, M49 or name."""
        resolved = self.areas.resolve(code)
        if resolved is None or self.areas[resolved].attributes.get("kind") != "country":
            raise NotFoundError(
                N_("Unknown country {code}: give an ISO 3166 alpha-3 code such as KGZ."), code=code
            )
        return resolved


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def registry_folders() -> list[Path]:
    extra = os.environ.get("MIGSTAT_REGISTRY_PATH", "")
    return [DEFINITIONS, *(Path(p) for p in extra.split(os.pathsep) if p)]


@cache
def _cached(folders: tuple[Path, ...]) -> Registry:
    return Registry(folders)


def default_registry() -> Registry:
    """The registry of the shipped definitions plus ``MIGSTAT_REGISTRY_PATH`` (cached)."""
    return _cached(tuple(registry_folders()))
